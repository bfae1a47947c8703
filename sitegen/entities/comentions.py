"""Which entities are named in the same articles, and in how many: the one co-mention count.

Flows in: the site's entities (each lists the articles that name it). Flows out:
``CoMentions``: for every entity the others counted in an article with it and in how many
articles (``pairs``: the counts in ``data/entities/<id>.json``), and its strongest few
(``related``: "often mentioned with" on a dossier, the edges of ``data/graph.json``, and the
neighbours linking weighs).

``count`` counts from nothing. A preview brings the last build's counts up to date by the
articles whose entities changed instead (``sitegen.incremental.comentions``); both give
equal values, and both use the helpers here.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping, Sequence

from ..model import Entity, Site
from ..names import name_key

MAX_RELATED = 20
# Entities counted per article: a directory-like article would make the pairs quadratic.
MAX_PER_ARTICLE = 400


@dataclass(frozen=True)
class CoMentions:
    # article id -> the ids of the entities counted for it, in rank order (see ``ranked``)
    members: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # entity id -> other entity id -> articles both are counted in (no entry without a pair)
    pairs: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    # entity id -> its strongest others with the articles shared, strongest first (ties by rank)
    related: Mapping[str, tuple[tuple[str, int], ...]] = field(default_factory=dict)
    keys: Mapping[str, str] = field(default_factory=dict)  # entity id -> name key (the tie-break)
    # What the next count is brought up to date from: article id -> the ids of every entity
    # naming it, in rank order (``members`` keeps the first MAX_PER_ARTICLE), and entity id
    # -> the articles naming it (``Entity.articles``, the same tuples).
    named: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    articles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def count(entities: Sequence[Entity]) -> CoMentions:
    """The co-mentions of ``entities``, counted from nothing."""
    order, keys = ranked(entities)
    named = article_entities(order)
    members = {a: counted(ids) for a, ids in named.items()}
    pairs: dict[str, Counter] = defaultdict(Counter)
    for ids in members.values():
        add_article(pairs, ids)
    pairs = {a: counts for a, counts in pairs.items() if counts}
    rank = ranks(order)
    related = {e.id: strongest(pairs.get(e.id), rank, order) for e in entities}
    return CoMentions(members, pairs, related, keys, named, {e.id: e.articles for e in entities})


def with_co_mentions(site: Site, counting: Callable[[Sequence[Entity]], CoMentions] = count) -> Site:
    """``site`` with its entities' co-mentions. ``counting`` is how they are counted: from
    nothing, or (a preview) from the last build's counts (the values are equal)."""
    counted = counting(site.entities)
    return replace(site, related=counted.related, shared=counted.pairs)


# ---- the parts both ways of counting share --------------------------------------------

def ranked(entities: Sequence[Entity]) -> tuple[list[Entity], dict[str, str]]:
    """The entities by name key, then id (the order ties are broken in), and their keys."""
    keys = {e.id: name_key(e.name) for e in entities}
    return sorted(entities, key=lambda e: (keys[e.id], e.id)), keys


def ranks(order: Sequence[Entity]) -> dict[str, int]:
    return {e.id: i for i, e in enumerate(order)}


def article_entities(order: Sequence[Entity]) -> dict[str, tuple[str, ...]]:
    """Article id -> the ids of every entity naming it, in rank order."""
    named: dict[str, list[str]] = defaultdict(list)
    for entity in order:
        for article_id in entity.articles:
            named[article_id].append(entity.id)
    return {a: tuple(ids) for a, ids in named.items()}


def counted(named: tuple[str, ...]) -> tuple[str, ...]:
    """Of the entities naming an article (in rank order), those counted for it: the first ``MAX_PER_ARTICLE``."""
    return named if len(named) <= MAX_PER_ARTICLE else named[:MAX_PER_ARTICLE]


def add_article(pairs: Mapping[str, Counter], ids: tuple[str, ...]) -> None:
    """Count one article whose counted entities are ``ids``."""
    for a in ids:
        counts = pairs[a]
        counts.update(ids)  # counted in C; the entity itself is taken out again
        del counts[a]


def remove_article(pairs: dict[str, Counter], ids: tuple[str, ...]) -> None:
    """Take back the count of one article (``pairs`` must hold it)."""
    for a in ids:
        counts = pairs[a]
        for b in ids:
            if b != a:
                left = counts[b] - 1
                if left:
                    counts[b] = left
                else:
                    del counts[b]


def strongest(counts: Mapping[str, int] | None, rank: Mapping[str, int],
              order: Sequence[Entity]) -> tuple[tuple[str, int], ...]:
    """The ``MAX_RELATED`` others sharing most articles, ties by rank."""
    if not counts:
        return ()
    n = len(order)
    # Most shared articles first, then by rank: one integer per pair sorts the same way.
    top = heapq.nsmallest(MAX_RELATED, [rank[o] - shared * n for o, shared in counts.items()])
    return tuple((order[v % n].id, -(v // n)) for v in top)
