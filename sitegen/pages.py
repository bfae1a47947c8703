"""What each page shows: the view values templates receive, worked out once per build.

``SiteIndex`` builds lookups keyed by article and entity id, then one ``Page`` per page of
the site (its path, template, title and context), so rendering a page never scans the
whole site and the templates only loop and print.
"""
from __future__ import annotations

import datetime
import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, Callable, Iterable, Iterator, Mapping
from urllib.parse import quote, urlsplit

from . import urls
from .config import SiteConfig
from .errors import SitegenError
from .markup import Link, render_html
from .model import ENTITY_TYPES, TYPE_PLURALS, Article, Entity, Mention, Reference, Site
from .names import name_key
from .page_changes import LAST_BUILD, BuildValues, Changes, shown_of
from .page_extras import NETWORK_SIZE, article_extras, dossier_extras, home_extras
from .pictures.network import line_width_between

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
TYPE_LABELS: Mapping[str, str] = {"person": "Person", "place": "Place", "organisation": "Organisation"}
RELATED_LIMIT = 20
SEARCH = "search/"
OTHER_LETTER = "#"
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
class EntityLink:
    """An entity as a list shows it: its name and where its page is.

    Lists hold this rather than the ``Entity``, so that a page listing an entity changes
    only when what it shows changes, not with every new mention of that entity elsewhere.
    """

    id: str
    name: str
    type: str

    @property
    def url(self) -> str:
        return self.id + "/"


@dataclass(frozen=True)
class EntityRow:
    """An entity in the A-Z index: its link and its counts over the whole site."""

    id: str
    name: str
    type: str
    mention_count: int
    article_count: int


@dataclass(frozen=True)
class NameWithoutPage:
    """A name an article highlights that has no page of its own (see publication)."""

    name: str
    type_label: str
    count: int


@dataclass(frozen=True)
class Counted:
    """An entity with a count: its mentions, articles shared with another, or mentions in one article."""

    entity: EntityLink
    count: int


@dataclass(frozen=True)
class PlannedPage:
    """A page before it is built: where it goes, which template, and its inputs.

    ``inputs`` holds every value the page shows (compared with ==): a page whose inputs
    and templates are what they were at the last build renders to the same bytes.
    """

    path: str
    template: str
    inputs: Any
    build: Callable[[], "Page"]


@dataclass(frozen=True)
class TypeGroup:
    """Entities of one type, e.g. the most-mentioned people, or the people in one article."""

    type: str
    label: str  # plural, e.g. "People"
    path: str  # site path of the type index
    entries: tuple[Counted, ...]
    total: int | None  # entities of this type in the whole site (on the home page; None elsewhere)


@dataclass(frozen=True)
class LetterGroup:
    letter: str
    anchor: str  # element id of the group, e.g. "letter-A"
    entities: tuple[EntityRow, ...]


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
class ArticleLink:
    """An article as a list shows it: what its front matter says, not its text.

    Lists and dossiers hold this rather than the ``Article``, so that an edit to an
    article's text changes only the pages that show that text: its own page, and the
    dossiers whose quoted sentences changed.
    """

    id: str
    title: str
    date: datetime.date
    source: str | None = None
    url: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None

    @classmethod
    def of(cls, a: Article) -> "ArticleLink":
        return cls(a.id, a.title, a.date, a.source, a.url, a.author, a.tags, a.summary)


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


@dataclass(frozen=True)
class MonthGroup:
    label: str  # "November 2025"
    anchor: str  # "2025-11"
    articles: tuple[ArticleLink, ...]


# --- lookups and page contents ---------------------------------------------------


