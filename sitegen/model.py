"""The value types that flow between the build stages.

Every stage takes these immutable values and returns new ones, so each stage can be
tested alone and cached by the hash of its input.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import sys
import dataclasses
from dataclasses import dataclass, field
from functools import lru_cache
from operator import attrgetter
from pathlib import Path
from typing import Collection, Literal, Mapping, Sequence

EntityType = Literal["person", "place", "organisation"]
ENTITY_TYPES: tuple[EntityType, ...] = ("person", "place", "organisation")

# URL folder for each entity type; also the first part of an entity id.
TYPE_FOLDERS: Mapping[str, str] = {"person": "people", "place": "places", "organisation": "organisations"}
TYPE_PLURALS: Mapping[str, str] = {"person": "People", "place": "Places", "organisation": "Organisations"}


def compared_as_values(cls: type) -> type:
    """Give a dataclass an ``__eq__`` that finds the very same value equal at once, field
    by field otherwise (as the generated one does, which first builds a tuple of every
    field on both sides). A preview compares a site's articles, entities and mentions with
    the last build's after every save, and nearly all are the very values it kept."""
    fields = attrgetter(*(f.name for f in dataclasses.fields(cls) if f.compare))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is not self.__class__:
            return NotImplemented
        return fields(self) == fields(other)

    cls.__eq__ = __eq__  # the hash the dataclass made from the fields stays
    return cls


@compared_as_values
@dataclass(frozen=True)
class Article:
    """One article: its front matter, Markdown body and the plain text NER reads.

    ``text`` is the body rendered to plain text (see ``sitegen.content.markup``), followed by the
    photo caption if the article has one; every mention offset counts Unicode code points
    in it.
    """

    id: str  # path under content/articles without extension, "/"-separated
    path: Path
    title: str
    date: _dt.date
    body: str  # Markdown source of the body
    text: str  # plain text of the body
    source: str | None = None
    url: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    caption: str | None = None
    # Where the caption's plain text starts in ``text`` (it follows the body), if any.
    caption_start: int | None = None
    # what is odd in the file but did not stop it being read (a mistyped key)
    warnings: tuple[ArticleError, ...] = field(default=(), compare=False, repr=False)

    def __reduce__(self):
        # Its path pickled as a string and made back through ``shared_path``: unpickling a
        # Path parses it again (20 us), a quarter of a second for every 10,000 articles
        # `sitegen build` reads back from its memo file, while listing the articles
        # folder has made that very Path already.
        state = dict(self.__dict__)
        return (_article, (str(state.pop("path")), state))


def _article(path: str, state: dict) -> Article:
    article = Article.__new__(Article)
    article.__dict__.update(state)
    object.__setattr__(article, "path", shared_path(path))
    return article


@lru_cache(maxsize=1 << 16)  # a large archive's files, listed again by every build and every save of a preview
def shared_path(path: str) -> Path:
    """``Path(path)``, one object for each path in a process."""
    return Path(path)


@dataclass(frozen=True, slots=True)
class RawMention:
    """A named-entity span as cleaned up from the NER model, before resolution.

    Slotted: a large archive's clusters hold millions (see ``build.cluster_stage``); a
    cluster keeps its own digest, so these need no room for one (see ``digest``).
    """

    start: int
    end: int
    text: str
    label: str  # person | place | organisation, as the model proposed it
    sentence_start: int
    sentence_end: int
    # why the span differs from what the model proposed, e.g. "stripped title"
    note: str = ""

    def __reduce__(self):
        # Pickled as a call of the constructor: the state protocol dataclasses give slotted
        # classes walks the fields in Python, and reading back a 10,000-article archive's
        # clusters unpickles some 400,000 of these (0.8 s instead of 1.8 s per 400,000).
        return (RawMention, (self.start, self.end, self.text, self.label, self.sentence_start, self.sentence_end,
                             self.note))


@compared_as_values
@dataclass(frozen=True)
class Mention:
    """A mention attributed to an entity: where it is and what sentence holds it."""

    article_id: str
    start: int
    end: int
    text: str
    sentence: str
    sentence_start: int
    entity_id: str

    def __post_init__(self) -> None:
        # The mentions of one sentence share its text: a sentence names two or three
        # entities on average, and a site holds every mention with its sentence.
        object.__setattr__(self, "sentence", sys.intern(self.sentence))

    def __digest__(self) -> str:
        """A digest of this mention's fields (see ``sitegen.incremental.digest``), made once.

        A site's mentions are its most numerous values, digested with every entity that
        holds them: one hash of their fields' repr (plain strings and numbers, so it says
        them unambiguously) costs a fraction of a walk field by field.
        """
        own = self.__dict__.get("_digest")  # the name a sequence of them is digested by (see Digestible)
        if own is None:
            fields = (self.article_id, self.start, self.end, self.text, self.sentence, self.sentence_start,
                      self.entity_id)
            own = hashlib.sha256(repr(fields).encode("utf-8", "surrogatepass")).hexdigest()
            object.__setattr__(self, "_digest", own)
        return own

    def __getstate__(self) -> dict:
        # Pickled without its digest: a large site keeps hundreds of thousands of mentions
        # in the memo file, twice (its entities' and its articles' lists), and 70 bytes of
        # digest each made reading them back a third slower than making the digest again
        # for the few an edit reads.
        state = dict(self.__dict__)
        state.pop("_digest", None)
        return state

    @property
    def anchor(self) -> str:
        """The id of this mention's link inside the article page.

        Made of its sentence, its place in that sentence and its own text, not of its
        offset in the article: an edit elsewhere in the article leaves it as it was, and
        so every link to it (from its dossier and mention pages, saved by readers). With
        offsets, a word mended in an article's first paragraph moved every later mention:
        most of the dossiers such an edit rewrote changed only in these ids. A sentence
        repeated word for word in one article gives its twin the same anchor; a page that
        shows both numbers the second (see ``site.pages``).
        """
        key = f"{self.start - self.sentence_start}\0{self.text}\0{self.sentence}"
        return "m" + hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=5).hexdigest()


