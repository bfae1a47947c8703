"""Work done in a forked copy of this process, its result handed back through a file.

What a process has freed does not always go back to the system: CPython's small-object
allocator returns a block of memory (an arena) only once every object in it is gone, so a
stage that makes millions of short-lived objects among the ones that outlive it leaves
the process holding several times the memory still in use. Run in a forked copy, such a
stage ends with that copy; the process that forked it gets back only the result, read from
a pickle, packed close together.

The result goes through a temporary file on disk, not a pipe: the copy writes it whole and
exits before the parent reads it, so the two never hold the result at the same time.
"""
from __future__ import annotations

import os
import pickle
import signal
import sys
import tempfile
import threading
import traceback
from contextlib import suppress
from pathlib import Path
from typing import Callable, Generic, TypeVar

from .workers import die_with_parent

T = TypeVar("T")


class ApartFailed(RuntimeError):
    """The forked copy ended without handing back a result (killed, out of memory)."""


def can_run_apart() -> bool:
    """Whether this process can fork a copy to run work in: where the system forks, and
    while no other thread runs (a copy has only the thread that forked it, and a lock
    another thread held then would stay held in the copy for ever)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def cores() -> int:
    """The cores this process may run on: work forked apart pays only with a second one."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on every system
        return os.cpu_count() or 1


def run_apart(work: Callable[[], T], folder: Path) -> T:
    """``work()``, run in a forked copy of this process; its exception, if it raised one,
    is raised here. ``folder``: where the result's temporary file goes.

    The copy shares nothing with this process once forked: what ``work`` changes outside
    its result is lost. Only the calling thread is copied, so a caller running other
    threads that hold locks ``work`` needs must not use this.
    """
    return Apart(work, folder).result()


class Apart(Generic[T]):
    """``work()`` running in a forked copy of this process while this one goes on, as
    ``run_apart`` runs it; ``result()`` waits for it. A copy not waited for is killed at
    ``close()``: it must not outlive what started it."""

    def __init__(self, work: Callable[[], T], folder: Path):
        self._handoff = tempfile.TemporaryFile(dir=folder, prefix="sitegen-result-")
        for stream in (sys.stdout, sys.stderr):
            with suppress(Exception):
                stream.flush()  # else what is buffered would be written twice
        self._pid: int | None = os.fork()
        if self._pid == 0:
            _work_and_exit(work, self._handoff.fileno())  # never returns

    def result(self) -> T:
        try:
            try:
                _, status = os.waitpid(self._pid, 0)
            except BaseException:  # interrupted (Ctrl-C): the copy must not outlive the build
                self.close()
                raise
            self._pid = None
            code = os.waitstatus_to_exitcode(status)
            if code != 0:
                how = f"was killed by signal {-code}" if code < 0 else f"exited with status {code}"
                raise ApartFailed(f"the build's worker process {how} before handing back its result "
                                  "(if the system ran out of memory, build with fewer --jobs or free memory)")
            self._handoff.seek(0)
            try:
                done, value = pickle.load(self._handoff)
            except Exception as exc:  # noqa: BLE001: an exception that pickles but cannot be rebuilt, for one
                raise ApartFailed(f"the build's worker process handed back a result that cannot be read: "
                                  f"{exc!r}") from exc
        finally:
            self._handoff.close()
        if not done:
            raise value
        return value

    def close(self) -> None:
        """End the copy if it still runs, unwaited for (the build failed meanwhile)."""
        if self._pid is not None:
            with suppress(OSError):
                os.kill(self._pid, signal.SIGKILL)
            with suppress(ChildProcessError):
                os.waitpid(self._pid, 0)
            self._pid = None
        self._handoff.close()


def _work_and_exit(work: Callable[[], object], fd: int) -> None:
    """In the copy: run ``work``, write its outcome to ``fd``, and end the process without
    running anything the parent registered (its locks, temporary files and pools are its own)."""
    code = 1
    try:
        die_with_parent()
        try:
            outcome = (True, work())
        except BaseException as exc:  # handed to the parent, which raises it
            exc.add_note("".join(traceback.format_exception(exc)).rstrip())
            outcome = (False, exc)
        with os.fdopen(os.dup(fd), "wb") as out:
            try:
                pickle.dump(outcome, out, pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001: an object that cannot be pickled
                out.seek(0)
                out.truncate()
                said = "".join(traceback.format_exception(outcome[1])) if not outcome[0] else ""
                pickle.dump((False, ApartFailed(f"the build's worker process could not hand back its result "
                                                f"({exc!r}){': ' + said if said else ''}")), out)
        code = 0
    finally:
        for stream in (sys.stdout, sys.stderr):
            with suppress(Exception):
                stream.flush()
        os._exit(code)