class SiteIndex:
    """Lookups built once per build, and the pages of the site."""

    def __init__(self, site: Site, config: SiteConfig, inputs_memo: dict | None = None) -> None:
        self.site = site
        # entity id -> (entity, its related list, its neighbours' related lists and links,
        # its articles, the inputs worked out from them), kept by a long-running caller
        self._inputs_memo = inputs_memo
        self.config = config
        self.types = tuple(t for t in ENTITY_TYPES if t in config.entity_types)
        for article in site.articles:
            urls.check_article_id(article.id)
        _refuse_duplicates("article", [a.id for a in site.articles])
        self.articles = _newest_first(site.articles)
        self.article_by_id = {a.id: a for a in self.articles}
        last = inputs_memo.get(LAST_BUILD) if inputs_memo is not None else None
        self._article_pairs = {a.id: _article_link(a, last.articles.get(a.id) if last else None) for a in self.articles}
        self.article_links = {aid: pair[1] for aid, pair in self._article_pairs.items()}
        self.rank = {a.id: i for i, a in enumerate(self.articles)}
        published = [e for e in site.entities if e.type in self.types]
        self.sort_key = {e.id: (_fold(e.name), e.name, e.id) for e in published}
        self.entities = tuple(sorted(published, key=lambda e: self.sort_key[e.id]))
        for entity in self.entities:
            urls.check_entity_id(entity.id, entity.type)
        _refuse_duplicates("entity", [e.id for e in self.entities])
        self.entity_by_id = {e.id: e for e in self.entities}
        # Names without a page of their own: highlighted in their articles, not linked.
        self.unpaged_by_id = {e.id: e for e in site.without_page if e.type in self.types}
        self.month_names = MONTHS
        self.links = {e.id: EntityLink(e.id, e.name, e.type) for e in self.entities}
        self.by_type: dict[str, list[Entity]] = {t: [] for t in self.types}
        for entity in self.entities:
            self.by_type[entity.type].append(entity)
        self._shown: dict[str, tuple] = {}  # what an article page shows of each entity
        self._related_lookup: dict[str, dict[str, int]] | None = None
        self._changed: Changes | None = None

    def planned_pages(self) -> list[PlannedPage]:
        """Every page of the site, in site order, not yet built.

        The pages that list the whole site are cheap to build, and are their own inputs.
        A dossier or an article page is costly (its Markdown is rendered), so its inputs
        are worked out first: exactly the values its builder reads.
        """
        def built(page: Page) -> PlannedPage:
            return PlannedPage(page.path, page.template, page, lambda: page)

        plans = [built(self.home_page())]
        plans += [built(self.type_page(t)) for t in self.types]
        kept: dict = {}
        plans += [PlannedPage(urls.entity_path(e.id), "entity.html", self.entity_inputs(e, kept),
                              partial(self.entity_page, e)) for e in self.entities]
        plans.append(built(self.articles_page()))
        plans += [PlannedPage(urls.article_path(a.id), "article.html", self.article_inputs(a, kept),
                              partial(self.article_page, a)) for a in self.articles]
        if self._inputs_memo is not None:
            kept[LAST_BUILD] = BuildValues.of(self)
            self._inputs_memo.clear()
            self._inputs_memo.update(kept)
        plans.append(built(self.search_page()))
        return plans

    def canonical(self, path: str) -> str | None:
        """A page's public address, when ``base_url`` says where the site lives."""
        return urls.absolute_url(self.config.base_url, path) if self.config.base_url else None

    def pages(self) -> Iterator[Page]:
        return (plan.build() for plan in self.planned_pages())

    def entity_inputs(self, entity: Entity, kept: dict | None = None) -> tuple:
        """What ``entity_page`` reads: the entity, the articles of its mentions, its related
        links, and how strongly the neighbours its network picture draws are linked.

        With a kept memo, the last build's inputs serve while everything they were worked
        out from is the very same objects again (a preview's unchanged entities are).
        """
        related_pairs = self.site.related.get(entity.id, ())
        last = self._inputs_memo.get(entity.id) if self._inputs_memo is not None else None
        if last is not None and last[0] is entity and last[1] is related_pairs:
            changes = self._changes()
            # Its related are listed by link; only the neighbours drawn are read for more.
            if changes.links.isdisjoint(last[2]) and not changes.redraws(last[3]) \
                    and changes.articles.isdisjoint(entity.articles):
                if kept is not None:
                    kept[entity.id] = last
                return last[4]
        inputs = self._entity_inputs(entity)
        if kept is not None:
            drawn = frozenset(c.entity.id for c in inputs[2][:NETWORK_SIZE])
            kept[entity.id] = (entity, related_pairs, frozenset(other for other, _ in related_pairs), drawn, inputs)
        return inputs

    def _changes(self) -> "Changes":
        """What differs from the build the kept inputs were worked out in."""
        if self._changed is None:
            last = self._inputs_memo.get(LAST_BUILD) if self._inputs_memo is not None else None
            self._changed = Changes.between(last, self)
        return self._changed

    def _entity_inputs(self, entity: Entity) -> tuple:
        articles = tuple(self.article_links[a] for a in entity.articles if a in self.article_links)
        related = self.related(entity)
        # The picture draws a line between two neighbours as wide as the articles they share
        # (in half-pixel steps): only those widths are inputs, not the counts, which every
        # edit naming two much-mentioned entities moves by one.
        shown = [c.entity.id for c in related[:NETWORK_SIZE]]
        strongest = max((c.count for c in related[:NETWORK_SIZE]), default=0)
        drawn = []
        for i, a in enumerate(shown):
            of_a = self._related_dict(a)
            for b in shown[i + 1:]:
                count = of_a.get(b) or self._related_dict(b).get(a, 0)
                drawn.append(line_width_between(count, strongest) if count else 0)
        return entity, articles, related, tuple(drawn)

    def _related_dict(self, entity_id: str) -> dict[str, int]:
        """Other entity id -> articles shared, for those on ``entity_id``'s related list."""
        if self._related_lookup is None:
            self._related_lookup = {}
        found = self._related_lookup.get(entity_id)
        if found is None:
            found = self._related_lookup[entity_id] = dict(self.site.related.get(entity_id, ()))
        return found

    def article_inputs(self, article: Article, kept: dict | None = None) -> tuple:
        """What ``article_page`` reads: the article, its mentions, and of each entity named
        only what the page shows (name, type, description and reference links), so that an
        edit elsewhere that adds a mention of the same entity leaves this page alone."""
        mentions = self.site.mentions_by_article.get(article.id, ())
        key = ("article", article.id)
        last = self._inputs_memo.get(key) if self._inputs_memo is not None else None
        if last is not None and last[0] is article and last[1] is mentions \
                and self._changes().shown.isdisjoint(last[2]):
            inputs = last[3]
        else:
            inputs = article, mentions, tuple(self._shown_of(m.entity_id) for m in mentions)
            last = (article, mentions, frozenset(m.entity_id for m in mentions), inputs)
        if kept is not None:
            kept[key] = last
        return inputs

    def _shown_of(self, entity_id: str) -> tuple | None:
        shown = self._shown.get(entity_id)
        if shown is None:
            entity = self.entity_by_id.get(entity_id)
            if entity is None:
                unpaged = self.unpaged_by_id.get(entity_id)
                return ("no page", unpaged.name, unpaged.type) if unpaged else None
            shown = self._shown[entity_id] = shown_of(entity)
        return shown

    def home_page(self) -> Page:
        limit = self.config.home_entities

        def most(entity: Entity) -> tuple:
            return (-len(entity.mentions), self.sort_key[entity.id])

        top = tuple(
            TypeGroup(
                type=t,
                label=TYPE_PLURALS[t],
                path=urls.type_path(t),
                entries=tuple(Counted(self.links[e.id], len(e.mentions))
                              for e in heapq.nsmallest(limit, self.by_type[t], key=most)),
                total=len(self.by_type[t]),
            )
            for t in self.types
        )
        latest = tuple(self.article_links[a.id] for a in self.articles[: self.config.home_articles])
        return Page(
            path=urls.HOME,
            template="home.html",
            title="",
            section="home",
            context={"latest": latest, "top_entities": top, "article_total": len(self.articles),
                     **home_extras(self, SEARCH)},
            lastmod=latest[0].date.isoformat() if latest else None,
        )

    def type_page(self, entity_type: str) -> Page:
        groups = _letter_groups(self.by_type[entity_type])
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
                "total": len(self.by_type[entity_type]),
            },
        )

    def entity_page(self, entity: Entity) -> Page:
        by_article: dict[str, list[Mention]] = defaultdict(list)
        for mention in entity.mentions:
            if mention.article_id in self.article_by_id:
                by_article[mention.article_id].append(mention)
        mention_groups = tuple(
            ArticleMentions(
                self.article_links[article_id],
                tuple(_marked(m) for m in sorted(by_article[article_id], key=_by_position)),
            )
            for article_id in sorted(by_article, key=self.rank.__getitem__)
        )
        related = self.related(entity)
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
                **dossier_extras(self, entity, mention_groups, related, TYPE_LABELS),
            },
            lastmod=mention_groups[0].article.date.isoformat() if mention_groups else None,
        )

    def related(self, entity: Entity) -> tuple[Counted, ...]:
        """The entities most often in the same articles, with the number of articles shared."""
        links = self.links
        return tuple(sorted(
            (Counted(links[other], shared) for other, shared in self.site.related.get(entity.id, ())
             if other != entity.id and other in links),
            key=self.strongest,
        )[:RELATED_LIMIT])

    def articles_page(self) -> Page:
        by_month: dict[tuple[int, int], list[ArticleLink]] = {}
        for article in self.articles:  # newest first, so months come out newest first
            by_month.setdefault((article.date.year, article.date.month), []).append(self.article_links[article.id])
        months = tuple(
            MonthGroup(f"{MONTHS[month - 1]} {year}", f"{year:04d}-{month:02d}", tuple(articles))
            for (year, month), articles in by_month.items()
        )
        return Page(
            path=urls.ARTICLES,
            template="articles.html",
            title="Articles",
            section="articles",
            context={"months": months, "total": len(self.articles)},
        )

    def article_page(self, article: Article) -> Page:
        path = urls.article_path(article.id)
        root = urls.root_of(urls.page_file(path))
        mentions = self.site.mentions_by_article.get(article.id, ())
        links, counts, hrefs = [], Counter(), {}
        unpaged: Counter = Counter()
        for mention in mentions:
            entity = self.entity_by_id.get(mention.entity_id)
            if entity is None:
                name = self.unpaged_by_id.get(mention.entity_id)
                if name is not None:  # too little evidence for a page: highlighted only
                    unpaged[name] += 1
                    links.append(Link(mention.start, mention.end, href=None, anchor=mention.anchor,
                                      title=f"{name.name} ({TYPE_LABELS[name.type].lower()}, no page of its own)"))
                continue  # an entity without a page (type not published)
            counts[entity.id] += 1
            if entity.id not in hrefs:
                hrefs[entity.id] = urls.href(root, urls.entity_path(entity.id))
            links.append(
                Link(
                    mention.start,
                    mention.end,
                    href=hrefs[entity.id],
                    anchor=mention.anchor,
                    title=f"{entity.name} ({TYPE_LABELS[entity.type].lower()})",
                )
            )
        allow_html = self.config.allow_html
        body = _demote_headings(render_html(article.body, links, allow_html=allow_html))
        caption = None
        if article.caption:
            # The caption's plain text follows the body's in ``article.text``, so mentions
            # found in it carry offsets from ``caption_start`` on.
            caption_links = links if article.caption_start is not None else ()
            offset = article.caption_start or 0
            caption = _demote_headings(render_html(article.caption, caption_links, allow_html=allow_html, offset=offset))
        groups = []
        for t in self.types:
            entries = sorted(
                (Counted(self.links[eid], n) for eid, n in counts.items() if self.links[eid].type == t),
                key=self.strongest,
            )
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
                    NameWithoutPage(e.name, TYPE_LABELS[e.type], n)
                    for e, n in sorted(unpaged.items(), key=lambda item: (-item[1], name_key(item[0].name)))),
                "description": article.summary,
                **article_extras(self, article, [self.entity_by_id[e] for e in hrefs], hrefs, TYPE_LABELS, counts),
            },
            lastmod=article.date.isoformat(),
        )

    def search_page(self) -> Page:
        return Page(path=SEARCH, template="search.html", title="Search", section="search", in_sitemap=False,
                    context={"type_labels_present": tuple(TYPE_LABELS[t] for t in self.types)})

    def not_found_page(self) -> Page:
        return Page(path=urls.NOT_FOUND_FILE, template="404.html", title="Page not found", section="")

    def strongest(self, counted: Counted) -> tuple:
        """Sort key: highest count first, ties by name then id."""
        return (-counted.count, self.sort_key[counted.entity.id])


