"""The renderer on a small hand-built Site: pages, links, escaping, overrides, determinism."""
from __future__ import annotations

import datetime as dt
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from sitegen import urls
from sitegen.config import SiteConfig
from sitegen.errors import SitegenError
from sitegen.content.markup import plain_text
from sitegen.model import Article, Entity, Mention, Reference, Site
from sitegen.site.pages import initial
from sitegen.site.export import export_files
from sitegen.site.render import builtin_theme_dir, render_site

EVIL = "<script>alert(1)</script>"


def _article(article_id: str, title: str, date: dt.date, body: str, **extra) -> Article:
    text = plain_text(body)
    if extra.get("caption"):  # as the reader lays it out: the caption's text follows the body's
        extra["caption_start"] = len(text) + 2
        text = f"{text}\n\n{plain_text(extra['caption'])}"
    return Article(
        id=article_id,
        path=Path(f"content/articles/{article_id}.md"),
        title=title,
        date=date,
        body=body,
        text=text,
        **extra,
    )


def _mention(article: Article, surface: str, entity_id: str, occurrence: int = 0) -> Mention:
    """The ``occurrence``-th appearance of ``surface`` in the article's text; its sentence is its block."""
    text = article.text
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    sentence_start = text.rfind("\n\n", 0, start)
    sentence_start = 0 if sentence_start < 0 else sentence_start + 2
    sentence_end = text.find("\n\n", start)
    sentence_end = len(text) if sentence_end < 0 else sentence_end
    return Mention(
        article_id=article.id,
        start=start,
        end=start + len(surface),
        text=surface,
        sentence=text[sentence_start:sentence_end],
        sentence_start=sentence_start,
        entity_id=entity_id,
    )


def _entity(entity_id, name, entity_type, mentions, **extra) -> Entity:
    article_ids = []
    for m in mentions:
        if m.article_id not in article_ids:
            article_ids.append(m.article_id)
    return Entity(
        id=entity_id,
        name=name,
        type=entity_type,
        aliases=extra.pop("aliases", (name,)),
        mentions=tuple(mentions),
        articles=tuple(article_ids),
        **extra,
    )


