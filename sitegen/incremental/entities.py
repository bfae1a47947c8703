"""The entity stages with the last build's results: each looked up by a digest of its inputs.

- resolving: each entity under the digest of its id, its group (its clusters, name, type,
  reasons and note) and the articles it quotes sentences from (an entity made again keeps
  its last build's equal mentions); each article's mentions under the digest of the
  article and of its clusters with their entities' ids. Merging keeps its blocks and
  groups by the clusters' digests (see ``incremental.merge_blocks``).
- publication: each entity's page decision under the digest of the entity, its note, the
  threshold and the articles whose text it reads; and the related lists of the last build
  handed back where equal, the very tuples (pages find an unchanged list at once).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from ..nlp.chains import Cluster
from ..content.judgements import Judgement
from ..entities.merge import Group, canonical_key, merge_block
from ..model import Article, Entity, Mention, Site
from ..entities.publication import page_reason, publish
from ..entities.resolve import MentionRuns, article_mentions, cluster_mentions, entity_of, naming, resolve
from .digest import digest, joined_digest, own_digest
from .memo import Entry, Memo
from .merge_blocks import MERGE_BLOCKS, MergeMemo, merge_kept

ENTITY = Entry[Entity]("entity")
ARTICLE_MENTIONS = Entry[tuple[Mention, ...]]("mentions of an article")
# The last build's entities by id and mentions by article: a value made again equal to
# last build's is handed back as that very object (pages find it unchanged at once).
LAST_RESOLVED = Entry[tuple[dict, dict]]("last resolved")
PAGE_DECISION = Entry[tuple[bool, str]]("page decision")
SHOWN_RELATED = Entry[Mapping[str, tuple]]("related lists shown")


def resolved(memo: Memo | None, articles: Sequence[Article], clusters_by_article: Mapping[str, Sequence[Cluster]],
             judgements: Sequence[Judgement], entity_types: Sequence[str], min_mentions: int) -> Site:
    """``resolve.resolve``, making again only the entities and article lists whose inputs changed."""
    if memo is None or not memo.remembers(ENTITY):
        return resolve(articles, clusters_by_article, judgements, entity_types, min_mentions)
    merge_memo = memo.reuse(MERGE_BLOCKS, digest("merge blocks"), MergeMemo)
    last_key = digest("last resolved")
    last_entities, last_lists = memo.get(LAST_RESOLVED, last_key) or ({}, {})

    article_keys = {a.id: own_digest(a) for a in articles}

    def listing(place: tuple, clusters: Sequence[Cluster]) -> str:
        # An article's clusters are made from its id and text alone (settings and model
        # stay within one memo): its kept digest stands for them.
        return f"{article_keys[place[1]]} {len(clusters)}"

    def merge(places: list, notes: Sequence[Judgement]) -> list[Group]:
        return merge_kept(merge_memo, places, notes, canonical_key, merge_block, listing)

    # article id -> what its mentions are made of: the clusters of it each entity took in,
    # with the entity's id (an entity remade for a mention elsewhere leaves it alone)
    made_of: dict[str, list[str]] = {}

    def make_entity(entity_id: str, group: Group, by_id: Mapping[str, Article], order: Mapping[str, int]) -> Entity:
        sources = group.articles
        # entity_of reads the texts of its clusters' articles, and their order among
        # themselves: their digests in that order say both
        key = joined_digest(entity_id, own_digest(group),
                            *[article_keys[a] for a in sorted(sources, key=order.__getitem__)])
        for cluster in group.clusters:
            made_of.setdefault(cluster.article_id, []).append(f"{entity_id} {own_digest(cluster)}")
        found = memo.get(ENTITY, key)
        if found is None:
            before = last_entities.get(entity_id)
            found = entity_of(entity_id, group, by_id, order, _same_mentions_as(before))
            found = memo.put(ENTITY, key, before if before == found else found)
        return found

    def by_article(entities: Sequence[Entity]) -> dict[str, tuple[Mention, ...]]:
        out, runs = {}, MentionRuns()
        for article_id, named in naming(entities).items():
            # An article's mentions are those its clusters give the entities naming it,
            # cut from its text (see ``cluster_mentions``): its digest and theirs stand for them.
            key = joined_digest(article_keys[article_id], *sorted(made_of[article_id]))
            found = memo.get(ARTICLE_MENTIONS, key)
            if found is None:
                found = article_mentions(article_id, named, runs)
                before = last_lists.get(article_id)
                found = memo.put(ARTICLE_MENTIONS, key, before if before == found else found)
            out[article_id] = found
        return out

    site = resolve(articles, clusters_by_article, judgements, entity_types, min_mentions, merge, make_entity,
                   by_article)
    memo.put(LAST_RESOLVED, last_key, ({e.id: e for e in site.entities}, site.mentions_by_article))
    return site


def _same_mentions_as(before: Entity | None):
    """``cluster_mentions``, handing back ``before``'s mention where an equal one is made:
    a large entity remade for one new mention keeps the rest, and their digests."""
    prior = {} if before is None else {(m.article_id, m.start, m.end): m for m in before.mentions}

    def mentions_of(cluster: Cluster, article: Article, entity_id: str) -> tuple[Mention, ...]:
        made = cluster_mentions(cluster, article, entity_id)
        if not prior:
            return made
        kept = [prior.get((m.article_id, m.start, m.end)) for m in made]
        return tuple(k if k is not None and k == m else m for k, m in zip(kept, made))
    return mentions_of


def published(memo: Memo | None, site: Site, judgements: Sequence[Judgement], link_threshold: float) -> Site:
    """``publication.publish``, deciding again only for entities whose inputs changed."""
    if memo is None or not memo.remembers(PAGE_DECISION):
        return publish(site, judgements, link_threshold)
    article_keys = {a.id: own_digest(a) for a in site.articles}

    def decide(entity: Entity, judgement: Judgement | None, threshold: float,
               texts: Mapping[str, str]) -> tuple[bool, str]:
        # page_reason reads the texts of the entity's own articles, no others
        key = joined_digest(own_digest(entity), own_digest(judgement) if judgement else "-", repr(threshold),
                            *[article_keys[a] for a in entity.articles])
        return memo.reuse(PAGE_DECISION, key, lambda: page_reason(entity, judgement, threshold, texts))

    site = publish(site, judgements, link_threshold, decide)
    return _same_lists_as_last(memo, site)


def _same_lists_as_last(memo: Memo, site: Site) -> Site:
    key = digest("related lists shown")
    last = memo.get(SHOWN_RELATED, key) or {}
    related = {}
    for entity_id, pairs in site.related.items():
        before = last.get(entity_id)
        related[entity_id] = before if before is not None and before == pairs else pairs
    memo.put(SHOWN_RELATED, key, related)
    return replace(site, related=related)
