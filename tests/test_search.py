"""The search index is built with the site, and its absence costs one clear warning, never the build."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from sitegen.check.site import check_site
from sitegen.site import search, search_recent
from sitegen.site.search import find_pagefind, shard_pages

from conftest import kept_reads

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


# ---- what is indexed, and in shards --------------------------------------------------------

def _indexed(output: Path) -> dict[str, str]:
    """Each page search finds (in every shard, but for the results the search page drops
    as stale) -> the text it holds of that page."""
    manifest = output / "pagefind" / "shards.json"
    stale = json.loads(manifest.read_text(encoding="utf-8")).get("stale", {}) if manifest.exists() else {}
    found = {}
    for fragment in sorted((output / "pagefind").rglob("fragment/*.pf_fragment")):
        if fragment.name[:-len(".pf_fragment")] in stale:
            continue
        data = json.loads(gzip.decompress(fragment.read_bytes())[len(b"pagefind_dcd"):])
        assert data["url"] not in found, f"{data['url']} is indexed twice"
        found[data["url"]] = data["content"]
    return found


def test_a_dossier_is_found_by_its_names_and_its_sentences_only_on_the_article(make_site, build_site):
    site = make_site()
    site.add_article("visit", title="A visit", date="2025-03-04",
                     body="Angela Merkel visited Paris on Monday. Merkel met Emmanuel Macron at the Elysee.")
    assert build_site(site).ok
    indexed = _indexed(site.output)
    dossier, article = indexed["/people/angela-merkel/"], indexed["/articles/visit/"]
    assert "Angela Merkel" in dossier
    assert "Elysee" in article and "Elysee" not in dossier  # the sentence is indexed once, on its article
    assert "mention" not in dossier  # nor the counts and lists around it


def _counting_pagefind(tmp_path: Path, monkeypatch) -> Path:
    """Pagefind behind a script that logs the pages of each run, one run a line."""
    log = tmp_path / "pagefind-runs.log"
    script = tmp_path / "pagefind-counting"
    script.write_text(f"#!/bin/sh\n(cd \"$2\" && find . -name '*.html' | sed 's|^./||' | sort | "
                      f"tr '\\n' ' '; echo) >> '{log}'\nexec '{find_pagefind()}' \"$@\"\n", encoding="utf-8")
    script.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(script))
    return log


def _runs(log: Path) -> list[set[str]]:
    runs = [set(line.split()) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    log.write_text("", encoding="utf-8")
    return runs


PEOPLE = ["Angela Merkel", "Emmanuel Macron", "Olaf Scholz", "Pedro Sanchez", "Mark Rutte", "Viktor Orban"]


def _news_site(make_site):
    site = make_site()
    for n, person in enumerate(PEOPLE):
        site.add_article(f"story-{n}", title=f"Story {n}", date=f"2025-03-{n + 1:02d}",
                         body=f"{person} spoke in Brussels on Monday about farming. {person.split()[-1]} "
                              f"said the talks went well.")
    return site


def test_a_large_index_comes_in_shards_and_an_edit_indexes_only_its_own(make_site, build_site, monkeypatch,
                                                                         tmp_path):
    monkeypatch.setattr(search, "PAGES_PER_SHARD", 2)
    log = _counting_pagefind(tmp_path, monkeypatch)
    site = _news_site(make_site)
    assert build_site(site).ok
    pages = {p.relative_to(site.output).as_posix(): p.read_bytes() for p in site.html_files()}
    shards = shard_pages({rel: data for rel, data in pages.items() if search.MARKER in data})
    assert len(shards) >= 4 and len(_runs(log)) == len(shards)  # each shard indexed once, on its own
    manifest = json.loads((site.output / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert manifest["merge"] == [folder[len("pagefind/"):] + "/" for folder in list(shards)[1:]]
    assert len(_indexed(site.output)) == sum(len(s) for s in shards.values())
    assert not (site.output / "pagefind" / "shards" / "1" / "pagefind-ui.js").exists()  # only the first has the interface
    report = check_site(site.output)
    assert report.ok and report.search_pages == len(_indexed(site.output)), report.problems

    # One more mention of Scholz: his dossier changes, but not what search holds of it.
    article, dossier = "articles/story-2/index.html", "people/olaf-scholz/index.html"
    assert not any(article in s and dossier in s for s in shards.values()), "the test needs them apart"
    site.add_article("story-2", title="Story 2", date="2025-03-03",
                     body="Olaf Scholz spoke in Brussels on Monday about farming. Scholz said the talks "
                          "went well. Later, Olaf Scholz flew home for a vote in May.")
    assert build_site(site).ok
    assert (site.output / dossier).read_bytes() != pages[dossier]
    runs = _runs(log)
    assert len(runs) == 1, runs
    [run] = runs
    assert run == set(next(s for s in shards.values() if article in s))
    assert "May" in _indexed(site.output)["/articles/story-2/"]

    result = build_site(site, force=True)  # nothing search holds changed: nothing indexed, nothing written
    assert _runs(log) == [] and result.stats.written == 0

    shard = list(shards)[-1]
    (site.output / shard / "pagefind-entry.json").unlink()  # a shard the search page merges is checked too
    problems = [(p.file, p.message) for p in check_site(site.output).problems]
    assert (f"{shard}/pagefind-entry.json",
            "missing (pagefind.js reads it first; without it search finds nothing)") in problems, problems


def test_a_deleted_article_leaves_the_index(make_site, build_site, monkeypatch, tmp_path):
    monkeypatch.setattr(search, "PAGES_PER_SHARD", 2)
    log = _counting_pagefind(tmp_path, monkeypatch)
    site = _news_site(make_site)
    assert build_site(site).ok
    _runs(log)
    assert "/articles/story-4/" in _indexed(site.output)
    (site.articles_dir / "story-4.md").unlink()
    assert build_site(site).ok
    indexed = _indexed(site.output)
    assert "/articles/story-4/" not in indexed and "/people/mark-rutte/" not in indexed
    assert "/articles/story-3/" in indexed
    assert 1 <= len(_runs(log)) <= 2  # the shards of the article and of its one person's dossier
    assert check_site(site.output).ok


def _first_shard(output: Path) -> dict[str, bytes]:
    """The files of the first shard, without the list of the others."""
    bundle = output / "pagefind"
    return {p.relative_to(output).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*"))
            if p.is_file() and p.relative_to(bundle).parts[0] not in ("shards", "shards.json")}


def _found_afresh(site, make_site, build_site) -> dict[str, str]:
    """What search finds in a site built afresh from the same articles."""
    fresh = make_site()
    shutil.copytree(site.articles_dir, fresh.articles_dir, dirs_exist_ok=True)
    assert build_site(fresh).ok
    return _indexed(fresh.output)


def test_a_large_shard_is_kept_as_it_is_and_an_edit_is_indexed_in_the_recent_shard(make_site, build_site,
                                                                                   monkeypatch, tmp_path):
    monkeypatch.setattr(search_recent, "BALLAST", 2)  # a shard of more than four pages may lag
    monkeypatch.setattr(search_recent, "RECENT_PAGES", 5)
    log = _counting_pagefind(tmp_path, monkeypatch)
    site = _news_site(make_site)
    assert build_site(site).ok
    [whole] = _runs(log)
    first = _first_shard(site.output)
    before = _indexed(site.output)

    site.add_article("story-2", title="Story of the glacier", date="2025-03-03",
                     body="Olaf Scholz spoke in Brussels on Monday about farming. Scholz said the talks went well.")
    assert build_site(site).ok
    [run] = _runs(log)
    article = "articles/story-2/index.html"
    assert article in run and len(run) == 1 + search_recent.BALLAST and run < whole, run
    assert _first_shard(site.output) == first  # the large shard, byte for byte as it was
    manifest = json.loads((site.output / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert manifest["merge"] == ["shards/recent/"]
    assert set(manifest["stale"].values()) <= {"Article", "Person", "Place", "Organisation"}
    assert len(manifest["stale"]) == 1 + search_recent.BALLAST  # the article as it was, and the ballast
    found = _indexed(site.output)
    assert set(found) == set(before) and "glacier" in found["/articles/story-2/"]
    assert found == _found_afresh(site, make_site, build_site)
    _runs(log)  # the fresh site's
    report = check_site(site.output)
    assert report.ok and report.search_pages == len(found), report.problems

    result = build_site(site, force=True)  # nothing search holds changed: nothing indexed, nothing written
    assert _runs(log) == [] and result.stats.written == 0

    (site.articles_dir / "story-4.md").unlink()  # gone: its result dropped, nothing to index for it
    assert build_site(site).ok
    found = _indexed(site.output)
    assert "/articles/story-4/" not in found and "/people/mark-rutte/" not in found
    assert set(found) == set(before) - {"/articles/story-4/", "/people/mark-rutte/"}
    assert found == _found_afresh(site, make_site, build_site)
    _runs(log)  # the fresh site's
    assert check_site(site.output).ok and _first_shard(site.output) == first

    # More out of date than the recent shard may hold: the shard is indexed again, whole.
    for n in (0, 1, 3):
        site.add_article(f"story-{n}", title=f"Story {n}, revised", date=f"2025-03-{n + 1:02d}",
                         body=f"{PEOPLE[n]} spoke in Brussels on Monday about farming.")
    assert build_site(site).ok
    runs = _runs(log)
    assert len(runs) == 1 and len(runs[0]) == len(_indexed(site.output)), runs
    manifest = json.loads((site.output / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert manifest == {"merge": []} and not (site.output / "pagefind" / "shards").exists()
    assert "revised" in _indexed(site.output)["/articles/story-0/"]
    assert check_site(site.output).ok


def test_a_stale_result_id_shared_by_a_live_page_has_its_shard_indexed_again(make_site, build_site,
                                                                             monkeypatch, tmp_path):
    monkeypatch.setattr(search_recent, "BALLAST", 2)
    log = _counting_pagefind(tmp_path, monkeypatch)
    site = _news_site(make_site)
    assert build_site(site).ok
    [whole] = _runs(log)
    monkeypatch.setattr(search, "_hides_a_live_page", lambda *args: True)  # as if two ids agreed
    site.add_article("story-2", title="Story of the glacier", date="2025-03-03",
                     body="Olaf Scholz spoke in Brussels on Monday about farming.")
    assert build_site(site).ok
    recent, again = _runs(log)
    assert len(recent) == 1 + search_recent.BALLAST and again == whole
    manifest = json.loads((site.output / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert manifest == {"merge": []} and not (site.output / "pagefind" / "shards").exists()
    assert _indexed(site.output) == _found_afresh(site, make_site, build_site)
    assert check_site(site.output).ok


def _fragments(folder: str, pages: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    """Pagefind fragment files for ``pages`` (page -> (result id, type))."""
    return {f"{folder}/fragment/{id_}.pf_fragment": gzip.compress(b"pagefind_dcd" + json.dumps(
        {"url": "/" + page.removesuffix("index.html"), "filters": {"type": [type_]}}).encode())
        for page, (id_, type_) in pages.items()}


def test_a_stale_id_is_found_where_a_live_page_has_it():
    home = {"pagefind": ["a/index.html", "b/index.html", "c/index.html"]}
    digests = {"a/index.html": "a2", "b/index.html": "b1", "c/index.html": "c1"}
    indexed = {"a/index.html": ["a1", "en_a", "Article"], "b/index.html": ["b1", "en_b", "Person"],
               "c/index.html": ["c1", "en_c", "Place"]}

    def plan_with(recent_ids: dict[str, tuple[str, str]]):
        plan = search._Plan(made_with="m", count=1)
        plan.states["pagefind"] = {"pages": indexed}
        plan.lags["pagefind"] = search_recent.lag_of(indexed, home["pagefind"], digests)
        plan.ballast = ["c/index.html"]
        return plan, {search.RECENT: _fragments(search.RECENT, recent_ids)}

    plan, made = plan_with({"a/index.html": ("en_a2", "Article"), "c/index.html": ("en_c2", "Place")})
    assert plan.lags["pagefind"].stale == {"en_a": "Article"}
    assert not search._hides_a_live_page(plan, made, digests, home)
    plan, made = plan_with({"a/index.html": ("en_a", "Article"), "c/index.html": ("en_c2", "Place")})
    assert search._hides_a_live_page(plan, made, digests, home)  # the page as it is now has the stale id
    plan, made = plan_with({"a/index.html": ("en_a2", "Article"), "c/index.html": ("en_b", "Place")})
    assert search._hides_a_live_page(plan, made, digests, home)  # a ballast page has a live page's id


def test_the_recent_shard_holds_what_it_needs_for_fair_ranking():
    ballast = search_recent.ballast({f"articles/{n}/index.html": "d" for n in range(400)}, {"articles/7/index.html"})
    assert len(ballast) == search_recent.BALLAST and "articles/7/index.html" not in ballast
    again = search_recent.ballast({f"articles/{n}/index.html": "e" for n in range(401)}, set())
    assert len(set(ballast) & set(again)) >= search_recent.BALLAST - 2  # the same pages, build after build
    document = b'<html><body><main id="content" data-pagefind-body>\n<h1>A</h1></main></body></html>'
    assert search_recent.marked(document).count(b"data-pagefind-meta") == 1
    assert search_recent.marked(document).startswith(b'<html><body><main id="content" data-pagefind-body><span')


def test_lagging_shards_are_indexed_again_most_out_of_date_first(monkeypatch):
    monkeypatch.setattr(search_recent, "RECENT_PAGES", 10)
    lags = {f"s{n}": search_recent.Lag(changed=[f"p{n}-{k}" for k in range(size)])
            for n, size in enumerate((1, 6, 3, 4))}
    assert search_recent.to_index_again(lags) == ["s1", "s3"]  # 14 -> 4, at most half the limit
    assert search_recent.to_index_again({"s0": lags["s0"], "s2": lags["s2"]}) == []


def test_the_lag_of_edit_after_edit_is_caught_up_on_a_few_shards_a_build(monkeypatch):
    """Edits spread over the archive leave two or three pages behind in each of twenty
    shards: each build past the limit indexes again the two most out of date, not the ten
    it would take to get back to half the limit; a change of many pages at once (a
    template) is caught up on at once."""
    monkeypatch.setattr(search_recent, "RECENT_PAGES", 40)
    monkeypatch.setattr(search_recent, "BULK_PAGES", 160)
    lags = {f"s{n:02d}": search_recent.Lag(changed=[f"p{n}-{k}" for k in range(2 + n % 2)]) for n in range(20)}
    assert sum(lag.size for lag in lags.values()) == 50
    assert search_recent.to_index_again(lags) == ["s01", "s03"]
    lags = {folder: lag for folder, lag in lags.items() if folder not in ("s01", "s03")}
    assert search_recent.to_index_again(lags) == ["s05", "s07"]  # 44 pages behind: two more
    lags = {folder: lag for folder, lag in lags.items() if folder not in ("s05", "s07")}
    assert search_recent.to_index_again(lags) == []  # 38: within the limit
    bulk = {f"s{n:02d}": search_recent.Lag(changed=[f"p{n}-{k}" for k in range(10)]) for n in range(20)}
    assert len(search_recent.to_index_again(bulk)) == 18  # 200 -> 20, at most half the limit


def test_the_number_of_shards_depends_only_on_the_pages(monkeypatch):
    monkeypatch.setattr(search, "PAGES_PER_SHARD", 3)
    pages = {f"articles/{n}/index.html": b"" for n in range(20)}
    assert shard_pages(pages) == shard_pages(dict(reversed(pages.items())))
    assert [search.shard_count(n) for n in (1, 3, 4, 6, 7, 13, 24, 25)] == [1, 1, 2, 2, 4, 8, 8, 16]
    assert all(0 <= search.shard_of(page, 8) < 8 for page in pages)
    assert "pagefind" in shard_pages(pages)  # the first shard, which has the interface, is never empty


def test_what_search_holds_of_a_page_changes_only_with_its_indexed_parts():
    from sitegen.site.search_content import search_document

    def page(body="Angela Merkel", ignored="3 mentions", kind="Person", title="Angela Merkel", head="x"):
        return (f'<!doctype html><html><head><title>{head}</title></head><body><nav>menu</nav>'
                f'<main data-pagefind-body><span hidden data-pagefind-filter="type:{kind}"></span>'
                f'<h1>{title}</h1><p>{body}</p><section data-pagefind-ignore><p>{ignored}</p>'
                f'<svg><title>March: {ignored}</title></svg></section><p>after</p></main>'
                f'<footer>{head}</footer></body></html>').encode()

    same = search_document(page())
    assert search_document(page(ignored="4 mentions")) == same  # a mention more in a dossier
    assert search_document(page(head="y")) == same  # outside the indexed part
    for changed in (page(body="Angela Dorothea Merkel"), page(kind="Place"), page(title="Merkel")):
        assert search_document(changed) != same
    # Pagefind also reads, in ignored parts, metadata and the picture after the heading,
    # and the page's <title> when no heading has text.
    assert search_document(page(ignored='<img src="/a.jpg">')) != search_document(page(ignored='<img src="/b.jpg">'))
    assert search_document(page(ignored='<i data-pagefind-meta="born">1954</i>')) \
        != search_document(page(ignored='<i data-pagefind-meta="born">1955</i>'))
    assert search_document(page(title=" ", head="x")) != search_document(page(title=" ", head="y"))
    assert search_document(page().replace(b"data-pagefind-body", b"data-x")) is None  # not indexed


def test_each_shard_entry_then_the_shard_list_are_written_last(tmp_path, monkeypatch):
    import sitegen.output.write as write

    files = {"index.html": b"home", "pagefind/shards.json": b'{"merge": ["shards/1/"]}',
             "pagefind/pagefind-entry.json": b"{}", "pagefind/shards/1/pagefind-entry.json": b"{}",
             "pagefind/fragment/a.pf_fragment": b"a", "pagefind/shards/1/fragment/b.pf_fragment": b"b"}
    moved = []
    real_replace = os.replace

    def replace(source, target):
        moved.append(Path(target).relative_to(tmp_path / "out").as_posix() if str(target).startswith(
            str(tmp_path / "out")) else None)
        real_replace(source, target)

    monkeypatch.setattr(write.os, "replace", replace)
    write.write_site(tmp_path / "out", files)
    order = [name for name in moved if name in files]
    assert set(order[:3]) == {"index.html", "pagefind/fragment/a.pf_fragment", "pagefind/shards/1/fragment/b.pf_fragment"}
    assert set(order[3:5]) == {"pagefind/pagefind-entry.json", "pagefind/shards/1/pagefind-entry.json"}
    assert order[5:] == ["pagefind/shards.json"]


def test_an_edit_reads_back_neither_unchanged_pages_nor_unchanged_shards(make_site, build_site, monkeypatch,
                                                                          tmp_path):
    monkeypatch.setattr(search, "PAGES_PER_SHARD", 2)
    log = _counting_pagefind(tmp_path, monkeypatch)
    site = _news_site(make_site)
    assert build_site(site).ok
    _runs(log)
    before = {p.relative_to(site.output).as_posix(): p.read_bytes() for p in site.html_files()}
    site.add_article("story-0", title="Story 0, updated", date="2025-03-01",
                     body=f"{PEOPLE[0]} spoke in Brussels on Monday about fishing.")
    read_back = kept_reads(monkeypatch)
    looked_into = []
    real_previous = search._previous_shard

    def previous(output, folder, *args):
        looked_into.append(folder)
        return real_previous(output, folder, *args)

    monkeypatch.setattr(search, "_previous_shard", previous)
    assert build_site(site).ok
    runs = _runs(log)
    manifest = json.loads((site.output / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    assert runs and len(runs) < 1 + len(manifest["merge"])
    # A shard is indexed again from its pages' search documents as kept: no page left
    # unchanged is read back, not even those of the shards indexed again; nor is any
    # file of a kept shard.
    indexed_again = set().union(*runs)
    unchanged = {rel for rel in indexed_again if (site.output / rel).read_bytes() == before.get(rel)}
    assert unchanged and read_back == []
    assert len(looked_into) == len(runs)  # a kept shard's own files are not read back either
    assert "fishing" in _indexed(site.output)["/articles/story-0/"]


def test_a_shard_file_changed_by_hand_is_indexed_again(make_site, build_site, monkeypatch, tmp_path):
    monkeypatch.setattr(search, "PAGES_PER_SHARD", 2)
    site = _news_site(make_site)
    assert build_site(site).ok
    meta = next((site.output / "pagefind" / "shards").rglob("*.pf_meta"))
    meta.write_bytes(b"broken by hand")
    assert build_site(site).ok  # no input changed, but the output did
    assert not meta.exists() or meta.read_bytes() != b"broken by hand"  # that shard was indexed again
    report = check_site(site.output)
    assert report.ok and report.search_pages == len(_indexed(site.output)), report.problems


def test_sitegen_build_makes_the_search_index_while_it_makes_the_exports(make_site, build_site, monkeypatch):
    """Pagefind runs in a process of its own: the exports are made meanwhile, not after it,
    and a failure in them still leaves the output folder as it was."""
    import threading

    from sitegen.incremental import exports as kept_exports

    site = _one_article_site(make_site)
    indexing = threading.Event()
    real_pagefind, real_exports = search._run_pagefind, kept_exports.data_files
    seen_during_exports = []

    def searching(*args, **kwargs):
        indexing.set()
        return real_pagefind(*args, **kwargs)

    def exporting(*args, **kwargs):
        # Waits for the index to start; made one after the other, it never would.
        seen_during_exports.append(indexing.wait(timeout=60))
        return real_exports(*args, **kwargs)

    monkeypatch.setattr(search, "_run_pagefind", searching)
    monkeypatch.setattr(kept_exports, "data_files", exporting)
    result = build_site(site)
    assert result.ok and seen_during_exports == [True]
    assert (site.output / "pagefind" / "pagefind-entry.json").is_file()

    before = {p: p.read_bytes() for p in site.output.rglob("*") if p.is_file()}
    site.add_article("visit", title="A visit", date="2025-03-04", body="Angela Merkel visited Rome on Monday.")
    monkeypatch.setattr(kept_exports, "data_files", lambda *a, **k: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError, match="disk gone"):
        build_site(site)
    assert {p: p.read_bytes() for p in site.output.rglob("*") if p.is_file()} == before


def test_the_changed_pages_search_documents_are_made_before_the_exports_in_the_builds_thread(
        make_site, build_site, monkeypatch):
    """Both threads' Python work shares one interpreter lock: the documents are made by the
    build's thread before it makes the exports, so Pagefind starts as early as it can."""
    import threading

    from sitegen.incremental import exports as kept_exports

    site = _one_article_site(make_site)
    assert build_site(site).ok
    real_document, real_exports = search.search_document, kept_exports.data_files
    made: list[tuple[str, bool]] = []
    exporting = threading.Event()

    def document(page):
        made.append((threading.current_thread().name, exporting.is_set()))
        return real_document(page)

    def exports(*args, **kwargs):
        exporting.set()
        return real_exports(*args, **kwargs)

    monkeypatch.setattr(search, "search_document", document)
    monkeypatch.setattr(kept_exports, "data_files", exports)
    site.add_article("talks", title="Talks in Rome", date="2025-03-05", body="Olaf Scholz flew to Rome.")
    assert build_site(site).ok
    assert made and set(made) == {(threading.main_thread().name, False)}