def make_site() -> Site:
    talks = _article(
        "2025/syria-talks",
        "Syria joins alliance after White House talks",
        dt.date(2025, 11, 10),
        "President Donald Trump welcomed Ahmed al-Sharaa to the White House.\n\n"
        "Trump said Syria would join the coalition. Sharaa met Trump again.\n\n"
        "## Reactions\n\nÖcalan supporters in Ankara were quiet.",
        source="Agence Example",
        author="A. Writer",
        url="https://news.example.org/syria?id=1&x=2",
        tags=("Syria", "diplomacy"),
        summary="Syria becomes the 90th member.",
        caption="Trump shaking hands with al-Sharaa.",
    )
    evil = _article(
        "evil",
        f"Bad {EVIL} title",
        dt.date(2025, 10, 1),
        f"Mr {EVIL} Bad met Trump in Ankara.",
        url="javascript:alert(1)",
        source=f"Source {EVIL}",
        tags=(EVIL,),
    )
    old = _article("old-news", "Putin and Trump", dt.date(2024, 5, 3), "Vladimir Putin spoke to Trump in Moscow.")
    mentions = {
        talks.id: (
            _mention(talks, "Donald Trump", "people/donald-trump"),
            _mention(talks, "Ahmed al-Sharaa", "people/ahmed-al-sharaa"),
            _mention(talks, "White House", "places/white-house"),
            _mention(talks, "Trump", "people/donald-trump", occurrence=1),
            _mention(talks, "Syria", "places/syria"),
            _mention(talks, "Sharaa", "people/ahmed-al-sharaa", occurrence=1),
            _mention(talks, "Trump", "people/donald-trump", occurrence=2),
            _mention(talks, "Öcalan", "people/ocalan"),
            _mention(talks, "Ankara", "places/ankara"),
            _mention(talks, "al-Sharaa", "people/ahmed-al-sharaa", occurrence=1),  # in the caption
        ),
        evil.id: (
            _mention(evil, f"Mr {EVIL} Bad", "people/mr-bad"),
            _mention(evil, "Trump", "people/donald-trump"),
            _mention(evil, "Ankara", "places/ankara"),
        ),
        old.id: (
            _mention(old, "Vladimir Putin", "people/vladimir-putin"),
            _mention(old, "Trump", "people/donald-trump"),
            _mention(old, "Moscow", "places/moscow"),
        ),
    }
    all_mentions = [m for ms in mentions.values() for m in ms]

    def of(entity_id):
        return [m for m in all_mentions if m.entity_id == entity_id]

    trump = _entity(
        "people/donald-trump",
        "Donald Trump",
        "person",
        of("people/donald-trump"),
        aliases=("Donald Trump", "Trump", "President Donald Trump"),
        merge_reasons=("'Trump' is the surname of 'Donald Trump' in the same article",),
        note_html="<p>The <em>45th and 47th</em> US president.</p>",
        reference=Reference(
            wikipedia_title="Donald Trump",
            wikipedia_url="https://en.wikipedia.org/wiki/Donald_Trump",
            wikidata_id="Q22686",
            summary="Donald John Trump is an American politician.",
            revision_id=123456,
        ),
    )
    entities = [
        trump,
        _entity("people/ahmed-al-sharaa", "Ahmed al-Sharaa", "person", of("people/ahmed-al-sharaa")),
        _entity("people/ocalan", "Öcalan", "person", of("people/ocalan")),
        _entity("people/mr-bad", f"Mr {EVIL} Bad", "person", of("people/mr-bad")),
        _entity("people/vladimir-putin", "Vladimir Putin", "person", of("people/vladimir-putin")),
        _entity("places/white-house", "White House", "place", of("places/white-house")),
        _entity("places/syria", "Syria", "place", of("places/syria")),
        _entity("places/ankara", "Ankara", "place", of("places/ankara")),
        _entity("places/moscow", "Moscow", "place", of("places/moscow")),
    ]
    return Site(
        articles=(talks, evil, old),
        entities=tuple(sorted(entities, key=lambda e: e.name)),
        mentions_by_article=mentions,
        related={
            "people/donald-trump": (("people/ahmed-al-sharaa", 1), ("places/ankara", 2), ("places/moscow", 1)),
            "places/ankara": (("people/donald-trump", 2),),
        },
    )


@pytest.fixture()
def config(tmp_path) -> SiteConfig:
    return SiteConfig(title="Test Dossiers", site_dir=tmp_path)


@pytest.fixture()
def files(config) -> dict[str, bytes]:
    return render_site(make_site(), config)


def page(files: dict[str, bytes], path: str) -> str:
    return files[path].decode("utf-8")


def resolve(page_file: str, href: str) -> tuple[str, str]:
    """The output file and fragment an href on ``page_file`` points to."""
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, f"not a relative link: {href}"
    target = posixpath.normpath(posixpath.join(posixpath.dirname(page_file), unquote(parts.path)))
    assert not target.startswith(".."), f"{href} leaves the site from {page_file}"
    if href.split("#")[0].endswith("/") or target == ".":
        target = "index.html" if target == "." else target + "/index.html"
    return target, unquote(parts.fragment)


