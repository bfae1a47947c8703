"""A build with nothing to do: cheap, and never blind to a change.

The check looks at stamps (size, time, inode) rather than bytes, and at folders' times
rather than their listings, so each test here makes the change the stamps must give away:
an output file edited, resized, removed or added beside, an input renamed or touched,
sitegen's own code edited, and changes made in the same clock step as the last build.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sitegen.last_build
import sitegen.output.stamps
from conftest import SiteFolder

ARTICLE_A = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."
ARTICLE_B = "Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues."
AN_HOUR_AGO = time.time_ns() - 3600 * 10**9


def _site(make_site) -> SiteFolder:
    site = make_site()
    site.write_config("search = false\n")
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    return site


def _age(paths) -> None:
    for path in paths:
        os.utime(path, ns=(AN_HOUR_AGO, AN_HOUR_AGO), follow_symlinks=False)


def _settled_output(site: SiteFolder, build_site) -> None:
    """Built, with every output folder's time long past, as the record of the last build
    has it: the no-op check then trusts folder times and lists no folder."""
    assert build_site(site).ok
    _age([root for root, _, _ in os.walk(site.output)])
    assert not build_site(site).up_to_date  # the folders' times moved: looked at again, recorded
    assert build_site(site).up_to_date


def _no_listing(monkeypatch) -> None:
    def refuse(*args):
        raise AssertionError("a folder was listed although its time was settled")

    monkeypatch.setattr(sitegen.output.stamps, "_same_names", refuse)


# ---- the output folder ----------------------------------------------------------------------


@pytest.mark.parametrize("change", ["same size, new time", "same time, new size", "deleted",
                                    "added beside a page", "added in the top folder"])
def test_a_hand_change_to_the_output_is_seen_without_listing_folders(make_site, build_site, monkeypatch, change):
    site = _site(make_site)
    _settled_output(site, build_site)
    page = site.output / "articles" / "visit" / "index.html"
    original = page.read_bytes()
    before = page.stat()
    if change == "same size, new time":
        page.write_bytes(original.replace(b"School visit", b"School VISIT"))
        os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
    elif change == "same time, new size":
        page.write_bytes(original + b"<!-- hand edit -->")
        os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    elif change == "deleted":
        page.unlink()
    elif change == "added beside a page":
        (page.parent / "notes.txt").write_text("mine", encoding="utf-8")
    else:
        (site.output / "CNAME").write_text("news.example.org\n", encoding="utf-8")
    _no_listing(monkeypatch)

    result = build_site(site)
    assert result.ok and not result.up_to_date
    assert page.read_bytes() == original


def test_a_file_added_in_the_same_clock_step_as_the_build_is_seen(make_site, build_site):
    """A folder the build changed moments before it recorded it is listed, not trusted by
    its time: a file added in the same step of the file system's clock leaves the time as it was."""
    site = _site(make_site)
    assert build_site(site).ok
    folder = site.output / "articles" / "visit"
    before = folder.stat()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    os.utime(folder, ns=(before.st_atime_ns, before.st_mtime_ns))  # as if in the same clock step
    assert not build_site(site).up_to_date


def test_a_no_op_that_listed_folders_keeps_that_and_lists_none_the_next_time(make_site, build_site, monkeypatch):
    site = _site(make_site)
    assert build_site(site).ok
    listed = []
    real = sitegen.output.stamps._same_names
    monkeypatch.setattr(sitegen.output.stamps, "_same_names", lambda *a: listed.append(a[2]) or real(*a))
    now = time.time_ns
    with monkeypatch.context() as later:
        # Looked at a minute from now: the folders the build wrote are listed (the record
        # was taken moments after they changed), found unchanged, and that is kept.
        later.setattr(time, "time_ns", lambda: now() + 60 * 10**9)
        assert build_site(site).up_to_date
    assert "articles/visit" in listed[0]
    listed.clear()
    assert build_site(site).up_to_date
    assert listed == []


def test_an_output_folder_not_sitegens_is_refused_even_when_the_site_is_up_to_date(make_site, build_site, cli,
                                                                                  tmp_path):
    site = _site(make_site)
    assert build_site(site).ok
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("my thesis", encoding="utf-8")
    result = cli("build", site.root, "--offline", "--output", thesis)
    assert result.returncode == 2 and "not made by sitegen" in result.stderr
    assert sorted(p.name for p in thesis.iterdir()) == ["chapter1.tex"]


# ---- the inputs ---------------------------------------------------------------------------


def test_a_renamed_article_is_a_change(make_site, build_site):
    site = _site(make_site)
    assert build_site(site).ok
    (site.articles_dir / "visit.md").rename(site.articles_dir / "school-visit.md")
    result = build_site(site)
    assert result.ok and not result.up_to_date
    assert (site.output / "articles" / "school-visit" / "index.html").is_file()
    assert not (site.output / "articles" / "visit").exists()


