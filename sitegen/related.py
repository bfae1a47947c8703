"""Which entities are named in the same articles, and in how many: "often mentioned with".

``RelatedIndex`` keeps the counts between calls. Each call lists again the entities of the
articles that entities new or changed since the last call are named in, recounts only the
articles whose list changed, then picks the strongest again only for the entities whose
counts, or whose candidates' names (the tie-break), changed. A fresh index counts
everything: the same code either way.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from typing import Mapping, Sequence

from .model import Entity
from .names import name_key

MAX_RELATED = 20
# Entities counted per article: a directory-like article would make the pairs quadratic.
MAX_PER_ARTICLE = 400


class EntitiesByArticle:
    """Which entities name each article, kept up to date from one call to the next by
    looking only at the entities that are not the very same objects as last time (a
    long-running caller's unchanged entities are; a rename is a new object too)."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}  # entity id -> the entity as of the last update
        self.ids: dict[str, set[str]] = defaultdict(set)  # article id -> ids of the entities naming it

    def update(self, entities: Sequence[Entity]) -> list[tuple[Entity | None, Entity | None]]:
        """Take in this call's entities; (before, after) for each that changed, None where
        it did not exist. Articles no entity names any more are dropped from ``ids``."""
        now = {e.id: e for e in entities}
        last = self.entities
        changes = [(last.get(i), e) for i, e in now.items() if last.get(i) is not e]
        changes += [(e, None) for i, e in last.items() if i not in now]
        for before, after in changes:
            entity_id = (before or after).id
            for article_id in before.articles if before else ():
                self.ids[article_id].discard(entity_id)
            for article_id in after.articles if after else ():
                self.ids[article_id].add(entity_id)
            for article_id in before.articles if before else ():
                if not self.ids.get(article_id, True):
                    del self.ids[article_id]
        self.entities = now
        return changes


class RelatedIndex:
    def __init__(self) -> None:
        self._members: dict[str, tuple[str, ...]] = {}  # article id -> entity ids counted for it
        self._counts: dict[str, Counter] = defaultdict(Counter)  # entity id -> other id -> articles shared
        self._keys: dict[str, str] = {}  # entity id -> name key
        self._best: dict[str, tuple[tuple[str, int], ...]] = {}
        self.recounted: frozenset[str] | None = None  # entities whose counts the last update changed
        self.updates = 0
        self._named_in = EntitiesByArticle()  # all of them, before MAX_PER_ARTICLE

    def update(self, entities: Sequence[Entity]) -> dict[str, tuple[tuple[str, int], ...]]:
        """For every entity, the most related others with the articles shared, strongest first
        (ties by name key, then id)."""
        keys = {e.id: name_key(e.name) for e in entities}
        ranked = sorted(entities, key=lambda e: (keys[e.id], e.id))
        # Only the articles of changed entities can have another list of entities.
        touched = {article_id for change in self._named_in.update(entities)
                   for entity in change if entity for article_id in entity.articles}
        members = dict(self._members)
        for article_id in touched:
            ids = self._named_in.ids.get(article_id)
            if ids:
                members[article_id] = tuple(sorted(ids, key=lambda i: (keys[i], i))[:MAX_PER_ARTICLE])
            else:
                members.pop(article_id, None)
        dirty: set[str] = set()
        for article_id in touched:
            old, new = self._members.get(article_id, ()), members.get(article_id, ())
            if old != new:
                self._uncount(old)
                self._count(new)
                dirty.update(old, new)
        self.recounted = frozenset(dirty)
        self.updates += 1
        named = {i for i, key in keys.items() if self._keys.get(i) != key}  # new or renamed
        for i in named:  # its place in the tie-break of every entity it is counted with
            dirty.update(self._counts.get(i, ()))
        dirty |= named
        self._members, self._keys = members, keys
        rank = {e.id: i for i, e in enumerate(ranked)}
        n = len(ranked)
        best = {}
        for entity in entities:
            if entity.id in dirty or entity.id not in self._best:
                counts = self._counts.get(entity.id)
                # Most shared articles first, then by rank: one integer per pair sorts the same way.
                top = heapq.nsmallest(MAX_RELATED, [rank[o] - shared * n for o, shared in counts.items()]) \
                    if counts else []
                found = tuple((ranked[v % n].id, -(v // n)) for v in top)
                # The same object when nothing moved: pages compare neighbours' lists by identity.
                same = self._best.get(entity.id)
                best[entity.id] = same if same == found else found
            else:
                best[entity.id] = self._best[entity.id]
        self._best = best
        return dict(best)

    def pair_counts(self) -> Mapping[str, Counter]:
        """Entity id -> other id -> articles both are counted in (as of the last update).
        The counters are live: copy what must outlast the next update."""
        return self._counts

    def _count(self, ids: tuple[str, ...]) -> None:
        for a in ids:
            counts = self._counts[a]
            counts.update(ids)  # counted in C; the entity itself is taken out again
            del counts[a]

    def _uncount(self, ids: tuple[str, ...]) -> None:
        for a in ids:
            counts = self._counts[a]
            for b in ids:
                if b != a:
                    left = counts[b] - 1
                    if left:
                        counts[b] = left
                    else:
                        del counts[b]
            if not counts:
                del self._counts[a]
