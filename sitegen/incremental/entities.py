"""The entity stages with the last build's results: each looked up by a digest of its inputs.

- resolving: each entity under the digest of its id, its group (its clusters, name, type,
  reasons and note) and the articles it quotes sentences from; each article's mentions
  under the keys of the entities naming it. Merging keeps its blocks and groups by the
  clusters' digests (see ``incremental.merge_blocks``).
- publication: each entity's page decision under the digest of the entity, its note, the
  threshold and the articles whose text it reads; and the related lists of the last build
  handed back where equal, the very tuples (pages find an unchanged list at once).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from ..chains import Cluster
from ..curation import Judgement
from ..merge import Group, canonical_key, merge_block
from ..model import Article, Entity, Mention, Site
from ..publication import page_reason, publish
from ..resolve import article_mentions, entity_of, naming, resolve
from .digest import digest
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
    if memo is None:
        return resolve(articles, clusters_by_article, judgements, entity_types, min_mentions)
    merge_memo = memo.reuse(MERGE_BLOCKS, digest("merge blocks"), MergeMemo)
    last_key = digest("last resolved")
    last_entities, last_lists = memo.get(LAST_RESOLVED, last_key) or ({}, {})
    keys: dict[str, str] = {}  # entity id -> the key it was found or made under

    def merge(places: list, notes: Sequence[Judgement]) -> list[Group]:
        return merge_kept(merge_memo, places, notes, canonical_key, merge_block)

    def make_entity(entity_id: str, group: Group, by_id: Mapping[str, Article], order: Mapping[str, int]) -> Entity:
        sources = tuple(dict.fromkeys(c.article_id for c in group.clusters))
        # entity_of reads the texts of its clusters' articles, and their order among themselves
        placing = tuple(sorted(range(len(sources)), key=lambda i: order[sources[i]]))
        key = keys[entity_id] = digest(entity_id, group, tuple(by_id[a] for a in sources), placing)
        found = memo.get(ENTITY, key)
        if found is None:
            found = entity_of(entity_id, group, by_id, order)
            before = last_entities.get(entity_id)
            found = memo.put(ENTITY, key, before if before == found else found)
        return found

    def by_article(entities: Sequence[Entity]) -> dict[str, tuple[Mention, ...]]:
        out = {}
        for article_id, named in naming(entities).items():
            key = digest(article_id, "\0".join(keys[e.id] for e in named))
            found = memo.get(ARTICLE_MENTIONS, key)
            if found is None:
                found = article_mentions(article_id, named)
                before = last_lists.get(article_id)
                found = memo.put(ARTICLE_MENTIONS, key, before if before == found else found)
            out[article_id] = found
        return out

    site = resolve(articles, clusters_by_article, judgements, entity_types, min_mentions, merge, make_entity,
                   by_article)
    memo.put(LAST_RESOLVED, last_key, ({e.id: e for e in site.entities}, site.mentions_by_article))
    return site


def published(memo: Memo | None, site: Site, judgements: Sequence[Judgement], link_threshold: float) -> Site:
    """``publication.publish``, deciding again only for entities whose inputs changed."""
    if memo is None:
        return publish(site, judgements, link_threshold)
    articles = {a.id: a for a in site.articles}

    def decide(entity: Entity, judgement: Judgement | None, threshold: float,
               texts: Mapping[str, str]) -> tuple[bool, str]:
        # page_reason reads the texts of the entity's own articles, no others
        key = digest(entity, judgement, threshold, tuple(articles.get(a) for a in entity.articles))
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
