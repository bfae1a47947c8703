"""Merging block by block, kept between builds: only the blocks an edit touched merge again.

``entities.merge_blocks.merge_by_block`` blocks and merges a whole site; this module runs
the same steps (``blocking_keys``, ``blocks``, ``merge_block``, ``in_site_order``) on
the part of the site an edit touched, and keeps their results. A preview keeps each
cluster's keys and block, each block's members and notes and its groups
(``MergeMemo``), all under the clusters' digests, never their identity: a rebuild looks
only at the articles whose list of clusters has another digest than last time, re-blocks
only the blocks their added or removed clusters touch, and re-merges only those blocks.
The groups equal those of merging from scratch (``tests/test_merge_blocks.py``).

A cluster is known by its digest: it names its article, and one article's clusters are
never equal to one another (each holds other mentions).
"""
from __future__ import annotations

from typing import Callable, Hashable, NamedTuple, Sequence

from ..nlp.chains import Cluster
from ..content.judgements import Judgement
from ..entities.merge_blocks import Position, blocking_keys, blocks, in_site_order
from .digest import digest, own_digest
from .memo import Entry

class Placed(NamedTuple):
    """A cluster as the memo knows it."""

    cluster: Cluster
    keys: tuple[str, ...]  # its blocking keys
    block: int
    position: Position


class Merged(NamedTuple):
    """A block's groups and what they were merged from."""

    members: tuple[str, ...]  # its clusters' digests, in site order
    notes: tuple[int, ...]  # its judgements' places in the list of judgements
    groups: list  # [(root's index in members, group)]


class Listed(NamedTuple):
    """An article's clusters as last seen."""

    digest: str  # of the whole list
    clusters: tuple[str, ...]  # each one's digest


_UNLISTED = Listed("", ())  # an article not seen before (one value: asked of every article at every build)


class MergeMemo:
    """What the last merge found: blocks and groups, keyed by the clusters' digests."""

    def __init__(self) -> None:
        self.judgements: tuple[Judgement, ...] | None = None
        self.articles: dict[Hashable, Listed] = {}  # place -> its clusters as last seen
        self.clusters: dict[str, Placed] = {}  # cluster digest -> the cluster, placed
        self.members: dict[int, set[str]] = {}  # block -> digests of its clusters
        self.key_block: dict[str, int] = {}  # key -> the block holding it
        self.block_keys: dict[int, set[str]] = {}
        self.block_judgements: dict[int, list[int]] = {}  # block -> positions in judgements
        self.unplaced: list[int] = []  # judgements not yet given a block
        self.merged: dict[int, Merged] = {}  # block -> its groups
        self.stale: set[int] = set()  # blocks an editor's note changed: to block again
        self.next_block = 0  # the label of the next block made

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


MERGE_BLOCKS = Entry[MergeMemo]("merge blocks")


def merge_kept(memo: MergeMemo, articles: Sequence[tuple[Hashable, Sequence[Cluster]]], judgements: Sequence[Judgement],
               canonical_key: Callable[[Cluster], str], merge_block: Callable,
               listing: Callable[[Hashable, Sequence[Cluster]], str] | None = None) -> list:
    """``merge_blocks.merge_by_block``'s groups, merging again only the blocks that changed
    since ``memo``'s last use. ``listing(place, clusters)`` is a digest that differs
    whenever an article's clusters may (by default, that of the clusters themselves; a
    caller that knows what the clusters were made from may give a cheaper one)."""
    judgements = tuple(judgements)
    if memo.judgements is None:
        memo.reset(judgements)
    elif memo.judgements != judgements:
        memo.rejudge(judgements)
    resorted = _assign_blocks(articles, judgements, canonical_key, memo, listing or _cluster_listing)

    for block in resorted:
        ids = sorted(memo.members[block], key=lambda i: memo.clusters[i].position)
        notes = tuple(memo.block_judgements.get(block, ()))
        last = memo.merged.get(block)
        if last is not None and last.members == tuple(ids) and last.notes == notes:
            continue
        clusters = [memo.clusters[i].cluster for i in ids]
        memo.merged[block] = Merged(tuple(ids), notes, merge_block(clusters, [judgements[j] for j in notes]))
    where = memo.clusters
    return in_site_order((where[m.members[root]].position, group) for m in memo.merged.values()
                         for root, group in m.groups)


