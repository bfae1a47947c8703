"""`sitegen import`: every kind of source from the fixtures, idempotence, edited articles,
bad input, polite fetching and the measured extraction floor.

Web addresses are answered by ``httpx.MockTransport`` from tests/fixtures/import/pages:
the same client code path as live use, and no network.
"""
from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import shutil
import sys
from pathlib import Path

import httpx
import pytest

from conftest import REPO, run_cli
from sitegen.content import frontmatter
from sitegen.importer import ImportOptions, run_import
from sitegen.importer.fetch import FetchError, Fetcher, FetchOptions
from sitegen.importer.sources import SourceOptions
from sitegen.importer.writer import write_atomically

FIXTURES = REPO / "tests" / "fixtures" / "import"
PAGES = FIXTURES / "pages"
REFERENCE = json.loads((PAGES / "reference.json").read_text("utf-8"))
PAGE_BY_URL = {ref["url"]: name for name, ref in REFERENCE.items()}


class FakeWeb:
    """Serves the fixture pages at their real addresses; records every request."""

    def __init__(self, robots: dict[str, str] | None = None, extra: dict[str, httpx.Response] | None = None):
        self.requests: list[httpx.Request] = []
        self.robots = robots or {}
        self.extra = extra or {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = str(request.url)
        if request.url.path == "/robots.txt":
            text = self.robots.get(request.url.host)
            return httpx.Response(200, text=text) if text is not None else httpx.Response(404)
        if url in self.extra:
            return self.extra[url]
        name = PAGE_BY_URL.get(url)
        if name is None:
            return httpx.Response(404)
        return httpx.Response(200, content=gzip.decompress((PAGES / f"{name}.html.gz").read_bytes()),
                              headers={"content-type": "text/html; charset=utf-8"})

    def fetch_options(self, **kwargs) -> FetchOptions:
        return FetchOptions(delay=0, transport=httpx.MockTransport(self), sleep=lambda s: None, **kwargs)


def wordpress_export(tmp_path: Path) -> Path:
    path = tmp_path / "theme-unit-test-data.xml"
    path.write_bytes(gzip.decompress((FIXTURES / "wordpress" / "theme-unit-test-data.xml.gz").read_bytes()))
    return path


def all_sources(tmp_path: Path) -> list[str]:
    return [str(FIXTURES / "feeds" / "newsroom-rss.xml"), str(FIXTURES / "feeds" / "desk-atom.xml"),
            str(wordpress_export(tmp_path)), str(FIXTURES / "wordpress" / "valid-wxr-1.1.xml"),
            str(FIXTURES / "newsml"), str(FIXTURES / "exports" / "archive.jsonl")]


def import_options(web: FakeWeb, **kwargs) -> ImportOptions:
    sources = SourceOptions(fetch_pages=True, mapping={"title": "headline", "date": "published", "body": "story",
                                                       "url": "link", "author": "byline", "tags": "keywords"})
    return ImportOptions(sources=sources, fetch=web.fetch_options(), progress=False, **kwargs)


def article_files(site: Path) -> dict[str, bytes]:
    root = site / "content" / "articles"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.md"))}


# ---- every kind of source, twice ---------------------------------------------------------


def test_the_fixtures_import_once_and_a_second_import_changes_nothing(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    web = FakeWeb()
    first = run_import(site, all_sources(tmp_path), import_options(web))
    files = article_files(site)
    # 6 RSS items (5 from their pages) + 3 Atom entries (one has no date) + 52 WordPress
    # posts + 1 WXR 1.1 post + 1 NewsML item + 5 JSON Lines records.
    assert first.counts["imported"] == len(files) == 68, first.line()
    labels = sorted(f"{f.source.rsplit('/', 1)[-1]}: {f.label.split(' (')[0]}" for f in first.failures)
    assert labels == sorted([
        "archive.jsonl: line 6", "archive.jsonl: line 7", "archive.jsonl: line 8",
        "desk-atom.xml: item 2 <https://www.twincities.com/2019/11/19/parise-scores-2-goals-wild-beat-sabres-4-1/>",
        "LISTING_1_A_NewsML-G2_News_Item.xml: urn:newsml:acmenews.com:20161018:US-FINANCE-FED",
        "theme-unit-test-data.xml: item 156",
        "theme-unit-test-data.xml: item 161", "theme-unit-test-data.xml: item 162"]), labels
    assert first.exit_code == 1
    # Pages fetched once each, through the same client (its User-Agent) after robots.txt.
    page_requests = [r for r in web.requests if r.url.path != "/robots.txt"]
    assert len(page_requests) == 5
    assert all(r.headers["user-agent"].startswith("sitegen/") for r in web.requests)

    second = run_import(site, all_sources(tmp_path), import_options(web))
    assert second.counts["imported"] == second.counts["updated"] == 0
    assert second.counts["unchanged"] == 68
    assert article_files(site) == files
    # The pages came from the import cache the second time.
    assert len([r for r in web.requests if r.url.path != "/robots.txt"]) == 5


def test_every_imported_article_reads_back_with_its_fields(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    run_import(site, all_sources(tmp_path), import_options(FakeWeb()))
    root = site / "content" / "articles"
    for path in root.rglob("*.md"):
        doc = frontmatter.read(path)
        assert doc.meta["title"] and isinstance(doc.meta["date"], dt.date), path
        assert path.parent.parent.name == f"{doc.meta['date'].year:04d}"
        assert path.parent.name == f"{doc.meta['date'].month:02d}"
        assert doc.body.strip(), path
    # A feed item with a summary only got its page's text, and the feed's fields.
    hill = frontmatter.read(root / "2019" / "11" / "south-dakota-governor-doubles-down-on-meth-we-re-on-it-anti-drug-campaign.md")
    assert hill.meta["url"].startswith("https://thehill.com/")
    assert hill.meta["source"] == "Newsroom wire" and hill.meta["author"] == "Tess Bonn"
    assert "Noem" in hill.body and len(hill.body) > 1500
    # WordPress: author's display name, categories and tags, Markdown kept.
    markup = frontmatter.read(root / "2013" / "01" / "markup-html-tags-and-formatting.md")
    assert markup.meta["author"] == "Theme Buster"
    assert {"Classic", "css", "Markup"} <= set(markup.meta["tags"])
    assert "\n## Blockquotes\n" in markup.body and "\n- " in markup.body
    assert "](https://" in markup.body
    assert "\n> Stay hungry. Stay foolish.\n" in markup.body  # quotations stay quotations
    # NewsML-G2: headline, by-line, subjects, rights holder.
    fed = frontmatter.read(root / "2016" / "11" / "fed-to-halt-qe-to-avert-bubble.md")
    assert fed.meta["date"] == dt.date(2016, 11, 21)
    assert fed.meta["author"].startswith("Meredith Jameson")
    assert fed.meta["tags"] == ["economy, business and finance", "central bank", "money and monetary policy"]
    assert fed.meta["source"] == "Acme News and Media LLC"
    # JSON Lines through --map.
    nyt = frontmatter.read(root / "2019" / "11" / "opinion-republicans-are-following-trump-to-nowhere.md")
    assert nyt.meta["tags"] == ["news", "2019"] and nyt.meta["author"] == "Jamelle Bouie"


def test_drafts_and_pages_are_skipped_unless_asked_for(tmp_path):
    export = str(wordpress_export(tmp_path))
    plain, asked = tmp_path / "plain", tmp_path / "asked"
    plain.mkdir(), asked.mkdir()
    web = FakeWeb()
    run_import(plain, [export], import_options(web))
    options = import_options(web)
    options.sources.include_drafts = options.sources.include_pages = True
    run_import(asked, [export], options)
    titles = lambda site: {frontmatter.read(p).meta["title"] for p in (site / "content" / "articles").rglob("*.md")}
    assert "Draft" not in str(titles(plain)) and "About The Tests" not in titles(plain)
    extra = titles(asked) - titles(plain)
    assert "About The Tests" in extra and "Scheduled" not in titles(plain)
    assert "Draft" in " ".join(extra)
    assert not any("Password Protected" in t for t in titles(plain))
    assert any("Password Protected" in t for t in extra)


# ---- the editor's changes are never overwritten ----------------------------------------------


def test_an_edited_article_survives_a_reimport_and_the_new_text_goes_beside_it(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    feed = FIXTURES / "feeds" / "desk-atom.xml"
    run_import(site, [str(feed)], import_options(FakeWeb()))
    path = next((site / "content" / "articles").rglob("*mourinho*.md"))
    edited = path.read_text("utf-8").replace("Mourinho", "José Mourinho", 1) + "\nAn editor's note.\n"
    path.write_text(edited, "utf-8")
    # The publisher corrects the story: the feed now says something else.
    changed = tmp_path / "desk-atom.xml"
    changed.write_text(feed.read_text("utf-8").replace("Tottenham", "Tottenham Hotspur").replace(" said ", " stated "),
                       "utf-8")

    report = run_import(site, [str(changed)], import_options(FakeWeb()))
    assert path.read_text("utf-8") == edited
    incoming = path.with_name(path.stem + ".incoming.md")
    assert "Tottenham Hotspur" in incoming.read_text("utf-8")
    assert any(path.name in note and incoming.name in note for note in report.notes)
    # An article the editor left alone is updated in place.
    assert report.counts["updated"] >= 1 and report.counts["imported"] == 0

    # The build reads the article, not the text beside it.
    from sitegen.content.articles import load_articles
    loaded = load_articles(site / "content" / "articles")
    assert not loaded.errors and all(".incoming" not in a.id for a in loaded.articles)


def test_an_article_deleted_by_the_editor_is_not_brought_back(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    source = [str(FIXTURES / "newsml")]
    run_import(site, source, import_options(FakeWeb()))
    (path,) = (site / "content" / "articles").rglob("*.md")
    path.unlink()
    report = run_import(site, source, import_options(FakeWeb()))
    assert not path.exists() and report.counts["skipped"] == 1 and report.notes


def test_since_and_dry_run(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    export = str(wordpress_export(tmp_path))
    dry = run_import(site, [export], import_options(FakeWeb(), dry_run=True))
    assert dry.counts["imported"] == 52 and not (site / "content").exists()
    assert not (site / ".sitegen" / "imported.json").exists()
    recent = run_import(site, [export], import_options(FakeWeb(), since=dt.date(2018, 1, 1)))
    dates = [frontmatter.read(p).meta["date"] for p in (site / "content" / "articles").rglob("*.md")]
    assert recent.counts["imported"] == len(dates) > 0
    assert min(dates) >= dt.date(2018, 1, 1)


def test_files_are_written_atomically(tmp_path, monkeypatch):
    """The preview's watcher must only ever see whole files: the text is complete in a
    hidden temporary file before one rename puts it in place."""
    target = tmp_path / "2019" / "11" / "story.md"
    target.parent.mkdir(parents=True)
    target.write_text("old text\n", "utf-8")
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append((Path(src).name, Path(src).read_text("utf-8"), Path(dst).read_text("utf-8")))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    write_atomically(target, "new text, " * 10_000)
    ((name, written, before),) = seen
    assert name.startswith(".") and written == "new text, " * 10_000 and before == "old text\n"
    assert target.read_text("utf-8") == written
    assert sorted(p.name for p in target.parent.iterdir()) == ["story.md"]


# ---- bad input -----------------------------------------------------------------------------


def test_cli_bad_items_one_line_each_the_rest_imported_exit_1(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    result = run_cli("import", FIXTURES / "exports" / "archive.jsonl", FIXTURES / "newsml", "--site", site,
                     "--map", "title=headline,date=published,body=story,url=link,author=byline")
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 4, result.stderr
    assert any("archive.jsonl: line 6" in e and "has no date" in e and "add a publication date" in e for e in errors)
    assert any("archive.jsonl: line 7" in e and "not valid JSON" in e for e in errors)
    assert any("archive.jsonl: line 8" in e and "not UTF-8" in e and "export the file as UTF-8" in e for e in errors)
    assert any("LISTING_1" in e and "has no text" in e for e in errors)
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == "6 imported, 0 updated, 0 unchanged, 0 skipped, 4 failed"


def test_cli_nothing_readable_or_bad_arguments_exit_2(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    missing = run_cli("import", tmp_path / "no-such-export.xml", "--site", site)
    assert missing.returncode == 2 and "no-such-export.xml: source: cannot be read: no such file" in missing.stderr
    ftp = run_cli("import", "ftp://example.org/feed.xml", "--site", site)
    assert ftp.returncode == 2 and "only http:// and https://" in ftp.stderr
    bad_map = run_cli("import", FIXTURES / "exports" / "archive.jsonl", "--site", site, "--map", "headline")
    assert bad_map.returncode == 2 and "not FIELD=COLUMN" in bad_map.stderr
    bad_since = run_cli("import", FIXTURES / "newsml", "--site", site, "--since", "last week")
    assert bad_since.returncode == 2 and "write YYYY-MM-DD" in bad_since.stderr
    assert not (site / "content").exists()
    for result in (missing, ftp, bad_map, bad_since):
        assert "Traceback" not in result.stderr


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>&lol3;</title>
<item><title>&lol3;</title><wp:post_type>post</wp:post_type></item></channel></rss>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>&secret;</title>
<id>x</id><updated>2019-11-20T00:00:00Z</updated><content>&secret;</content></entry></feed>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity-expansion", "external-entity"])
def test_xml_with_entities_is_refused_not_expanded(tmp_path, data):
    site = tmp_path / "site"
    site.mkdir()
    source = tmp_path / "export.xml"
    source.write_bytes(data)
    report = run_import(site, [str(source)], import_options(FakeWeb()))
    assert report.exit_code == 2
    (failure,) = report.failures
    assert "refused" in str(failure) and "entities" in str(failure)
    assert not (site / "content").exists()


# ---- polite, guarded fetching ------------------------------------------------------------------


def test_fetching_respects_robots_txt_the_host_delay_retries_and_the_size_cap(tmp_path):
    waits: list[float] = []
    flaky = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/robots.txt":
            return httpx.Response(200, text="User-agent: *\nDisallow: /private/\n")
        if request.url.path == "/flaky":
            flaky["n"] += 1
            return httpx.Response(503, headers={"retry-after": "2"}) if flaky["n"] == 1 else httpx.Response(200, text="ok")
        if request.url.path == "/huge":
            return httpx.Response(200, content=b"x" * 5000)
        return httpx.Response(200, text="page")

    options = FetchOptions(delay=1.5, transport=httpx.MockTransport(handler), sleep=waits.append, max_bytes=4000)
    fetcher = Fetcher(tmp_path / "cache", options)
    assert fetcher.get("https://news.example/a").body == b"page"
    with pytest.raises(FetchError, match="robots.txt"):
        fetcher.get("https://news.example/private/b")
    assert fetcher.get("https://news.example/flaky").body == b"ok"
    assert 2.0 in waits  # Retry-After honoured
    assert any(0 < w <= 1.5 for w in waits)  # the pause between two requests to one host
    with pytest.raises(FetchError, match="larger than"):
        fetcher.get("https://news.example/huge")
    with pytest.raises(FetchError, match="only http"):
        fetcher.get("file:///etc/passwd")
    fetcher.close()


def test_offline_works_from_the_cache_and_says_what_is_missing(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    feed = str(FIXTURES / "feeds" / "newsroom-rss.xml")
    run_import(site, [feed], import_options(FakeWeb()))
    files = article_files(site)
    shutil.rmtree(site / "content")
    (site / ".sitegen" / "imported.json").unlink()

    def no_network(request):
        raise AssertionError(f"fetched {request.url} offline")

    offline = ImportOptions(sources=SourceOptions(fetch_pages=True), progress=False,
                            fetch=FetchOptions(offline=True, transport=httpx.MockTransport(no_network)))
    report = run_import(site, [feed], offline)
    assert report.counts["imported"] == 6 and article_files(site) == files

    empty = tmp_path / "empty"
    empty.mkdir()
    report = run_import(empty, [feed], offline)
    assert report.counts["failed"] == 5 and "--offline" in str(report.failures[0])


# ---- the measured floor ---------------------------------------------------------------------


def test_main_text_and_date_extraction_on_real_news_pages_meet_the_floor():
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from import_extraction import measure
    finally:
        sys.path.remove(str(REPO / "bench"))
    result = measure()
    assert result["pages"] >= 30
    assert result["f1"] >= 0.90, result
    assert result["dates_correct"] >= 0.95, [r for r in result["rows"] if not r["date_ok"]]


# ---- end to end ------------------------------------------------------------------------------


def test_import_then_build_then_check_is_clean(tmp_path, build_site):
    from sitegen.check.site import check_site

    site = tmp_path / "site"
    site.mkdir()
    report = run_import(site, all_sources(tmp_path), import_options(FakeWeb()))
    assert report.counts["imported"] == 68
    result = build_site(site)
    assert not result.errors, result.errors
    assert len(result.site.articles) == 68
    checked = check_site(site / "output")
    assert checked.ok, checked.problems[:10]


# ---- web pages, URL lists, CSV, feeds by URL, broken markup ------------------------------------


def test_saved_pages_a_list_of_urls_and_a_feed_by_url(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    saved = tmp_path / "saved"
    saved.mkdir()
    for name in ("0d461229", "702d1da6"):
        (saved / f"{name}.html").write_bytes(gzip.decompress((PAGES / f"{name}.html.gz").read_bytes()))
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# two stories\n{REFERENCE['5a822960']['url']}\n\nnot a url\n{REFERENCE['8634d121']['url']}\n", "utf-8")
    feed_url = "https://newsroom.example/feed/"
    web = FakeWeb(robots={"newsroom.example": "User-agent: *\nAllow: /\n"},
                  extra={feed_url: httpx.Response(200, content=(FIXTURES / "feeds" / "desk-atom.xml").read_bytes(),
                                                  headers={"content-type": "application/atom+xml"})})
    report = run_import(site, [str(saved), str(urls), feed_url], import_options(web))
    assert report.counts["imported"] == 2 + 2 + 3, (report.line(), [str(f) for f in report.failures])
    (bad_line,) = [f for f in report.failures if "urls.txt" in f.source]
    assert bad_line.label == "line 4" and "not an http(s) address" in bad_line.problem
    root = site / "content" / "articles"
    davis = frontmatter.read(next(root.rglob("*davis-cup*.md")))
    assert davis.meta["date"] == dt.date(2019, 11, 19) and "Argentina" in davis.body
    nbc = frontmatter.read(next(root.rglob("*hitler*.md")))
    assert nbc.meta["url"] == REFERENCE["5a822960"]["url"] and nbc.meta["date"] == dt.date(2019, 11, 20)


def test_csv_with_a_mapping(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    export = tmp_path / "stories.csv"
    export.write_text('Headline,Published on,Story,Section\n'
                      '"Talks in Geneva","2025-03-04","Delegates met in Geneva.\n\nThey will meet again.",World\n'
                      '"No date here","","Some text.",World\n', "utf-8")
    options = ImportOptions(sources=SourceOptions(mapping={"title": "Headline", "date": "Published on", "body": "Story",
                                                           "tags": "Section"}),
                            fetch=FakeWeb().fetch_options(), progress=False)
    report = run_import(site, [str(export)], options)
    assert report.counts["imported"] == 1 and report.counts["failed"] == 1
    assert report.failures[0].label.startswith("line 5") and "no date" in report.failures[0].problem
    doc = frontmatter.read(site / "content" / "articles" / "2025" / "03" / "talks-in-geneva.md")
    assert doc.meta["tags"] == ["World"] and doc.body.strip() == "Delegates met in Geneva.\n\nThey will meet again."


def test_broken_xml_names_the_line_and_other_sources_still_import(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    broken = tmp_path / "export.xml"
    text = (FIXTURES / "wordpress" / "valid-wxr-1.1.xml").read_text("utf-8")
    broken.write_text(text.replace("</title>", "", 3), "utf-8")
    report = run_import(site, [str(broken), str(FIXTURES / "newsml")], import_options(FakeWeb()))
    assert report.exit_code == 1 and report.counts["imported"] == 1
    failure = str(report.failures[0])
    assert "export.xml: source: cannot be read: broken XML at line" in failure and "well-formed" in failure


def test_a_site_whose_robots_txt_fails_is_not_fetched(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503) if request.url.path == "/robots.txt" else httpx.Response(200, text="page")

    fetcher = Fetcher(tmp_path / "cache", FetchOptions(transport=httpx.MockTransport(handler), sleep=lambda s: None))
    with pytest.raises(FetchError, match="robots.txt could not be read"):
        fetcher.get("https://news.example/story")


def test_plain_text_exports_keep_one_paragraph_a_line(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    export = tmp_path / "wire.jsonl"
    export.write_text(json.dumps({"title": "Storm hits coast", "date": "2025-01-02",
                                  "text": "The storm reached Brest at dawn.\nFerries stayed in port."}) + "\n", "utf-8")
    # No --map: the export's columns are named like the fields.
    run_import(site, [str(export)], ImportOptions(fetch=FakeWeb().fetch_options(), progress=False))
    doc = frontmatter.read(site / "content" / "articles" / "2025" / "01" / "storm-hits-coast.md")
    assert doc.body.strip() == "The storm reached Brest at dawn.\n\nFerries stayed in port."


def test_an_item_a_library_chokes_on_fails_alone(tmp_path, monkeypatch):
    from sitegen.importer import newsml

    site = tmp_path / "site"
    site.mkdir()
    real = newsml._body

    def choke(item):
        if "20161121" in (item.get("guid") or ""):
            raise ValueError("unexpected markup")
        return real(item)

    monkeypatch.setattr(newsml, "_body", choke)
    wire = FIXTURES / "newsml" / "LISTING_2_NewsML-G2_Text_Document.xml"
    report = run_import(site, [str(wire), str(FIXTURES / "wordpress" / "valid-wxr-1.1.xml")], import_options(FakeWeb()))
    assert report.counts["imported"] == 1 and report.exit_code == 1
    (failure,) = report.failures
    assert str(failure).startswith(f"{wire}: item 1: could not be read (ValueError: unexpected markup)")


def test_an_article_that_cannot_be_written_fails_alone(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    # A file where the year's folder should be: that article cannot be written.
    (site / "content" / "articles").mkdir(parents=True)
    (site / "content" / "articles" / "2016").write_text("not a folder", "utf-8")
    report = run_import(site, [str(FIXTURES / "newsml"), str(FIXTURES / "wordpress" / "valid-wxr-1.1.xml")],
                        import_options(FakeWeb()))
    assert report.counts["imported"] == 1
    assert any("cannot be written" in str(f) for f in report.failures)


def test_newsml_dateline_leads_the_text_and_canceled_items_are_skipped(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    item = (FIXTURES / "newsml" / "LISTING_2_NewsML-G2_Text_Document.xml").read_text("utf-8")
    with_dateline = tmp_path / "dateline.xml"
    with_dateline.write_text(item.replace("<slugline>", "<dateline>NEW YORK, Nov 21</dateline>\n        <slugline>"),
                             "utf-8")
    canceled = tmp_path / "canceled.xml"
    canceled.write_text(item.replace("stat:usable", "stat:canceled").replace("US-FINANCE-FED", "US-FINANCE-FED-2"),
                        "utf-8")
    report = run_import(site, [str(with_dateline), str(canceled)], import_options(FakeWeb()))
    assert report.counts["imported"] == 1 and report.counts["skipped"] == 1, report.line()
    doc = frontmatter.read(site / "content" / "articles" / "2016" / "11" / "fed-to-halt-qe-to-avert-bubble.md")
    assert doc.body.strip().startswith("NEW YORK, Nov 21 — (New York, NY - October 21) Et, sent luptat")


def test_an_edited_article_whose_source_did_not_change_is_simply_unchanged(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    source = [str(FIXTURES / "newsml")]
    run_import(site, source, import_options(FakeWeb()))
    (path,) = (site / "content" / "articles").rglob("*.md")
    path.write_text(path.read_text("utf-8") + "\nAn editor's addition.\n", "utf-8")
    report = run_import(site, source, import_options(FakeWeb()))
    assert report.counts["unchanged"] == 1 and not report.notes
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_front_matter_is_one_line_a_field_as_editors_write_it():
    from sitegen.importer.items import Item
    from sitegen.importer.writer import article_text

    item = Item(source="s", label="l", title="Talks: day two", date=dt.date(2025, 3, 4), body="Text.",
                url="https://news.example/a", tags=("Syria", "diplomacy"), author="Jane Doe")
    assert article_text(item) == ("---\ntitle: 'Talks: day two'\ndate: 2025-03-04\nurl: https://news.example/a\n"
                                  "author: Jane Doe\ntags: [Syria, diplomacy]\n---\n\nText.\n")


def test_a_pages_headline_is_its_title_not_the_first_line_of_its_text():
    from sitegen.importer.webpages import read_page

    page = gzip.decompress((PAGES / "70cb2d5b.html.gz").read_bytes())
    item = read_page(page, "bbc", url=REFERENCE["70cb2d5b"]["url"])
    assert item.title == "Taylor Swift's AMA row seems to be over"
    assert item.body.startswith("A row involving Taylor Swift, her former record label")


def test_a_damaged_import_record_stops_the_import_before_it_duplicates_the_archive(tmp_path):
    site = tmp_path / "site"
    (site / ".sitegen").mkdir(parents=True)
    (site / ".sitegen" / "imported.json").write_text('{"version": 1, "items": {', "utf-8")
    result = run_cli("import", FIXTURES / "newsml", "--site", site)
    assert result.returncode == 2 and "import record cannot be read" in result.stderr
    assert "delete it to import everything anew" in result.stderr and "Traceback" not in result.stderr
    assert not (site / "content").exists()
