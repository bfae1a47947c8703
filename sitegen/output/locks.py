"""One build at a time per site and per output folder, ``build`` and ``serve`` alike.

Two builds of one site at once (two terminals, or a build while the preview rebuilds)
would race on the caches, the record of the last build and the output folder. Each build
holds two locks while it runs: the site's, on a lock file in ``.sitegen/``, and the output
folder's, a lock on the folder itself (so two sites built into one folder take turns too,
and no lock file is left beside it). Both are operating-system locks (``flock``, the call
``filelock`` makes on these systems; ``filelock`` itself on Windows, imported only there:
every build takes these locks, one with nothing to do included, and loading it costs more
than the lock): a build that is killed holds nothing, the kernel lets go with the process.
A second build waits for the first, and says that it is waiting.
"""
from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator

from ..errors import OutputError, os_error_message

try:
    import fcntl
except ImportError:  # Windows: the site's lock alone
    fcntl = None

SITE_LOCK = "build.lock"


@contextmanager
def build_lock(state_dir: Path, output: Path, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the site's lock, then the output folder's (always in that order, so two builds
    never wait for each other); wait, after saying so, while another build holds one."""
    with ExitStack() as held:
        held.enter_context(_site_lock(state_dir / SITE_LOCK, say))
        held.enter_context(_folder_lock(output, say))
        yield


@contextmanager
def _site_lock(path: Path, say: Callable[[str], None]) -> Iterator[None]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(os_error_message(exc, "take the site's build lock")) from exc
    if fcntl is None:
        with _windows_lock(path, say):
            yield
        return
    with _flock(path, os.O_RDWR | os.O_CREAT, "take the site's build lock",
                lambda: say("another sitegen build of this site is running; waiting for it to finish (Ctrl-C to stop)")):
        yield


@contextmanager
def _folder_lock(folder: Path, say: Callable[[str], None]) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)  # an empty folder: sitegen's to fill
    except OSError as exc:
        raise OutputError(os_error_message(exc, "open the output folder")) from exc
    with _flock(folder, os.O_RDONLY, "open the output folder",
                lambda: say(f"another sitegen build into {folder} is running; waiting for it to finish (Ctrl-C to stop)")):
        yield


@contextmanager
def _flock(path: Path, flags: int, doing: str, waiting: Callable[[], None]) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (opened with ``flags``); say ``waiting`` first
    if another process holds it."""
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise OutputError(os_error_message(exc, doing)) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the file lets go of its lock


@contextmanager
def _windows_lock(path: Path, say: Callable[[str], None]) -> Iterator[None]:
    from filelock import FileLock, Timeout

    try:
        lock = FileLock(path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            say("another sitegen build of this site is running; waiting for it to finish (Ctrl-C to stop)")
            lock.acquire()
    except OSError as exc:
        raise OutputError(os_error_message(exc, "take the site's build lock")) from exc
    try:
        yield
    finally:
        lock.release()