def test_sitegen_build_writes_its_memo_while_the_search_index_is_made(make_site, build_site, monkeypatch):
    """What the build kept is written while Pagefind indexes, not after it; committed only
    once the output folder holds the build, so a build that fails in between leaves the
    memo file as the last build left it."""
    import sqlite3
    import threading

    from sitegen.incremental.memo import Memo

    site = _one_article_site(make_site)
    assert build_site(site).ok
    written_ahead = threading.Event()
    real_ahead, real_pagefind = Memo.write_ahead, search._run_pagefind
    seen_while_indexing = []

    def ahead(self):
        real_ahead(self)
        written_ahead.set()

    def searching(*args, **kwargs):
        seen_while_indexing.append(written_ahead.wait(timeout=60))
        return real_pagefind(*args, **kwargs)

    monkeypatch.setattr(Memo, "write_ahead", ahead)
    monkeypatch.setattr(search, "_run_pagefind", searching)
    site.add_article("visit", title="A visit", date="2025-03-04", body="Angela Merkel visited Rome on Monday.")
    assert build_site(site).ok and seen_while_indexing == [True]

    memo_file = site.state_dir / "memo.sqlite"
    with sqlite3.connect(memo_file) as db:
        before = db.execute("SELECT entry, key, value FROM results ORDER BY entry, key").fetchall()
    db.close()
    site.add_article("visit", title="A visit", date="2025-03-04", body="Olaf Scholz visited Madrid on Friday.")
    from sitegen.output import write as output_write
    monkeypatch.setattr(output_write, "write_site", lambda *a, **k: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError, match="disk gone"):
        build_site(site)
    assert written_ahead.is_set()
    with sqlite3.connect(memo_file) as db:
        assert db.execute("SELECT entry, key, value FROM results ORDER BY entry, key").fetchall() == before
    db.close()
    monkeypatch.undo()
    assert build_site(site).ok
    assert "Scholz" in (site.output / "articles" / "visit" / "index.html").read_text(encoding="utf-8")


