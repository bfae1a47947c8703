"""The site as page builders may read it: every read is noted as one named input.

A page's view is built from a ``SiteView`` only, never from the ``Site`` itself. Each
accessor notes what it read as a ``Read`` (kind, key), e.g. ``("link", "people/angela-merkel")``
or ``("setting", "title")``, then returns ``SiteData.value(kind, key)``: the very function
that anyone checking later whether the input changed calls too. So what a page shows and
what it is recorded to depend on cannot drift apart.

Each kind of input is worked out from one kind of raw source value (``RAW_OF``): an entity,
an article, an article's mentions, an entity's related list, a setting or a template. A
kind is read either by one key of its source (the same id) or over all of it (a list of
every entity of a type); the ``lines`` of a network picture read the related lists of the
entities named in their key.
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import heapq
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Mapping

from . import paging, structured
from .. import urls
from ..config import SiteConfig
from ..errors import SitegenError
from ..model import ENTITY_TYPES, Article, Entity, Mention, Site
from .pictures.network import line_widths, shared_counts

Read = tuple[str, str]  # (kind, key) of one input a page read

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
OTHER_LETTER = "#"
_MISSING = object()

# kind -> (the raw source it is worked out from, how its key reads that source):
# "one": the source's value under the same key; "all": every value of the source;
# "ids": the values under the ids listed in the key (see ``ids_key``; a mention page's
# key names its entity and its number the same way).
RAW_OF: Mapping[str, tuple[str, str]] = {
    "setting": ("setting", "one"),
    "template": ("template", "one"),
    "entity": ("entity", "one"),
    "link": ("entity", "one"),
    "card": ("entity", "one"),
    "article": ("article", "one"),
    "article_link": ("article", "one"),
    "mentions": ("mentions", "one"),
    "related": ("related", "one"),
    "lines": ("related", "ids"),
    "mention_page": ("entity", "ids"),
    "top": ("entity", "all"),
    "rows": ("entity", "all"),
    "letters": ("entity", "all"),
    "initials": ("entity", "all"),
    "letter": ("entity", "all"),
    "latest": ("article", "all"),
    "months": ("article", "all"),
    "month": ("article", "all"),
}


# --- values pages show ----------------------------------------------------------------


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
class EntityCard:
    """What an article page shows of an entity it names: its link, hover preview and
    the ``sameAs`` links of its structured data. ``page`` is False for a name without one."""

    id: str
    name: str
    type: str
    description: str | None
    same_as: tuple[str, ...]
    page: bool = True

    @property
    def link(self) -> EntityLink:
        return EntityLink(self.id, self.name, self.type)


@dataclass(frozen=True)
class ArticleLink:
    """An article as a list shows it: what its front matter says, not its text.

    Lists and dossiers hold this rather than the ``Article``, so that an edit to an
    article's text changes only the pages that show that text.
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
        return _article_link(a.id, a.title, a.date, a.source, a.url, a.author, a.tags, a.summary)

    def newest_first(self) -> tuple:
        """Sort key: the site's article order (newest first, ties by title, then id).

        Made once: a large dossier sorts thousands of its articles by it, and the same
        link is shared by every dossier and every save of a preview (see ``of``)."""
        own = self.__dict__.get("_order")
        if own is None:
            own = (-self.date.toordinal(), self.title.casefold(), self.title, self.id)
            object.__setattr__(self, "_order", own)
        return own

    def __digest__(self) -> str:
        """A digest of its fields, made once (see ``sitegen.incremental.digest``).

        Every article's link is digested whenever any article changes (the month lists
        hold them all): one hash of the fields' repr (strings, a date, a tuple of strings:
        said unambiguously) costs a fraction of a walk field by field (0.09 s at 10,000).
        """
        own = self.__dict__.get("_digest")
        if own is None:
            fields = (self.id, self.title, self.date, self.source, self.url, self.author, self.tags, self.summary)
            own = hashlib.sha256(repr(fields).encode("utf-8", "surrogatepass")).hexdigest()
            object.__setattr__(self, "_digest", own)
        return own


@dataclass(frozen=True)
class Counted:
    """An entity with a count: its mentions, articles shared with another, or mentions in one article."""

    entity: EntityLink
    count: int


# Made again at every build for every article (the lists of months, each dossier's
# articles) and every entity (the A-Z lists): one value per set of fields, made once. A
# preview's save then builds its lists from the values it built the last ones from, and
# finds them equal at once (``==`` on the very same value), where making each again and
# comparing it field by field cost a few milliseconds a save at 1,000 articles.
@lru_cache(maxsize=1 << 17, typed=True)
def _article_link(*fields) -> ArticleLink:
    return ArticleLink(*fields)


