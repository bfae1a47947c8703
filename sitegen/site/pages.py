"""What each page shows: the view values templates receive.

``planned_pages`` lists the pages of a site; each page's builder makes its ``Page`` (path,
template, title and context) from a ``SiteView``, the only way it can read the site, so
every input a page shows is recorded (see ``site_view``). Templates only loop and print.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any, Callable, Mapping
from urllib.parse import quote, urlsplit

from .. import urls
from ..content.markup import Link, render_html
from ..model import TYPE_PLURALS, Mention, Reference
from ..names import name_key
from . import paging
from .page_extras import article_extras, dossier_extras, home_extras
from .view import (MONTHS, OTHER_LETTER, ArticleLink, Counted, EntityCard, EntityLink, EntityRow,  # noqa: F401
                        LetterGroup, MonthGroup, SiteData, SiteView, entity_order, initial)

TYPE_LABELS: Mapping[str, str] = {"person": "Person", "place": "Place", "organisation": "Organisation"}
RELATED_LIMIT = 20
SEARCH = "search/"
ALPHABET = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
# A paged dossier's own page shows the mentions of its newest articles and the most
# telling ones of others (see ``telling``); every mention is on its numbered pages.
RECENT_ARTICLES = 5
RECENT_PER_ARTICLE = 2
TELLING_LIMIT = 10
ASIDE_ARTICLES = 30  # newest articles listed beside a paged dossier's mentions
# A sentence is shown whole up to this many characters on each side of the name; beyond,
# it is cut at a word with "…" (a sentence splitter can leave a whole paragraph as one).
CONTEXT_CHARS = 240
# An index of one type lists every name on one page up to this many; beyond, it leads to
# one page per initial (see ``letter_segment``), each paged by this many names. By initial
# rather than by running page number: a reader goes straight to a name's letter, a letter's
# address never moves, and a new or renamed name re-renders the pages of its letter only.
INDEX_LIMIT = 600
LETTER_PAGE_ROWS = 500
# The list of articles shows them all up to this many; beyond, it shows the newest
# ``LATEST_LISTED`` and leads to one page per month (``month_path``), paged by this many.
ARTICLES_LIMIT = 600
LATEST_LISTED = 100
MONTH_PAGE_ROWS = 500
MONTHS_FOLDER = "months/"  # beside articles/, where no article id can take an address

# --- what the templates receive ---------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One page to render: where it goes, with which template and what to show."""

    path: str  # site path, e.g. "people/donald-trump/"
    template: str
    title: str  # "" for the home page, whose title is the site title
    section: str  # "home", "articles" or an entity type: the nav entry to mark current
    context: Mapping[str, Any] = field(default_factory=dict)
    lastmod: str | None = None  # ISO date for sitemap.xml
    in_sitemap: bool = True  # False for pages with nothing for a crawler (search)


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    key: str




@dataclass(frozen=True)
class NameWithoutPage:
    """A name an article highlights that has no page of its own (see publication)."""

    name: str
    type_label: str
    count: int




@dataclass(frozen=True)
class TypeGroup:
    """Entities of one type, e.g. the most-mentioned people, or the people in one article."""

    type: str
    label: str  # plural, e.g. "People"
    path: str  # site path of the type index
    entries: tuple[Counted, ...]
    total: int | None  # entities of this type in the whole site (on the home page; None elsewhere)



@dataclass(frozen=True)
class LetterLink:
    letter: str
    anchor: str | None  # element id of its group on this page; None when absent or on a page of its own
    path: str | None = None  # the letter's own page, on a type index split by initial
    count: int = 0  # names starting with it


@dataclass(frozen=True)
class MarkedMention:
    """A mention's sentence split around the mention, for highlighting."""

    mention: Mention
    before: str
    marked: str  # "" when the offsets do not fit the sentence: then ``before`` is all of it
    after: str
    anchor: str = ""  # its element id on a dossier page (see ``paging.mention_anchor``)
    page: int = 1  # the dossier page that holds it among all mentions (1: the dossier itself)



@dataclass(frozen=True)
class ArticleMentions:
    """One article and the mentions of one entity in it, in text order."""

    article: ArticleLink
    mentions: tuple[MarkedMention, ...]


