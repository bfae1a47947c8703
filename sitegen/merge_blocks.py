"""Blocks: the parts of a site's clusters that merging can never join to one another.

Every merge step in ``merge`` joins two clusters only through a key they share: a
canonical name, a strong key (a full name or a defined acronym), a name key an editor's
note lists, or, for a lone surname, the surname of a full name. Clusters that share no
such key, directly or through others, can never end up in one entity; so merging the
clusters block by block gives exactly what merging them all at once gives.

That makes merging incremental. A preview's edit changes the clusters of one article;
``MergeMemo`` keeps each cluster's block and each block's groups, and a rebuild looks
only at the articles whose clusters are not the very same list as last time, re-blocks
only the blocks their added or removed clusters touch, and re-merges only those blocks.
"""
from __future__ import annotations

from itertools import count
from typing import Callable, Hashable, Sequence

from .chains import Cluster
from .curation import Judgement
from .names import person_tokens, strip_particle
from .unionfind import UnionFind

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


class MergeMemo:
    """What the last merge found, for a long-running caller (the preview server).

    Entries hold the clusters they were made from, so an object id is never reused
    while an entry keyed by it lives.
    """

    def __init__(self) -> None:
        self.judgements: tuple[Judgement, ...] | None = None
        self.articles: dict[Hashable, Sequence[Cluster]] = {}  # article place -> its clusters as last seen
        self.clusters: dict[int, tuple[Cluster, tuple[str, ...], int, Position]] = {}  # id -> (cluster, keys, block, position)
        self.members: dict[int, set[int]] = {}  # block -> ids of its clusters
        self.key_block: dict[str, int] = {}  # key -> the block holding it
        self.block_keys: dict[int, set[str]] = {}
        self.block_judgements: dict[int, list[int]] = {}  # block -> positions in judgements
        self.unplaced: list[int] = []  # judgements not yet given a block
        # block -> (its clusters' ids in site order, its notes, [(root's index in those, group)])
        self.merged: dict[int, tuple[tuple[int, ...], tuple[int, ...], list]] = {}
        self.stale: set[int] = set()  # blocks an editor's note changed: to block again
        self._labels = count()

    def reset(self, judgements: tuple[Judgement, ...]) -> None:
        self.__init__()
        self.judgements = judgements
        self.unplaced = list(range(len(judgements)))

    def rejudge(self, judgements: tuple[Judgement, ...]) -> None:
        """Take in a new set of notes: the blocks of the notes removed, and those holding
        a key of a note added, are blocked again; every other block keeps its groups (a
        judgement written from the review page re-merges one block, not the site)."""
        old = self.judgements or ()
        now = {j: i for i, j in enumerate(judgements)}
        moved = {i: now[j] for i, j in enumerate(old) if j in now}  # old position -> new position
        for block, positions in self.block_judgements.items():
            kept = sorted(moved[p] for p in positions if p in moved)
            if len(kept) != len(positions):
                self.stale.add(block)
            self.block_judgements[block] = kept
        known = set(old)
        added = [i for i, j in enumerate(judgements) if j not in known]
        for i in added:
            self.stale.update(self.key_block[k] for k in judgements[i].merge_keys if k in self.key_block)
        self.unplaced = sorted([moved[p] for p in self.unplaced if p in moved] + added)
        self.judgements = judgements


