"""Pages an edit does not touch stay in the output folder, unread, and are never trusted
blindly: a file changed behind the build's back, or by a commit that was cut off, is made again."""
from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from conftest import SiteFolder, kept_reads, power_cut_after, without_search_index

ARTICLE_A = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."
ARTICLE_B = "Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues."
ARTICLE_C = "Lars Olsen opened a bridge in Oslo. Olsen said it took four years."


def _site(make_site) -> SiteFolder:
    site = make_site()
    site.write_config("search = false\n")
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    site.add_article("bridge", title="A new bridge", date="2025-05-03", body=ARTICLE_C)
    return site


def _snapshot(folder: Path) -> dict[str, bytes]:
    return without_search_index({p.relative_to(folder).as_posix(): p.read_bytes()
                                 for p in sorted(folder.rglob("*")) if p.is_file()})


def _clean_build(site: SiteFolder, build_site, tmp_path: Path) -> dict[str, bytes]:
    """The same site built from scratch into a folder of its own (the NER cache aside)."""
    copy = tmp_path / "clean"
    shutil.rmtree(copy, ignore_errors=True)  # a test may compare with a clean build more than once
    shutil.copytree(site.root, copy, ignore=shutil.ignore_patterns("output", "memo.sqlite", "last-build.*",
                                                                   "addresses.json"))
    assert build_site(copy).ok
    return _snapshot(copy / "output")


def _retitle(site: SiteFolder, title: str) -> None:
    site.add_article("visit", title=title, date="2025-05-01", body=ARTICLE_A)


def test_a_one_article_edit_reads_no_page_it_did_not_change(make_site, build_site, monkeypatch):
    site = _site(make_site)
    assert build_site(site).ok
    _retitle(site, "School visit, updated")
    read_back = kept_reads(monkeypatch)
    result = build_site(site)
    assert result.ok and result.stats.written > 0
    assert result.stats.unchanged > 0
    assert read_back == []
    assert "School visit, updated" in site.article_page("visit")


def test_the_memo_keeps_no_page_bytes(make_site, build_site):
    from sitegen.incremental.pages import RENDERED

    site = _site(make_site)
    assert build_site(site).ok
    with closing(sqlite3.connect(site.state_dir / "memo.sqlite")) as db:
        rows = db.execute("SELECT value FROM results WHERE entry = ?", (RENDERED.name,)).fetchall()
    pages = [pickle.loads(value).page for value, in rows]
    written = {path.relative_to(site.output).as_posix() for path in site.html_files()}
    assert {"index.html", "articles/visit/index.html"} <= {page.file for page in pages} <= written
    assert all(page.data is None and page.digest for page in pages)


def test_the_memo_keeps_what_a_page_read_as_marks_and_finds_a_changed_input_by_them(make_site, build_site):
    """A large site's pages read a million inputs; reading them back as tuples cost a
    one-article edit at 10,000 articles a second. Kept as marks, they still find every
    page that read a changed input."""
    from sitegen.incremental.pages import RENDERED, ReadMarks, read_mark

    site = _site(make_site)
    assert build_site(site).ok
    with closing(sqlite3.connect(site.state_dir / "memo.sqlite")) as db:
        rows = db.execute("SELECT value FROM results WHERE entry = ?", (RENDERED.name,)).fetchall()
    pages = {page.file: page for page in (pickle.loads(value).page for value, in rows)}
    assert all(isinstance(page.reads, ReadMarks) for page in pages.values())
    home = pages["index.html"]
    assert read_mark(("setting", "language")) in set(home.reads.numbers())
    _retitle(site, "School visit, updated")
    assert build_site(site).ok
    # the home page lists the article by its title, so it read it and is made again
    assert "School visit, updated" in (site.output / "index.html").read_text(encoding="utf-8")


