"""Bounded pages on a large archive: paged dossiers, type indexes split by initial.

A generated archive (one name mentioned thousands of times, more names than one index
page holds) is rendered in-process; then a real build of many small articles checks the
same through the command line, with ``sitegen check`` following every link.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest

from sitegen import urls
from sitegen.config import SiteConfig
from sitegen.model import Article, Entity, Mention, Site
from sitegen.site import paging
from sitegen.site.pages import INDEX_LIMIT, LATEST_LISTED, LETTER_PAGE_ROWS, letter_path, month_path
from sitegen.site.render import render_site

from conftest import run_cli

PAGE_LIMIT = 200_000  # bytes: every HTML page of a 10,000-article archive must stay under it
SENTENCES = (
    "Angela Merkel met the finance ministers in Berlin on Tuesday.",
    "Officials said the talks led by Angela Merkel would go on next week.",
    "Critics of Angela Merkel called the plan too timid for the moment.",
)


def _article(n: int, per_article: int) -> Article:
    text = "\n\n".join(SENTENCES[(n + k) % len(SENTENCES)] for k in range(per_article))
    day = dt.date(2015, 1, 1) + dt.timedelta(days=n)
    return Article(id=f"a{n:05d}", path=Path(f"content/articles/a{n:05d}.md"), title=f"Report {n}", date=day,
                   body=text, text=text)


def _mentions(article: Article, entity_id: str, name: str) -> list[Mention]:
    found, start = [], article.text.find(name)
    while start >= 0:
        sentence_start = article.text.rfind("\n\n", 0, start)
        sentence_start = 0 if sentence_start < 0 else sentence_start + 2
        sentence_end = article.text.find("\n\n", start)
        sentence_end = len(article.text) if sentence_end < 0 else sentence_end
        found.append(Mention(article.id, start, start + len(name), name,
                             article.text[sentence_start:sentence_end], sentence_start, entity_id))
        start = article.text.find(name, start + 1)
    return found


def archive(articles: int, per_article: int = 3, names: int = 0) -> Site:
    """``articles`` articles naming Angela Merkel ``per_article`` times each, newest first as
    the entities stage orders them, and ``names`` other people named once each."""
    made = sorted((_article(n, per_article) for n in range(articles)), key=lambda a: (-a.date.toordinal(), a.id))
    merkel = [m for a in made for m in _mentions(a, "people/angela-merkel", "Angela Merkel")]
    entities = [Entity("people/angela-merkel", "Angela Merkel", "person", ("Angela Merkel",), tuple(merkel),
                       tuple(a.id for a in made))]
    first = made[-1]
    for n in range(names):
        # One mention each, in the oldest article: what the index lists, not what they say.
        mention = dataclasses.replace(merkel[-1], entity_id=f"people/person-{n:05d}")
        initial = "A" if n % 5 < 3 else chr(ord("B") + n % 25)  # most under A: one initial needs pages
        name = f"{initial}ndrea Person {n:05d}"
        entities.append(Entity(f"people/person-{n:05d}", name, "person", (name,), (mention,), (first.id,)))
    entities.sort(key=lambda e: (e.name.casefold(), e.id))
    by_article: dict[str, list[Mention]] = {}
    for mention in merkel:  # the other names' stand-in mentions are not linked in the article
        by_article.setdefault(mention.article_id, []).append(mention)
    return Site(articles=tuple(made), entities=tuple(entities),
                mentions_by_article={k: tuple(sorted(v, key=lambda m: m.start)) for k, v in by_article.items()})


@pytest.fixture()
def config(tmp_path) -> SiteConfig:
    return SiteConfig(title="Archive", site_dir=tmp_path, base_url="https://example.org/news/")


def _ids(html: bytes) -> set[str]:
    return set(re.findall(rb' id="([^"]+)"', html))


def test_every_page_of_a_large_archive_stays_under_the_limit(config):
    site = archive(700, per_article=3, names=INDEX_LIMIT + LETTER_PAGE_ROWS)
    files = render_site(site, config)
    pages = {path: data for path, data in files.items() if path.endswith(".html")}
    largest = max(pages, key=lambda p: len(pages[p]))
    assert len(pages[largest]) <= PAGE_LIMIT, f"{largest}: {len(pages[largest]):,} bytes"
    merkel = site.entity("people/angela-merkel")
    numbers = paging.layout(merkel.mentions).numbers()
    # 2,100 mentions, at least MIN_PAGE on every page but the newest, at most MAX_PAGE
    assert 2100 / paging.MAX_PAGE <= len(numbers) <= 2100 / paging.MIN_PAGE + 1
    held = 0
    for n in numbers:
        listed = pages[urls.page_file(paging.page_path(merkel.id, n))].count(b'<li id="m')
        assert listed <= paging.MAX_PAGE and (listed >= paging.MIN_PAGE or n == numbers[-1]), (n, listed)
        held += listed
    assert held == 2100
    # The index of people leads to one page per initial; a crowded initial has several.
    index = pages["people/index.html"].decode()
    assert "people/letter_a/" in index and "Andrea Person" not in index
    a_pages = [p for p in pages if p.startswith("people/letter_a/")]
    assert len(a_pages) >= 2, a_pages
    assert b'aria-current="page"' in pages[urls.page_file(letter_path("person", "A", 2))]
    # The list of articles shows the newest and leads to one page per month, which together
    # link every article.
    listed = pages["articles/index.html"].decode()
    assert listed.count('<li>\n    <a href="') == LATEST_LISTED
    months = [p for p in pages if p.startswith("months/")]
    assert urls.page_file(month_path("2016-11")) in months
    linked = set()
    for month in months:
        linked |= set(re.findall(r'href="\.\./\.\./articles/(a\d+)/"', pages[month].decode()))
    assert linked == {a.id for a in site.articles}


def test_every_mention_is_on_exactly_the_page_its_address_names(config):
    site = archive(300, per_article=2)
    files = render_site(site, config)
    merkel = site.entity("people/angela-merkel")
    on_pages = {n: _ids(files[urls.page_file(paging.page_path(merkel.id, n))])
                for n in paging.layout(merkel.mentions).numbers()}
    every = paging.mention_addresses(merkel)
    for mention in merkel.mentions:
        path, anchor = paging.mention_address(merkel, mention)
        assert every[mention] == (path, anchor)
        holding = [n for n, ids in on_pages.items() if anchor.encode() in ids]
        assert [paging.page_path(merkel.id, n) for n in holding] == [path], anchor
    # The dossier's "Page N" links and its timeline bars lead to anchors on those pages.
    dossier = files[urls.page_file(urls.entity_path(merkel.id))].decode()
    links = re.findall(r'href="((?:\.\./)+people/angela-merkel/mentions/(\d+)/)#([^"]+)"', dossier)
    assert links
    for _, number, fragment in links:
        assert fragment.encode() in on_pages[int(number)], (number, fragment)


def _changed_pages(before: Site, after: Site, config) -> tuple[list[int], range, range]:
    """The numbered pages of Merkel's dossier whose bytes differ, and both builds' page numbers."""
    files_before, files_after = render_site(before, config), render_site(after, config)
    merkel_before, merkel_after = before.entity("people/angela-merkel"), after.entity("people/angela-merkel")
    numbers_before, numbers_after = (paging.layout(merkel_before.mentions).numbers(),
                                     paging.layout(merkel_after.mentions).numbers())
    changed = [n for n in numbers_before
               if files_before[urls.page_file(paging.page_path(merkel_before.id, n))]
               != files_after.get(urls.page_file(paging.page_path(merkel_before.id, n)))]
    return changed, numbers_before, numbers_after


def test_adding_an_article_moves_no_mention_to_another_page(config):
    for articles in range(240, 250):  # one more article, the newest, whether it opens a page or not
        before, after = archive(articles, per_article=2), archive(articles + 1, per_article=2)
        merkel_before, merkel_after = before.entity("people/angela-merkel"), after.entity("people/angela-merkel")
        assert len(merkel_after.mentions) == len(merkel_before.mentions) + 2
        for mention in merkel_before.mentions:
            assert paging.mention_address(merkel_before, mention) == paging.mention_address(merkel_after, mention)
        changed, numbers, numbers_after = _changed_pages(before, after, config)
        assert numbers_after[:len(numbers)] == numbers and len(numbers_after) <= len(numbers) + 1
        if numbers_after == numbers:
            assert changed == [numbers[-1]]  # only the newest page took the new mentions
        else:  # a new page took them: its neighbours' navigation lists it
            assert changed == list(numbers[-(paging.NAV_SPAN + 1):]), changed


def test_a_mention_added_to_an_old_article_leaves_the_later_pages_as_they_were(config):
    """A correction that names the entity once more in an article years old changes the
    page that holds it and, where that page was full, the next: not every page after it."""
    before = archive(400, per_article=2)
    old = before.articles[-120]  # 120 articles from the oldest: about the middle of the pages
    added = "Angela Merkel answered the critics the next day."
    text = f"{old.text}\n\n{added}"
    mention = Mention(old.id, len(text) - len(added), len(text) - len(added) + len("Angela Merkel"), "Angela Merkel",
                      added, len(text) - len(added), "people/angela-merkel")
    merkel = before.entity("people/angela-merkel")
    runs = [m for m in merkel.mentions if m.article_id == old.id]
    at = merkel.mentions.index(runs[-1]) + 1
    after = dataclasses.replace(
        before, articles=tuple(dataclasses.replace(a, text=text, body=text) if a.id == old.id else a
                               for a in before.articles),
        entities=tuple(dataclasses.replace(e, mentions=e.mentions[:at] + (mention,) + e.mentions[at:])
                       if e.id == merkel.id else e for e in before.entities),
        mentions_by_article={**before.mentions_by_article,
                             old.id: before.mentions_by_article[old.id] + (mention,)})
    changed, numbers, numbers_after = _changed_pages(before, after, config)
    assert numbers_after == numbers
    holding = paging.layout(after.entity(merkel.id).mentions).number_at(
        paging.oldest_first(after.entity(merkel.id).mentions).index(mention))
    assert holding < numbers[-4], "the edited article should be in the older pages"
    assert changed and changed[0] == holding and len(changed) <= 2, (holding, changed)
    # Each mention already there keeps its address, but those the page that grew had to pass on.
    moved = [m for m in merkel.mentions
             if paging.mention_address(merkel, m) != paging.mention_address(after.entity(merkel.id), m)]
    assert len(moved) <= 2


def test_a_dossier_quotes_the_newest_and_the_most_telling_mentions(config):
    site = archive(300, per_article=3)
    files = render_site(site, config)
    dossier = files[urls.page_file(urls.entity_path("people/angela-merkel"))].decode()
    groups = re.findall(r'<section class="mention-group" id="in-(a\d+)">', dossier)
    newest = [a.id for a in site.articles[:5]]
    assert groups[:5] == newest
    assert len(groups) == len(set(groups)) == 15
    # The telling ones: Merkel opens the sentence ("Angela Merkel met ...").
    telling = dossier.split(f'id="in-{groups[5]}"', 1)[1].split("</section>", 1)[0]
    assert "<mark>Angela Merkel</mark> met" in telling
    assert "900 mentions" in dossier


def test_pagination_is_a_labelled_nav_with_the_current_page_and_rel_links(config):
    site = archive(300, per_article=2)  # 600 mentions: pages 2 to 9, where this archive's marks fall
    assert paging.layout(site.entity("people/angela-merkel").mentions).numbers() == range(2, 10)
    files = render_site(site, config)
    page = files[urls.page_file(paging.page_path("people/angela-merkel", 4))].decode()
    nav = re.search(r'<nav class="pager" aria-label="Pages of mentions"[^>]*>(.*?)</nav>', page, re.S).group(1)
    assert re.search(r'<a href="[^"]*mentions/4/" aria-current="page">4</a>', nav)
    assert '<link rel="prev" href="../../../../people/angela-merkel/mentions/5/">' in page
    assert '<link rel="next" href="../../../../people/angela-merkel/mentions/3/">' in page
    newest = files[urls.page_file(paging.page_path("people/angela-merkel", 9))].decode()
    assert '<link rel="prev" href="../../../../people/angela-merkel/">' in newest
    dossier = files[urls.page_file("people/angela-merkel/")].decode()
    assert '<link rel="next" href="../../people/angela-merkel/mentions/9/">' in dossier
    # Pages of mentions are in the sitemap, but not in the search index: their sentences
    # are already indexed with their articles.
    assert "people/angela-merkel/mentions/4/" in files["sitemap.xml"].decode()
    assert "data-pagefind-body" not in page and "data-pagefind-body" in dossier


def test_a_small_dossier_lists_every_mention_on_its_own_page(config):
    site = archive(paging.UNPAGED_LIMIT // 2, per_article=2)
    files = render_site(site, config)
    assert not any("/mentions/" in path for path in files)
    dossier = files[urls.page_file("people/angela-merkel/")].decode()
    assert dossier.count('<li id="m') == paging.UNPAGED_LIMIT
    assert 'class="pager"' not in dossier


def test_a_built_archive_passes_the_link_checker_and_keeps_addresses(make_site):
    """The command line on many small articles: one name in every paragraph, thousands of times."""
    site = make_site()
    site.write_config("search = false\n")
    paragraphs = ["Angela Merkel met Emmanuel Macron in Berlin on Tuesday to discuss the budget.",
                  "The talks were led by Angela Merkel, who said the union must act together.",
                  "Critics of Angela Merkel in the Bundestag called the plan too timid."]
    for n in range(250):
        day = dt.date(2016, 1, 1) + dt.timedelta(days=3 * n)
        body = "\n\n".join(paragraphs[(n + k) % 3] for k in range(6))
        site.add_article(f"{day.year}/a{n:04d}", title=f"Report {n}", date=day.isoformat(), body=body)
    assert run_cli("build", site.root, "--offline", "--quiet").returncode == 0
    pages = {p: p.stat().st_size for p in site.html_files()}
    largest = max(pages, key=pages.get)
    assert pages[largest] <= PAGE_LIMIT, f"{largest}: {pages[largest]:,} bytes"
    folder = site.output / "people" / "angela-merkel" / "mentions"
    before = {p.parent.name: _ids(p.read_bytes()) for p in folder.glob("*/index.html")}
    assert 1500 / paging.MAX_PAGE <= len(before) <= 1500 / paging.MIN_PAGE + 1
    checked = run_cli("check", site.output)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    site.add_article("2019/newest", title="Newest", date="2019-06-01", body=paragraphs[0])
    assert run_cli("build", site.root, "--offline", "--quiet").returncode == 0
    after = {p.parent.name: _ids(p.read_bytes()) for p in folder.glob("*/index.html")}
    for number, ids in before.items():
        mentions = {i for i in ids if i.startswith(b"m")}
        assert mentions <= after[number], f"page {number} lost mentions"
    assert run_cli("check", site.output).returncode == 0


from hypothesis import given, settings, strategies as st  # noqa: E402

from sitegen.site.pages import _page_finder  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcdef"), st.integers(1, 40)), min_size=1, max_size=12))
def test_pages_found_article_by_article_are_those_of_the_paging_order(runs):
    """A dossier finds its articles' and quoted mentions' pages from each article's place
    (worked out once per article, not per mention); whatever the order of the mentions,
    even an article's mentions split apart, the pages are those the paging order gives."""
    mentions, starts = [], {}
    for article_id, count in runs:
        for _ in range(count):
            start = starts[article_id] = starts.get(article_id, -1) + 1
            mentions.append(Mention(article_id, start, start + 1, "x", "x", start, "people/x"))
    entity = Entity("people/x", "X", "person", ("X",), tuple(mentions), tuple(dict.fromkeys(a for a, _ in runs)))
    ordered = paging.oldest_first(entity.mentions)
    pages = paging.layout(entity.mentions)
    expected_numbers: dict[str, int] = {}
    for position, mention in enumerate(ordered):
        expected_numbers.setdefault(mention.article_id, pages.number_at(position))
    assert paging.article_numbers(entity) == expected_numbers
    by_article: dict[str, list[Mention]] = {}
    for mention in entity.mentions:
        by_article.setdefault(mention.article_id, []).append(mention)
    page_of = _page_finder(entity, pages, paging.article_offsets(entity.mentions), by_article)
    for position, mention in enumerate(ordered):
        assert page_of(mention.article_id, mention) == pages.number_at(position)