@lru_cache(maxsize=1 << 17, typed=True)
def _entity_row(*fields) -> "EntityRow":
    return EntityRow(*fields)


@dataclass(frozen=True)
class EntityRow:
    """An entity in the A-Z index: its link and its counts over the whole site."""

    id: str
    name: str
    type: str
    mention_count: int
    article_count: int


@dataclass(frozen=True)
class LetterGroup:
    letter: str
    anchor: str  # element id of the group, e.g. "letter-A"
    entities: tuple[EntityRow, ...]


@dataclass(frozen=True)
class MentionPage:
    """One numbered page of a dossier's mentions (see ``paging``): its mentions, oldest
    first, and its page navigation."""

    mentions: tuple[Mention, ...]
    nav: paging.PageNav


@dataclass(frozen=True)
class MonthGroup:
    label: str  # "November 2025"
    anchor: str  # "2025-11"
    articles: tuple[ArticleLink, ...]


# --- the site's lookups, and each input's value -----------------------------------------


class SiteData:
    """Lookups built once per build; ``value(kind, key)`` is every input's value."""

    def __init__(self, site: Site, config: SiteConfig, templates: Mapping[str, str]) -> None:
        self.config = config
        self.types = tuple(t for t in ENTITY_TYPES if t in config.entity_types)
        for article in site.articles:
            urls.check_article_id(article.id)
        _refuse_duplicates("article", [a.id for a in site.articles])
        self.articles = _newest_first(site.articles)
        published = [e for e in site.entities if e.type in self.types]
        self.entities = tuple(sorted(published, key=lambda e: entity_order(e.id, e.name)))
        for entity in self.entities:
            urls.check_entity_id(entity.id, entity.type)
        _refuse_duplicates("entity", [e.id for e in self.entities])
        unpaged = {e.id: (e, False) for e in site.without_page if e.type in self.types}
        self.raw: dict[str, Mapping[str, Any]] = {
            "setting": {f.name: getattr(config, f.name) for f in dataclasses.fields(config)},
            "template": templates,
            "entity": {**unpaged, **{e.id: (e, True) for e in self.entities}},
            "article": {a.id: a for a in self.articles},
            "mentions": site.mentions_by_article,
            "related": site.related,
        }
        self._oldest_first: dict[str, list[Mention]] = {}
        self._layouts: dict[str, paging.Layout] = {}  # see layout
        self._shared: Callable[[str, str], int] | None = None  # see _lines
        self._worked_out: dict[Read, Any] = {}  # pages read the same inputs: each is worked out once
        self._values: dict[str, Callable[[str], Any]] = {
            "setting": self.raw["setting"].__getitem__,
            "template": self._template,
            "entity": self._entity,
            "link": self._link,
            "card": self._card,
            "article": self.raw["article"].get,
            "article_link": self._article_link,
            "mentions": lambda key: self.raw["mentions"].get(key, ()),
            "related": lambda key: self.raw["related"].get(key, ()),
            "lines": self._lines,
            "mention_page": self._mention_page,
            "top": self._top,
            "rows": self._rows,
            "letters": self._letters,
            "initials": lambda entity_type: tuple(g.letter for g in self.value("rows", entity_type)),
            "letter": self._letter,
            "latest": self._latest,
            "months": self._months,
            "month": self._month,
        }

    def value(self, kind: str, key: str) -> Any:
        read = (kind, key)
        found = self._worked_out.get(read, _MISSING)
        if found is _MISSING:
            found = self._worked_out[read] = self._values[kind](key)
        return found

    def _template(self, name: str) -> str | None:
        return self.raw["template"].get(name)

    def _entity(self, key: str) -> Entity | None:
        found = self.raw["entity"].get(key)
        return found[0] if found is not None and found[1] else None

    def _link(self, key: str) -> EntityLink | None:
        entity = self._entity(key)
        return EntityLink(entity.id, entity.name, entity.type) if entity is not None else None

    def _card(self, key: str) -> EntityCard | None:
        found = self.raw["entity"].get(key)
        if found is None:
            return None
        entity, page = found
        if not page:
            return EntityCard(entity.id, entity.name, entity.type, None, (), page=False)
        return EntityCard(entity.id, entity.name, entity.type, structured.short_description(entity),
                          tuple(structured.same_as(entity.reference)))

    def _article_link(self, key: str) -> ArticleLink | None:
        article = self.raw["article"].get(key)
        return ArticleLink.of(article) if article is not None else None

    def _lines(self, key: str) -> bytes:
        """The widths of the lines a network picture draws between these neighbours."""
        ids, _ = parse_ids_key(key)
        if self._shared is None:  # one for every picture of the build
            self._shared = shared_counts(self.raw["related"])
        return line_widths(ids, self._shared)

    def layout(self, entity_id: str) -> paging.Layout:
        """Where the numbered pages of a dossier with a page start (see ``paging``)."""
        found = self._layouts.get(entity_id)
        if found is None:
            entity = self._entity(entity_id)
            found = self._layouts[entity_id] = paging.layout(entity.mentions if entity is not None else ())
        return found

    def _mention_page(self, key: str) -> MentionPage | None:
        ids, number = parse_ids_key(key)
        entity = self._entity(ids[0]) if len(ids) == 1 else None
        if entity is None:
            return None
        pages = self.layout(entity.id)
        if number not in pages.numbers():
            return None
        ordered = self._oldest_first.get(entity.id)
        if ordered is None:  # the pages of one dossier share one ordering
            ordered = self._oldest_first[entity.id] = paging.oldest_first(entity.mentions)
        start, end = pages.bounds(number)
        return MentionPage(tuple(ordered[start:end]), paging.page_nav(number, pages.count))

    def _letters(self, entity_type: str) -> tuple[tuple[str, str, int], ...]:
        """(letter, anchor, entities) of each initial of a type's names, in index order."""
        return tuple((g.letter, g.anchor, len(g.entities)) for g in self.value("rows", entity_type))

    def _letter(self, key: str) -> LetterGroup | None:
        """The names of a type (key "type@letter") that start with one letter."""
        entity_type, letter = key.split("@", 1)
        return next((g for g in self.value("rows", entity_type) if g.letter == letter), None)

    def _top(self, key: str) -> tuple[tuple[Counted, ...], int]:
        """The most-mentioned entities of a type (key "type@limit"), and how many it has."""
        entity_type, limit = key.split("@")
        of_type = [e for e in self.entities if e.type == entity_type]
        most = heapq.nsmallest(int(limit), of_type, key=lambda e: (-len(e.mentions), entity_order(e.id, e.name)))
        return tuple(Counted(EntityLink(e.id, e.name, e.type), len(e.mentions)) for e in most), len(of_type)

    def _rows(self, entity_type: str) -> tuple[LetterGroup, ...]:
        return _letter_groups(e for e in self.entities if e.type == entity_type)

    def _latest(self, limit: str) -> tuple[tuple[ArticleLink, ...], int]:
        return tuple(ArticleLink.of(a) for a in self.articles[:int(limit)]), len(self.articles)

    def _month(self, key: str) -> MonthGroup | None:
        """The articles of one month (key "2025-11")."""
        return next((m for m in self.value("months", "") if m.anchor == key), None)

    def _months(self, _key: str) -> tuple[MonthGroup, ...]:
        by_month: dict[tuple[int, int], list[ArticleLink]] = {}
        for article in self.articles:  # newest first, so months come out newest first
            by_month.setdefault((article.date.year, article.date.month), []).append(ArticleLink.of(article))
        return tuple(MonthGroup(f"{MONTHS[month - 1]} {year}", f"{year:04d}-{month:02d}", tuple(links))
                     for (year, month), links in by_month.items())


