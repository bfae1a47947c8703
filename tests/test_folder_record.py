"""After an edit, ``sitegen build`` records the output folder from one look at it before
writing and the files it wrote, not a walk of the whole folder: the record must be what a
walk finds, whatever was changed in the folder by hand meanwhile, and a change it could
not see must make the next build build, never be taken for no change."""
from __future__ import annotations

import os
import random
import shutil

import pytest

import sitegen.build
import sitegen.last_build
import sitegen.output.stamps
from sitegen.config import load_config
from sitegen.output.stamps import folder_record

STORIES = ["Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students.",
           "Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues.",
           "Lars Olsen opened a bridge in Oslo. Olsen said it took four years."]


def _as_found(record) -> tuple[set, set]:
    return (set(zip(record.folders, record.folder_times, record.folder_inodes)),
            set(zip(record.files, record.file_sizes, record.file_times)))


def _built_stories(make_site, build_site):
    """A site of the three stories, built once (no search index: Pagefind is not the point)."""
    site = make_site()
    site.write_config("search = false\n")
    for n, story in enumerate(STORIES):
        site.add_article(f"a{n}", title=f"Story {n}", date=f"2025-05-0{n + 1}", body=story)
    assert build_site(site).ok
    return site


def _recorded(site):
    return sitegen.last_build.read(load_config(site.root)).output


def _hand_change(site, rng: random.Random, kind: str) -> None:
    pages = sorted(p for p in site.output.rglob("*.html") if p.is_file())
    page = rng.choice(pages)
    if kind == "edited":
        page.write_text("edited by hand", encoding="utf-8")
    elif kind == "deleted":
        page.unlink()
    elif kind == "added":
        (page.parent / "notes.txt").write_text("mine", encoding="utf-8")
    elif kind == "folder added":
        (page.parent / "extra").mkdir(exist_ok=True)
        (page.parent / "extra" / "a.txt").write_text("mine", encoding="utf-8")
    elif kind == "folder removed":
        folders = sorted({p.parent for p in pages if p.parent != site.output})
        shutil.rmtree(rng.choice(folders))


@pytest.mark.parametrize("kind", ["none", "edited", "deleted", "added", "folder added", "folder removed"])
def test_the_record_after_an_edit_is_what_a_walk_of_the_folder_finds(make_site, build_site, monkeypatch, kind):
    site = _built_stories(make_site, build_site)
    walks = []
    real = sitegen.output.stamps.folder_record
    monkeypatch.setattr(sitegen.build, "folder_record", lambda *a: walks.append(a) or real(*a))
    rng = random.Random(kind)
    for round_ in range(3):
        _hand_change(site, rng, kind)
        site.add_article("a1", title=f"Story 1, take {round_}", date="2025-05-02", body=STORIES[1])
        assert build_site(site).ok
        assert walks == [], "the whole folder was walked"
        assert _as_found(_recorded(site)) == _as_found(folder_record(site.output, 0))
        assert build_site(site).up_to_date


def test_a_hand_change_made_while_a_build_writes_makes_the_next_build_build(make_site, build_site, monkeypatch):
    site = _built_stories(make_site, build_site)
    kept = site.output / "articles" / "a2" / "index.html"
    real = sitegen.build.CommandLineOutput.write

    def write_then_edit(self, output, files):
        stats = real(self, output, files)
        kept.write_text("edited while the build wrote", encoding="utf-8")  # after the build looked
        return stats

    monkeypatch.setattr(sitegen.build.CommandLineOutput, "write", write_then_edit)
    site.add_article("a1", title="Story 1, again", date="2025-05-02", body=STORIES[1])
    assert build_site(site).ok
    monkeypatch.undo()
    again = build_site(site)
    assert not again.up_to_date, "a change the record did not see was taken for no change"
    assert "edited while the build wrote" not in kept.read_text(encoding="utf-8")


def test_a_check_of_a_folder_that_is_gone_finds_nothing_as_recorded(make_site, build_site, tmp_path):
    from sitegen.output.stamps import check_folder, refreshed

    site = make_site()
    site.write_config("search = false\n")
    site.add_article("a0", title="Story 0", date="2025-05-01", body=STORIES[0])
    assert build_site(site).ok
    record = folder_record(site.output, 0)
    gone = tmp_path / "gone"
    check = check_folder(gone, record, 0)
    assert not check.same_files and check.moved_folders == frozenset(record.folders)
    assert refreshed(gone, check, ()) is None
    shutil.rmtree(site.output)
    site.add_article("a0", title="Story 0, again", date="2025-05-01", body=STORIES[0])
    assert build_site(site).ok, "an output folder removed by hand is made again"
    assert _as_found(_recorded(site)) == _as_found(folder_record(site.output, 0))


def test_a_folder_the_build_wrote_into_is_not_listed_again_and_a_hand_edit_there_is_seen(
        make_site, build_site, monkeypatch):
    """One article's edit writes its text into data/text/, which holds every article's: the
    record takes that folder's other files as the check at the build's start found them
    (10,000 stats at 10,000 articles saved), and one of them edited by hand while the build
    wrote is not taken for as written."""
    site = _built_stories(make_site, build_site)
    listed = []
    real_scandir = os.scandir

    def scandir(path):
        if isinstance(path, (str, os.PathLike)):
            listed.append(os.path.relpath(path, site.output))
        return real_scandir(path)

    monkeypatch.setattr(sitegen.output.stamps.os, "scandir", scandir)
    other_text = site.output / "data" / "text" / "a2.txt"
    real_write = sitegen.build.CommandLineOutput.write

    def write_then_edit(self, output, files):
        stats = real_write(self, output, files)
        other_text.write_text("edited while the build wrote", encoding="utf-8")
        return stats

    monkeypatch.setattr(sitegen.build.CommandLineOutput, "write", write_then_edit)
    site.add_article("a1", title="Story 1", date="2025-05-02", body=STORIES[1] + " Olsen agreed.")
    assert build_site(site).ok
    assert "data/text" not in listed and "data" not in listed, listed
    monkeypatch.undo()
    again = build_site(site)
    assert not again.up_to_date, "a change the record did not see was taken for no change"
    assert "edited while the build wrote" not in other_text.read_text(encoding="utf-8")
    assert _as_found(_recorded(site)) == _as_found(folder_record(site.output, 0))