def _cluster_listing(place: Hashable, clusters: Sequence[Cluster]) -> str:
    return digest("\0".join(own_digest(c) for c in clusters))


def _assign_blocks(articles: Sequence[tuple[Hashable, Sequence[Cluster]]], judgements: tuple[Judgement, ...],
                   canonical_key: Callable[[Cluster], str], memo: MergeMemo,
                   listing: Callable[[Hashable, Sequence[Cluster]], str]) -> set[int]:
    """Bring ``memo``'s blocks up to date with ``articles``: re-block only what changed.

    Returns the blocks whose clusters, or their order, may differ from last time.
    """
    now = {place: clusters for place, clusters in articles}
    # Whether an article's clusters may differ from last time: its listing digest says.
    listed = {place: listing(place, clusters) for place, clusters in articles}
    changed = [place for place, _ in articles if memo.articles.get(place, _UNLISTED).digest != listed[place]]
    changed += [place for place in memo.articles if place not in now]
    if not changed and not memo.unplaced and not memo.stale:
        return set()
    changed_set = set(changed)
    old_ids, new_clusters = set(), {}
    for place in changed:
        old_ids.update(memo.articles.get(place, _UNLISTED).clusters)
        for index, cluster in enumerate(now.get(place, ())):
            new_clusters[own_digest(cluster)] = (cluster, (place, index))
    memo.articles = {place: Listed(listed[place], tuple(own_digest(c) for c in now[place]))
                     if place in changed_set else memo.articles[place] for place in listed}
    gone = old_ids - new_clusters.keys()
    new = [(c, position) for i, (c, position) in new_clusters.items() if i not in memo.clusters]
    # A cluster in both (an article's list remade around the same clusters) may have moved.
    resorted = {memo.clusters[i].block for i in old_ids & new_clusters.keys()
                if memo.clusters[i].position != new_clusters[i][1]}
    for i in old_ids & new_clusters.keys():
        memo.clusters[i] = memo.clusters[i]._replace(position=new_clusters[i][1])

    touched = {memo.clusters[i].block for i in gone} | memo.stale
    memo.stale = set()
    region_judgements, memo.unplaced = memo.unplaced, []
    new_keys = {}
    for cluster, _ in new:
        keys = blocking_keys(cluster, canonical_key(cluster))
        new_keys[own_digest(cluster)] = keys
        touched.update(memo.key_block[k] for k in keys if k in memo.key_block)
    for i in gone:
        del memo.clusters[i]
    region = {i: memo.clusters[i].keys for block in touched for i in memo.members.get(block, ()) if i not in gone}
    for cluster, position in new:
        key = own_digest(cluster)
        memo.clusters[key] = Placed(cluster, new_keys[key], -1, position)
        region[key] = new_keys[key]
    for block in touched:
        region_judgements += memo.block_judgements.pop(block, [])
        for key in memo.block_keys.pop(block):
            del memo.key_block[key]
        memo.members.pop(block, None)
        memo.merged.pop(block, None)

    # The region is closed: no key of it belongs to a block outside it.
    made = set()
    for found in blocks(region.items(), [(j, judgements[j]) for j in sorted(region_judgements)]):
        block = memo.next_block
        memo.next_block += 1
        made.add(block)
        memo.block_keys[block] = set(found.keys)
        for key in found.keys:
            memo.key_block[key] = block
        for i in found.members:
            memo.clusters[i] = memo.clusters[i]._replace(keys=region[i], block=block)
        if found.members:
            memo.members[block] = set(found.members)
        if found.notes:
            memo.block_judgements[block] = found.notes
    return (resorted - touched) | {block for block in made if block in memo.members}
