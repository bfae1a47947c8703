"""The search index is built with the site, and its absence costs one clear warning, never the build."""
from __future__ import annotations

import json
import os
import stat

import pytest

from sitegen.site.search import find_pagefind

pytestmark = pytest.mark.skipif(find_pagefind() is None, reason="the Pagefind binary is not installed")


def _one_article_site(make_site):
    site = make_site()
    site.add_article("visit", title="A visit", date="2025-03-04",
                     body="Angela Merkel visited Paris on Monday. Merkel met Emmanuel Macron.")
    return site


def test_the_build_writes_a_search_index_of_dossiers_and_articles(make_site, build_site):
    site = _one_article_site(make_site)
    result = build_site(site)
    assert result.ok and not result.warnings
    entry = json.loads((site.output / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    pages = entry["languages"]["en"]["page_count"]
    dossiers = len(site.entities())
    assert pages == dossiers + 1  # every dossier and the article; lists and the home page are not results
    assert (site.output / "pagefind" / "pagefind-ui.js").is_file()
    article = site.article_page("visit")
    assert "data-pagefind-body" in article and 'data-pagefind-filter="type:Article"' in article
    assert 'data-pagefind-filter="type:Person"' in site.page("people/angela-merkel/")
    assert "data-pagefind-body" not in site.page("people/")


def test_an_unchanged_site_keeps_its_index_byte_for_byte(make_site, build_site):
    site = _one_article_site(make_site)
    build_site(site)
    before = {p: p.read_bytes() for p in (site.output / "pagefind").rglob("*") if p.is_file()}
    result = build_site(site, force=True)
    after = {p: p.read_bytes() for p in (site.output / "pagefind").rglob("*") if p.is_file()}
    assert after == before and result.stats.written == 0


def test_a_binary_that_cannot_run_skips_search_with_one_warning(make_site, build_site, monkeypatch, tmp_path):
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\necho 'pagefind: something broke' >&2\nexit 3\n", encoding="utf-8")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    site = _one_article_site(make_site)
    result = build_site(site)
    assert result.ok  # the site is built; only search is missing
    assert [w for w in result.warnings if "search" in w] == [
        f"search is not built: Pagefind ({broken}) failed with exit status 3: pagefind: something broke"]
    assert not (site.output / "pagefind").exists()
    assert (site.output / "search" / "index.html").is_file()  # it says search is unavailable when opened

    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "missing"))
    result = build_site(site, force=True)
    assert len(result.warnings) == 1 and "cannot run" in result.warnings[0]


def test_search_can_be_switched_off(make_site, build_site, monkeypatch, tmp_path):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "missing"))
    site = _one_article_site(make_site)
    site.write_config("search = false\n")
    result = build_site(site)
    assert result.ok and result.warnings == ()
    assert not (site.output / "pagefind").exists()
    assert os.path.isfile(site.output / "index.html")


def test_a_site_with_no_articles_builds_with_one_plain_line_about_search(make_site, cli):
    site = make_site()
    done = cli("build", site.root, "--offline")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "warning: search is not built: the site has no articles yet, so there is nothing to index "
        "(the search page says search is unavailable)"]
    assert (site.output / "index.html").is_file() and not (site.output / "pagefind").exists()
    assert cli("check", site.output).returncode == 0


def test_a_site_with_articles_but_no_entities_is_indexed(make_site, build_site):
    site = make_site()
    site.add_article("weather", title="Weather", body="it rained all day and nobody came.")
    result = build_site(site)
    assert result.ok and result.warnings == ()
    assert site.entities() == []
    entry = json.loads((site.output / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert entry["languages"]["en"]["page_count"] == 1


def test_pagefind_saying_the_same_thing_twice_is_reported_once(make_site, build_site, monkeypatch, tmp_path):
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\necho 'Error: no index.' >&2\necho 'Most likely, nothing.' >&2\n"
                      "echo 'Error: no index.' >&2\necho 'Most likely, nothing.' >&2\nexit 1\n", encoding="utf-8")
    broken.chmod(broken.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(broken))
    result = build_site(_one_article_site(make_site))
    assert result.warnings == (
        f"search is not built: Pagefind ({broken}) failed with exit status 1: Error: no index. Most likely, nothing.",)