def _refuse_duplicates(kind: str, ids: list[str]) -> None:
    """Two pages at one path would silently overwrite each other."""
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
    if repeated:
        raise SitegenError(f"more than one {kind} has the id {', '.join(map(repr, repeated))}")


def _newest_first(articles: Iterable[Article]) -> tuple[Article, ...]:
    by_title = sorted(articles, key=lambda a: (a.title.casefold(), a.title, a.id))
    return tuple(sorted(by_title, key=lambda a: a.date, reverse=True))  # stable: ties stay by title


_BASE_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
                               "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i"})
_LEADING_NON_ALNUM = re.compile(r"^[\W_]+")


def _article_link(article: Article, last: tuple[Article, ArticleLink] | None) -> tuple[Article, ArticleLink]:
    """(article, its link), the last build's link again if the article is the same object."""
    if last is not None and last[0] is article:
        return last
    return article, ArticleLink.of(article)


@lru_cache(maxsize=1 << 16)  # every name is sorted and grouped after every save of a preview
def _fold(name: str) -> str:
    """A name for sorting: accents and case removed, leading quotes and punctuation dropped."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_BASE_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _LEADING_NON_ALNUM.sub("", plain.casefold())


def _by_position(mention: Mention) -> tuple[int, int]:
    return (mention.start, mention.end)


def initial(name: str) -> str:
    """The A-Z group of a name: its first letter without accents, upper-case; "#" if not a letter."""
    folded = _fold(name)
    return folded[0].upper() if folded and folded[0].isalpha() else OTHER_LETTER


def _letter_groups(entities: Iterable[Entity]) -> tuple[LetterGroup, ...]:
    groups: dict[str, list[EntityRow]] = defaultdict(list)
    for e in entities:  # already in name order
        groups[initial(e.name)].append(EntityRow(e.id, e.name, e.type, len(e.mentions), len(e.articles)))
    ordered = sorted(groups, key=lambda letter: (letter != OTHER_LETTER, letter))
    return tuple(
        LetterGroup(letter, "letter-other" if letter == OTHER_LETTER else f"letter-{letter}", tuple(groups[letter]))
        for letter in ordered
    )


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

