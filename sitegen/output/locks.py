"""One build at a time per site and per output folder, ``build`` and ``serve`` alike.

Two builds of one site at once (two terminals, or a build while the preview rebuilds)
would race on the caches, the record of the last build and the output folder. Each build
holds two locks while it runs: the site's, a ``filelock`` lock file in ``.sitegen/``, and
the output folder's, a lock on the folder itself (so two sites built into one folder take
turns too, and no lock file is left beside it). Both are operating-system locks: a build
that is killed holds nothing, the kernel lets go with the process. A second build waits
for the first, and says that it is waiting.
"""
from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

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


@contextmanager
def _folder_lock(folder: Path, say: Callable[[str], None]) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)  # an empty folder: sitegen's to fill
        fd = os.open(folder, os.O_RDONLY)
    except OSError as exc:
        raise OutputError(os_error_message(exc, "open the output folder")) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another sitegen build into {folder} is running; waiting for it to finish (Ctrl-C to stop)")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the folder lets go of its lock
