"""Clustering and resolving in a forked process: what a large cold `sitegen build` does so
that the memory they leave fragmented goes with that process (see ``sitegen.apart``)."""
from __future__ import annotations

import os
import signal
import sqlite3
import threading

import pytest

import sitegen.pipeline
from sitegen.apart import ApartFailed, can_run_apart, run_apart
from sitegen.incremental.apart import STAGING_FILE

from conftest import without_search_index

BODIES = [
    "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students.",
    "Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues.",
    "Maria Lopez opened a bakery in Madrid. Lopez hired four people from Madrid.",
    "Hannah Schmidt spoke in Hamburg about schools. Anna Berg listened.",
]

_MODULE_STATE = {"changed": False}


def _snapshot(folder):
    return without_search_index({p.relative_to(folder).as_posix(): p.read_bytes()
                                 for p in sorted(folder.rglob("*")) if p.is_file()})


def _memo_rows(site) -> dict[tuple[str, str], bytes]:
    with sqlite3.connect(site.state_dir / "memo.sqlite") as db:
        return {(entry, key): value for entry, key, value in db.execute("SELECT entry, key, value FROM results")}


def _news_site(make_site, name):
    site = make_site(name)
    for i, body in enumerate(BODIES):
        site.add_article(f"a{i}", title=f"Article {i}", date=f"2025-05-0{i + 1}", body=body)
    return site


@pytest.fixture
def apart_calls(monkeypatch):
    """Every build clusters and resolves in a forked process (not only a large one); the
    list says how many times one was forked."""
    calls: list[int] = []
    real = sitegen.pipeline.run_with_memo_apart

    def counted(*args, **kwargs):
        calls.append(os.getpid())
        return real(*args, **kwargs)

    monkeypatch.setattr(sitegen.pipeline, "APART_FROM_ARTICLES", 1)
    monkeypatch.setattr(sitegen.pipeline, "can_run_apart", lambda: True)  # whatever threads earlier tests left
    monkeypatch.setattr(sitegen.pipeline, "run_with_memo_apart", counted)
    return calls


# ---- run_apart itself ---------------------------------------------------------------


def test_the_result_comes_back_and_nothing_else_does(tmp_path):
    def work():
        _MODULE_STATE["changed"] = True
        return {"pid": os.getpid(), "words": ["Berlin", "Madrid"] * 1000}

    got = run_apart(work, tmp_path)
    assert got["pid"] != os.getpid() and got["words"][:2] == ["Berlin", "Madrid"]
    assert _MODULE_STATE["changed"] is False, "the copy's changes stay in the copy"
    assert list(tmp_path.iterdir()) == [], "the result's file is gone"


def test_an_exception_in_the_copy_is_raised_here_with_its_traceback(tmp_path):
    def work():
        raise KeyError("no such article")

    with pytest.raises(KeyError, match="no such article") as raised:
        run_apart(work, tmp_path)
    assert any("in work" in note for note in getattr(raised.value, "__notes__", []))


def test_a_copy_killed_before_it_hands_back_says_so(tmp_path):
    def work():
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(ApartFailed, match="killed by signal 9"):
        run_apart(work, tmp_path)


def test_a_result_that_cannot_be_pickled_says_what_it_was(tmp_path):
    with pytest.raises(ApartFailed, match="could not hand back its result"):
        run_apart(lambda: (lambda: None), tmp_path)


def test_no_copy_is_forked_while_another_thread_runs():
    assert can_run_apart() == (threading.active_count() == 1)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not can_run_apart()
    finally:
        release.set()
        other.join()


# ---- in a build ------------------------------------------------------------------------


