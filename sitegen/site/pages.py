"""What each page shows: the view values templates receive.

``planned_pages`` lists the pages of a site; each page's builder makes its ``Page`` (path,
template, title and context) from a ``SiteView``, the only way it can read the site, so
every input a page shows is recorded (see ``site_view``). Templates only loop and print.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable, Mapping
from urllib.parse import quote, urlsplit

from .. import urls
from ..content.markup import Link, render_html
from ..model import TYPE_PLURALS, Mention, Reference
from ..names import name_key
from .page_extras import article_extras, dossier_extras, home_extras
from .view import (MONTHS, OTHER_LETTER, ArticleLink, Counted, EntityCard, EntityLink, EntityRow,  # noqa: F401
                        LetterGroup, MonthGroup, SiteData, SiteView, entity_order, initial)

TYPE_LABELS: Mapping[str, str] = {"person": "Person", "place": "Place", "organisation": "Organisation"}
RELATED_LIMIT = 20
SEARCH = "search/"
ALPHABET = [chr(c) for c in range(ord("A"), ord("Z") + 1)]

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
    anchor: str | None  # None when no entity starts with this letter


@dataclass(frozen=True)
class MarkedMention:
    """A mention's sentence split around the mention, for highlighting."""

    mention: Mention
    before: str
    marked: str  # "" when the offsets do not fit the sentence: then ``before`` is all of it
    after: str



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
    plans += [PagePlan(urls.entity_path(e.id), partial(entity_page, entity_id=e.id)) for e in data.entities]
    plans.append(PagePlan(urls.ARTICLES, articles_page))
    plans += [PagePlan(urls.article_path(a.id), partial(article_page, article_id=a.id)) for a in data.articles]
    plans.append(PagePlan(SEARCH, search_page))
    plans.append(PagePlan(urls.NOT_FOUND_FILE, not_found_page))
    return plans


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
    groups = view.rows(entity_type)
    present = {g.letter: g.anchor for g in groups}
    # The jump navigation shows all of A-Z (absent letters greyed) plus any other
    # group present: "#" first, letters of other alphabets last.
    order = [OTHER_LETTER] if OTHER_LETTER in present else []
    order += ALPHABET
    order += [letter for letter in present if letter != OTHER_LETTER and letter not in ALPHABET]
    letters = tuple(LetterLink(letter, present.get(letter)) for letter in order) if groups else ()
    return Page(
        path=urls.type_path(entity_type),
        template="type_index.html",
        title=TYPE_PLURALS[entity_type],
        section=entity_type,
        context={
            "entity_type": entity_type,
            "type_label": TYPE_LABELS[entity_type],
            "type_plural": TYPE_PLURALS[entity_type],
            "groups": groups,
            "letters": letters,
            "total": sum(len(g.entities) for g in groups),
        },
    )


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
    mention_groups = tuple(
        ArticleMentions(links[article_id], tuple(_marked(m) for m in sorted(by_article[article_id], key=_by_position)))
        for article_id in sorted(by_article, key=lambda a: links[a].newest_first())
    )
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
            "mention_groups": mention_groups,
            "mention_total": sum(len(g.mentions) for g in mention_groups),
            "related": related,
            **dossier_extras(view, entity, mention_groups, related, TYPE_LABELS),
        },
        lastmod=mention_groups[0].article.date.isoformat() if mention_groups else None,
    )


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
    return Page(
        path=urls.ARTICLES,
        template="articles.html",
        title="Articles",
        section="articles",
        context={"months": months, "total": sum(len(m.articles) for m in months)},
    )


def article_page(view: SiteView, article_id: str) -> Page:
    article = view.article(article_id)
    path = urls.article_path(article.id)
    root = urls.root_of(urls.page_file(path))
    links, counts, hrefs = [], Counter(), {}
    cards: dict[str, EntityCard | None] = {}
    unpaged: Counter = Counter()
    for mention in view.mentions(article.id):
        if mention.entity_id not in cards:
            cards[mention.entity_id] = view.card(mention.entity_id)
        card = cards[mention.entity_id]
        if card is None:
            continue  # an entity without a page (type not published)
        if not card.page:  # too little evidence for a page: highlighted only
            unpaged[card] += 1
            links.append(Link(mention.start, mention.end, href=None, anchor=mention.anchor,
                              title=f"{card.name} ({TYPE_LABELS[card.type].lower()}, no page of its own)"))
            continue
        counts[card.id] += 1
        if card.id not in hrefs:
            hrefs[card.id] = urls.href(root, urls.entity_path(card.id))
        links.append(Link(mention.start, mention.end, href=hrefs[card.id], anchor=mention.anchor,
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



def _marked(mention: Mention) -> MarkedMention:
    sentence = mention.sentence
    start, end = mention.start - mention.sentence_start, mention.end - mention.sentence_start
    if 0 <= start < end <= len(sentence):
        return MarkedMention(mention, sentence[:start], sentence[start:end], sentence[end:])
    return MarkedMention(mention, sentence, "", "")


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

