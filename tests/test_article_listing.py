"""The articles folder listed again only where a folder changed (``incremental.articles.article_lister``)."""
from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sitegen.content.articles import find_article_files
from sitegen.incremental import Memo
from sitegen.incremental.articles import article_lister

from conftest import article_text


def _write(path: Path, title: str = "Talks") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(article_text(title, "2025-03-01", "Maria Lopez spoke."), encoding="utf-8")
    return path


def _date_back(folder: Path) -> None:
    """Every folder under ``folder`` dated a minute back: changed long before it is listed."""
    past = time.time_ns() - 60 * 10**9
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            os.utime(path, ns=(past, past))


@pytest.fixture
def articles(tmp_path) -> Path:
    folder = tmp_path / "site" / "content" / "articles"
    _write(folder / "one.md")
    _write(folder / "2025" / "two.md")
    _date_back(folder)
    return folder


@pytest.fixture
def scans(monkeypatch) -> list[str]:
    """The folders read, as they are read."""
    read: list[str] = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: read.append(str(path)) or real(path))
    return read


def _same(listing, fresh) -> None:
    assert listing.files == fresh.files
    assert [e.message for e in listing.refused] == [e.message for e in fresh.refused]
    assert [e.message for e in listing.skipped] == [e.message for e in fresh.skipped]


def test_a_folder_unchanged_since_it_was_listed_is_not_read_again(articles, scans):
    find = article_lister(Memo())
    first = find(articles)
    assert len(scans) == 2  # the folder and its subfolder
    scans.clear()
    (articles / "one.md").write_text(article_text("Changed", "2025-03-02", "Other words."), encoding="utf-8")
    again = find(articles)
    assert scans == []  # a file written in place changes no folder: its text is read anyway
    _same(again, first)
    again.files.clear()  # the caller's copy: the next build's listing is whole
    assert find(articles).files == first.files


@pytest.mark.parametrize("change", ["add", "add in subfolder", "delete", "rename", "new subfolder", "hide"])
def test_a_change_of_a_folders_entries_is_listed_again(change, articles, scans):
    find = article_lister(Memo())
    find(articles)
    if change == "add":
        _write(articles / "three.md")
    elif change == "add in subfolder":
        _write(articles / "2025" / "three.md")
    elif change == "delete":
        (articles / "2025" / "two.md").unlink()
    elif change == "rename":
        (articles / "one.md").rename(articles / "2025" / "one.md")
    elif change == "new subfolder":
        _write(articles / "2026" / "march" / "three.md")
    elif change == "hide":
        (articles / "one.md").rename(articles / ".one.md")
    scans.clear()
    listing = find(articles)
    assert scans, "the changed folder was not read again"
    _same(listing, find_article_files(articles))


def test_a_folder_changed_just_before_it_was_listed_is_read_again(tmp_path, scans):
    # A second entry added within the same step of a coarse clock would leave the folder's
    # time as it was: a listing made so soon after a change is not trusted.
    folder = tmp_path / "content" / "articles"
    _write(folder / "one.md")
    find = article_lister(Memo())
    find(folder)
    scans.clear()
    find(folder)
    assert scans == [str(folder)]


def test_a_listing_that_followed_a_link_is_made_again_each_time(articles, tmp_path, scans):
    elsewhere = articles.parent / "drafts"
    _write(elsewhere / "linked.md")
    (articles / "linked").symlink_to(elsewhere, target_is_directory=True)
    _date_back(articles.parent)
    find = article_lister(Memo())
    assert any(p.name == "linked.md" for p in find(articles).files)
    (elsewhere / "linked.md").unlink()  # changes the linked folder only, not the articles folder
    scans.clear()
    listing = find(articles)
    assert scans
    assert not any(p.name == "linked.md" for p in listing.files)


def test_a_folder_made_after_a_listing_found_none_is_listed(tmp_path):
    folder = tmp_path / "content" / "articles"
    find = article_lister(Memo())
    assert find(folder).files == []
    _write(folder / "one.md")
    _date_back(folder)
    assert [p.name for p in find(folder).files] == ["one.md"]


def test_a_listing_kept_in_the_memo_file_is_used_by_the_next_process(articles, tmp_path, scans):
    memo_file = tmp_path / "memo.sqlite"

    def listed():
        memo = Memo("v", memo_file)  # each build its own memo, read from the file the last one saved
        memo.begin()
        listing = article_lister(memo)(articles)
        memo.end()
        memo.save()
        memo.close()
        return listing

    first = listed()
    scans.clear()
    again = listed()
    assert scans == []
    _same(again, first)
    assert all(isinstance(p, Path) for p in again.files)
    _write(articles / "three.md")
    assert "three.md" in [p.name for p in listed().files]


def test_a_folder_whose_permissions_changed_is_read_again(articles, scans):
    # Whether it can be read at all may have changed: its change time says so, not its
    # modification time.
    find = article_lister(Memo())
    find(articles)
    articles.chmod(0o700)
    scans.clear()
    find(articles)
    assert str(articles) in scans