def test_the_shards_a_build_indexes_are_indexed_side_by_side(make_site, build_site, monkeypatch):
    """One Pagefind process keeps about one core busy: a first build's shards run one process per core."""
    import threading

    monkeypatch.setattr(search, "PAGES_PER_SHARD", 2)
    monkeypatch.setattr(search.os, "cpu_count", lambda: 2)
    together = threading.Barrier(2, timeout=60)  # passed only by two shards indexed at once
    real_run = search._run_pagefind
    met = []

    def run(*args, **kwargs):
        try:
            together.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(search, "_run_pagefind", run)
    site = _news_site(make_site)
    assert build_site(site).ok
    assert len(met) >= 4 and met[:2] == [True, True], met
    assert len(_indexed(site.output)) == sum(search.MARKER in page.read_bytes() for page in site.html_files())
    assert check_site(site.output).ok


def test_a_shard_indexed_again_writes_only_the_files_that_changed(make_site, build_site, monkeypatch, tmp_path):
    """Pagefind names a page's fragment, and the word index, filter and metadata files, by
    their bytes: those the output folder already holds are kept there, not made again."""
    from sitegen.site.files import SiteFiles

    monkeypatch.setattr(search, "PAGES_PER_SHARD", 2)
    log = _counting_pagefind(tmp_path, monkeypatch)
    site = _news_site(make_site)
    assert build_site(site).ok
    _runs(log)
    fragments_before = set(_fragment_files(site.output))
    site.add_article("story-0", title="Story 0, updated", date="2025-03-01",
                     body=f"{PEOPLE[0]} spoke in Brussels on Monday about fishing.")
    made = []
    real_set = SiteFiles.__setitem__

    def setting(self, path, data):
        made.append(path)
        real_set(self, path, data)

    monkeypatch.setattr(SiteFiles, "__setitem__", setting)
    assert build_site(site).ok
    run = set().union(*_runs(log))
    fragments_after = _fragment_files(site.output)
    indexed_again = {rel for rel, url in fragments_after.items() if url.strip("/") + "/index.html" in run}
    unchanged = indexed_again & fragments_before
    assert unchanged, "the shard indexed again holds pages the edit did not change"
    made_there = {path for path in made if path.startswith(search.BUNDLE + "/")}
    assert made_there and not made_there & unchanged
    assert "fishing" in _indexed(site.output)["/articles/story-0/"]
    assert check_site(site.output).ok