def _selection_sorting_every_mention(entity, newest, by_article):
    """A dossier's selection as first written: every mention of the older articles sorted
    by how much it tells, then the first of each article taken in that order."""
    from sitegen.site.pages import RECENT_ARTICLES, RECENT_PER_ARTICLE, TELLING_LIMIT

    def tells(mention):
        words_before = len(mention.sentence[:max(0, mention.start - mention.sentence_start)].split())
        return (words_before <= 1, mention.text == entity.name, min(len(mention.sentence), 240))

    chosen = {a: by_article[a][:RECENT_PER_ARTICLE] for a in newest[:RECENT_ARTICLES]}
    rest = [(tells(m), -i, m) for i, a in enumerate(newest[RECENT_ARTICLES:]) for m in by_article[a]]
    rest.sort(key=lambda t: (t[0], t[1]), reverse=True)
    for _, _, mention in rest:
        if len(chosen) >= RECENT_ARTICLES + TELLING_LIMIT:
            break
        chosen.setdefault(mention.article_id, [mention])
    return chosen


_LEADS = st.text(alphabet=" \t\u00a0\u2003\x1cab", max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.tuples(_LEADS, st.sampled_from(["Angela Merkel", "Merkel"]), st.integers(0, 300)),
                         min_size=1, max_size=4), min_size=1, max_size=30))
