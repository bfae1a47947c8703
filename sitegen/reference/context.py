"""What the articles say around an entity: the evidence that picks among candidates.

For each entity: the content words of the sentences that mention it, and the names of
the entities mentioned alongside it (its strongest co-mentions). A Wikipedia page or a
Wikidata item that talks about those neighbours is far more likely to be the one the
articles mean.
"""
from __future__ import annotations

import heapq
import re
from collections import Counter, defaultdict
from typing import Callable, Iterator, Mapping, Sequence

from ..model import Entity, Mention, Site
from ..names import name_key

NEIGHBOURS = 40
SENTENCES = 60  # sentences per entity whose words are compared (the first, newest articles first)
WINDOW = 1  # sentences either side that count as "mentioned alongside"
_PUNCT = re.compile(r"[^\w'-]+", re.UNICODE)
_WORD = re.compile(r"[^\W\d_][\w'-]*[^\W_]", re.UNICODE)
# Words too common in news and in encyclopaedia leads to say anything about identity.
COMMON = frozenset("""
about above after again against also among another around because been before being
between both came come could does doing down during each even every first from further
have having here into just last like made make many more most much must near never
next only other over said same says should since some still such than that their them
then there these they this those through under until very want week well were what
when where which while will with within would year years your today told tell month
months time times people new news report reported according including against
""".split())


class EntityContext:
    """``words``: content words around the mentions (worked out when first asked for:
    most entities have no candidate to compare them with); ``neighbours``: ids of
    co-mentioned entities, strongest first; ``neighbour_names``: their names, as keys
    (given, or worked out by ``find_names`` when first asked for)."""

    __slots__ = ("_words", "_find_words", "neighbours", "_names", "_find_names")

    def __init__(self, words: frozenset[str] | None, neighbours: tuple[str, ...] = (),
                 neighbour_names: frozenset[str] | None = frozenset(),
                 find_words: Callable[[], frozenset[str]] | None = None,
                 find_names: Callable[[], frozenset[str]] | None = None):
        self._words = words
        self._find_words = find_words
        self.neighbours = neighbours
        self._names = neighbour_names
        self._find_names = find_names

    @property
    def words(self) -> frozenset[str]:
        if self._words is None:
            self._words = self._find_words() if self._find_words else frozenset()
        return self._words

    @property
    def neighbour_names(self) -> frozenset[str]:
        if self._names is None:
            self._names = self._find_names() if self._find_names else frozenset()
        return self._names


def article_nearby(article_id: str, mentions: Sequence[Mention]) -> dict[str, Counter]:
    """In one article, how often each entity is mentioned within a sentence of each other."""
    groups = sentence_groups(mentions)
    counts: dict[str, Counter] = defaultdict(Counter)
    for i, here in enumerate(groups):
        around = set().union(*groups[max(0, i - WINDOW): i + WINDOW + 1])
        for a in here:
            counts[a].update(around)  # counted in C; the entity itself is dropped below
    for a, counter in counts.items():
        counter.pop(a, None)
    return dict(counts)


def sentence_groups(mentions: Sequence[Mention]) -> list[set[str]]:
    """The ids of the entities each sentence of an article mentions, in text order."""
    sentences: dict[int, set[str]] = defaultdict(set)
    for m in mentions:
        sentences[m.sentence_start].add(m.entity_id)
    return [sentences[start] for start in sorted(sentences)]


def nearby_of(groups: Sequence[set[str]], entity_id: str) -> Counter:
    """One entity's counts in ``article_nearby`` (from the article's ``sentence_groups``),
    without counting every other entity's: a much-named entity's context reads thousands
    of articles."""
    counts: Counter = Counter()
    for i, here in enumerate(groups):
        if entity_id in here:
            counts.update(set().union(*groups[max(0, i - WINDOW): i + WINDOW + 1]))
    counts.pop(entity_id, None)
    return counts


def words_of(text: str) -> set[str]:
    return {w for w in (m.group(0).casefold() for m in _WORD.finditer(text)) if len(w) > 3 and w not in COMMON}


class NeighbourNames:
    """The name keys of the site's entities, worked out once per entity asked about."""

    def __init__(self, by_id: Mapping[str, Entity]):
        self.by_id = by_id
        self._keys: dict[str, set[str]] = {}

    def of(self, entity_id: str) -> set[str]:
        keys = self._keys.get(entity_id)
        if keys is None:
            o = self.by_id[entity_id]
            keys = self._keys[entity_id] = {k for k in (plain_key(f) for f in (o.name, *o.aliases)) if len(k) >= 4}
        return keys

    def joined(self, entity_ids: Sequence[str]) -> frozenset[str]:
        """The name keys of all of ``entity_ids``."""
        joined: set[str] = set()
        for entity_id in entity_ids:
            joined |= self.of(entity_id)
        return frozenset(joined)


