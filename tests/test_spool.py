"""`sitegen build` holds no page's bytes in memory: each file made goes to the spool beside
the output folder at once, and writing the site moves it from there (see output.spool)."""
from __future__ import annotations

import gzip
import json
import os
from contextlib import nullcontext
from pathlib import Path

import pytest

from conftest import SiteFolder, without_search_index

from sitegen.errors import SitegenError
from sitegen.output.spool import spool_folder
from sitegen.output.write import pending_folder, write_site
from sitegen.site.files import SiteFiles
from sitegen.site.search import find_pagefind

ARTICLES = {
    "visit": ("School visit", "2025-05-01", "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the "
                                            "students of the Humboldt Gymnasium."),
    "award": ("Chemistry award", "2025-05-02", "Anna Berg, a chemist, won the award in Stockholm. Berg thanked "
                                               "the Royal Swedish Academy of Sciences."),
    "bridge": ("A new bridge", "2025-05-03", "Lars Olsen opened a bridge in Oslo. Olsen said Skanska took four "
                                             "years to build it."),
}


def _site(make_site, name: str, search: bool = False) -> SiteFolder:
    site = make_site(name)
    if not search:
        site.write_config("search = false\n")
    for article, (title, date, body) in ARTICLES.items():
        site.add_article(article, title=title, date=date, body=body)
    return site


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _in_processes(monkeypatch) -> None:
    """Pages rendered by a forked worker too, sent back two at a time: the worker's
    batches reach the spool as they arrive, between this process's own."""
    import sitegen.site.render

    monkeypatch.setattr(sitegen.site.render, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(sitegen.site.render, "RENDER_BATCH", 2)


def _held_in_memory(monkeypatch) -> None:
    """Every file made held in memory until written, as before there was a spool."""
    from sitegen.build import CommandLineOutput

    monkeypatch.setattr(CommandLineOutput, "spool", lambda self, output: nullcontext())


def _files_written(monkeypatch) -> list:
    """The ``SiteFiles`` each `sitegen build` hands to the writer."""
    from sitegen.build import CommandLineOutput

    seen, real = [], CommandLineOutput.write

    def write(self, output, files):
        seen.append(files)
        return real(self, output, files)

    monkeypatch.setattr(CommandLineOutput, "write", write)
    return seen


def test_a_cold_build_is_the_same_bytes_spooled_or_held(make_site, build_site, monkeypatch):
    spooled, held = _site(make_site, "spooled"), _site(make_site, "held")
    _in_processes(monkeypatch)
    written = _files_written(monkeypatch)
    assert build_site(spooled, jobs=2).ok
    files = written[-1]
    in_memory = [rel for rel in files if files.spooled(rel) is None and files.kept(rel) is None]
    assert in_memory == [], f"held in memory until written: {in_memory[:5]}"
    assert not spool_folder(spooled.output.resolve()).exists()

    _held_in_memory(monkeypatch)
    assert build_site(held, jobs=2).ok
    assert not any(written[-1].spooled(rel) for rel in written[-1])
    assert _snapshot(spooled.output) == _snapshot(held.output)
    assert len(_snapshot(spooled.output)) > 20


def test_the_exports_go_to_the_spool_as_they_are_made(make_site, build_site, monkeypatch):
    """A cold build's exports were held whole until they joined the pages (400 MB at
    10,000 articles, the largest the build ever held)."""
    from sitegen.incremental import exports as kept_exports

    site = _site(make_site, "exports")
    made, real = [], kept_exports.data_files

    def exporting(*args, **kwargs):
        files = real(*args, **kwargs)
        made.append({rel: files.spooled(rel) is not None for rel in files})
        return files

    monkeypatch.setattr(kept_exports, "data_files", exporting)
    written = _files_written(monkeypatch)
    assert build_site(site).ok
    (spooled,) = made
    assert "data/entities.json" in spooled and any(rel.startswith("data/entities/") for rel in spooled)
    assert all(spooled.values()), [rel for rel, is_spooled in spooled.items() if not is_spooled][:5]
    files = written[-1]
    assert all(files.spooled(rel) is not None for rel in spooled)  # taken over, not held again
    data = json.loads((site.output / "data" / "entities.json").read_text(encoding="utf-8"))
    assert {a["id"] for a in data["articles"]} == set(ARTICLES)


def test_an_edit_after_a_spooled_build_is_the_same_as_a_clean_build(make_site, build_site, monkeypatch):
    edited, clean = _site(make_site, "edited"), _site(make_site, "clean")
    assert build_site(edited).ok
    before = {p: p.stat().st_mtime_ns for p in edited.output.rglob("*") if p.is_file()}
    for site in (edited, clean):
        site.add_article("visit", title="School visit, updated", date="2025-05-01", body=ARTICLES["visit"][2])
    result = build_site(edited)
    assert result.ok and result.stats.written > 0 and result.stats.unchanged > 0
    after = {p: p.stat().st_mtime_ns for p in edited.output.rglob("*") if p.is_file()}
    assert after[edited.output / "articles" / "bridge" / "index.html"] == \
        before[edited.output / "articles" / "bridge" / "index.html"]  # untouched
    _held_in_memory(monkeypatch)
    assert build_site(clean).ok
    assert _snapshot(edited.output) == _snapshot(clean.output)


def test_the_memo_of_sitegen_build_holds_no_page_bytes(make_site, build_site, monkeypatch):
    """The memo's pages held every page's bytes a second time until the build ended."""
    from sitegen.incremental.pages import KeptPage

    kept, real = [], KeptPage.__init__

    def keeping(self, page):
        kept.append(page)
        real(self, page)

    monkeypatch.setattr(KeptPage, "__init__", keeping)
    _in_processes(monkeypatch)
    site = _site(make_site, "memo")
    assert build_site(site, jobs=2).ok
    assert len(kept) > 10
    assert all(page.data is None for page in kept), [page.file for page in kept if page.data is not None][:5]


def test_a_build_failing_mid_render_leaves_the_site_as_it_was_and_no_spool(make_site, build_site, monkeypatch):
    import sitegen.site.render

    site = _site(make_site, "failing")
    assert build_site(site).ok
    before = _snapshot(site.output)
    site.add_article("visit", title="School visit, updated", date="2025-05-01", body=ARTICLES["visit"][2])
    monkeypatch.setattr(sitegen.site.render, "RENDER_BATCH", 1)
    real, rendered, spooled_then = sitegen.site.render.render_page, [], []

    def failing(renderer, plan):
        rendered.append(plan)
        if len(rendered) == 4:
            spooled_then.extend(os.listdir(spool_folder(site.output.resolve())))
            raise SitegenError("cannot render this page (a test's)")
        return real(renderer, plan)

    monkeypatch.setattr(sitegen.site.render, "render_page", failing)
    with pytest.raises(SitegenError, match="a test's"):
        build_site(site, force=True)
    assert len(spooled_then) >= 3  # pages were in the spool when it failed
    assert not spool_folder(site.output.resolve()).exists()
    assert not pending_folder(site.output.resolve()).exists()
    assert _snapshot(site.output) == before


def test_a_spool_left_by_a_killed_build_is_removed_by_the_next(make_site, build_site):
    site = _site(make_site, "killed")
    left = spool_folder(site.output.resolve())
    (left / "deep").mkdir(parents=True)
    (left / "0").write_bytes(b"a page of a build that was killed")
    (left / "deep" / "1").write_bytes(b"more")
    assert build_site(site).ok
    assert not left.exists()
    assert "Hannah Schmidt" in site.article_page("visit")


@pytest.mark.skipif(find_pagefind() is None, reason="the Pagefind binary is not installed")
def test_the_search_index_indexes_spooled_pages(make_site, build_site, monkeypatch):
    spooled, held = _site(make_site, "spooled", search=True), _site(make_site, "held", search=True)
    written = _files_written(monkeypatch)
    assert build_site(spooled).ok
    assert all(written[-1].spooled(rel) for rel in written[-1] if rel.endswith(".html"))
    _held_in_memory(monkeypatch)
    assert build_site(held).ok
    indexed = _indexed(spooled.output)
    assert "/articles/visit/" in indexed and "Humboldt" in indexed["/articles/visit/"]
    assert indexed == _indexed(held.output)
    assert without_search_index(_snapshot(spooled.output)) == without_search_index(_snapshot(held.output))


def _indexed(output: Path) -> dict[str, str]:
    """Each page in the search index -> the text it holds of that page."""
    found = {}
    for fragment in sorted((output / "pagefind").rglob("fragment/*.pf_fragment")):
        data = json.loads(gzip.decompress(fragment.read_bytes())[len(b"pagefind_dcd"):])
        found[data["url"]] = data["content"]
    return found


# ---- the writer and the spool ------------------------------------------------------------

def test_writing_moves_spooled_files_into_place_and_leaves_unchanged_ones_untouched(tmp_path):
    output = tmp_path / "output"
    first = tmp_path / "spool1"
    first.mkdir()
    files = SiteFiles(spool=first)
    files["index.html"] = b"<p>home</p>"
    files["a/index.html"] = b"<p>a</p>"
    files["a/index.html"] = b"<p>a, again</p>"  # made twice: the first spool file goes
    assert files.size("a/index.html") == len(b"<p>a, again</p>") and len(os.listdir(first)) == 2
    assert files["a/index.html"] == b"<p>a, again</p>"
    stats = write_site(output, files)
    assert stats.written == 3  # two files and the record
    assert (output / "a" / "index.html").read_bytes() == b"<p>a, again</p>"
    assert os.listdir(first) == []  # moved, not copied

    stamp = (output / "index.html").stat().st_mtime_ns
    second = tmp_path / "spool2"
    second.mkdir()
    again = SiteFiles(spool=second)
    again["index.html"] = b"<p>home</p>"
    again["a/index.html"] = b"<p>a, changed</p>"
    stats = write_site(output, again)
    assert (stats.written, stats.unchanged) == (1, 2)  # the record lists the same files: unchanged
    assert (output / "index.html").stat().st_mtime_ns == stamp
    assert (output / "a" / "index.html").read_bytes() == b"<p>a, changed</p>"


def test_a_frozen_copy_reads_the_same_spool_and_takes_no_changes(tmp_path):
    """What the search index reads while the build goes on adding its exports."""
    spool = tmp_path / "spool"
    spool.mkdir()
    files = SiteFiles(spool=spool)
    files["index.html"] = b"<p>home</p>"
    files["a/index.html"] = b"<p>a</p>"
    pages = files.frozen_copy()
    files["data/entities.json"] = b"{}"
    assert sorted(pages) == ["a/index.html", "index.html"] and pages["a/index.html"] == b"<p>a</p>"
    assert pages.digest("index.html") == files.digest("index.html")
    for change in (lambda: pages.__setitem__("b.html", b""), lambda: pages.__delitem__("index.html")):
        with pytest.raises(TypeError):
            change()
    assert files["index.html"] == b"<p>home</p>" and len(os.listdir(spool)) == 3  # the copy removed nothing


def test_files_spooled_into_the_same_spool_are_taken_over_unread(tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    pages, data = SiteFiles(spool=spool), SiteFiles(spool=spool, spool_prefix="data-")
    pages["index.html"] = b"<p>home</p>"
    data["data/entities.json"] = b'{"entities": []}'
    data["index.html"] = b"<p>home, from the exports</p>"  # the later one wins, as in a dict
    assert sorted(os.listdir(spool)) == ["0", "data-0", "data-1"]
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self} read back"))
    pages.update(data)
    monkeypatch.undo()
    assert sorted(os.listdir(spool)) == ["data-0", "data-1"] and len(data) == 0
    assert pages["index.html"] == b"<p>home, from the exports</p>"
    write_site(tmp_path / "output", pages)
    assert (tmp_path / "output" / "data" / "entities.json").read_bytes() == b'{"entities": []}'
    assert os.listdir(spool) == []


def test_a_spooled_file_outside_the_output_folder_is_refused(tmp_path):
    from sitegen.errors import OutputError

    spool = tmp_path / "spool"
    spool.mkdir()
    files = SiteFiles(spool=spool)
    files["../escape.html"] = b"x"
    with pytest.raises(OutputError, match="outside|plain path"):
        write_site(tmp_path / "output", files)
    assert not (tmp_path / "escape.html").exists()
    assert not pending_folder((tmp_path / "output").resolve()).exists()


def test_a_full_disk_while_spooling_is_one_line_and_leaves_the_site_and_no_spool(make_site, build_site,
                                                                                  monkeypatch):
    import errno

    import sitegen.site.files
    from sitegen.errors import OutputError

    site = _site(make_site, "full")
    assert build_site(site).ok
    before = _snapshot(site.output)
    site.add_article("visit", title="School visit, updated", date="2025-05-01", body=ARTICLES["visit"][2])
    spooled = []

    def full(path, mode="r", *args, **kwargs):
        if Path(path).parent == spool_folder(site.output.resolve()) and len(spooled) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        spooled.append(path)
        return open(path, mode, *args, **kwargs)

    monkeypatch.setattr(sitegen.site.files, "open", full, raising=False)
    with pytest.raises(OutputError) as caught:
        build_site(site)
    message = str(caught.value)
    assert os.strerror(errno.ENOSPC) in message and "free some disk space" in message and "\n" not in message
    assert not spool_folder(site.output.resolve()).exists()
    assert _snapshot(site.output) == before


def test_a_build_killed_as_its_spool_is_removed_leaves_it_to_the_next_build(make_site, build_site, monkeypatch):
    """Killed at the last moment, after the site was written but before its spool was
    removed: the next build must not take that build for a finished one (a build with
    nothing to do removes nothing), so it removes the spool."""
    import shutil

    import sitegen.output.spool as spool_module

    site = _site(make_site, "killed")
    assert build_site(site).ok
    site.add_article("extra", title="One more", date="2025-06-01", body="Angela Merkel spoke in Paris.")
    real, calls = shutil.rmtree, []
    folder = spool_folder(site.output.resolve())

    def rmtree(path, *args, **kwargs):
        if Path(path) == folder:
            calls.append(path)
            if len(calls) == 2:  # the spool's removal as the build ends: killed there
                raise KeyboardInterrupt
        return real(path, *args, **kwargs)

    monkeypatch.setattr(spool_module.shutil, "rmtree", rmtree)
    with pytest.raises(KeyboardInterrupt):
        build_site(site)
    monkeypatch.setattr(spool_module.shutil, "rmtree", real)
    assert folder.exists()
    assert build_site(site).ok
    assert not folder.exists()