def _fragment_files(output: Path) -> dict[str, str]:
    """Each page fragment file of the index -> the address of its page."""
    return {path.relative_to(output).as_posix():
            json.loads(gzip.decompress(path.read_bytes())[len(b"pagefind_dcd"):])["url"]
            for path in (output / "pagefind").rglob("fragment/*.pf_fragment")}


def test_a_search_store_that_cannot_be_read_is_made_afresh(make_site, build_site):
    site = _one_article_site(make_site)
    assert build_site(site).ok
    store = site.state_dir / "search.sqlite"
    assert store.is_file()
    store.write_bytes(b"not a database at all" * 100)  # cut off, or written over
    (site.state_dir / "search.json").write_text("{}", encoding="utf-8")  # what sitegen kept before
    result = build_site(site, force=True)
    assert result.ok and result.warnings == ()
    assert "Angela Merkel" in _indexed(site.output)["/people/angela-merkel/"]
    assert not (site.state_dir / "search.json").exists()
    with sqlite3.connect(store) as connection:  # a database again, holding the pages' documents
        assert connection.execute("SELECT count(*) FROM documents").fetchone()[0] == \
            len(_indexed(site.output))


def test_a_scratch_folder_that_cannot_be_written_skips_search_with_one_warning(make_site, build_site,
                                                                                 monkeypatch, tmp_path):
    import errno

    full = tmp_path / "full"
    full.mkdir()
    monkeypatch.setattr(search, "_scratch_folder", lambda: str(full))
    real_write = Path.write_bytes

    def write_bytes(path, data):
        if str(path).startswith(str(full)):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real_write(path, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    site = _one_article_site(make_site)
    result = build_site(site)
    assert result.ok
    [warning] = result.warnings
    assert warning.startswith("search is not built: ") and "No space left on device" in warning
    assert not (site.output / "pagefind").exists() and (site.output / "index.html").is_file()


def test_a_search_store_damaged_inside_is_made_afresh(make_site, build_site, monkeypatch):
    from sitegen.site import search_store

    site = _one_article_site(make_site)
    assert build_site(site).ok
    real_pages = search_store.SearchStore.pages
    damaged = []

    def pages(self):
        if not damaged:  # the first read finds a damaged page of the file
            damaged.append(True)
            raise sqlite3.DatabaseError("database disk image is malformed")
        return real_pages(self)

    monkeypatch.setattr(search_store.SearchStore, "pages", pages)
    result = build_site(site, force=True)
    assert damaged and result.ok and result.warnings == ()
    assert "Angela Merkel" in _indexed(site.output)["/people/angela-merkel/"]


def test_a_search_store_found_damaged_while_indexing_is_made_afresh(make_site, build_site, monkeypatch):
    """Pagefind's part runs in a thread of its own (``begin_search_files``): a damaged store
    found there, reading the documents to index, is made afresh as one found before."""
    from sitegen.site import search_store

    site = _one_article_site(make_site)
    assert build_site(site).ok
    real_documents = search_store.SearchStore.documents
    damaged = []

    def documents(self, pages):
        if not damaged:
            damaged.append(True)
            raise sqlite3.DatabaseError("database disk image is malformed")
        return real_documents(self, pages)

    monkeypatch.setattr(search_store.SearchStore, "documents", documents)
    site.add_article("talks", title="Talks in Rome", date="2025-03-05", body="Olaf Scholz flew to Rome.")
    result = build_site(site)
    assert damaged and result.ok and result.warnings == ()
    indexed = _indexed(site.output)
    assert "Angela Merkel" in indexed["/people/angela-merkel/"] and "Olaf Scholz" in indexed["/people/olaf-scholz/"]


def test_a_search_store_of_another_version_starts_empty_and_small(tmp_path):
    from sitegen.site.search_store import FILE, SearchStore

    store = SearchStore(tmp_path, "old")
    for n in range(200):
        store.put(f"articles/{n}/index.html", "bytes", "search", os.urandom(4000))
    store.commit()
    store.close()
    big = (tmp_path / FILE).stat().st_size
    store = SearchStore(tmp_path, "new")
    assert store.pages() == {} and list(store.documents(["articles/1/index.html"])) == []
    store.close()
    assert (tmp_path / FILE).stat().st_size < big / 10


def test_the_binary_is_found_where_pagefinds_own_lookup_finds_it(monkeypatch, tmp_path):
    from pagefind.service import get_executable

    assert find_pagefind() == get_executable()
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "elsewhere"))
    assert find_pagefind() == get_executable() == tmp_path / "elsewhere"