class SiteView:
    """What a page builder may read of the site; ``note`` hears of every read."""

    def __init__(self, data: SiteData, note: Callable[[Read], None]) -> None:
        self._data = data
        self._note = note

    def _read(self, kind: str, key: str) -> Any:
        self._note((kind, key))
        return self._data.value(kind, key)

    def setting(self, name: str) -> Any:
        return self._read("setting", name)

    def template(self, name: str) -> str | None:
        """The digest of a template and of every template it uses."""
        return self._read("template", name)

    def entity(self, entity_id: str) -> Entity | None:
        return self._read("entity", entity_id)

    def link(self, entity_id: str) -> EntityLink | None:
        """How pages link to an entity; None if it has no page."""
        return self._read("link", entity_id)

    def card(self, entity_id: str) -> EntityCard | None:
        return self._read("card", entity_id)

    def article(self, article_id: str) -> Article | None:
        return self._read("article", article_id)

    def article_link(self, article_id: str) -> ArticleLink | None:
        return self._read("article_link", article_id)

    def mentions(self, article_id: str) -> tuple:
        """An article's mentions in text order."""
        return self._read("mentions", article_id)

    def related(self, entity_id: str) -> tuple[tuple[str, int], ...]:
        """(other entity id, articles shared) pairs, strongest first."""
        return self._read("related", entity_id)

    def lines(self, ids: tuple[str, ...]) -> bytes:
        """The widths of the lines between each pair of ``ids`` (in pair order), in half
        pixels, 0 for none (see ``network.line_widths``)."""
        return self._read("lines", ids_key(ids))

    def top(self, entity_type: str, limit: int) -> tuple[tuple[Counted, ...], int]:
        return self._read("top", f"{entity_type}@{limit}")

    def rows(self, entity_type: str) -> tuple[LetterGroup, ...]:
        return self._read("rows", entity_type)

    def letters(self, entity_type: str) -> tuple[tuple[str, str, int], ...]:
        """(letter, anchor, how many names) of each initial a type's names start with."""
        return self._read("letters", entity_type)

    def initials(self, entity_type: str) -> tuple[str, ...]:
        """The initials a type's names start with: what a letter's page links to, without
        the counts that change with every name added."""
        return self._read("initials", entity_type)

    def letter(self, entity_type: str, letter: str) -> LetterGroup | None:
        return self._read("letter", f"{entity_type}@{letter}")

    def mention_page(self, entity_id: str, number: int) -> MentionPage | None:
        """Numbered page ``number`` of a dossier's mentions; None if it has no such page."""
        return self._read("mention_page", ids_key((entity_id,), number))

    def latest(self, limit: int) -> tuple[tuple[ArticleLink, ...], int]:
        return self._read("latest", str(limit))

    def months(self) -> tuple[MonthGroup, ...]:
        return self._read("months", "")

    def month(self, anchor: str) -> MonthGroup | None:
        """The articles of one month (``"2025-11"``)."""
        return self._read("month", anchor)

    def types(self) -> tuple[str, ...]:
        """The entity types the site publishes, in the site's order."""
        chosen = self.setting("entity_types")
        return tuple(t for t in ENTITY_TYPES if t in chosen)

    def canonical(self, path: str) -> str | None:
        """A page's public address, when ``base_url`` says where the site lives."""
        base_url = self.setting("base_url")
        return urls.absolute_url(base_url, path) if base_url else None


