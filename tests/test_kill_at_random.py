"""kill -9 a real build at random instants: the site left is always whole.

A 300-article site is rebuilt between two editions (its title changes, so hundreds of
pages and the search index change). Each build is killed with SIGKILL, either at a
random instant of the whole build or at a random instant after its commit began (the
journal appeared), where a cut could hurt. After every kill:
- every file is byte for byte the old edition's or the new one's, never a mix;
- every file in the folder is in sitegen's record of what it wrote (so nothing it
  wrote can become a stranger's file that it would never clean up);
- the search index loads: its entry file and everything it leads to are there and whole.
Every few kills, and at the end, a build runs to the finish: the site is then exactly
the edition asked for, and no staging folder is left.
"""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sitegen.check.search import BundleCheck
from sitegen.output.spool import spool_folder
from sitegen.output.write import JOURNAL, pending_folder
from sitegen.output.ownership import RECORD

from conftest import without_search_index
from synthetic_news import write_archive

ARTICLES = 300
KILLS = 30
EDITIONS = ("Edition A", "Edition B")


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _build(root: Path, title: str, kill=None) -> tuple[int | None, bool]:
    """Build edition ``title``; ``kill(elapsed, commit_began)`` says when to SIGKILL it.
    Returns the exit code (None if killed) and whether the commit had begun. A build to be
    killed is forced: one the no-op check answers would have nothing to cut."""
    (root / "sitegen.toml").write_text(f'title = "{title}"\n', encoding="utf-8")
    journal = pending_folder((root / "output").resolve()) / JOURNAL
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    forced = ["--force"] if kill is not None else []
    process = subprocess.Popen([sys.executable, "-m", "sitegen", "build", str(root), "--offline", "--quiet", *forced],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    started, commit_began = time.monotonic(), None
    while process.poll() is None:
        now = time.monotonic()
        if commit_began is None and journal.exists():
            commit_began = now
        if kill is not None and kill(now - started, None if commit_began is None else now - commit_began):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return None, commit_began is not None
        time.sleep(0.0005)
    stderr = process.stderr.read().decode()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    return 0, commit_began is not None


def _assert_whole(output: Path, editions: list[dict[str, bytes]], note: str) -> None:
    files = _files(output)
    record = set(json.loads(files[RECORD])["files"]) if RECORD in files else set()
    for name, data in files.items():
        if name == RECORD or name.startswith("pagefind/"):
            continue
        assert any(e.get(name) == data for e in editions), f"{name} is neither edition's after {note}"
    assert set(files) - {RECORD} <= record, f"files outside the record after {note}: " \
        f"{sorted(set(files) - {RECORD} - record)[:5]}"
    if any(name.startswith("pagefind/") for name in files):
        bundle = BundleCheck(output, set(files), "pagefind", "search/index.html").run()
        assert not bundle.problems, f"search index broken after {note}: {bundle.problems[:3]}"


def test_a_build_killed_at_any_instant_leaves_a_whole_site(tmp_path):
    root = tmp_path / "archive"
    (root / "content" / "articles").mkdir(parents=True)
    write_archive(root / "content" / "articles", ARTICLES)
    output = root / "output"

    editions, durations = [], []
    for title in EDITIONS:  # each edition once in full: what every file may be
        started = time.monotonic()
        _build(root, title)
        durations.append(time.monotonic() - started)
        editions.append(_files(output))
    whole_build = max(durations[1:])
    rng = random.Random(20261201)
    in_commit = 0
    for n in range(1, KILLS + 1):
        # Towards the edition the home page is not (yet) in: there is always a commit to cut.
        home = (output / "index.html").read_bytes()
        title = EDITIONS[1] if home == editions[0]["index.html"] else EDITIONS[0]
        if n % 2:  # anywhere in the build
            at = rng.uniform(0.0, whole_build)
            _, began = _build(root, title, kill=lambda elapsed, committing: elapsed >= at)
        else:  # within the commit, where a cut could mix old and new
            delay = rng.uniform(0.0, 0.25)
            _, began = _build(root, title, kill=lambda elapsed, committing: committing is not None
                              and committing >= delay)
        in_commit += began
        _assert_whole(output, editions, f"kill {n} ({title})")
        if n % 6 == 0 or n == KILLS:
            _build(root, title)  # the next build finishes whatever was cut off
            assert without_search_index(_files(output)) == without_search_index(editions[EDITIONS.index(title)])
            _assert_whole(output, editions, f"the build after kill {n}")
            assert not pending_folder(output.resolve()).exists()
            assert not spool_folder(output.resolve()).exists()
    print(f"{KILLS} kills, {in_commit} of them after the commit began")  # shown with pytest -s
    assert in_commit >= KILLS // 3, f"only {in_commit} kills landed after the commit began"
