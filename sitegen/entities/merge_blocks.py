"""Blocks: the parts of a site's clusters that merging can never join to one another.

Every merge step in ``merge`` joins two clusters only through a key they share: a
canonical name, a strong key (a full name or a defined acronym), a name key an editor's
note lists, or, for a lone surname, the surname of a full name. Clusters that share no
such key, directly or through others, can never end up in one entity; so merging the
clusters block by block gives exactly what merging them all at once gives.

The steps are here, and both ways of merging use them: ``merge_by_block`` blocks and
merges a whole site; a preview keeps each block and its groups, and blocks and merges
again only the clusters and notes an edit touched (``incremental.merge_blocks``).
"""
from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, NamedTuple, Sequence

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


class Block(NamedTuple):
    keys: list[str]  # every key of its clusters and notes
    members: list  # its clusters, as the caller names them, in the order given
    notes: list  # its notes, as the caller names them, in the order given


def blocks(members: Iterable[tuple[Hashable, tuple[str, ...]]],
           notes: Iterable[tuple[Hashable, Judgement]] = ()) -> list[Block]:
    """The blocks of ``members`` ((name, blocking keys) pairs) and ``notes`` ((name, note)
    pairs; a note joins the keys it lists). Every block holds at least one key; a block
    of a note that names no cluster has no members. The first note of a block that names
    a group is that group's note: give them in the notes' order."""
    members, notes = list(members), list(notes)
    uf = UnionFind()
    joined = set()  # a site's clusters share a few thousand lists of keys: each is joined once
    for keys in [keys for _, keys in members] + [tuple(sorted(j.merge_keys)) for _, j in notes]:
        if keys in joined:
            continue
        joined.add(keys)
        for key in keys:
            uf.add(key)
            uf.union(keys[0], key)
    found: dict[str, Block] = {root: Block(keys, [], []) for root, keys in uf.groups().items()}
    root_of: dict[str, str] = {}
    for name, keys in members:
        root = root_of.get(keys[0])
        if root is None:
            root = root_of[keys[0]] = uf.find(keys[0])
        found[root].members.append(name)
    for name, j in notes:
        found[uf.find(min(j.merge_keys))].notes.append(name)
    return list(found.values())


def in_site_order(groups: Iterable[tuple[Position, object]]) -> list:
    """The groups of all blocks, by where their root clusters are in the site: the order
    merging everything at once gives."""
    return [group for _, group in sorted(groups, key=lambda pair: pair[0])]


def merge_by_block(articles: Sequence[tuple[Hashable, Sequence[Cluster]]], judgements: Sequence[Judgement],
                   canonical_key: Callable[[Cluster], str], merge_block: Callable,
                   keys_of: Callable[[Hashable, Sequence[Cluster]], Sequence[tuple[str, ...]]] | None = None,
                   blocked: list[Block] | None = None) -> list:
    """``merge_block(clusters, judgements, positions)`` on every block; its groups, in a
    stable order.

    ``articles`` are (place, clusters) pairs, whose places sort in the order given and
    stay with their article (so an article added does not move the others). The site's
    clusters are those of every article in turn. ``merge_block`` is given a block's
    clusters and notes, and the clusters' positions; it returns ``(index of the group's
    root cluster in the list it was given, group)`` pairs. The groups of all blocks come
    back ordered by where their roots are in the site.

    ``keys_of(place, clusters)``: the blocking keys of an article's clusters (by default,
    worked out here). Given it, no cluster is read here: a block's clusters are handed to
    ``merge_block`` as a view of the articles' lists, read as it reads them (a build that
    keeps its merges reads only the clusters of the blocks it merges again).

    ``blocked``: a list given to hold each block merged, in the order merged (for a build
    that keeps them: see ``incremental.stored_blocks``).
    """
    judgements = tuple(judgements)
    if keys_of is None:
        clusters = {(place, index): cluster for place, listed in articles for index, cluster in enumerate(listed)}
        keyed = [(position, blocking_keys(c, canonical_key(c))) for position, c in clusters.items()]
    else:
        lists = dict(articles)
        keyed = [((place, index), keys) for place, listed in articles
                 for index, keys in enumerate(keys_of(place, listed))]
    placed = []
    for block in blocks(keyed, enumerate(judgements)):
        if block.members:
            block.members.sort()
            if blocked is not None:
                blocked.append(block)
            members = [clusters[p] for p in block.members] if keys_of is None else \
                Picked(lambda position: lists[position[0]][position[1]], block.members)
            groups = merge_block(members, [judgements[j] for j in block.notes], block.members)
            placed.extend((block.members[root], group) for root, group in groups)
    return in_site_order(placed)


class Picked(Sequence):
    """Items looked up by key only when read: ``find(key)`` for each of ``keys``, in order.
    A block's clusters handed to its merge, or a group's clusters, that may never be read."""

    def __init__(self, find: Callable[[Any], Any], keys: Sequence):
        self._find, self._keys = find, keys

    def __getitem__(self, at):
        if isinstance(at, slice):
            return [self._find(key) for key in self._keys[at]]
        return self._find(self._keys[at])

    def __len__(self) -> int:
        return len(self._keys)