def hrefs(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', html)]


def test_paths(files):
    expected_pages = {
        "index.html",
        "404.html",
        "articles/index.html",
        "articles/2025/syria-talks/index.html",
        "articles/evil/index.html",
        "articles/old-news/index.html",
        "people/index.html",
        "places/index.html",
        "organisations/index.html",
        "people/donald-trump/index.html",
        "people/ahmed-al-sharaa/index.html",
        "people/ocalan/index.html",
        "people/mr-bad/index.html",
        "people/vladimir-putin/index.html",
        "places/white-house/index.html",
        "places/syria/index.html",
        "places/ankara/index.html",
        "places/moscow/index.html",
        "search/index.html",
    }
    theme = {"static/style.css", "static/favicon.svg", "static/preview.js", "static/search.js",
             "static/search/pagefind.js"}
    assert set(files) == expected_pages | theme | {"feed.xml", "robots.txt"}
    assert "sitemap.xml" not in files  # no base_url: absolute URLs are unknown
    assert files["static/style.css"] == (builtin_theme_dir() / "static" / "style.css").read_bytes()


def test_every_relative_link_resolves(files):
    exports = export_files(make_site())  # a dossier links its data file ("Data (JSON)")
    for path, content in files.items():
        if not path.endswith(".html") or path == "404.html":
            continue
        html = content.decode("utf-8")
        for href in hrefs(html):
            if href.startswith(("https://", "http://")):
                continue
            if href.startswith("#"):
                assert f'id="{unquote(href[1:])}"' in html, f"{path}: {href}"
                continue
            target, fragment = resolve(path, href)
            assert target in files or target in exports, f"{path}: {href} -> {target}"
            if fragment:
                assert f'id="{fragment}"' in page(files, target), f"{path}: {href}"


def test_dossier_mentions_link_to_their_spot(files):
    dossier_file = "people/donald-trump/index.html"
    html = page(files, dossier_file)
    links = [h for h in hrefs(html) if "#m" in h]
    site = make_site()
    trump = site.entity("people/donald-trump")
    assert len(links) == len(trump.mentions) == 5
    for mention in trump.mentions:
        href = urls.relative_url(dossier_file, urls.article_path(mention.article_id), mention.anchor)
        assert href in links
        target, fragment = resolve(dossier_file, href)
        assert target == f"articles/{mention.article_id}/index.html"
        assert fragment == mention.anchor
        assert re.search(rf'<a class="mention" id="{fragment}" href="[^"]*people/donald-trump/"', page(files, target))
    assert '<a class="in-context" href="../../articles/2025/syria-talks/#m' in html


def test_dossier_contents(files):
    html = page(files, "people/donald-trump/index.html")
    assert html.count("<h1>") == 1
    assert "<title>Donald Trump – Test Dossiers</title>" in html
    assert 'data-entity-id="people/donald-trump"' in html
    assert "Also called" in html and "President Donald Trump" in html
    assert "<p>The <em>45th and 47th</em> US president.</p>" in html  # the note, unescaped
    assert 'href="https://en.wikipedia.org/wiki/Donald_Trump"' in html
    assert 'href="https://en.wikipedia.org/w/index.php?oldid=123456"' in html
    assert 'href="https://www.wikidata.org/wiki/Q22686"' in html
    assert "CC BY-SA" in html
    assert "<summary>Why these names were merged</summary>" in html
    assert "is the surname of" in html
    # Each sentence marks its mention: "Trump said Syria would join" marks the 1st word.
    assert "<mark>Trump</mark> said Syria would join the coalition. Sharaa met Trump again." in html
    assert "Sharaa met <mark>Trump</mark> again." in html
    # Mention groups newest first.
    titles = re.findall(r'<h3><a href="[^"]*">([^<]*)</a></h3>', html)
    assert titles == ["Syria joins alliance after White House talks", "Bad &lt;script&gt;alert(1)&lt;/script&gt; title", "Putin and Trump"]
    # Related by shared articles, strongest first, ties by name.
    related = html.split('id="related-heading"')[1].split("</section>")[0]
    names = re.findall(r'<a href="[^"]*">([^<]*)</a> <span class="count">([^<]*)</span>', related)
    assert names == [("Ankara", "2 shared articles"), ("Ahmed al-Sharaa", "1 shared article"), ("Moscow", "1 shared article")]

    plain = page(files, "people/vladimir-putin/index.html")
    assert "No reference data is linked" in plain
    assert "Why these names were merged" not in plain


def test_article_page(files):
    path = "articles/2025/syria-talks/index.html"
    html = page(files, path)
    m = re.search(r'<a class="mention" id="m([0-9a-f]{10})" href="([^"]*)" title="Donald Trump \(person\)">Donald Trump</a>', html)
    assert m, html
    assert m.group(2) == "../../../people/donald-trump/"
    assert resolve(path, m.group(2))[0] == "people/donald-trump/index.html"
    assert html.count("<h1>") == 1
    assert "<h2>Reactions</h2>" in html  # body headings sit below the title
    assert '<time datetime="2025-11-10">10 November 2025</time>' in html
    assert 'href="https://news.example.org/syria?id=1&amp;x=2" rel="noopener nofollow"' in html
    assert "Syria becomes the 90th member." in html
    caption = html.split('<div class="caption">')[1].split("</div>")[0]
    site = make_site()
    in_caption = site.mentions_by_article["2025/syria-talks"][-1]
    assert in_caption.start >= site.articles[0].caption_start
    assert (
        f'with <a class="mention" id="{in_caption.anchor}" href="../../../people/ahmed-al-sharaa/" '
        'title="Ahmed al-Sharaa (person)">al-Sharaa</a>.' in caption
    )
    assert "Picture caption" in caption
    assert "<li>diplomacy</li>" in html
    # In this article: grouped by type, counted, most mentioned first.
    section = html.split('id="entities-heading"')[1]
    assert section.index("<h3>People</h3>") < section.index("<h3>Places</h3>")
    people = section.split("<h3>Places</h3>")[0]
    assert re.findall(r'>([^<>]+)</a> <span class="count">([^<]+)<', people) == [
        ("Ahmed al-Sharaa", "3 mentions"),  # ties broken by name
        ("Donald Trump", "3 mentions"),
        ("Öcalan", "1 mention"),
    ]


def test_untrusted_text_is_escaped(files):
    for path, content in files.items():
        assert b"<script>" not in content, path
    html = page(files, "articles/evil/index.html")
    assert "Bad &lt;script&gt;alert(1)&lt;/script&gt; title" in html
    assert "Mr &lt;script&gt;alert(1)&lt;/script&gt; Bad" in html
    assert "<mark>Mr &lt;script&gt;" in page(files, "people/mr-bad/index.html")


def test_non_web_url_is_not_linked(files):
    html = page(files, "articles/evil/index.html")
    assert "javascript:alert(1)" in html  # shown, as text
    assert 'href="javascript' not in html.lower()
    assert all(not h.lower().startswith("javascript") for h in hrefs(html))


def test_type_index_groups_by_letter(files):
    html = page(files, "people/index.html")
    assert html.count("<h1>") == 1
    letters = re.findall(r'<h2 id="letter-([^"]+)-heading">([^<]+)</h2>', html)
    assert letters == [("A", "A"), ("D", "D"), ("M", "M"), ("O", "O"), ("V", "V")]
    o_group = html.split('id="letter-O"')[1].split("</section>")[0]
    assert "Öcalan" in o_group
    assert '<a href="#letter-O">O</a>' in html
    assert '<span class="absent">B</span>' in html
    trump_row = re.search(r'<tr data-entity-id="people/donald-trump">.*?</tr>', html).group(0)
    assert re.findall(r'<td class="num">(\d+)</td>', trump_row) == ["5", "3"]
    assert "Öcalan" not in page(files, "places/index.html")


def test_initials():
    assert initial("Öcalan") == "O"
    assert initial("'Israel'") == "I"
    assert initial("al-Qaeda") == "A"
    assert initial("10 Downing Street") == "#"
    assert initial("Łódź") == "L"
    assert initial("Путин") == "П"


def test_home_page(config):
    files = render_site(make_site(), SiteConfig(title="Test Dossiers", home_articles=2, home_entities=2, site_dir=config.site_dir))
    html = page(files, "index.html")
    assert html.count("<h1>") == 1
    assert "<title>Test Dossiers</title>" in html
    assert '<html lang="en">' in html
    latest = html.split('id="latest-heading"')[1].split("</section>")[0]
    assert "Syria joins alliance" in latest and "Bad &lt;script" in latest and "Putin and Trump" not in latest
    people = html.split('id="top-person"')[1].split("</section>")[0]
    assert re.findall(r'>([^<>]+)</a> <span class="count">', people) == ["Donald Trump", "Ahmed al-Sharaa"]
    assert 'href="people/donald-trump/"' in people
    assert '<a href="people/" aria-current="true">' not in html
    assert '<a href="./" aria-current="page">Home</a>' in html


def test_articles_index_by_month(files):
    html = page(files, "articles/index.html")
    months = re.findall(r'<time datetime="(\d{4}-\d{2})">([^<]+)</time></h2>', html)
    assert months == [("2025-11", "November 2025"), ("2025-10", "October 2025"), ("2024-05", "May 2024")]


def test_page_landmarks(files):
    for path, content in files.items():
        if not path.endswith(".html"):
            continue
        html = content.decode("utf-8")
        assert html.startswith("<!doctype html>"), path
        assert '<meta charset="utf-8">' in html and 'name="viewport"' in html, path
        assert '<a class="skip-link" href="#content">' in html and '<main id="content"' in html, path
        assert html.count("<h1") == 1, path
        levels = [int(n) for n in re.findall(r"<h([1-6])[\s>]", html)]
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), f"{path}: headings {levels}"