def entity_context(entity: Entity, related: Sequence[tuple[str, int]], nearby: Mapping[str, Mapping[str, Counter]],
                   names: NeighbourNames, sentence_words: dict[str, set[str]] | None = None) -> EntityContext:
    """One entity's context: its neighbours from the counts of its own articles (``nearby``,
    by article id) and its co-mentions, their names, and the words of its sentences."""
    return context_of_counts(entity, nearby_counts(entity, nearby), related, names, sentence_words)


def nearby_counts(entity: Entity, nearby: Mapping[str, Mapping[str, Counter]]) -> Counter:
    """How often each other entity is near ``entity``, over all its articles (``nearby``:
    ``article_nearby`` by article id)."""
    near: Counter = Counter()
    for article_id in entity.articles:
        near.update(nearby.get(article_id, {}).get(entity.id, {}))
    return near


def context_of_counts(entity: Entity, counts: Counter, related: Sequence[tuple[str, int]], names: NeighbourNames,
                      sentence_words: dict[str, set[str]] | None = None) -> EntityContext:
    """``entity_context`` from the entity's ``nearby_counts`` (left as they are)."""
    near = counts.copy()
    for other, shared in related:
        near[other] += shared  # entities sharing many articles count even when far apart
    ranked = heapq.nsmallest(NEIGHBOURS + 1, near.items(), key=lambda kv: (-kv[1], kv[0]))
    neighbours = tuple(other for other, _ in ranked if other in names.by_id and other != entity.id)[:NEIGHBOURS]
    return EntityContext(None, neighbours, names.joined(neighbours), _words_finder(entity, sentence_words))


def kept_context(entity: Entity, neighbours: tuple[str, ...], names: NeighbourNames,
                 sentence_words: dict[str, set[str]] | None = None) -> EntityContext:
    """The context of an entity whose neighbours are known (kept from an earlier build):
    its words and its neighbours' names worked out only when asked for."""
    return EntityContext(None, neighbours, None, _words_finder(entity, sentence_words),
                         lambda: names.joined(neighbours))


def _words_finder(entity: Entity, sentence_words: dict[str, set[str]] | None) -> Callable[[], frozenset[str]]:
    """The content words of the entity's first sentences (not its own names), when asked for."""
    cache = {} if sentence_words is None else sentence_words  # many entities share a sentence

    def find() -> frozenset[str]:
        own = set()
        for form in (entity.name, *entity.aliases):
            own |= words_of(form)
        words: set[str] = set()
        seen = set()
        for m in entity.mentions:
            key = (m.article_id, m.sentence_start)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > SENTENCES:
                break
            # Keyed by the text itself: an edit keeps a sentence's start, not its words.
            if m.sentence not in cache:
                cache[m.sentence] = words_of(m.sentence)
            words |= cache[m.sentence]
        return frozenset(words - own)
    return find


def contexts(site: Site, nearby: Callable[[str, Sequence[Mention]], Mapping[str, Counter]] = article_nearby,
             context_of: Callable[..., EntityContext] = entity_context) -> dict[str, EntityContext]:
    """Every entity's context: ``nearby`` per article, then ``context_of`` per entity."""
    counts = {article_id: nearby(article_id, mentions) for article_id, mentions in site.mentions_by_article.items()}
    names = NeighbourNames({e.id: e for e in site.entities})
    sentence_words: dict[str, set[str]] = {}
    return {e.id: context_of(e, site.related.get(e.id, ()), counts, names, sentence_words) for e in site.entities}


class LazyContexts(Mapping):
    """The contexts ``make()`` returns, worked out when first asked for: only entities with
    candidate pages need one, and a build whose lookups are all backing off (no network)
    has none, while working them out takes most of a second on a large site."""

    def __init__(self, make: Callable[[], dict[str, EntityContext]]):
        self._make, self._made = make, None

    def _all(self) -> dict[str, EntityContext]:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __getitem__(self, entity_id: str) -> EntityContext:
        return self._all()[entity_id]

    def get(self, entity_id: str, default: EntityContext | None = None) -> EntityContext | None:
        return self._all().get(entity_id, default)  # asked once per entity: the dict's own

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def names_in(text: str, names: frozenset[str]) -> list[str]:
    """Which of the neighbour names a text mentions, as whole words."""
    if not text or not names:
        return []
    folded = f" {plain_key(text)} "
    return sorted(n for n in names if f" {n} " in folded)


def plain_key(text: str) -> str:
    """A name key with punctuation turned to spaces, for whole-word comparison."""
    return " ".join(_PUNCT.sub(" ", name_key(text)).split())
