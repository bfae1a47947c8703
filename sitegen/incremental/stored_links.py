"""Linking for ``sitegen build``: the last build's links, and what made each, kept on disk.

A preview keeps each entity's context and decision in memory and compares them by value
(see ``incremental.reference``); a build on disk starts from its memo file alone, so it
keeps there, in one value, for each entity:

- its candidates, with the digest of the entity they were gathered for;
- its context's key, with a digest of what the context was made from (the entity, its
  co-mentions and the mention lists of its articles), its neighbours and a digest of
  their names: kept while all of those are unchanged, so that an edit works out the
  contexts of the entities it reached and of no other;
- its link in each round, under a digest of all deciding read (the entity, its
  candidates, its context's key, the neighbours linked in the round before, the threshold);

and every link at once, under a digest of all linking reads (the entities: the article
lists are cut from them and the co-mentions counted from them): an edit that changes no
entity (a title, a summary, a tag) links nothing again.

Candidates and links are made from the reference cache's records: they are kept only
while the cache is as the last linking left it (its revision), that linking saw no lookup
fail, and, online, every record it read is still fresh (reading them again would fetch
none). Contexts are made from the site alone and are kept whatever the cache does.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import repeat
from typing import Mapping, NamedTuple, Sequence

from ..model import Entity, Mention, Site
from ..reference.context import (EntityContext, LazyContexts, NeighbourNames, entity_context, kept_context,
                                 nearby_of, sentence_groups)
from ..reference.link import Candidate, Deciding, Link, decide_links, gather_candidates, link_entities
from .digest import digest, joined_digest, own_digest
from .memo import Entry, Memo


class _Context(NamedTuple):
    made_from: str  # a digest of the entity, its co-mentions and its articles' mention lists
    neighbours: tuple[str, ...]
    names: str  # a digest of the neighbours' names and aliases
    key: str  # the context's key (``context_key``)


@dataclass
class _Linking:
    """One build's linking, and what each part of it was made from."""

    settings: str = ""  # the threshold and the search cap
    revision: str | None = None  # the reference cache's, once linking was done
    # the entities whose candidates or link were made while some lookup failed, waited for
    # its back-off or was left for later: made again, as the lookup may be answered now
    untrusted: frozenset[str] = frozenset()
    # when the records linking read were fetched, each time once, in order (with those the
    # kept candidates and links were made from: a build that keeps them does not read them)
    fetched: tuple[float, ...] = ()
    links_key: str = ""  # a digest of all linking reads
    links: dict[str, Link] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()  # said while linking (a pinned title that leads nowhere)
    # with the digests of the entity they were gathered for and of themselves
    candidates: dict[str, tuple[str, tuple[Candidate, ...], str]] = field(default_factory=dict)
    contexts: dict[str, _Context] = field(default_factory=dict)
    decisions: dict[str, list[tuple[str, Link | None]]] = field(default_factory=dict)  # one per round that differed


STORED_LINKING = Entry[_Linking]("stored linking", persist=True)
STORED_LINKING_KEY = "the last build's linking"


def context_key(context: EntityContext) -> str:
    """A digest of all deciding reads of a context but its words (the entity's sentences,
    which the entity's own digest stands for)."""
    return joined_digest("\n".join(context.neighbours), "\n".join(sorted(context.neighbour_names)))