def test_a_touched_article_is_read_once_then_trusted_again(make_site, build_site):
    """Its time moved, its bytes did not: a no-op, which keeps the new time, so the next
    no-op does not read the file again (here its bytes change behind the file system's
    back, the time put back, and the build does not look)."""
    site = _site(make_site)
    path = site.articles_dir / "visit.md"
    assert build_site(site).ok
    _age([path])  # touched, to a time long past
    assert build_site(site).up_to_date
    with open(path, "r+b") as f:  # the same inode, the same size
        data = f.read()
        f.seek(0)
        f.write(data.replace(b"Monday", b"Sunday"))
    _age([path])
    assert build_site(site).up_to_date


def test_an_unreadable_record_of_the_last_build_means_building(make_site, build_site):
    site = _site(make_site)
    assert build_site(site).ok
    (site.state_dir / sitegen.last_build.STATE_FILE).write_bytes(b"\x00not a record")
    result = build_site(site)
    assert result.ok and not result.up_to_date
    assert build_site(site).up_to_date


# ---- sitegen's own code ---------------------------------------------------------------------


@pytest.fixture
def own_code(tmp_path, monkeypatch) -> Path:
    """sitegen's code, as far as the build's checks see it, in a folder this test may edit;
    the clock an hour ahead, so that no folder on ``sys.path`` changed moments before it
    was looked at (the test's own folder may have, as the tests were collected)."""
    import sitegen.incremental.version as version

    now = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: now() + 3600 * 10**9)
    package = tmp_path / "package"
    (package / "rules").mkdir(parents=True)
    (package / "__init__.py").write_text("# the package\n", encoding="utf-8")
    (package / "rules" / "names.py").write_text("TITLES = ['Dr']\n", encoding="utf-8")
    _age([package / "__init__.py", package / "rules" / "names.py", package / "rules", package])
    monkeypatch.setattr(version, "PACKAGE", package)
    monkeypatch.setattr(sitegen.last_build, "PACKAGE", package)
    digest = version.code_digest
    digest.cache_clear()
    yield package
    digest.cache_clear()


def test_an_edit_to_sitegens_code_rebuilds_and_no_edit_reads_none_of_it(make_site, build_site, own_code,
                                                                       monkeypatch):
    import sitegen.incremental.version as version

    site = _site(make_site)
    assert build_site(site).ok
    real_digest = version.code_digest

    def refuse():
        raise AssertionError("sitegen's code was read although no file of it moved")

    monkeypatch.setattr(version, "code_digest", refuse)
    assert build_site(site).up_to_date
    monkeypatch.setattr(version, "code_digest", real_digest)

    rules = own_code / "rules" / "names.py"
    rules.write_text("TITLES = ['Dr', 'Prof']\n", encoding="utf-8")
    _age([rules, rules.parent])
    version.code_digest.cache_clear()
    result = build_site(site)
    assert result.ok and not result.up_to_date


def test_a_library_folder_that_changed_means_asking_the_versions_again(make_site, build_site, own_code,
                                                                      monkeypatch, tmp_path):
    import sitegen.incremental.version as version

    libraries = tmp_path / "site-packages"
    libraries.mkdir()
    _age([libraries])
    monkeypatch.setattr(sys, "path", sys.path + [str(libraries)])
    site = _site(make_site)
    assert build_site(site).ok
    (libraries / "jinja2-9.9.dist-info").mkdir()  # an upgrade: the folder's time moves
    asked = []
    real_digest = version.code_digest
    monkeypatch.setattr(version, "code_digest", lambda: asked.append(1) or real_digest())
    build_site(site)
    assert asked == [1]


# ---- what a no-op loads -------------------------------------------------------------------------


def test_a_no_op_loads_none_of_the_libraries_it_does_not_use(make_site, build_site, tmp_path):
    site = _site(make_site)
    assert build_site(site).ok
    code = ("import sys; from sitegen import cli; "
            f"status = cli.main(['build', {str(site.root)!r}, '--offline', '-q']); print(status, sorted(sys.modules))")
    # Run from a folder unchanged for an hour: it is on that process's sys.path.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _age([elsewhere])
    # The first in a new process looks at what its sys.path holds, and keeps it.
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              cwd=elsewhere)
    status, modules = done.stdout.split(" ", 1)
    assert status == "0"
    for name in ("asyncio", "filelock", "importlib.metadata", "sqlite3", "pickle", "jinja2", "spacy", "httpx",
                 "sitegen.incremental", "sitegen.pipeline", "pagefind.service"):
        assert f"'{name}'" not in modules, f"a no-op imported {name}"


def test_a_no_op_that_cannot_keep_what_it_looked_at_again_is_still_a_no_op(make_site, build_site, monkeypatch):
    site = _site(make_site)
    path = site.articles_dir / "visit.md"
    assert build_site(site).ok
    _age([path])  # touched: read again by the next no-op, which would keep its new time

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sitegen.last_build, "write", full_disk)
    result = build_site(site)
    assert result.ok and result.up_to_date