def test_a_dossier_quotes_what_sorting_every_mention_would(articles):
    """The selection found article by article (each one's most telling mention, then the
    articles whose best tells most) is the one sorting every mention gives, lead-ins of
    odd spaces and ties included."""
    from sitegen.site.pages import _selection

    by_article: dict[str, list[Mention]] = {}
    for n, said in enumerate(articles):
        article_id = f"a{n:03d}"
        for lead, name, tail in said:
            sentence = f"{lead}{name} said{'.' * tail}"
            by_article.setdefault(article_id, []).append(
                Mention(article_id, len(lead), len(lead) + len(name), name, sentence, 0, "people/angela-merkel"))
    merkel = Entity("people/angela-merkel", "Angela Merkel", "person", ("Angela Merkel",),
                    tuple(m for ms in by_article.values() for m in ms), tuple(by_article))
    newest = list(by_article)
    assert _selection(merkel, newest, by_article) == _selection_sorting_every_mention(merkel, newest, by_article)


_RUNS = st.lists(st.integers(1, 300).map(lambda n: f"a{n:03d}"), unique=True, min_size=1, max_size=150).flatmap(
    lambda ids: st.tuples(st.just(tuple(ids)), st.lists(st.integers(1, 9) | st.integers(100, 260), min_size=len(ids),
                                                         max_size=len(ids))))