def named_entities(mentions: Sequence[Mention]) -> Collection[str]:
    """The ids of the entities ``mentions`` name, each once. A sequence that knows them
    (``entity_ids``: mentions kept unread, see ``incremental.packed_mentions``) says so
    without being read."""
    known = getattr(mentions, "entity_ids", None)
    return known if known is not None else {m.entity_id for m in mentions}


@dataclass(frozen=True)
class Fact:
    """One key fact from Wikidata, ready to show: "Born" -> "14 June 1946"."""

    label: str
    value: str
    # an entity of Wikidata the value names, e.g. the Q-id of a country, if any
    wikidata_id: str | None = None


@dataclass(frozen=True)
class Reference:
    """Public reference data linked to an entity (filled by the reference stage).

    ``confidence`` (0..1) and ``reason`` say why this page was chosen; ``fetched`` is
    the ISO date the records were fetched, ``revision_id`` the Wikipedia revision the
    summary comes from (shown with the CC BY-SA credit).
    """

    wikipedia_title: str
    wikipedia_url: str
    wikidata_id: str | None = None
    summary: str | None = None
    revision_id: int | None = None
    description: str | None = None  # Wikidata's short description
    confidence: float = 1.0
    reason: str = ""
    fetched: str | None = None
    facts: tuple[Fact, ...] = ()
    coordinates: tuple[float, float] | None = None  # (latitude, longitude)
    image: str | None = None  # a Wikimedia Commons file name, e.g. "Flag of Syria.svg"


@dataclass(frozen=True)
class PlaceRecord:
    """What the offline GeoNames lists say about a place (no network needed)."""

    name: str
    facts: tuple[Fact, ...] = ()
    coordinates: tuple[float, float] | None = None
    geonames_id: int | None = None


@compared_as_values
@dataclass(frozen=True)
class Entity:
    """One real-world person, place or organisation: one dossier page."""

    id: str  # "<type folder>/<slug>", e.g. "people/donald-trump"; also its URL path
    name: str
    type: EntityType
    aliases: tuple[str, ...]
    mentions: tuple[Mention, ...]
    articles: tuple[str, ...]  # article ids, newest first
    # the reasons other names were folded into this entity, for editors to review
    merge_reasons: tuple[str, ...] = ()
    note_html: str | None = None  # the editor's note, rendered
    note_path: Path | None = None
    pinned_wikipedia: str | None = None
    reference: Reference | None = None
    place: PlaceRecord | None = None  # offline gazetteer facts, for places

    @property
    def coordinates(self) -> tuple[float, float] | None:
        """Where a place is: Wikidata's coordinates, else GeoNames'."""
        if self.reference and self.reference.coordinates:
            return self.reference.coordinates
        return self.place.coordinates if self.place else None

    @property
    def slug(self) -> str:
        return self.id.split("/", 1)[1]

    @property
    def url(self) -> str:
        return self.id + "/"


@dataclass(frozen=True)
class ArticleError:
    """An input file that could not be used, and why."""

    path: Path
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}" + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True)
class Site:
    """Everything the renderer needs, resolved and cross-linked."""

    articles: tuple[Article, ...]  # newest first
    entities: tuple[Entity, ...]  # sorted by name
    # article id -> its mentions in text order
    mentions_by_article: Mapping[str, Sequence[Mention]] = field(default_factory=dict)
    # entity id -> ((other entity id, shared article count), ...), strongest first
    related: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    # entity id -> other entity id -> articles both are named in, for every pair (see comentions)
    shared: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # names without the evidence a page needs (see publication): highlighted in their
    # articles (their mentions are in mentions_by_article) but with no page of their own
    without_page: tuple[Entity, ...] = ()
    # entity id -> why it has, or has not, a page
    page_reasons: Mapping[str, str] = field(default_factory=dict)

    def entity(self, entity_id: str) -> Entity:
        return self._by_id()[entity_id]

    def _by_id(self) -> Mapping[str, Entity]:
        cached = self.__dict__.get("_entity_index")
        if cached is None:
            cached = {e.id: e for e in self.entities}
            object.__setattr__(self, "_entity_index", cached)
        return cached