@dataclass(frozen=True)
class ReferenceView:
    reference: Reference
    wikipedia_url: str | None  # None if not an http(s) address
    revision_url: str | None
    wikidata_url: str | None
    image_url: str | None = None  # a thumbnail served by Wikimedia Commons
    image_page_url: str | None = None  # the file's page on Commons: author and licence
    map_url: str | None = None  # OpenStreetMap centred on the coordinates
    facts: tuple[tuple[str, str, str | None], ...] = ()  # (label, text, link or None)



# --- the pages of a site, and what each shows ----------------------------------------


@dataclass(frozen=True)
class PagePlan:
    """A page before it is built: where it goes and how to build it from a ``SiteView``."""

    path: str
    build: Callable[[SiteView], "Page"]


def planned_pages(data: SiteData) -> list[PagePlan]:
    """Every page of the site, in site order, not yet built."""
    plans = [PagePlan(urls.HOME, home_page)]
    plans += [PagePlan(urls.type_path(t), partial(type_page, entity_type=t)) for t in data.types]
    for t in data.types:
        plans += [PagePlan(path, partial(letter_page, entity_type=t, letter=letter, number=number))
                  for letter, number, path in letter_pages(data.value("letters", t), t)]
    for e in data.entities:
        plans += _dossier_plans(e.id, data.layout(e.id).count, entity_page, mention_page)
    plans.append(PagePlan(urls.ARTICLES, articles_page))
    plans += [PagePlan(path, partial(month_page, month=month, number=number))
              for month, number, path in month_pages(data.value("months", ""))]
    plans += [_article_plan(a.id, article_page) for a in data.articles]
    plans.append(PagePlan(SEARCH, search_page))
    plans.append(PagePlan(urls.NOT_FOUND_FILE, not_found_page))
    return plans


# A plan is made of its path and its page's builder alone (both in the key): a preview,
# which plans every page after every save, makes each once.
@lru_cache(maxsize=1 << 17)
def _dossier_plans(entity_id: str, pages: int, dossier: Callable, mentions: Callable) -> tuple[PagePlan, ...]:
    """A dossier's page and its ``pages`` mention pages."""
    return (PagePlan(urls.entity_path(entity_id), partial(dossier, entity_id=entity_id)),
            *(PagePlan(paging.page_path(entity_id, n), partial(mentions, entity_id=entity_id, number=n))
              for n in range(paging.FIRST_NUMBER, paging.FIRST_NUMBER + pages)))


@lru_cache(maxsize=1 << 17)
def _article_plan(article_id: str, builder: Callable) -> PagePlan:
    return PagePlan(urls.article_path(article_id), partial(builder, article_id=article_id))


def home_page(view: SiteView) -> Page:
    top = []
    for t in view.types():
        entries, total = view.top(t, view.setting("home_entities"))
        top.append(TypeGroup(t, TYPE_PLURALS[t], urls.type_path(t), entries, total))
    latest, article_total = view.latest(view.setting("home_articles"))
    return Page(
        path=urls.HOME,
        template="home.html",
        title="",
        section="home",
        context={"latest": latest, "top_entities": tuple(top), "article_total": article_total,
                 **home_extras(view, SEARCH)},
        lastmod=latest[0].date.isoformat() if latest else None,
    )


def type_page(view: SiteView, entity_type: str) -> Page:
    letters = view.letters(entity_type)
    total = sum(n for _, _, n in letters)
    split = total > INDEX_LIMIT
    groups = () if split else view.rows(entity_type)
    targets = {letter: (letter_path(entity_type, letter) if split else None, None if split else anchor, n)
               for letter, anchor, n in letters}
    return Page(
        path=urls.type_path(entity_type),
        template="type_index.html",
        title=TYPE_PLURALS[entity_type],
        section=entity_type,
        context={**_index_context(view, entity_type, targets, total), "groups": groups, "split": split},
    )


