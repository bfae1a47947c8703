"""`sitegen build --timings`: how long each phase took, nested as the phases are, also
for the part of a build run in a forked process, and nothing noted when not asked for."""
from __future__ import annotations

import re

import pytest

from conftest import run_cli

STORY = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."
ROW = re.compile(r"^(?P<indent> *)(?P<name>\S.*?)\s+(?P<seconds>\d+\.\d{3}) s(?:\s+(?P<share>\d+\.\d) %)?$")


def _rows(text: str) -> list[tuple[int, str, float]]:
    rows = []
    for line in text.splitlines():
        match = ROW.match(line)
        if match:
            rows.append((len(match["indent"]) // 2, match["name"], float(match["seconds"])))
    return rows


def test_timings_name_each_phase_nested_under_the_phase_it_is_part_of(make_site):
    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=STORY)
    built = run_cli("build", site.root, "--offline", "--quiet", "--timings")
    assert built.returncode == 0, built.stderr
    assert built.stdout == ""  # quiet: the timings go to standard error
    rows = _rows(built.stderr)
    names = [name for _, name, _ in rows]
    assert names[-1] == "total" and len(rows) == len(built.stderr.strip().splitlines())
    top = {name: seconds for depth, name, seconds in rows if depth == 0}
    assert {"checking what changed", "linking", "pages", "exports (data/)", "writing the output folder",
            "recording the build"} <= top.keys()
    linking = names.index("linking")
    parts = [(depth, name) for depth, name, _ in rows[linking + 1:names.index("pages")]]
    assert (1, "loading articles") in parts and (1, "reference data and linking") in parts
    assert (2, "NER and clustering") in parts and (2, "resolving entities") in parts
    children = [seconds for depth, _, seconds in rows[linking + 1:names.index("pages")] if depth == 1]
    assert sum(children) <= top["linking"] + 0.01  # each printed to the millisecond

    again = run_cli("build", site.root, "--offline", "--timings")
    assert again.returncode == 0 and "up to date" in again.stdout
    assert [name for _, name, _ in _rows(again.stderr)] == ["checking what changed", "total"]


def test_the_phases_of_a_forked_process_come_back_with_its_result(make_site, build_site, monkeypatch):
    import sitegen.pipeline
    from sitegen.timings import Timings

    if not sitegen.pipeline.can_run_apart():
        import threading

        others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
        pytest.skip(f"this process cannot fork a copy: threads still running: {others}" if others
                    else "this system cannot fork")
    monkeypatch.setattr(sitegen.pipeline, "APART_FROM_ARTICLES", 1)
    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=STORY)
    timings = Timings()
    assert build_site(site, timings=timings).ok
    rows = timings.rows()
    names = [name for _, name, _ in rows]
    forked = names.index("NER, clustering and resolving (in a forked process)")
    depth = rows[forked][0]
    assert rows[forked + 1][:2] == (depth + 1, "NER and clustering")
    assert rows[forked + 2][:2] == (depth + 1, "resolving entities")
    assert rows[forked + 1][2] + rows[forked + 2][2] <= rows[forked][2]


def test_no_one_asking_leaves_nothing_noted():
    from sitegen.timings import NoTimings, Timings, table

    quiet = NoTimings()
    with quiet.phase("linking"):
        quiet.adopt([(0, "resolving", 1.0)])
    quiet.note("search", 2.0)
    assert quiet.rows() == ()

    timings = Timings()
    with timings.phase("linking"):
        with timings.phase("resolving"):
            pass
        timings.adopt([(0, "apart", 0.5), (1, "inside", 0.25)])
    timings.note("search", 2.0)
    assert [(d, n) for d, n, _ in timings.rows()] == [(0, "linking"), (1, "resolving"), (1, "apart"),
                                                       (2, "inside"), (0, "search")]
    lines = table(timings.rows(), 4.0).splitlines()
    assert lines[-1].split() == ["total", "4.000", "s"]
    assert lines[-2].split() == ["search", "2.000", "s", "50.0", "%"]
    assert lines[3].startswith("    inside")