def _pages_of(ids: tuple[str, ...], counts: list[int]) -> list[list[tuple[str, int]]]:
    """Each numbered page's mentions, as (article, its mention's number there), oldest first."""
    mentions = [(a, k) for a, n in zip(reversed(ids), reversed(counts)) for k in range(n)]
    layout = paging._cut(ids, tuple(counts), paging._settings())
    assert layout.total == len(mentions)
    return [mentions[slice(*layout.bounds(n))] for n in layout.numbers()]


@settings(max_examples=300, deadline=None)
@given(_RUNS, st.lists(st.integers(1, 9), max_size=40))
def test_pages_hold_what_they_may_and_new_articles_only_add_at_the_end(runs, newer):
    ids, counts = runs
    pages = _pages_of(ids, counts)
    assert [m for page in pages for m in page] == [(a, k) for a, n in zip(reversed(ids), reversed(counts))
                                                   for k in range(n)]
    for page in pages:
        assert len(page) <= paging.MAX_PAGE
    for page in pages[:-1]:
        assert len(page) >= paging.MIN_PAGE
    # Newer articles (an entity holds its newest first) leave every page but the newest as it was.
    new_ids = tuple(f"n{i:03d}" for i in range(len(newer)))
    grown = _pages_of(new_ids + ids, newer + counts)
    assert grown[:len(pages) - 1] == pages[:-1]
    assert grown[len(pages) - 1][:len(pages[-1])] == pages[-1]