def test_not_found_page_links_from_root(config, tmp_path):
    html = page(render_site(make_site(), config), "404.html")
    assert 'href="/static/style.css"' in html and 'href="/people/"' in html
    with_base = SiteConfig(base_url="https://example.org/news/", site_dir=tmp_path)
    html = page(render_site(make_site(), with_base), "404.html")
    assert 'href="/news/static/style.css"' in html and 'href="/news/articles/"' in html


def test_sitemap_with_base_url(tmp_path):
    files = render_site(make_site(), SiteConfig(base_url="https://example.org/news", site_dir=tmp_path))
    sitemap = page(files, "sitemap.xml")
    locs = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert "https://example.org/news/" in locs
    assert "https://example.org/news/articles/2025/syria-talks/" in locs
    assert "https://example.org/news/people/donald-trump/" in locs
    # Every page but the search page, which holds nothing for a crawler.
    assert len(locs) == len([p for p in files if p.endswith("index.html")]) - 1
    assert "https://example.org/news/search/" not in locs
    assert '<link rel="canonical" href="https://example.org/news/people/donald-trump/">' in page(
        files, "people/donald-trump/index.html"
    )


def test_site_template_overrides_theme(tmp_path):
    templates = tmp_path / "templates"
    (templates / "static").mkdir(parents=True)
    (templates / "entity.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>OVERRIDE {{ entity.name }}</h1>{% endblock %}',
        encoding="utf-8",
    )
    (templates / "static" / "style.css").write_bytes(b"/* site style */")
    (templates / "static" / "logo.svg").write_bytes(b"<svg/>")
    files = render_site(make_site(), SiteConfig(site_dir=tmp_path))
    assert "<h1>OVERRIDE Donald Trump</h1>" in page(files, "people/donald-trump/index.html")
    assert "OVERRIDE" not in page(files, "articles/evil/index.html")  # other templates from the theme
    assert files["static/style.css"] == b"/* site style */"
    assert files["static/logo.svg"] == b"<svg/>"