def test_the_inputs_pages_read_are_kept_as_plain_digests_and_read_back_as_digests():
    """Written and read at every build (46,000 inputs at 10,000 articles): kept as plain
    strings, not as the str subclass that marks a digest in memory, which pickle writes as
    a call with its state, four times slower."""
    from sitegen.incremental.pages import PageInputs, ValueDigest
    from sitegen.incremental.digest import digest

    inputs = PageInputs(None, {("article", "a"): ValueDigest("d" * 64), ("setting", "title"): "A site"},
                        {}, 0, {"article": {"a": "e" * 64}})
    blob = pickle.dumps(inputs, pickle.HIGHEST_PROTOCOL)
    assert b"ValueDigest" not in blob
    back = pickle.loads(blob)
    assert back.values == {("article", "a"): "d" * 64, ("setting", "title"): digest("A site")}
    assert all(type(value) is ValueDigest for value in back.values.values())
    assert back.raw_digests == {"article": {"a": "e" * 64}} and back.raw is None


def test_pruning_keeps_the_inputs_pages_read_back_from_disk_still_read():
    from sitegen.incremental.pages import ReadMarks, _prune
    from sitegen.site.render import RenderedPage

    def page(reads, marked):
        reads = frozenset(reads)
        return RenderedPage("a.html", None, "/a/", None, True, ReadMarks.of(reads) if marked else reads, "d")

    values = {("article", "a"): 1, ("article", "b"): 2, ("entity", "x"): 3, ("entity", "gone"): 4}
    naming = {"a": frozenset({("article", "a")}), "gone": frozenset({("entity", "gone")})}
    kept, kept_naming = _prune(values, naming, [page({("article", "a"), ("entity", "x")}, True),
                                                page({("article", "b")}, False), None])
    assert kept == {("article", "a"): 1, ("article", "b"): 2, ("entity", "x"): 3}
    assert kept_naming == {"a": frozenset({("article", "a")})}


@pytest.mark.parametrize("damage", ["edited", "same size", "deleted"])
def test_a_page_changed_by_hand_is_made_again_on_the_next_edit(make_site, build_site, tmp_path, damage):
    site = _site(make_site)
    assert build_site(site).ok
    page = site.output / "articles" / "award" / "index.html"
    if damage == "deleted":
        page.unlink()
    elif damage == "same size":
        data = page.read_bytes()
        page.write_bytes(data.replace(b"Chemistry award", b"Chemistry AWARD"))
        os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1_000_000))
    else:
        page.write_text("edited by hand", encoding="utf-8")
    _retitle(site, "School visit, updated")  # an edit elsewhere: the page's inputs are unchanged
    assert build_site(site).ok
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)


def test_a_commit_cut_off_is_finished_before_any_page_is_kept(make_site, build_site, tmp_path, monkeypatch):
    site = _site(make_site)
    assert build_site(site).ok
    _retitle(site, "School visit, updated")
    power_cut_after(monkeypatch, 2)  # the journal and the first file
    with pytest.raises(KeyboardInterrupt):
        build_site(site)
    monkeypatch.undo()
    assert (site.root / ".output.pending" / "journal.json").is_file()
    # The edit is taken back before the next build: its pages are those the last finished
    # build kept, but the journal left behind would move the edited ones in.
    _retitle(site, "School visit")
    assert build_site(site).ok
    assert "School visit, updated" not in site.article_page("visit")
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)


def test_a_build_into_another_folder_and_back_keeps_both_whole(make_site, build_site, tmp_path):
    site = _site(make_site)
    assert build_site(site).ok
    elsewhere = tmp_path / "elsewhere"
    _retitle(site, "School visit, updated")
    assert build_site(site, output=elsewhere).ok
    _retitle(site, "School visit, again")
    assert build_site(site).ok
    assert "School visit, again" in site.article_page("visit")
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)


def test_an_edit_hashes_only_the_text_of_the_article_it_changed(make_site, build_site, monkeypatch):
    """Each article's clusters key is kept under the article's own digest, which the
    article keeps with it: a new title digests that article again, and no other article's
    text is hashed to find its clusters (0.1 s of every build at 10,000 articles)."""
    from sitegen.incremental import articles

    site = _site(make_site)
    assert build_site(site).ok
    hashed = []
    real = articles.extraction_key
    monkeypatch.setattr(articles, "extraction_key", lambda text, model: hashed.append(text) or real(text, model))
    _retitle(site, "School visit, updated")
    assert build_site(site).ok
    assert hashed == [ARTICLE_A], hashed