def letter_page(view: SiteView, entity_type: str, letter: str, number: int) -> Page:
    """The names of one type that start with ``letter`` (page ``number`` of them), on a large site."""
    group = view.letter(entity_type, letter)
    rows = group.entities if group else ()
    pages = max(1, -(-len(rows) // LETTER_PAGE_ROWS))
    shown = rows[(number - 1) * LETTER_PAGE_ROWS:number * LETTER_PAGE_ROWS]
    targets = {other: (letter_path(entity_type, other), None, 0) for other in view.initials(entity_type)}
    path = letter_path(entity_type, letter, number)
    label = "Other names" if letter == OTHER_LETTER else letter
    title = f"{TYPE_PLURALS[entity_type]}: {label}" + (f", page {number}" if number > 1 else "")
    return Page(
        path=path,
        template="type_index.html",
        title=title,
        section=entity_type,
        context={**_index_context(view, entity_type, targets, len(rows)),
                 "groups": (LetterGroup(letter, group.anchor, tuple(shown)),) if group else (),
                 "split": False, "letter": letter,
                 "pager": PageLinks.of(number, pages, lambda n: letter_path(entity_type, letter, n),
                                       "Pages of " + label) if pages > 1 else None},
    )


def _index_context(view: SiteView, entity_type: str, targets: Mapping[str, tuple[str | None, str | None, int]],
                   total: int) -> dict[str, Any]:
    # The jump navigation shows all of A-Z (absent letters greyed) plus any other
    # group present: "#" first, letters of other alphabets last.
    order = [OTHER_LETTER] if OTHER_LETTER in targets else []
    order += ALPHABET
    order += [letter for letter in targets if letter != OTHER_LETTER and letter not in ALPHABET]
    letters = tuple(LetterLink(letter, targets[letter][1], targets[letter][0], targets[letter][2])
                    if letter in targets else LetterLink(letter, None) for letter in order) if targets else ()
    return {"entity_type": entity_type, "type_label": TYPE_LABELS[entity_type],
            "type_plural": TYPE_PLURALS[entity_type], "letters": letters, "total": total}


def letter_segment(letter: str) -> str:
    """The folder of one initial's index pages: ``letter_a``, ``letter_other`` for "#",
    ``letter_u416`` for a letter of another alphabet. No slug has an underscore, so no
    dossier can ever stand at the same address."""
    if letter == OTHER_LETTER:
        return "letter_other"
    if letter in ALPHABET:
        return f"letter_{letter.lower()}"
    return f"letter_u{ord(letter[0]):x}"


def letter_path(entity_type: str, letter: str, number: int = 1) -> str:
    path = f"{urls.type_path(entity_type)}{letter_segment(letter)}/"
    return path if number == 1 else f"{path}{number}/"


def letter_pages(letters: tuple[tuple[str, str, int], ...], entity_type: str) -> list[tuple[str, int, str]]:
    """(letter, page number, site path) of every page of a large type index split by initial."""
    if sum(n for _, _, n in letters) <= INDEX_LIMIT:
        return []
    return [(letter, number, letter_path(entity_type, letter, number))
            for letter, _, n in letters for number in range(1, -(-n // LETTER_PAGE_ROWS) + 1)]


@dataclass(frozen=True)
class PageLinks:
    """A pagination bar: numbered links, newer/older (or previous/next) and the current page."""

    label: str  # the nav's accessible name
    items: tuple[tuple[str, str | None, bool], ...]  # (text, site path or None for a gap, current)
    prev: str | None  # site path of the page before in reading order (rel="prev")
    next: str | None  # and after it (rel="next")
    prev_label: str = "Previous"
    next_label: str = "Next"

    @classmethod
    def of(cls, number: int, pages: int, path_of: Callable[[int], str], label: str) -> "PageLinks":
        items = tuple((str(n), path_of(n), n == number) for n in range(1, pages + 1))
        return cls(label, items, path_of(number - 1) if number > 1 else None,
                   path_of(number + 1) if number < pages else None)


def mention_links(entity_id: str, nav: paging.PageNav) -> PageLinks:
    """The pagination of a dossier's mention pages: the dossier (1), then newest first,
    with "…" where numbers are left out."""
    items: list[tuple[str, str | None, bool]] = [("1", paging.page_path(entity_id, 1), nav.current == 1)]
    last = 1
    for n in nav.numbers:
        if n != last - 1 if last != 1 else not nav.newest_shown:
            items.append(("…", None, False))
        items.append((str(n), paging.page_path(entity_id, n), n == nav.current))
        last = n
    if last > paging.FIRST_NUMBER:
        items.append(("…", None, False))  # older pages, reached page by page
    path = partial(paging.page_path, entity_id)
    # From the dossier, the next page holds the newest mentions: all of them, page by page.
    return PageLinks("Pages of mentions", tuple(items), path(nav.newer) if nav.newer else None,
                     path(nav.older) if nav.older else None, "Newer",
                     "All mentions" if nav.current == 1 else "Older")


def entity_page(view: SiteView, entity_id: str) -> Page:
    entity = view.entity(entity_id)
    by_article: dict[str, list[Mention]] = defaultdict(list)
    links: dict[str, ArticleLink] = {}
    for mention in entity.mentions:
        if mention.article_id not in links:
            link = view.article_link(mention.article_id)
            if link is None:
                continue
            links[mention.article_id] = link
        by_article[mention.article_id].append(mention)
    newest = sorted(by_article, key=lambda a: links[a].newest_first())
    pages = paging.layout(entity.mentions)
    paged = pages.count > 0
    offsets = paging.article_offsets(entity.mentions) if paged else None
    numbers = paging.article_numbers(entity, offsets, pages) if paged else {}
    # Every article's mentions, for the timeline, the counts and the list of articles; a
    # paged dossier quotes only its selection (the rest is on its numbered pages).
    mention_groups = tuple(ArticleMentions(links[a], tuple(by_article[a])) for a in newest)
    shown = _selection(entity, newest, by_article) if paged else {a: by_article[a] for a in newest}
    page_of = _page_finder(entity, pages, offsets, by_article) if paged else _FIRST_PAGE
    ids = _PageIds()
    quoted = tuple(
        ArticleMentions(links[a], tuple(_marked(m, page_of(a, m), ids) for m in sorted(shown[a], key=_by_position)))
        for a in newest if a in shown)
    related = related_of(view, entity.id)
    return Page(
        path=urls.entity_path(entity.id),
        template="entity.html",
        title=entity.name,
        section=entity.type,
        context={
            "entity": entity,
            "type_label": TYPE_LABELS[entity.type],
            "type_plural": TYPE_PLURALS[entity.type],
            "aliases": tuple(a for a in entity.aliases if a != entity.name),
            "reference": _reference_view(entity.reference) if entity.reference else None,
            "place_map_url": map_url(entity.place.coordinates) if entity.place and entity.place.coordinates else None,
            "mention_groups": quoted,
            "mention_total": sum(len(g.mentions) for g in mention_groups),
            "article_total": len(mention_groups),
            "listed_articles": mention_groups[:ASIDE_ARTICLES] if paged else mention_groups,
            "pager": mention_links(entity.id, paging.dossier_nav(pages.count)) if paged else None,
            "paged": paged,
            "mentions_page": partial(paging.page_path, entity.id),
            "related": related,
            **dossier_extras(view, entity, mention_groups, related, TYPE_LABELS, numbers),
        },
        lastmod=mention_groups[0].article.date.isoformat() if mention_groups else None,
    )


def mention_page(view: SiteView, entity_id: str, number: int) -> Page:
    """Page ``number`` of a large dossier's mentions, newest first (see ``paging``)."""
    link = view.link(entity_id)
    found = view.mention_page(entity_id, number)
    by_article: dict[str, list[Mention]] = {}
    for mention in reversed(found.mentions):  # newest article first, as everywhere on the site
        by_article.setdefault(mention.article_id, []).append(mention)
    groups = []
    ids = _PageIds()
    for article_id, mentions in by_article.items():
        article = view.article_link(article_id)
        if article is not None:
            groups.append(ArticleMentions(article, tuple(_marked(m, number, ids) for m in sorted(mentions, key=_by_position))))
    dates = [g.article.date for g in groups]
    return Page(
        path=paging.page_path(entity_id, number),
        template="mentions.html",
        title=f"{link.name}: mentions, page {number}",
        section=link.type,
        context={
            "entity": link,
            "type_label": TYPE_LABELS[link.type],
            "mention_groups": tuple(groups),
            "first_date": min(dates, default=None),
            "last_date": max(dates, default=None),
            "number": number,
            "pager": mention_links(entity_id, found.nav),
            "group_anchor": paging.group_anchor,
            "description": f"Mentions of {link.name}, page {number}",
        },
        lastmod=max(dates).isoformat() if dates else None,
    )


def _page_finder(entity, pages: paging.Layout, offsets: Mapping[str, int] | None,
                 by_article: Mapping[str, list[Mention]]) -> Callable[[str, Mention], int]:
    """``page_of(article id, mention)``: the numbered page that holds one of the entity's
    mentions, found from its article's place (``paging.article_offsets``) and its own in
    the article, for the few a dossier quotes; every mention placed only where an
    article's mentions are apart."""
    if offsets is not None:
        return lambda article_id, mention: pages.number_at(offsets[article_id] + by_article[article_id].index(mention))
    ordered = paging.oldest_first(entity.mentions)
    positions = {m: pages.number_at(i) for i, m in enumerate(ordered)}
    return lambda article_id, mention: positions.get(mention, 1)


def _first_page(article_id: str, mention: Mention) -> int:
    return 1


_FIRST_PAGE = _first_page  # an unpaged dossier holds all its mentions


def _selection(entity, newest: list[str], by_article: Mapping[str, list[Mention]]) -> dict[str, list[Mention]]:
    """What a paged dossier quotes: its newest articles' mentions, and the most telling of
    the rest, one per article (distinct sources): the articles whose most telling mention
    tells most, ties going to the newer article."""
    chosen = {a: by_article[a][:RECENT_PER_ARTICLE] for a in newest[:RECENT_ARTICLES]}
    name = entity.name
    best = []  # (telling, -article's place, its first mention telling that much)
    for i, a in enumerate(newest[RECENT_ARTICLES:]):
        mentions = by_article[a]
        tells = [telling(m, name) for m in mentions]
        most = max(tells)
        best.append((most, -i, mentions[tells.index(most)]))
    for _, _, mention in heapq.nlargest(TELLING_LIMIT, best, key=_TELLING_ORDER):
        chosen[mention.article_id] = [mention]
    return chosen


_TELLING_ORDER = itemgetter(0, 1)  # of (telling, -article's place, mention)
_ONE_WORD = re.compile(r"\s*\S*\s*")  # no more than one word: all of a name's lead-in that ``telling`` allows


def telling(mention: Mention, name: str) -> tuple:
    """How much a sentence tells of the entity, as a reader would judge it (higher first).

    A name that opens its sentence is, in news prose, nearly always what the sentence is
    about ("Merkel said...", "The United Nations voted..."); the full name is plainer than
    a short form; and a longer sentence says more, up to about two lines (beyond that it
    is usually a list of names or a run-on the splitter left whole).
    """
    # At most one word before it: matched in place, not cut out (a hub's dossier asks this
    # of tens of thousands of sentences).
    subject = _ONE_WORD.fullmatch(mention.sentence, 0, max(0, mention.start - mention.sentence_start)) is not None
    return (subject, mention.text == name, min(len(mention.sentence), 240))


def related_of(view: SiteView, entity_id: str) -> tuple[Counted, ...]:
    """The entities most often in the same articles, with the number of articles shared."""
    counted = []
    for other, shared in view.related(entity_id):
        link = view.link(other) if other != entity_id else None
        if link is not None:
            counted.append(Counted(link, shared))
    return tuple(sorted(counted, key=strongest)[:RELATED_LIMIT])


def articles_page(view: SiteView) -> Page:
    months = view.months()
    total = sum(len(m.articles) for m in months)
    split = total > ARTICLES_LIMIT
    return Page(
        path=urls.ARTICLES,
        template="articles.html",
        title="Articles",
        section="articles",
        context={"months": () if split else months, "total": total, "split": split,
                 "latest": view.latest(LATEST_LISTED)[0] if split else (),
                 "month_links": tuple((m.label, month_path(m.anchor), len(m.articles)) for m in months) if split
                 else ()},
    )


def month_page(view: SiteView, month: str, number: int) -> Page:
    """The articles of one month (``"2025-11"``; page ``number`` of them), on a large site."""
    group = view.month(month)
    rows = group.articles if group else ()
    pages = max(1, -(-len(rows) // MONTH_PAGE_ROWS))
    shown = rows[(number - 1) * MONTH_PAGE_ROWS:number * MONTH_PAGE_ROWS]
    label = group.label if group else month
    return Page(
        path=month_path(month, number),
        template="articles.html",
        title=f"Articles of {label}" + (f", page {number}" if number > 1 else ""),
        section="articles",
        context={"months": (MonthGroup(label, month, tuple(shown)),) if group else (), "total": len(rows),
                 "split": False, "latest": (), "month_links": (), "month": label,
                 "pager": PageLinks.of(number, pages, lambda n: month_path(month, n), f"Pages of {label}")
                 if pages > 1 else None},
    )


def month_path(month: str, number: int = 1) -> str:
    """Site path of the list of one month's articles: ``months/2025-11/``, then ``2/``..."""
    path = f"{MONTHS_FOLDER}{month}/"
    return path if number == 1 else f"{path}{number}/"


def month_pages(months: tuple[MonthGroup, ...]) -> list[tuple[str, int, str]]:
    """(month, page number, site path) of every page of a large site's list of articles by month."""
    if sum(len(m.articles) for m in months) <= ARTICLES_LIMIT:
        return []
    return [(m.anchor, number, month_path(m.anchor, number))
            for m in months for number in range(1, -(-len(m.articles) // MONTH_PAGE_ROWS) + 1)]


def article_page(view: SiteView, article_id: str) -> Page:
    article = view.article(article_id)
    path = urls.article_path(article.id)
    root = urls.root_of(urls.page_file(path))
    links, counts, hrefs = [], Counter(), {}
    cards: dict[str, EntityCard | None] = {}
    unpaged: Counter = Counter()
    ids = _PageIds()
    for mention in view.mentions(article.id):
        if mention.entity_id not in cards:
            cards[mention.entity_id] = view.card(mention.entity_id)
        card = cards[mention.entity_id]
        if card is None:
            continue  # an entity without a page (type not published)
        if not card.page:  # too little evidence for a page: highlighted only
            unpaged[card] += 1
            links.append(Link(mention.start, mention.end, href=None, anchor=ids.of(mention.anchor),
                              title=f"{card.name} ({TYPE_LABELS[card.type].lower()}, no page of its own)"))
            continue
        counts[card.id] += 1
        if card.id not in hrefs:
            hrefs[card.id] = urls.href(root, urls.entity_path(card.id))
        links.append(Link(mention.start, mention.end, href=hrefs[card.id], anchor=ids.of(mention.anchor),
                          title=f"{card.name} ({TYPE_LABELS[card.type].lower()})"))
    allow_html = view.setting("allow_html")
    body = _demote_headings(render_html(article.body, links, allow_html=allow_html))
    caption = None
    if article.caption:
        # The caption's plain text follows the body's in ``article.text``, so mentions
        # found in it carry offsets from ``caption_start`` on.
        caption_links = links if article.caption_start is not None else ()
        offset = article.caption_start or 0
        caption = _demote_headings(render_html(article.caption, caption_links, allow_html=allow_html, offset=offset))
    groups = []
    for t in view.types():
        entries = sorted((Counted(cards[eid].link, n) for eid, n in counts.items() if cards[eid].type == t),
                         key=strongest)
        # No site-wide total here: it would make every article page depend on every entity.
        if entries:
            groups.append(TypeGroup(t, TYPE_PLURALS[t], urls.type_path(t), tuple(entries), None))
    return Page(
        path=path,
        template="article.html",
        title=article.title,
        section="articles",
        context={
            "article": article,
            "body_html": body,
            "caption_html": caption,
            "original_url": article.url.strip() if urls.is_web_url(article.url) else None,
            "entity_groups": tuple(groups),
            "names_without_page": tuple(
                NameWithoutPage(c.name, TYPE_LABELS[c.type], n)
                for c, n in sorted(unpaged.items(), key=lambda item: (-item[1], name_key(item[0].name)))),
            "description": article.summary,
            **article_extras(view, article, [cards[e] for e in hrefs], hrefs, TYPE_LABELS, counts),
        },
        lastmod=article.date.isoformat(),
    )


def search_page(view: SiteView) -> Page:
    return Page(path=SEARCH, template="search.html", title="Search", section="search", in_sitemap=False,
                context={"type_labels_present": tuple(TYPE_LABELS[t] for t in view.types())})


def not_found_page(view: SiteView) -> Page:
    return Page(path=urls.NOT_FOUND_FILE, template="404.html", title="Page not found", section="")


def strongest(counted: Counted) -> tuple:
    """Sort key: highest count first, ties by name then id."""
    return (-counted.count, entity_order(counted.entity.id, counted.entity.name))


def _by_position(mention: Mention) -> tuple[int, int]:
    return (mention.start, mention.end)



class _PageIds:
    """Element ids unique on one page: a mention's anchor, numbered from its second use
    on (a sentence repeated word for word in an article; see ``Mention.anchor``). A link
    to such a twin lands on the first, which reads the same."""

    def __init__(self) -> None:
        self._used: Counter = Counter()

    def of(self, anchor: str) -> str:
        self._used[anchor] += 1
        count = self._used[anchor]
        return anchor if count == 1 else f"{anchor}-{count}"


def _marked(mention: Mention, page: int = 1, ids: _PageIds | None = None) -> MarkedMention:
    sentence = mention.sentence
    start, end = mention.start - mention.sentence_start, mention.end - mention.sentence_start
    anchor = paging.mention_anchor(mention)
    if ids is not None:
        anchor = ids.of(anchor)
    if 0 <= start < end <= len(sentence):
        return MarkedMention(mention, _clip_left(sentence[:start]), sentence[start:end], _clip_right(sentence[end:]),
                             anchor, page)
    return MarkedMention(mention, _clip_right(sentence), "", "", anchor, page)


def _clip_left(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    kept = text[-CONTEXT_CHARS:]
    return "…" + (kept.split(" ", 1)[1] if " " in kept else kept)


def _clip_right(text: str) -> str:
    if len(text) <= CONTEXT_CHARS:
        return text
    kept = text[:CONTEXT_CHARS]
    return (kept.rsplit(" ", 1)[0] if " " in kept else kept) + "…"


def _reference_view(reference: Reference) -> ReferenceView:
    wikipedia_url = reference.wikipedia_url if urls.is_web_url(reference.wikipedia_url) else None
    revision_url = None
    if reference.revision_id is not None:
        host = urlsplit(wikipedia_url).netloc.lower() if wikipedia_url else ""
        if not host.endswith(".wikipedia.org"):
            host = "en.wikipedia.org"
        revision_url = f"https://{host}/w/index.php?oldid={int(reference.revision_id)}"
    wikidata_url = (
        f"https://www.wikidata.org/wiki/{quote(reference.wikidata_id, safe='')}" if reference.wikidata_id else None
    )
    image_url = image_page_url = map_link = None
    if reference.image:
        file_name = quote(reference.image.replace(" ", "_"), safe="()_,.-")
        image_url = f"https://commons.wikimedia.org/wiki/Special:FilePath/{file_name}?width=320"
        image_page_url = f"https://commons.wikimedia.org/wiki/File:{file_name}"
    if reference.coordinates:
        map_link = map_url(reference.coordinates)
    facts = tuple((f.label, f.value, f.value if f.label == "Website" and urls.is_web_url(f.value) else None)
                  for f in reference.facts)
    return ReferenceView(reference, wikipedia_url, revision_url, wikidata_url, image_url, image_page_url, map_link,
                         facts)


def map_url(coordinates: tuple[float, float]) -> str:
    """OpenStreetMap centred on a point, with a marker: no map is embedded, nothing loads."""
    lat, lon = coordinates
    return f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=8/{lat:.4f}/{lon:.4f}"


_HEADING = re.compile(r"<(/?)h([1-6])(?=[\s/>])", re.IGNORECASE)


def _demote_headings(html: str, top: int = 2) -> str:
    """Renumber the body's headings so the highest is ``top``: the page's h1 is the title."""
    levels = [int(m.group(2)) for m in _HEADING.finditer(html)]
    if not levels or min(levels) == top:
        return html
    shift = top - min(levels)
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}", html)

