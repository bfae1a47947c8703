"""Timing a child process: wall time, its peak RSS, and the peak RSS of its process tree."""
from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time from start to exit
    max_rss_mb: float  # ru_maxrss of the child: the largest single process of its tree
    tree_rss_mb: float  # peak sum of RSS over the child and its descendants (sampled)
    returncode: int
    stdout: str
    stderr: str
    cpu_s: float = 0.0  # user + system CPU of the child and its descendants
    others_cpu_s: float = 0.0  # CPU the rest of the machine used meanwhile (this script included)
    steal_s: float = 0.0  # CPU the hypervisor gave to other guests meanwhile
    # peak sum of PSS over the tree (sampled): a page shared by n processes counts 1/n in
    # each, so forked workers sharing the parent's pages are not counted twice
    tree_pss_mb: float = 0.0


def run(cmd: Sequence[str], cwd: Path | None = None, sample_every: float = 0.1) -> Run:
    """Run ``cmd`` in ``cwd`` to completion and measure it. Output goes to files, not pipes."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sampler = _TreeSampler(sample_every)
        cpu_before = _machine_cpu()
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=err)
        sampler.start(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        cpu_after = _machine_cpu()
        proc.returncode = os.waitstatus_to_exitcode(status)
        tree_peak = sampler.stop()
        child_cpu = usage.ru_utime + usage.ru_stime
        busy = cpu_after[0] - cpu_before[0]
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            max_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            tree_rss_mb=max(tree_peak, usage.ru_maxrss * 1024) / 2**20,
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            cpu_s=child_cpu,
            others_cpu_s=max(0.0, busy - child_cpu),
            steal_s=cpu_after[1] - cpu_before[1],
            tree_pss_mb=sampler.pss_peak / 2**20,
        )


def _machine_cpu() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    steal = fields[7] if len(fields) > 7 else 0
    return (user + nice + system + irq + softirq) / tick, steal / tick


class _TreeSampler:
    """Polls /proc for the summed RSS of a process and all its descendants."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.peak = 0
        self.pss_peak = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        self._thread = threading.Thread(target=self._loop, args=(pid,), daemon=True)
        self._thread.start()

    def stop(self) -> int:
        self._stop.set()
        if self._thread:
            self._thread.join()
        return self.peak

    def _loop(self, root: int) -> None:
        while not self._stop.is_set():
            rss, pss = tree_memory_bytes(root)
            self.peak = max(self.peak, rss)
            self.pss_peak = max(self.pss_peak, pss)
            self._stop.wait(self.every)


def tree_rss_bytes(root: int) -> int:
    return tree_memory_bytes(root)[0]


def tree_memory_bytes(root: int) -> tuple[int, int]:
    """Summed RSS and PSS of ``root`` and its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (comm) "
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * PAGE
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(pid, 0) for pid in tree), sum(_pss_bytes(pid) for pid in tree)


def _pss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0
