"""Blocks: the parts of a site's clusters that merging can never join to one another.

Every merge step in ``merge`` joins two clusters only through a key they share: a
canonical name, a strong key (a full name or a defined acronym), a name key an editor's
note lists, or, for a lone surname, the surname of a full name. Clusters that share no
such key, directly or through others, can never end up in one entity; so merging the
clusters block by block gives exactly what merging them all at once gives.

That makes merging incremental: a preview re-merges only the blocks an edit touched
(see ``incremental.merge_blocks``). Here every block is made and merged.
"""
from __future__ import annotations

from typing import Callable, Hashable, Sequence

from ..nlp.chains import Cluster
from ..content.judgements import Judgement
from ..names import person_tokens, strip_particle
from ..unionfind import UnionFind

SURNAME = "\0surname "  # keeps surname keys apart from name keys

# A cluster's place in the site: (its article's place, its index in the article's list).
Position = tuple[Hashable, int]


def blocking_keys(cluster: Cluster, canonical: str) -> tuple[str, ...]:
    """Every key a merge step may join this cluster on (see the module's docstring)."""
    keys = dict.fromkeys([canonical, cluster.name_key, *sorted(cluster.strong_keys)])
    tokens = person_tokens(cluster.name_key)
    if tokens:
        # A lone "Trump" meets "Donald Trump" on the surname, whatever each was typed as.
        keys[SURNAME + strip_particle(tokens[-1])] = None
    return tuple(keys)


def merge_by_block(articles: Sequence[tuple[Hashable, Sequence[Cluster]]], judgements: Sequence[Judgement],
                   canonical_key: Callable[[Cluster], str], merge_block: Callable) -> list:
    """``merge_block(clusters, judgements)`` on every block; its groups, in a stable order.

    ``articles`` are (place, clusters) pairs, whose places sort in the order given and
    stay with their article (so an article added does not move the others). The site's
    clusters are those of every article in turn. ``merge_block`` returns ``(index of the
    group's root cluster in the list it was given, group)`` pairs; the groups of all blocks
    come back ordered by where their roots are in the site, which is the order merging
    everything at once gives.
    """
    judgements = tuple(judgements)
    placed = [((place, index), cluster, blocking_keys(cluster, canonical_key(cluster)))
              for place, clusters in articles for index, cluster in enumerate(clusters)]
    uf = UnionFind()
    for keys in [keys for _, _, keys in placed] + [sorted(j.merge_keys) for j in judgements]:
        for key in keys:
            uf.add(key)
            uf.union(keys[0], key)
    members: dict[str, list[tuple[Position, Cluster]]] = {}
    for position, cluster, keys in placed:
        members.setdefault(uf.find(keys[0]), []).append((position, cluster))
    notes: dict[str, list[Judgement]] = {}
    for j in judgements:  # in the notes' order: the first that names a group is its note
        notes.setdefault(uf.find(min(j.merge_keys)), []).append(j)
    ordered = []
    for block, placed_clusters in members.items():
        placed_clusters.sort(key=lambda pair: pair[0])
        groups = merge_block([c for _, c in placed_clusters], notes.get(block, []))
        ordered.extend((placed_clusters[root][0], group) for root, group in groups)
    ordered.sort(key=lambda pair: pair[0])
    return [group for _, group in ordered]