def test_broken_override_names_the_template(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "article.html").write_text("{{ no_such_variable }}", encoding="utf-8")
    with pytest.raises(SitegenError, match=r"article\.html:1: .*no_such_variable"):
        render_site(make_site(), SiteConfig(site_dir=tmp_path))


def test_only_configured_types_get_pages(tmp_path):
    files = render_site(make_site(), SiteConfig(entity_types=("person",), site_dir=tmp_path))
    assert not any(p.startswith("places/") for p in files)
    assert "places/" not in "".join(hrefs(page(files, "people/donald-trump/index.html")))
    article = page(files, "articles/2025/syria-talks/index.html")
    assert 'class="mention" id="m' in article and "places/" not in "".join(hrefs(article))
    assert ">Places<" not in article


def test_output_is_deterministic(config):
    first = render_site(make_site(), config)
    second = render_site(make_site(), config)
    assert first == second
    assert list(first) == list(second)


def test_pages_rendered_in_several_processes_are_the_same_bytes(config, monkeypatch):
    import sitegen.site.render

    alone = render_site(make_site(), config)
    monkeypatch.setattr(sitegen.site.render, "PARALLEL_PAGES", 1)
    together = render_site(make_site(), config, jobs=3)
    assert together == alone
    assert list(together) == list(alone)



def test_an_input_many_pages_read_is_held_once(config, monkeypatch):
    """Each rendered page kept the inputs it read as tuples of its own, and those of the
    pages a worker rendered came back as copies: a million small tuples at 10,000
    articles, held with the pages to the build's end."""
    import sitegen.site.render

    kept = []

    def keeping(data, plans, render):
        kept.extend(render(plans))
        return kept

    monkeypatch.setattr(sitegen.site.render, "PARALLEL_PAGES", 1)
    render_site(make_site(), config, jobs=2, render_pages=keeping)
    held: dict = {}
    for page in kept:
        for read in page.reads:
            first = held.setdefault(read, read)
            assert first is read, f"{read} is held more than once"
    assert len(held) < sum(len(page.reads) for page in kept), "some input is read by several pages"