class StoredLinking:
    """The ``links`` and ``cache_left`` steps of ``ReferenceSteps`` for one build on disk
    (see the module)."""

    def __init__(self, memo: Memo):
        self.memo = memo
        self.last = memo.get(STORED_LINKING, STORED_LINKING_KEY) or _Linking()
        self.now: _Linking | None = None  # this build's, once it linked
        self.records_kept = False  # whether the last build's candidates and links may be kept
        self.kept_some = False  # candidates or links kept: their records were not read
        self.worked: set[str] = set()  # entities whose candidates or link this build made

    def links(self, site: Site, source, threshold: float, max_searches: int, warn, steps) -> Mapping[str, Link]:
        last = self.last
        settings = repr((threshold, max_searches))
        self.records_kept = (last.revision is not None and last.revision == source.cache_revision()
                             and last.settings == settings and not source.refresh
                             and (source.client is None or source.all_fresh(last.fetched)))
        links_key = joined_digest("links", settings, *map(own_digest, site.entities))
        if self.records_kept and last.links_key == links_key and not last.untrusted:
            for message in last.warnings:
                warn(message)
            source.handed_out_again(last.fetched)
            return dict(last.links)  # the memo keeps the value as it was: nothing to write
        self.now = now = _Linking(settings=settings, links_key=links_key)

        def saying(message: str) -> None:
            now.warnings += (message,)
            warn(message)

        now.links = link_entities(site.entities, source, LazyContexts(lambda: self._contexts(site)), threshold,
                                  max_searches, saying, self._gather, self._decide)
        # A lookup that failed was one of this build's: only the entities it worked on read it.
        now.untrusted = frozenset(self.worked) if source.troubled else frozenset()
        fetched = set(source.fetch_times())
        if self.kept_some:
            fetched.update(last.fetched)
            # what reading the kept results' records would have said (an older time, at worst)
            source.handed_out_again(last.fetched)
        now.fetched = tuple(sorted(fetched))
        return dict(now.links)

    def cache_left(self, revision: str | None) -> None:
        """The stage is done and left the cache at ``revision``: this build's linking is
        kept under it. (Records fetched after linking are ones linking did not read:
        whatever it read was fresh, or fetched, by then.)"""
        if self.now is not None:
            self.now.revision = revision
            self.memo.put(STORED_LINKING, STORED_LINKING_KEY, self.now)

    def _gather(self, entities: Sequence[Entity], source, max_searches: int) -> dict[str, tuple[Candidate, ...]]:
        # A cap on searches that can bind makes each entity's candidates depend on the others'.
        reusing = self.records_kept and max_searches >= len(entities)
        kept, now, untrusted = self.last.candidates, self.now.candidates, self.last.untrusted
        found: dict[str, tuple[Candidate, ...]] = {}
        todo: list[tuple[Entity, str]] = []
        for e in entities:
            entity_key = own_digest(e)
            was = kept.get(e.id) if reusing and e.id not in untrusted else None
            if was is not None and was[0] == entity_key:
                found[e.id] = was[1]
                now[e.id] = was
            else:
                todo.append((e, entity_key))
        if todo:
            made = gather_candidates([e for e, _ in todo], source, max_searches)
            for e, entity_key in todo:
                self.worked.add(e.id)
                found[e.id] = made[e.id]
                now[e.id] = (entity_key, made[e.id], digest(made[e.id]))
        self.kept_some |= len(todo) < len(entities)
        return found

    def _contexts(self, site: Site) -> dict[str, EntityContext]:
        by_id = {e.id: e for e in site.entities}
        names = NeighbourNames(by_id)
        names_of = _NameDigests(by_id)
        lists = _ArticleLists(site.mentions_by_article)
        # each list's digest, looked up in C: a much-named entity has thousands of articles
        list_keys = {article_id: own_digest(mentions) for article_id, mentions in site.mentions_by_article.items()}
        sentence_words: dict[str, set[str]] = {}
        kept, now = self.last.contexts, self.now.contexts
        contexts: dict[str, EntityContext] = {}
        for e in site.entities:
            related = site.related.get(e.id, ())
            made_from = joined_digest(own_digest(e), digest(related), *map(list_keys.get, e.articles, _NO_LIST))
            was = kept.get(e.id)
            if was is not None and was.made_from == made_from and was.names == names_of.joined(was.neighbours):
                context = kept_context(e, was.neighbours, names, sentence_words)
            else:
                context = entity_context(e, related, lists, names, sentence_words)
                was = _Context(made_from, context.neighbours, names_of.joined(context.neighbours),
                               context_key(context))
            now[e.id] = was
            contexts[e.id] = context
        return contexts

    def _decide(self, todo: Sequence[Deciding], source) -> dict[str, Link | None]:
        kept = self.last.decisions if self.records_kept else {}
        untrusted = self.last.untrusted
        now, contexts, candidates = self.now.decisions, self.now.contexts, self.now.candidates
        links: dict[str, Link | None] = {}
        undecided: list[tuple[Deciding, str]] = []
        for d in todo:
            entity_id = d.entity.id
            context, gathered = contexts.get(entity_id), candidates.get(entity_id)
            key = joined_digest(own_digest(d.entity), gathered[2] if gathered else digest(d.candidates),
                                context.key if context is not None else context_key(d.context),
                                "\n".join(sorted(d.colinked)), repr(d.threshold))
            decided = now.setdefault(entity_id, [])
            found = next((k for k in decided if k[0] == key), None)
            if found is None:
                found = None if entity_id in untrusted else next((k for k in kept.get(entity_id, ()) if k[0] == key),
                                                                 None)
                if found is None:
                    undecided.append((d, key))
                    continue
                decided.append(found)
                self.kept_some = True
            links[entity_id] = found[1]
        made = decide_links([d for d, _ in undecided], source) if undecided else {}
        for d, key in undecided:
            self.worked.add(d.entity.id)
            now[d.entity.id].append((key, made[d.entity.id]))
            links[d.entity.id] = made[d.entity.id]
        return links


_NO_LIST = repeat("-")  # an article without mentions (``map`` stops at the shorter)


class _NameDigests:
    """Each entity's names and aliases as one digest, made once per build."""

    def __init__(self, by_id: Mapping[str, Entity]):
        self.by_id = by_id
        self._made: dict[str, str] = {}

    def of(self, entity_id: str) -> str:
        made = self._made.get(entity_id)
        if made is None:
            entity = self.by_id.get(entity_id)
            made = self._made[entity_id] = digest(entity.name, entity.aliases) if entity is not None else "-"
        return made

    def joined(self, entity_ids: Sequence[str]) -> str:
        return joined_digest(*map(self.of, entity_ids))


class _ArticleLists:
    """Which entities are mentioned near an entity in each of the site's articles (see
    ``article_nearby``), worked out for the articles and the entities asked about only."""

    def __init__(self, lists: Mapping[str, Sequence[Mention]]):
        self.lists = lists
        self._groups: dict[str, _Nearby] = {}

    def get(self, article_id: str, default=None) -> "_Nearby":
        made = self._groups.get(article_id)
        if made is None:
            made = self._groups[article_id] = _Nearby(sentence_groups(self.lists.get(article_id, ())))
        return made


class _Nearby:
    """``article_nearby`` of one article, an entity's counts worked out when asked for."""

    __slots__ = ("groups",)

    def __init__(self, groups: list[set[str]]):
        self.groups = groups

    def get(self, entity_id: str, default=None) -> Counter:
        return nearby_of(self.groups, entity_id)
