"""Resolving for ``sitegen build``: merged blocks and entities kept on disk, by digest.

A preview keeps the last build's values in memory and compares them (see
``incremental.entities``); a build on disk starts from nothing but its memo file, so it
keeps there what reads back cheaper than it is made:

- each merge block's groups, as places in the block's lists of clusters and notes
  (``merge.MergedGroup``), under a digest of the names of its clusters and of its notes.
  A cluster is named by its article's clusters key (a digest of all its clusters are made
  from: the article's id and text, the model, the stoplist) and its index in the article's
  list; the block's clusters come in site order, which those names fix;
- each entity, under a digest of its id, of what its group was merged from (the block's
  digest and the group's place in it: its clusters, name, type, reasons and note) and of
  the texts of its articles in the site's order: all ``resolve.entity_of`` reads.

Blocking, slugs and each article's list of mentions are made afresh: an edit can move
any of them, and they cost less than reading them back would.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

from ..content.judgements import Judgement
from ..entities.merge import Group, MergedGroup, block_groups, canonical_key, merged_block
from ..entities.merge_blocks import Position, merge_by_block
from ..entities.resolve import entity_of
from ..model import Article, Entity
from ..nlp.chains import Cluster
from .digest import joined_digest, own_digest
from .memo import Entry, Memo

MERGED_BLOCK = Entry[tuple[MergedGroup, ...]]("merged block", persist=True)
STORED_ENTITY = Entry[Entity]("stored entity", persist=True)


def stored_merge(memo: Memo, cluster_keys: Mapping[str, str]) -> Callable[[list, Sequence[Judgement]], list[Group]]:
    """``merge.merge_articles``, merging only the blocks ``memo`` has not kept."""

    def merge_one(clusters: Sequence[Cluster], notes: Sequence[Judgement], positions: Sequence[Position]
                  ) -> list[tuple[int, Group]]:
        # A position is (the article's place, the cluster's index); a place ends with the article's id.
        key = joined_digest(*[f"{cluster_keys[place[-1]]} {index}" for place, index in positions], "notes",
                            *[own_digest(j) for j in notes])
        found = memo.get(MERGED_BLOCK, key)
        if found is None:
            found = memo.put(MERGED_BLOCK, key, tuple(merged_block(clusters, notes)))
        return block_groups(found, clusters, notes, [f"{key} {n}" for n in range(len(found))])

    def merge(articles: list, judgements: Sequence[Judgement]) -> list[Group]:
        return merge_by_block(articles, judgements, canonical_key, merge_one)

    return merge


def stored_entity_of(memo: Memo, articles: Sequence[Article]
                     ) -> Callable[[str, Group, Mapping[str, Article], Mapping[str, int]], Entity]:
    """``resolve.entity_of``, making only the entities ``memo`` has not kept. The groups
    must come from ``stored_merge`` (which names what each was merged from)."""
    article_keys = {a.id: own_digest(a) for a in articles}

    def make_entity(entity_id: str, group: Group, by_id: Mapping[str, Article], order: Mapping[str, int]) -> Entity:
        if not group.merged_from:
            raise ValueError(f"the group of {entity_id} does not say what it was merged from")
        key = joined_digest(entity_id, group.merged_from,
                            *[article_keys[a] for a in sorted(group.articles, key=order.__getitem__)])
        return memo.reuse(STORED_ENTITY, key, lambda: entity_of(entity_id, group, by_id, order))

    return make_entity
