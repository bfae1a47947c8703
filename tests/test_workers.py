"""Worker processes die with the build: kill -9 of the parent leaves nothing behind.

Before, a build killed while NER ran in worker processes left them orphaned for good
(each holding a loaded model, ~200 MB), blocked on a task queue nobody would write to.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthetic_news import write_archive


def _children(pid: int) -> set[int]:
    found = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.update(int(c) for c in (task / "children").read_text().split())
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc to see child processes")
def test_killing_a_build_kills_its_worker_processes(tmp_path):
    root = tmp_path / "archive"
    (root / "content" / "articles").mkdir(parents=True)
    write_archive(root / "content" / "articles", 200)
    build = subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(root), "--offline", "--jobs", "2",
                              "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2 and build.poll() is None:
            workers = _children(build.pid)
            time.sleep(0.05)
        assert len(workers) >= 2, "the build started no worker processes"
        time.sleep(1.0)  # the workers are loading the model or running NER
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.1)
    left = [pid for pid in workers if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"worker processes {left} outlived the killed build"
