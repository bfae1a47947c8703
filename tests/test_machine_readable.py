"""What machines read: JSON-LD, OpenGraph, the feed, sitemap, robots.txt, graph and CSV exports.

Built from the hand-made Site of test_render, once with reference data linked (as the
reference stage will fill it) and once without.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from xml.etree import ElementTree

import pytest

from sitegen.site import hosting
from sitegen.config import SiteConfig
from sitegen.site.export import entities_csv, graph_json
from sitegen.model import Entity, Reference, Site
from sitegen.site.render import render_site
from test_render import EVIL, make_site, page

BASE = "https://example.org/news/"
ATOM = "{http://www.w3.org/2005/Atom}"


def linked_site() -> Site:
    """The test site with full reference data on Donald Trump and Ankara."""
    site = make_site()

    def link(entity: Entity) -> Entity:
        if entity.id == "people/donald-trump":
            ref = dataclasses.replace(entity.reference, description="President of the United States since 2025",
                                      image="Official Portrait.jpg")
            return dataclasses.replace(entity, reference=ref)
        if entity.id == "places/ankara":
            return dataclasses.replace(entity, reference=Reference(
                wikipedia_title="Ankara", wikipedia_url="https://en.wikipedia.org/wiki/Ankara",
                wikidata_id="Q3640", description="capital of Turkey", coordinates=(39.93, 32.86)))
        return entity

    return dataclasses.replace(site, entities=tuple(link(e) for e in site.entities))


@pytest.fixture(scope="module")
def linked(tmp_path_factory) -> dict[str, bytes]:
    config = SiteConfig(base_url="https://example.org/news", site_dir=tmp_path_factory.mktemp("linked"))
    return render_site(linked_site(), config)


@pytest.fixture(scope="module")
def unlinked(tmp_path_factory) -> dict[str, bytes]:
    return render_site(make_site(), SiteConfig(site_dir=tmp_path_factory.mktemp("unlinked")))


def json_ld(html: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert len(found) == 1
    return json.loads(found[0])


def og(html: str) -> dict[str, str]:
    return {p: c.replace("&amp;", "&") for p, c in re.findall(r'<meta property="([^"]+)" content="([^"]*)">', html)}


def test_dossier_json_ld_with_reference_data(linked):
    data = json_ld(page(linked, "people/donald-trump/index.html"))
    assert data["@context"] == "https://schema.org" and data["@type"] == "Person"
    assert data["name"] == "Donald Trump"
    assert data["url"] == BASE + "people/donald-trump/"
    assert data["sameAs"] == ["https://www.wikidata.org/wiki/Q22686", "https://en.wikipedia.org/wiki/Donald_Trump"]
    assert data["description"] == "President of the United States since 2025"
    assert data["image"].startswith("https://commons.wikimedia.org/wiki/Special:FilePath/Official_Portrait.jpg")
    assert "Trump" in data["alternateName"]
    assert {a["url"] for a in data["subjectOf"]} >= {BASE + "articles/2025/syria-talks/"}
    place = json_ld(page(linked, "places/ankara/index.html"))
    assert place["@type"] == "Place"
    assert place["geo"] == {"@type": "GeoCoordinates", "latitude": 39.93, "longitude": 32.86}


def test_a_place_with_coordinates_gets_a_map_link(linked, unlinked):
    # The reference block shows it; the JSON-LD above gives the same coordinates to machines.
    assert "https://www.openstreetmap.org/?mlat=39.93000&amp;mlon=32.86000" in page(linked, "places/ankara/index.html")
    assert "openstreetmap" not in page(unlinked, "places/ankara/index.html")


def test_dossier_json_ld_without_reference_data_or_base_url(unlinked):
    data = json_ld(page(unlinked, "places/moscow/index.html"))
    assert data == {"@context": "https://schema.org", "@type": "Place", "name": "Moscow"}
    trump = json_ld(page(unlinked, "people/donald-trump/index.html"))
    assert "url" not in trump and "subjectOf" not in trump  # no base_url: no guessed addresses
    assert trump["description"] == "Donald John Trump is an American politician."  # the summary's first sentence


def test_home_page_describes_the_site_and_its_search(linked, unlinked):
    data = json_ld(page(linked, "index.html"))
    assert data["@type"] == "WebSite" and data["url"] == BASE
    assert data["potentialAction"]["target"]["urlTemplate"] == BASE + "search/?q={query}"
    assert "ld+json" not in page(unlinked, "index.html")


def test_article_json_ld_lists_its_mentions(linked):
    data = json_ld(page(linked, "articles/2025/syria-talks/index.html"))
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Syria joins alliance after White House talks"
    assert data["datePublished"] == "2025-11-10"
    assert data["author"] == {"@type": "Person", "name": "A. Writer"}
    assert data["isBasedOn"] == "https://news.example.org/syria?id=1&x=2"
    names = [m["name"] for m in data["mentions"]]
    assert names[:3] == ["Donald Trump", "Ahmed al-Sharaa", "White House"]  # order of first mention
    trump = data["mentions"][0]
    assert trump["@type"] == "Person" and trump["url"] == BASE + "people/donald-trump/"
    assert "https://www.wikidata.org/wiki/Q22686" in trump["sameAs"]


def test_json_ld_cannot_be_closed_by_article_text(unlinked):
    html = page(unlinked, "articles/evil/index.html")
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL).group(1)
    assert "<" not in block
    assert json.loads(block)["headline"] == f"Bad {EVIL} title"


def test_open_graph_tags(linked, unlinked):
    tags = og(page(linked, "articles/2025/syria-talks/index.html"))
    assert tags["og:type"] == "article"
    assert tags["og:url"] == BASE + "articles/2025/syria-talks/"
    assert tags["og:description"] == "Syria becomes the 90th member."
    assert tags["article:published_time"] == "2025-11-10"
    person = og(page(linked, "people/donald-trump/index.html"))
    assert person["og:type"] == "profile" and person["og:title"] == "Donald Trump"
    assert person["og:image"].startswith("https://commons.wikimedia.org/")
    home = og(page(unlinked, "index.html"))
    assert home["og:title"] == "Dossiers" and "og:url" not in home


def test_canonical_links_only_with_base_url(linked, unlinked):
    assert f'<link rel="canonical" href="{BASE}people/donald-trump/">' in page(linked, "people/donald-trump/index.html")
    assert 'rel="canonical"' not in page(unlinked, "people/donald-trump/index.html")


def test_atom_feed(linked, unlinked):
    feed = ElementTree.fromstring(linked["feed.xml"])
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        "Syria joins alliance after White House talks", f"Bad {EVIL} title", "Putin and Trump"]
    assert entries[0].find(f"{ATOM}link").get("href") == BASE + "articles/2025/syria-talks/"
    assert entries[0].find(f"{ATOM}id").text == BASE + "articles/2025/syria-talks/"
    assert feed.find(f"{ATOM}updated").text == "2025-11-10T00:00:00Z"
    assert all(e.find(f"{ATOM}author/{ATOM}name").text for e in entries)  # Atom requires an author
    relative = ElementTree.fromstring(unlinked["feed.xml"])
    first = relative.findall(f"{ATOM}entry")[0]
    assert first.find(f"{ATOM}link").get("href") == "articles/2025/syria-talks/"
    assert first.find(f"{ATOM}id").text.startswith("urn:uuid:")
    # Stable ids: feed readers must not see an old article as new after a rebuild.
    assert ElementTree.fromstring(render_site(make_site(), SiteConfig())["feed.xml"]).findall(
        f"{ATOM}entry")[0].find(f"{ATOM}id").text == first.find(f"{ATOM}id").text
    assert 'type="application/atom+xml"' in page(unlinked, "index.html")


def test_feed_is_capped_at_the_newest_articles():
    from test_render import _article
    import datetime as dt

    articles = [_article(f"a{i}", f"Article {i}", dt.date(2020, 1, 1) + dt.timedelta(days=i), "Text.")
                for i in range(hosting.FEED_ENTRIES + 10)]
    articles.reverse()  # newest first, as the site holds them
    feed = ElementTree.fromstring(hosting.atom_feed("T", "", articles))
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert len(titles) == hosting.FEED_ENTRIES and titles[0] == f"Article {hosting.FEED_ENTRIES + 9}"


def test_robots_and_sitemap(linked, unlinked):
    assert linked["robots.txt"].decode() == f"User-agent: *\nAllow: /\n\nSitemap: {BASE}sitemap.xml\n"
    assert "Sitemap" not in unlinked["robots.txt"].decode()
    assert "sitemap.xml" not in unlinked
    sitemap = ElementTree.fromstring(linked["sitemap.xml"])
    locs = [e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert BASE in locs and BASE + "search/" not in locs


def test_article_links_preview_their_entity(linked):
    html = page(linked, "articles/2025/syria-talks/index.html")
    data = json.loads(re.search(r'<script type="application/json" id="entity-previews">(.*?)</script>',
                                html, re.DOTALL).group(1))
    trump = data["../../../people/donald-trump/"]  # keyed by the href the links carry
    assert trump["name"] == "Donald Trump" and trump["type"] == "Person"
    assert trump["description"] == "President of the United States since 2025"
    assert trump["count"] == "3 mentions in this article"  # not site-wide: see SiteIndex.article_inputs
    assert data["../../../places/syria/"]["description"] == ""  # nothing known: the preview says name and counts
    assert all(f'href="{href}"' in html for href in data)
    assert 'src="../../../static/preview.js"' in html


def test_graph_export():
    from sitegen.entities.comentions import with_co_mentions

    site = with_co_mentions(make_site())  # the edges are the site's co-mentions, counted once
    graph = json.loads(graph_json(site))
    nodes = {n["id"]: n for n in graph["nodes"]}
    assert nodes["people/donald-trump"] == {"id": "people/donald-trump", "name": "Donald Trump", "type": "person",
                                           "url": "people/donald-trump/", "mention_count": 5, "article_count": 3,
                                           "related_count": len(site.shared["people/donald-trump"]),
                                           "data": "data/entities/people/donald-trump.json"}
    edges = {(e["source"], e["target"]): e["weight"] for e in graph["edges"]}
    assert edges[("people/donald-trump", "places/ankara")] == 2  # two articles name both
    assert edges[("people/donald-trump", "people/vladimir-putin")] == 1
    assert all(a < b for a, b in edges)  # undirected: each pair once
    assert ("people/vladimir-putin", "places/white-house") not in edges


def test_csv_export():
    data = entities_csv(linked_site())
    assert data.startswith("\ufeff".encode())  # spreadsheets read UTF-8 right with the mark
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    trump = next(r for r in rows if r["id"] == "people/donald-trump")
    assert trump["name"] == "Donald Trump" and trump["aliases"] == "Trump; President Donald Trump"
    assert (trump["mention_count"], trump["article_count"]) == ("5", "3")
    assert (trump["first_seen"], trump["last_seen"]) == ("2024-05-03", "2025-11-10")
    assert trump["wikidata"] == "Q22686" and trump["wikipedia"] == "https://en.wikipedia.org/wiki/Donald_Trump"
    bad = next(r for r in rows if r["id"] == "people/mr-bad")
    assert bad["name"] == f"Mr {EVIL} Bad"


def test_csv_cells_never_start_a_formula():
    site = make_site()
    evil = dataclasses.replace(site.entities[0], name="=HYPERLINK(\"http://x\")", aliases=("@SUM(A1)",))
    rows = list(csv.reader(io.StringIO(entities_csv(dataclasses.replace(site, entities=(evil,))).decode("utf-8-sig"))))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")" and rows[1][3] == "'@SUM(A1)"


def test_base_url_must_be_a_web_address(tmp_path):
    from sitegen.config import load_config
    from sitegen.errors import ConfigError

    (tmp_path / "sitegen.toml").write_text('base_url = "https://example.org/news"\n', encoding="utf-8")
    assert load_config(tmp_path).base_url == "https://example.org/news/"
    for bad in ("example.org/news/", "/news/", "ftp://example.org/", "https://example.org/?x=1"):
        (tmp_path / "sitegen.toml").write_text(f'base_url = "{bad}"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match="'base_url' must be the site's public address"):
            load_config(tmp_path)
