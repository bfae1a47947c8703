"""Worker processes that die with the build that started them.

A pool's workers block reading their task queue, and each holds a copy of that queue's
write end, so when the build is killed (kill -9, an OOM kill) they never see the end of
it and would live on as orphans, each holding a loaded model. Every pool sitegen starts
runs ``die_with_parent`` first in each worker.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent dies


def die_with_parent() -> None:
    parent = os.getppid()
    if sys.platform.startswith("linux") and _ask_kernel():
        if os.getppid() != parent:  # the parent died before the request was made
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent,), name="sitegen-parent-watch", daemon=True).start()


def _ask_kernel() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
