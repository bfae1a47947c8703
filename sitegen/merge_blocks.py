"""Blocks: the parts of a site's clusters that merging can never join to one another.

Every merge step in ``merge`` joins two clusters only through a key they share: a
canonical name, a strong key (a full name or a defined acronym), a name key an editor's
note lists, or, for a lone surname, the surname of a full name. Clusters that share no
such key, directly or through others, can never end up in one entity; so merging the
clusters block by block gives exactly what merging them all at once gives.

That makes merging incremental. A preview's edit changes the clusters of one article;
``MergeMemo`` keeps each cluster's block and each block's groups, and a rebuild
re-blocks only the blocks an added or removed cluster touches, and re-merges only the
blocks whose clusters are not the very same as last time.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import count
from typing import Callable, Sequence

from .chains import Cluster
from .curation import Judgement
from .names import person_tokens, strip_particle
from .unionfind import UnionFind

SURNAME = "\0surname "  # keeps surname keys apart from name keys


def blocking_keys(cluster: Cluster, canonical: str) -> tuple[str, ...]:
    """Every key a merge step may join this cluster on (see the module's docstring)."""
    keys = dict.fromkeys([canonical, cluster.name_key, *sorted(cluster.strong_keys)])
    tokens = person_tokens(cluster.name_key)
    if tokens:
        # A lone "Trump" meets "Donald Trump" on the surname, whatever each was typed as.
        keys[SURNAME + strip_particle(tokens[-1])] = None
    return tuple(keys)


class MergeMemo:
    """What the last merge found, for a long-running caller (the preview server).

    Entries hold the clusters they were made from, so an object id is never reused
    while an entry keyed by it lives.
    """

    def __init__(self) -> None:
        self.judgements: tuple[Judgement, ...] | None = None
        self.clusters: dict[int, tuple[Cluster, tuple[str, ...], int]] = {}  # id -> (cluster, keys, block)
        self.key_block: dict[str, int] = {}  # key -> the block holding it
        self.block_keys: dict[int, set[str]] = {}
        self.block_judgements: dict[int, list[int]] = {}  # block -> positions in judgements
        self.unplaced: list[int] = []  # judgements not yet given a block
        self.groups: dict[tuple, tuple[list[Cluster], list]] = {}  # (cluster ids, notes) -> (clusters, groups)
        self._labels = count()

    def reset(self, judgements: tuple[Judgement, ...]) -> None:
        self.__init__()
        self.judgements = judgements
        self.unplaced = list(range(len(judgements)))


def merge_by_block(clusters: Sequence[Cluster], judgements: Sequence[Judgement],
                   canonical_key: Callable[[Cluster], str], merge_block: Callable,
                   memo: MergeMemo | None = None) -> list:
    """``merge_block(clusters, judgements)`` on every block; its groups, in a stable order.

    ``merge_block`` returns ``(position of the group's root cluster in the list it was
    given, group)`` pairs; the groups of all blocks come back ordered by that root's
    position in ``clusters``, which is the order merging everything at once gives.
    """
    judgements = tuple(judgements)
    if memo is None:
        memo = MergeMemo()
    if memo.judgements != judgements:
        memo.reset(judgements)
    _assign_blocks(clusters, judgements, canonical_key, memo)

    members: dict[int, list[int]] = defaultdict(list)  # block -> positions in clusters
    for position, cluster in enumerate(clusters):
        members[memo.clusters[id(cluster)][2]].append(position)
    used: dict = {}
    ordered = []
    for block, positions in members.items():
        block_clusters = [clusters[p] for p in positions]
        notes = tuple(memo.block_judgements.get(block, ()))
        key = (tuple(map(id, block_clusters)), notes)
        kept = memo.groups.get(key)
        if kept is None:
            kept = (block_clusters, merge_block(block_clusters, [judgements[j] for j in notes]))
        used[key] = kept
        ordered.extend((positions[root], group) for root, group in kept[1])
    memo.groups = used
    ordered.sort(key=lambda pair: pair[0])
    return [group for _, group in ordered]


def _assign_blocks(clusters: Sequence[Cluster], judgements: tuple[Judgement, ...],
                   canonical_key: Callable[[Cluster], str], memo: MergeMemo) -> None:
    """Bring ``memo``'s blocks up to date with ``clusters``: re-block only what changed."""
    present = {id(c): c for c in clusters}
    gone = [i for i in memo.clusters if i not in present]
    new = [c for i, c in present.items() if i not in memo.clusters]
    if not gone and not new and not memo.unplaced:
        return
    touched = {memo.clusters[i][2] for i in gone}
    region_judgements, memo.unplaced = memo.unplaced, []
    new_keys = {}
    for cluster in new:
        keys = blocking_keys(cluster, canonical_key(cluster))
        new_keys[id(cluster)] = keys
        touched.update(memo.key_block[k] for k in keys if k in memo.key_block)
    for i in gone:
        del memo.clusters[i]
    region = [(c, keys) for i, (c, keys, block) in memo.clusters.items() if block in touched]
    region += [(c, new_keys[id(c)]) for c in new]
    for block in touched:
        region_judgements += memo.block_judgements.pop(block, [])
        for key in memo.block_keys.pop(block):
            del memo.key_block[key]

    # The region is closed: no key of it belongs to a block outside it.
    uf = UnionFind()
    for _, keys in region:
        for key in keys:
            uf.add(key)
            uf.union(keys[0], key)
    for j in region_judgements:
        keys = sorted(judgements[j].merge_keys)
        for key in keys:
            uf.add(key)
            uf.union(keys[0], key)
    for keys in uf.groups().values():
        block = next(memo._labels)
        memo.block_keys[block] = set(keys)
        for key in keys:
            memo.key_block[key] = block
    for cluster, keys in region:
        memo.clusters[id(cluster)] = (cluster, keys, memo.key_block[keys[0]])
    for j in sorted(region_judgements):  # in the notes' order: the first that names a group is its note
        block = memo.key_block[min(judgements[j].merge_keys)]
        memo.block_judgements.setdefault(block, []).append(j)
