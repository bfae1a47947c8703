"""Work a preview does after a build, once the saving pauses, on a thread of its own.

What a build publishes first is what an open page reloads: the pages. Some work that
follows a build is worth doing only once the editor stops saving (a newer build would make
it out of date at once, and doing it would hold up that build): the search index, the
data/ exports. ``AfterPause`` runs such work when ``pause`` seconds have passed without a
new request; work that finds it was overtaken by a newer build says so, and runs again.
"""
from __future__ import annotations

import threading
import time
import traceback
from typing import Callable


class AfterPause:
    """Subclasses say what to do in ``run_once``; ``request`` asks for it to be done."""

    name = "sitegen-later"

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self._last_request = 0.0
        self._wanted = threading.Condition()
        self._pending = False
        self._stopped = False
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None

    def run_once(self) -> bool:
        """Do the work; False if a newer build overtook it (it is then done again)."""
        raise NotImplementedError

    def request(self) -> None:
        """Do the work again, once the saving pauses."""
        with self._wanted:
            self._pending = True
            self._last_request = time.monotonic()
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._wanted.notify_all()

    def pending(self) -> bool:
        """Asked for and not yet done."""
        return not self._idle.is_set()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no work is asked for or under way (tests, shutdown)."""
        return self._idle.wait(timeout)

    def stop(self, finish: bool = False) -> None:
        """End the thread; ``finish``: do work still asked for first, without waiting for a pause."""
        with self._wanted:
            if finish:
                self._last_request = 0.0  # the pause is over
            else:
                self._stopped = True
            self._wanted.notify_all()
            thread = self._thread  # taken under the lock: one that does not linger clears it as it ends
        if finish and thread is not None:
            self._idle.wait()
            with self._wanted:
                self._stopped = True
                self._wanted.notify_all()
        if thread is not None:
            thread.join()  # work under way finishes: nothing is left half-written

    # Whether the thread waits for the next request once the work is done, or ends (a new
    # request starts another)
    linger = True

    def _run(self) -> None:
        while True:
            with self._wanted:
                if not self._pending:
                    self._idle.set()
                    if not self.linger:
                        self._thread = None  # under the lock: a request from now on starts another
                        return
                self._wanted.wait_for(lambda: self._pending or self._stopped)
                while not self._stopped:  # until the saving pauses
                    left = self._last_request + self.pause - time.monotonic()
                    if left <= 0:
                        break
                    self._wanted.wait(left)
                if self._stopped:
                    return
                self._pending = False
            try:
                done = self.run_once()
            except Exception:  # a bug: say so; the next request tries again
                traceback.print_exc()
                done = True
            if not done:
                with self._wanted:
                    self._pending = True


class Later(AfterPause):
    """``work()`` done once the saving pauses; ``work`` returns False to be asked again
    (it found the pause was not one after all). Its thread ends when the work is done: a
    preview asks for it after every save, and a process making many previews (the tests)
    would keep a thread for each, which then stops it forking (``apart.can_run_apart``)."""

    linger = False

    def __init__(self, work: Callable[[], bool], pause: float, name: str) -> None:
        super().__init__(pause)
        self.work, self.name = work, name

    def run_once(self) -> bool:
        return self.work()