def test_a_build_resolved_apart_makes_the_site_a_build_in_process_makes(make_site, build_site, apart_calls,
                                                                        monkeypatch):
    apart = _news_site(make_site, "apart")
    result = build_site(apart)
    assert result.ok and result.extracted == len(BODIES)
    assert apart_calls == [os.getpid()]
    assert not (apart.state_dir / STAGING_FILE).exists()

    monkeypatch.setattr(sitegen.pipeline, "APART_FROM_ARTICLES", 10**9)
    here = _news_site(make_site, "here")
    assert build_site(here).ok
    assert apart_calls == [os.getpid()], "the second build ran in this process"
    assert _snapshot(apart.output) == _snapshot(here.output)
    assert {k[0] for k in _memo_rows(apart)} == {k[0] for k in _memo_rows(here)}, \
        "what the copy wrote for the memo file reached it"


def test_what_the_copy_kept_is_reused_by_the_next_build(make_site, build_site, apart_calls, monkeypatch):
    """The clusters the copy wrote for the memo file (through its staging file) are in the
    file once the build saved: the next build runs NER on nothing unchanged."""
    site = _news_site(make_site, "site")
    assert build_site(site).ok
    site.add_article("a1", title="Article 1", date="2025-05-02",
                     body=BODIES[1].replace("Stockholm", "Uppsala"))
    monkeypatch.setattr(sitegen.pipeline, "APART_FROM_ARTICLES", 10**9)
    clustered: list[str] = []
    real_cluster_stage = sitegen.pipeline.cluster_stage

    def watched(config, articles, *args, **kwargs):
        clustered.extend(a.id for a in articles)
        return real_cluster_stage(config, articles, *args, **kwargs)

    monkeypatch.setattr(sitegen.pipeline, "cluster_stage", watched)
    edited = build_site(site)
    assert edited.ok and edited.extracted == 1
    assert clustered == ["a1"], "the other articles' clusters came from the memo file"
    assert len(apart_calls) == 1

    fresh = _news_site(make_site, "fresh")
    fresh.add_article("a1", title="Article 1", date="2025-05-02",
                      body=BODIES[1].replace("Stockholm", "Uppsala"))
    assert build_site(fresh).ok
    assert _snapshot(site.output) == _snapshot(fresh.output)


def test_warnings_from_the_copy_are_the_builds(make_site, build_site, apart_calls):
    site = _news_site(make_site, "site")
    site.add_note("nobody", name="Wilhelmina Nobody")
    said: list[str] = []
    result = build_site(site, warn=said.append)
    assert result.ok and apart_calls
    wanted = [w for w in result.warnings if "Wilhelmina Nobody" in w]
    assert wanted and wanted == [w for w in said if "Wilhelmina Nobody" in w]


def test_a_build_failing_in_the_copy_leaves_the_memo_file_and_output_as_they_were(make_site, build_site,
                                                                                  apart_calls, monkeypatch):
    site = _news_site(make_site, "site")
    assert build_site(site).ok
    rows, built = _memo_rows(site), _snapshot(site.output)
    site.add_article("a9", title="Article 9", date="2025-05-09", body="Pedro Alves flew to Lisbon.")

    def broken(*args, **kwargs):
        raise RuntimeError("resolving broke")

    monkeypatch.setattr(sitegen.pipeline, "resolve_stage", broken)
    with pytest.raises(RuntimeError, match="resolving broke"):
        build_site(site, force=True)
    assert len(apart_calls) == 2
    assert _memo_rows(site) == rows, "the clusters the copy made were not committed"
    assert _snapshot(site.output) == built
    assert not (site.state_dir / STAGING_FILE).exists()


def test_the_site_handed_back_holds_each_mention_once(make_site, build_site, apart_calls):
    """An article's list of mentions and its entities' mentions are the same objects, as in
    a build resolved in this process: pickled as bytes of their own, the lists came back as
    copies (at 10,000 articles, 390,000 mentions held twice through rendering)."""
    site = _news_site(make_site, "site")
    result = build_site(site)
    assert result.ok and apart_calls
    held = {id(m) for e in result.site.entities + result.site.without_page for m in e.mentions}
    listed = [m for mentions in result.site.mentions_by_article.values() for m in mentions]
    assert listed and all(id(m) in held for m in listed)
