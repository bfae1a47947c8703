"""The build as a whole: atomic output, incremental work, the NER cache, the command line."""
from __future__ import annotations

import os

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest

import sitegen.build
import sitegen.incremental.exports
import sitegen.pipeline
import sitegen.nlp.extract

from conftest import SiteFolder, power_cut_after, without_search_index

ARTICLE_A = "Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students."
ARTICLE_B = "Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues."


def _two_article_site(make_site) -> SiteFolder:
    site = make_site()
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A)
    site.add_article("award", title="Chemistry award", date="2025-05-02", body=ARTICLE_B)
    return site


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(site: SiteFolder) -> list[str]:
    """Staging or previous-output folders left beside output/."""
    return sorted(p.name for p in site.root.iterdir() if p.name.startswith(".output") or p.name.startswith("output."))


def _refuse_model(*args, **kwargs):
    raise AssertionError("the NER model was loaded although no article needed it")


# ---- atomic output ---------------------------------------------------------------------


def test_failure_while_rendering_leaves_previous_output_intact(make_site, build_site, monkeypatch):
    site = _two_article_site(make_site)
    assert build_site(site).ok
    before = _snapshot(site.output)
    assert "data/entities.json" in before and "articles/visit/index.html" in before

    site.add_article("visit", title="School visit, updated", date="2025-05-01", body=ARTICLE_A + " It rained.")

    def broken_render(model, config, *jobs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(sitegen.pipeline, "render_files", broken_render)
    with pytest.raises(RuntimeError, match="template exploded"):
        build_site(site)
    assert _snapshot(site.output) == before
    assert _leftovers(site) == []

    # The failed build did not mark the inputs as built: the next build does the work.
    monkeypatch.undo()
    result = build_site(site)
    assert result.ok and not result.up_to_date
    assert "School visit, updated" in site.article_page("visit")


def test_failure_while_writing_leaves_previous_output_intact(make_site, build_site, monkeypatch):
    site = _two_article_site(make_site)
    assert build_site(site).ok
    before = _snapshot(site.output)
    site.add_article("award", title="Chemistry award, corrected", date="2025-05-02", body=ARTICLE_B)

    real_render = sitegen.pipeline.render_files

    def render_then_escape(model, config, *jobs):
        files = dict(real_render(model, config, *jobs))
        files["../outside.html"] = b"<p>must never be written</p>"  # refused after the rest is staged
        return files

    monkeypatch.setattr(sitegen.pipeline, "render_files", render_then_escape)
    from sitegen.errors import OutputError

    with pytest.raises(OutputError):
        build_site(site)
    assert _snapshot(site.output) == before
    assert _leftovers(site) == []
    assert not (site.root / "outside.html").exists()


def test_interrupted_build_leaves_previous_output_intact(make_site, build_site, monkeypatch):
    site = _two_article_site(make_site)
    assert build_site(site).ok
    before = _snapshot(site.output)
    site.add_article("third", title="Third", date="2025-05-03", body="Erik Berg scored twice in Oslo.")

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(sitegen.incremental.exports, "data_files", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_site(site)
    assert _snapshot(site.output) == before
    assert _leftovers(site) == []


def test_a_leftover_pending_folder_does_not_spoil_the_next_build(make_site, build_site):
    site = _two_article_site(make_site)
    pending = site.root / ".output.pending"
    pending.mkdir(parents=True)
    (pending / "0").write_text("stale", encoding="utf-8")  # prepared, but no journal: never committed
    assert build_site(site).ok
    assert "stale" not in {p.read_text(encoding="utf-8", errors="replace") for p in site.output.rglob("*.html")}
    assert _leftovers(site) == []


def test_a_commit_cut_off_halfway_is_finished_by_the_next_build(make_site, build_site, monkeypatch):
    import sitegen.output.write

    site = _two_article_site(make_site)
    assert build_site(site).ok
    site.add_article("visit", title="School visit, updated", date="2025-05-01", body=ARTICLE_A + " It rained.")
    power_cut_after(monkeypatch, 1)
    with pytest.raises(KeyboardInterrupt):
        build_site(site)
    monkeypatch.undo()
    assert (site.root / ".output.pending" / "journal.json").is_file()

    sitegen.output.write.recover(site.output.resolve())
    assert not (site.root / ".output.pending").exists()
    assert "School visit, updated" in site.article_page("visit")
    # Every page is whole: the commit was finished, not left half done.
    assert build_site(site).ok
    assert _leftovers(site) == []


def test_a_file_where_a_folder_now_belongs_is_replaced(tmp_path):
    from sitegen.output.write import write_site

    out = tmp_path / "out"
    write_site(out, {"people/x": b"old file", "index.html": b"home"})
    write_site(out, {"people/x/index.html": b"new page", "index.html": b"home"})
    assert (out / "people" / "x" / "index.html").read_bytes() == b"new page"


# ---- incremental builds ----------------------------------------------------------------


def test_unchanged_inputs_mean_no_work_and_no_model(make_site, build_site, monkeypatch):
    site = _two_article_site(make_site)
    first = build_site(site)
    assert first.ok and not first.up_to_date and first.extracted == 2
    before = _snapshot(site.output)

    monkeypatch.setattr(sitegen.nlp.extract, "load_pipeline", _refuse_model)
    second = build_site(site, nlp_loader=_refuse_model)
    assert second.up_to_date
    assert second.extracted == 0
    assert second.ok
    assert _snapshot(site.output) == before


def test_a_no_op_reads_no_input_file_it_saw_settled(make_site, build_site):
    """An input file whose size, time and inode are those the last build saw, long after
    its last change, is taken as unchanged without being read: here its bytes are changed
    behind the file system's back (the time put back), and the build does not look."""
    site = _two_article_site(make_site)
    path = site.articles_dir / "visit.md"
    an_hour_ago = time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(an_hour_ago, an_hour_ago))
    assert build_site(site).ok
    with open(path, "r+b") as f:  # the same inode, the same size
        data = f.read()
        f.seek(0)
        f.write(data.replace(b"Monday", b"Sunday"))
    os.utime(path, ns=(an_hour_ago, an_hour_ago))
    assert build_site(site).up_to_date


def test_a_same_size_edit_in_the_same_clock_step_is_seen(make_site, build_site):
    site = _two_article_site(make_site)
    path = site.articles_dir / "visit.md"
    assert build_site(site).ok
    before = path.stat()
    # A file system that keeps times in whole seconds: the edit leaves size and time as they were.
    path.write_text(path.read_text(encoding="utf-8").replace("Monday", "Sunday"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    result = build_site(site)
    assert result.ok and not result.up_to_date
    assert "Sunday" in site.article_page("visit")


def test_a_deleted_or_edited_output_page_is_rebuilt(make_site, build_site, monkeypatch):
    site = _two_article_site(make_site)
    assert build_site(site).ok
    home = site.output / "index.html"
    original = home.read_bytes()
    home.write_text("edited by hand", encoding="utf-8")
    (site.output / "static" / "style.css").unlink()

    monkeypatch.setattr(sitegen.nlp.extract, "load_pipeline", _refuse_model)
    result = build_site(site, nlp_loader=_refuse_model)
    assert result.ok and not result.up_to_date and result.extracted == 0
    assert home.read_bytes() == original
    assert (site.output / "static" / "style.css").is_file()


def test_force_rebuilds_from_the_cache_without_the_model(make_site, build_site, monkeypatch):
    site = _two_article_site(make_site)
    build_site(site)
    before = _snapshot(site.output)
    monkeypatch.setattr(sitegen.nlp.extract, "load_pipeline", _refuse_model)
    result = build_site(site, force=True, nlp_loader=_refuse_model)
    assert result.ok and not result.up_to_date
    assert result.extracted == 0
    # The same inputs give the same bytes: nothing is rewritten.
    assert result.stats.written == 0
    assert result.stats.unchanged == len(before)
    assert _snapshot(site.output) == before


def test_editing_one_article_runs_ner_on_it_alone(make_site, build_site, nlp):
    site = _two_article_site(make_site)
    assert build_site(site).extracted == 2
    keep = ["static/style.css", "data/text/award.txt", "articles/award/index.html"]
    stats_before = {rel: (site.output / rel).stat() for rel in keep}
    text_before = (site.output / "data/text/visit.txt").read_bytes()

    calls = []

    def loader():
        calls.append(1)
        return nlp

    # A change that names nobody new: only this article's own files change.
    site.add_article("visit", title="School visit", date="2025-05-01", body=ARTICLE_A + " The sun shone.")
    result = build_site(site, nlp_loader=loader)
    assert result.ok
    assert result.extracted == 1
    assert len(calls) == 1
    assert result.stats.unchanged > 0 and result.stats.written > 0
    for rel, before in stats_before.items():
        after = (site.output / rel).stat()
        # Hard-linked from the previous output, not rewritten.
        assert after.st_ino == before.st_ino, f"{rel} was rewritten"
        assert after.st_mtime_ns == before.st_mtime_ns, f"{rel} was touched"
    assert (site.output / "data/text/visit.txt").read_bytes() != text_before
    assert "The sun shone." in site.article_page("visit")


def test_adding_and_removing_articles(make_site, build_site):
    site = _two_article_site(make_site)
    build_site(site)
    site.add_article("third", title="Match report", date="2025-05-03",
                     body="Erik Berg, a footballer, scored twice in Oslo. Berg celebrated with the fans.")
    result = build_site(site)
    assert result.extracted == 1
    assert {a["id"] for a in site.entities_json()["articles"]} == {"visit", "award", "third"}

    (site.articles_dir / "award.md").unlink()
    result = build_site(site)
    assert result.ok and result.extracted == 0
    assert not (site.output / "articles" / "award").exists()
    assert not (site.output / "data" / "text" / "award.txt").exists()
    assert result.stats.removed >= 2
    names = site.names()
    assert "Anna Berg" not in names and "Erik Berg" in names
    assert not (site.output / "people" / "anna-berg").exists()


def test_editing_a_note_or_config_rebuilds(make_site, build_site, monkeypatch):
    site = _two_article_site(make_site)
    build_site(site)
    monkeypatch.setattr(sitegen.nlp.extract, "load_pipeline", _refuse_model)
    site.add_note("berg", name="Anna Berg", body="A chemist from Uppsala.")
    result = build_site(site, nlp_loader=_refuse_model)
    assert not result.up_to_date and result.extracted == 0
    assert "A chemist from Uppsala." in site.page("people/anna-berg/")
    site.write_config('title = "Science Desk"\n')
    result = build_site(site, nlp_loader=_refuse_model)
    assert not result.up_to_date
    assert "Science Desk" in site.page("")


def test_output_elsewhere(make_site, build_site, tmp_path):
    site = _two_article_site(make_site)
    target = tmp_path / "public" / "site"
    result = build_site(site, output=target)
    assert result.ok
    assert (target / "index.html").is_file() and (target / "data" / "entities.json").is_file()
    assert not site.output.exists()


# ---- the NER cache -----------------------------------------------------------------------


def test_cache_is_a_real_sqlite_file(make_site, build_site):
    site = _two_article_site(make_site)
    build_site(site)
    assert site.cache_file.read_bytes()[:16] == b"SQLite format 3\x00"
    with sqlite3.connect(site.cache_file) as db:
        rows = db.execute("SELECT key, value FROM extraction").fetchall()
    assert len(rows) == 2
    for key, value in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", key)
        data = json.loads(value)
        assert set(data) == {"spans", "sents"}


def test_corrupt_cache_is_set_aside_with_a_warning(make_site, build_site):
    site = _two_article_site(make_site)
    build_site(site)
    for extra in ("-wal", "-shm"):
        Path(str(site.cache_file) + extra).unlink(missing_ok=True)
    garbage = b"this is not a database\x00\xff\xfe" * 100
    site.cache_file.write_bytes(garbage)
    (site.state_dir / "memo.sqlite").unlink()  # else the last build's clusters are reused, and NER is not asked for

    warnings: list[str] = []
    result = build_site(site, force=True, warn=warnings.append)
    assert result.ok
    assert result.extracted == 2  # nothing could be trusted from the broken file
    assert any("cache" in w and "cache.sqlite" in w for w in warnings), warnings
    broken = site.state_dir / "cache.sqlite.broken"
    assert broken.read_bytes() == garbage
    assert site.cache_file.read_bytes()[:16] == b"SQLite format 3\x00"
    assert {e["name"] for e in site.entities()} >= {"Hannah Schmidt", "Anna Berg"}


def test_corrupt_cache_warning_is_in_the_build_result(make_site, build_site):
    """BuildResult.warnings holds every warning of the build, the cache's included."""
    site = _two_article_site(make_site)
    site.state_dir.mkdir()
    site.cache_file.write_bytes(b"\x00garbage\x01" * 64)
    result = build_site(site)
    assert result.ok
    assert any("cache.sqlite" in w for w in result.warnings), result.warnings


def test_corrupt_cache_warning_on_the_command_line(make_site, cli):
    site = _two_article_site(make_site)
    site.state_dir.mkdir()
    site.cache_file.write_bytes(b"\x00garbage\x01" * 64)
    result = cli("build", site.root, "--offline")
    assert result.returncode == 0, result.stderr
    assert re.search(r"warning: .*cache\.sqlite.*cache unreadable", result.stderr), result.stderr
    assert "Traceback" not in result.stderr
    assert (site.output / "data" / "entities.json").is_file()


# ---- the command line ----------------------------------------------------------------------


def test_summary_line_counts_articles_and_entities(make_site, cli):
    site = _two_article_site(make_site)
    result = cli("build", site.root, "--offline")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    match = re.fullmatch(
        r"built 2 articles; (\d+) (?:person|people), (\d+) places?, (\d+) organisations?; "
        r"(\d+) files written, (\d+) unchanged; NER on 2; 0 linked to Wikipedia \(offline, 0 requests\); [\d.]+ s",
        lines[0],
    )
    assert match, lines[0]
    types = [e["type"] for e in site.entities()]
    assert int(match.group(1)) == types.count("person") >= 2
    assert int(match.group(2)) == types.count("place") >= 2
    assert int(match.group(3)) == types.count("organisation")
    files = sum(1 for p in site.output.rglob("*") if p.is_file())
    assert int(match.group(4)) + int(match.group(5)) == files

    again = cli("build", site.root, "--offline")
    assert again.returncode == 0
    assert again.stdout.startswith("up to date"), again.stdout


def test_quiet_prints_nothing_on_success(make_site, cli):
    site = _two_article_site(make_site)
    site.write_config('unknown_key = 1\n')  # a warning, which --quiet also hides
    result = cli("build", site.root, "--offline", "--quiet")
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr == ""
    assert (site.output / "index.html").is_file()


def test_quiet_still_prints_errors(make_site, cli):
    site = _two_article_site(make_site)
    site.write_article_file("broken.md", "no front matter here\n")
    result = cli("build", site.root, "--offline", "-q")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "broken.md" in result.stderr and "front matter" in result.stderr


def test_entities_command_json(make_site, cli):
    site = _two_article_site(make_site)
    assert cli("build", site.root, "--offline").returncode == 0
    result = cli("entities", site.root, "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert rows, "no entities listed"
    for row in rows:
        assert {"name", "type", "aliases", "mentions", "articles", "merged_because"} <= set(row)
        assert row["type"] in ("person", "place", "organisation")
        assert isinstance(row["aliases"], list) and isinstance(row["merged_because"], list)
        assert isinstance(row["mentions"], int) and row["mentions"] >= 1
        assert isinstance(row["articles"], int) and row["articles"] >= 1
    by_name = {r["name"]: r for r in rows}
    berg = by_name["Anna Berg"]
    assert berg["type"] == "person" and berg["aliases"] == ["Berg"]
    assert berg["mentions"] == 2 and berg["articles"] == 1
    assert any("Berg" in reason for reason in berg["merged_because"])
    # The listing agrees with what the build published.
    built = {e["name"]: e for e in site.entities()}
    assert set(by_name) == set(built)
    for name, row in by_name.items():
        assert row["mentions"] == built[name]["mention_count"]
        assert row["articles"] == len(built[name]["articles"])


def test_entities_command_type_filter(make_site, cli):
    site = _two_article_site(make_site)
    people = json.loads(cli("entities", site.root, "--format", "json", "--type", "person").stdout)
    everything = json.loads(cli("entities", site.root, "--format", "json").stdout)
    assert people and all(r["type"] == "person" for r in people)
    assert {r["name"] for r in people} == {r["name"] for r in everything if r["type"] == "person"}
    assert {"Hannah Schmidt", "Anna Berg"} <= {r["name"] for r in people}
    places = json.loads(cli("entities", site.root, "--format", "json", "--type", "place").stdout)
    assert places and all(r["type"] == "place" for r in places)
    assert {"Berlin", "Stockholm"} <= {r["name"] for r in places}


def test_entities_command_table(make_site, cli):
    site = _two_article_site(make_site)
    result = cli("entities", site.root, "--type", "person")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["name", "type", "mentions", "articles"]
    assert any(line.startswith("Anna Berg") and " person " in line for line in lines[2:])
    assert not any(" place " in line for line in lines[2:])


def test_entities_command_reports_bad_files(make_site, cli):
    site = _two_article_site(make_site)
    site.write_article_file("empty.md", b"")
    result = cli("entities", site.root, "--format", "json")
    assert result.returncode == 1
    assert "empty.md" in result.stderr
    assert {"Hannah Schmidt", "Anna Berg"} <= {r["name"] for r in json.loads(result.stdout)}


def test_no_command_prints_help_and_exits_2(cli):
    result = cli()
    assert result.returncode == 2
    assert "build" in result.stdout and "entities" in result.stdout


def test_deleted_output_is_rebuilt_from_the_cache(make_site, build_site, monkeypatch):
    site = _two_article_site(make_site)
    build_site(site)
    before = _snapshot(site.output)
    import shutil

    shutil.rmtree(site.output)
    monkeypatch.setattr(sitegen.nlp.extract, "load_pipeline", _refuse_model)
    result = build_site(site, nlp_loader=_refuse_model)
    assert result.ok and not result.up_to_date and result.extracted == 0
    after = _snapshot(site.output)
    # Pagefind indexes the same pages again; its filter and metadata files are not
    # byte-stable between its runs (upstream), so only their presence is compared.
    assert without_search_index(after) == without_search_index(before)
    assert "pagefind/pagefind.js" in after and "pagefind/pagefind.js" in before


def test_every_internal_link_resolves(make_site, build_site):
    from html.parser import HTMLParser
    from urllib.parse import unquote, urlsplit

    site = _two_article_site(make_site)
    site.add_article("2025/Café news", title="Café news", date="2025-05-03",
                     body="Erik Berg, a footballer, scored twice in Oslo. Berg celebrated with the fans.")
    assert build_site(site).ok

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.targets, self.ids = [], set()

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if attrs.get("id"):
                self.ids.add(attrs["id"])
            for name in ("href", "src"):
                if attrs.get(name):
                    self.targets.append(attrs[name])

    pages = {}
    for page in site.html_files():
        parser = Links()
        parser.feed(page.read_text(encoding="utf-8"))
        pages[page.resolve()] = parser
    checked = 0
    for page, parser in pages.items():
        if page.name == "404.html":
            continue  # served at any address: its links start from the site root
        for target in parser.targets:
            parts = urlsplit(target)
            if parts.scheme or parts.netloc:
                continue
            resolved = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert resolved.is_relative_to(site.output.resolve()), (page, target)
            if resolved.is_dir():
                resolved = resolved / "index.html"
            assert resolved.is_file(), f"{page.relative_to(site.output)} links to missing {target}"
            if parts.fragment:
                assert unquote(parts.fragment) in pages[resolved].ids, f"{target} from {page}: no such anchor"
            checked += 1
    assert checked > 50


def test_editing_one_paragraph_runs_ner_on_that_paragraph_alone(make_site, build_site, nlp, monkeypatch):
    site = make_site("paragraphs")
    first = "Angela Merkel met Emmanuel Macron in Berlin on Monday."
    second = "The World Health Organization sent doctors to Aleppo."
    site.add_article("talks", title="Talks", date="2025-05-01", body=f"{first}\n\n{second}")
    assert build_site(site).extracted == 1
    read: list[str] = []
    real = sitegen.pipeline.extract_all

    def spy(model, texts, *args, **kwargs):
        read.extend(texts)
        return real(model, texts, *args, **kwargs)

    monkeypatch.setattr(sitegen.pipeline, "extract_all", spy)
    site.add_article("talks", title="Talks", date="2025-05-01", body=f"{first}\n\n{second} Pedro Sanchez came too.")
    result = build_site(site)
    assert result.extracted == 1
    assert read == [f"{second} Pedro Sanchez came too."]
    assert {"Angela Merkel", "Pedro Sanchez"} <= {e["name"] for e in site.entities_json()["entities"]}
    # A paragraph moved, not changed: nothing to read.
    read.clear()
    site.add_article("talks", title="Talks", date="2025-05-01", body=f"{second} Pedro Sanchez came too.\n\n{first}")
    assert build_site(site).extracted == 0 and read == []


def test_an_articles_extraction_is_its_paragraphs_at_their_offsets(nlp):
    from sitegen.nlp.extract import Extraction, extract_texts, paragraphs

    text = "Angela Merkel spoke in Berlin.\n\n\n\nEmmanuel Macron answered from Paris."
    parts = paragraphs(text)
    assert [text[o:o + len(p)] for o, p in parts] == [p for _, p in parts]
    assert [p for _, p in parts] == ["Angela Merkel spoke in Berlin.", "Emmanuel Macron answered from Paris."]
    joined = Extraction.joined([(o, x) for (o, _), x in zip(parts, extract_texts(nlp, [p for _, p in parts]))])
    names = {text[s:e] for s, e, _ in joined.spans}
    assert {"Angela Merkel", "Berlin", "Emmanuel Macron", "Paris"} <= names
    assert joined.sentence_starts == tuple(o for o, _ in parts)


@pytest.mark.parametrize("kept_by", ["command line", "preview"])
def test_the_cycle_collector_waits_while_sitegen_build_links(kept_by, make_site, build_site, monkeypatch):
    """Linking makes millions of long-lived objects on a large site: `sitegen build` keeps
    the cycle collector from walking them again and again meanwhile, and lets it run again
    after; a preview, which runs for hours, leaves it alone."""
    import gc

    from sitegen.incremental.memory import BuildMemory

    site = _two_article_site(make_site)
    seen = []
    real = sitegen.pipeline.linked_site
    monkeypatch.setattr(sitegen.pipeline, "linked_site",
                        lambda *args, **kwargs: seen.append(gc.isenabled()) or real(*args, **kwargs))
    assert gc.isenabled()
    result = build_site(site, memory=BuildMemory() if kept_by == "preview" else None)
    assert result.ok and seen == [kept_by == "preview"]
    assert gc.isenabled()