def ids_key(ids: Iterable[str], number: int = 0) -> str:
    """The key of a value worked out from the entities ``ids`` (and a number): an "ids" kind's."""
    return " ".join(ids) + f"@{number}"


def parse_ids_key(key: str) -> tuple[list[str], int]:
    ids, number = key.rsplit("@", 1)
    return (ids.split(" ") if ids else []), int(number)



# --- ordering and grouping ---------------------------------------------------------------


def _refuse_duplicates(kind: str, ids: list[str]) -> None:
    """Two pages at one path would silently overwrite each other."""
    repeated = sorted(i for i, n in Counter(ids).items() if n > 1)
    if repeated:
        raise SitegenError(f"more than one {kind} has the id {', '.join(map(repr, repeated))}")


def _newest_first(articles: Iterable[Article]) -> tuple[Article, ...]:
    by_title = sorted(articles, key=lambda a: (a.title.casefold(), a.title, a.id))
    return tuple(sorted(by_title, key=lambda a: a.date, reverse=True))  # stable: ties stay by title


def entity_order(entity_id: str, name: str) -> tuple:
    """Sort key of entities by name: accents, case and leading punctuation ignored."""
    return (_fold(name), name, entity_id)


_BASE_LETTERS = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
                               "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i"})
_LEADING_NON_ALNUM = re.compile(r"^[\W_]+")


@lru_cache(maxsize=1 << 16)  # every name is sorted and grouped after every save of a preview
def _fold(name: str) -> str:
    """A name for sorting: accents and case removed, leading quotes and punctuation dropped."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_BASE_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _LEADING_NON_ALNUM.sub("", plain.casefold())


def initial(name: str) -> str:
    """The A-Z group of a name: its first letter without accents, upper-case; "#" if not a letter."""
    folded = _fold(name)
    return folded[0].upper() if folded and folded[0].isalpha() else OTHER_LETTER


def _letter_groups(entities: Iterable[Entity]) -> tuple[LetterGroup, ...]:
    groups: dict[str, list[EntityRow]] = defaultdict(list)
    for e in entities:  # already in name order
        groups[initial(e.name)].append(_entity_row(e.id, e.name, e.type, len(e.mentions), len(e.articles)))
    ordered = sorted(groups, key=lambda letter: (letter != OTHER_LETTER, letter))
    return tuple(
        LetterGroup(letter, "letter-other" if letter == OTHER_LETTER else f"letter-{letter}", tuple(groups[letter]))
        for letter in ordered
    )