def merge_by_block(articles: Sequence[tuple[Hashable, Sequence[Cluster]]], judgements: Sequence[Judgement],
                   canonical_key: Callable[[Cluster], str], merge_block: Callable,
                   memo: MergeMemo | None = None) -> list:
    """``merge_block(clusters, judgements)`` on every block; its groups, in a stable order.

    ``articles`` are (place, clusters) pairs, whose places sort in the order given and
    stay with their article (so an article added does not move the others). The site's
    clusters are those of every article in turn. ``merge_block`` returns ``(index of the
    group's root cluster in the list it was given, group)`` pairs; the groups of all blocks
    come back ordered by where their roots are in the site, which is the order merging
    everything at once gives.
    """
    judgements = tuple(judgements)
    if memo is None:
        memo = MergeMemo()
    if memo.judgements is None:
        memo.reset(judgements)
    elif memo.judgements != judgements:
        memo.rejudge(judgements)
    resorted = _assign_blocks(articles, judgements, canonical_key, memo)

    for block in resorted:
        ids = sorted(memo.members[block], key=lambda i: memo.clusters[i][3])
        notes = tuple(memo.block_judgements.get(block, ()))
        last = memo.merged.get(block)
        if last is not None and last[0] == tuple(ids) and last[1] == notes:
            continue
        clusters = [memo.clusters[i][0] for i in ids]
        memo.merged[block] = (tuple(ids), notes, merge_block(clusters, [judgements[j] for j in notes]))
    where = memo.clusters
    ordered = [(where[ids[root]][3], group) for ids, _, groups in memo.merged.values() for root, group in groups]
    ordered.sort(key=lambda pair: pair[0])
    return [group for _, group in ordered]


def _assign_blocks(articles: Sequence[tuple[Hashable, Sequence[Cluster]]], judgements: tuple[Judgement, ...],
                   canonical_key: Callable[[Cluster], str], memo: MergeMemo) -> set[int]:
    """Bring ``memo``'s blocks up to date with ``articles``: re-block only what changed.

    Returns the blocks whose clusters, or their order, may differ from last time.
    """
    now = dict(articles)
    changed = [place for place, clusters in articles if memo.articles.get(place) is not clusters]
    changed += [place for place in memo.articles if place not in now]
    if not changed and not memo.unplaced and not memo.stale:
        return set()
    old_ids, new_clusters = set(), {}
    for place in changed:
        old_ids.update(map(id, memo.articles.get(place, ())))
        for index, cluster in enumerate(now.get(place, ())):
            new_clusters[id(cluster)] = (cluster, (place, index))
    memo.articles = now
    gone = old_ids - new_clusters.keys()
    new = [(c, position) for i, (c, position) in new_clusters.items() if i not in memo.clusters]
    # A cluster in both (an article's list remade around the same clusters) may have moved.
    resorted = {memo.clusters[i][2] for i in old_ids & new_clusters.keys()
                if memo.clusters[i][3] != new_clusters[i][1]}
    for i in old_ids & new_clusters.keys():
        cluster, keys, block, _ = memo.clusters[i]
        memo.clusters[i] = (cluster, keys, block, new_clusters[i][1])

    touched = {memo.clusters[i][2] for i in gone} | memo.stale
    memo.stale = set()
    region_judgements, memo.unplaced = memo.unplaced, []
    new_keys = {}
    for cluster, _ in new:
        keys = blocking_keys(cluster, canonical_key(cluster))
        new_keys[id(cluster)] = keys
        touched.update(memo.key_block[k] for k in keys if k in memo.key_block)
    for i in gone:
        del memo.clusters[i]
    region = [(i, memo.clusters[i][1]) for block in touched for i in memo.members.get(block, ()) if i not in gone]
    for cluster, position in new:
        memo.clusters[id(cluster)] = (cluster, new_keys[id(cluster)], -1, position)
        region.append((id(cluster), new_keys[id(cluster)]))
    for block in touched:
        region_judgements += memo.block_judgements.pop(block, [])
        for key in memo.block_keys.pop(block):
            del memo.key_block[key]
        memo.members.pop(block, None)
        memo.merged.pop(block, None)

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
    made = set()
    for keys in uf.groups().values():
        block = next(memo._labels)
        made.add(block)
        memo.block_keys[block] = set(keys)
        for key in keys:
            memo.key_block[key] = block
    for i, keys in region:
        cluster, _, _, position = memo.clusters[i]
        block = memo.key_block[keys[0]]
        memo.clusters[i] = (cluster, keys, block, position)
        memo.members.setdefault(block, set()).add(i)
    for j in sorted(region_judgements):  # in the notes' order: the first that names a group is its note
        block = memo.key_block[min(judgements[j].merge_keys)]
        memo.block_judgements.setdefault(block, []).append(j)
    return (resorted - touched) | {block for block in made if block in memo.members}