def test_forked_workers_send_their_pages_back_a_batch_at_a_time(config, monkeypatch):
    """A worker rendered its whole share of the site and held it, and its pickle, until
    the end: a large site's pages twice over in one more process."""
    import os

    import sitegen.site.render

    alone = render_site(make_site(), config)
    parent, render_pages = os.getpid(), sitegen.site.render._render_pages

    def bounded(renderer, plans):
        if os.getpid() != parent:
            assert len(plans) <= 2, f"a worker rendered {len(plans)} pages in one go"
        return render_pages(renderer, plans)

    monkeypatch.setattr(sitegen.site.render, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(sitegen.site.render, "RENDER_BATCH", 2, raising=False)
    monkeypatch.setattr(sitegen.site.render, "_render_pages", bounded)
    together = render_site(make_site(), config, jobs=2)
    assert len(alone) > 8
    assert together == alone
    assert list(together) == list(alone)

def test_a_worker_renders_at_most_a_few_batches_ahead_of_the_build(config, monkeypatch):
    """Every worker batch was handed out at once: a worker faster than the build piled its
    rendered pages up in the build's memory until the build took them."""
    from concurrent.futures import ProcessPoolExecutor

    import sitegen.site.render

    alone = render_site(make_site(), config)
    submitted, taken = [], set()
    bound = sitegen.site.render.BATCHES_AHEAD  # one worker (jobs=2)

    class Counting(ProcessPoolExecutor):
        def submit(self, *args, **kwargs):
            assert len(submitted) - len(taken) < bound, "a batch handed out beyond the bound"
            future = super().submit(*args, **kwargs)
            submitted.append(future)
            result = future.result

            def taking(timeout=None):
                taken.add(id(future))
                return result(timeout)

            future.result = taking
            return future

    monkeypatch.setattr(sitegen.site.render, "ProcessPoolExecutor", Counting)
    monkeypatch.setattr(sitegen.site.render, "PARALLEL_PAGES", 1)
    monkeypatch.setattr(sitegen.site.render, "RENDER_BATCH", 1)
    together = render_site(make_site(), config, jobs=2)
    assert len(submitted) > 2 * bound
    assert together == alone
    assert list(together) == list(alone)


def test_unsafe_article_id_is_refused(config):
    site = make_site()
    bad = _article("../escape", "Escape", dt.date(2025, 1, 1), "Text.")
    with pytest.raises(SitegenError, match="escape"):
        render_site(Site(articles=(*site.articles, bad), entities=site.entities), config)


def test_entity_id_outside_its_type_folder_is_refused(config):
    site = make_site()
    stray = _entity("people", "People", "person", [])
    with pytest.raises(SitegenError, match="'people'"):
        render_site(Site(articles=site.articles, entities=(*site.entities, stray)), config)
    misfiled = _entity("places/donald-trump-2", "Donald Trump", "person", [])
    with pytest.raises(SitegenError, match="expected 'people/<slug>'"):
        render_site(Site(articles=site.articles, entities=(*site.entities, misfiled)), config)


def test_duplicate_ids_are_refused(config):
    site = make_site()
    with pytest.raises(SitegenError, match="more than one entity"):
        render_site(Site(articles=site.articles, entities=(*site.entities, site.entities[0])), config)


def test_empty_site(config):
    files = render_site(Site(articles=(), entities=()), config)
    assert set(files) == {
        "index.html", "404.html", "articles/index.html", "people/index.html", "search/index.html",
        "places/index.html", "organisations/index.html", "static/style.css", "static/favicon.svg",
        "static/preview.js", "static/search.js", "static/search/pagefind.js", "feed.xml", "robots.txt",
    }
    assert "No articles yet." in page(files, "index.html")
    assert "No people have been found" in page(files, "people/index.html")


def test_relative_url():
    assert urls.relative_url("people/donald-trump/index.html", "articles/2025/x/", "m12") == "../../articles/2025/x/#m12"
    assert urls.relative_url("index.html", "") == "./"
    assert urls.relative_url("index.html", "static/style.css") == "static/style.css"
    assert urls.relative_url("articles/a b/index.html", "articles/a#b/") == "../../articles/a%23b/"
    assert urls.base_path("https://example.org") == "/"
    assert urls.base_path("https://example.org/news") == "/news/"
