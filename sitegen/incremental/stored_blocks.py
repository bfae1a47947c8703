"""The last `sitegen build`'s merge blocks, kept on disk: an edit that moves no block
merges nothing and blocks nothing again.

Blocking a site (``entities.merge_blocks.blocks``) reads every cluster's blocking keys and
joins them: at 10,000 articles, 368,000 clusters, most of a second of every text edit,
though a mended word, a new sentence naming people already named there, changes no
block. What decides the blocks is the site's articles in order (their places), each
article's clusters' blocking keys in order, and the editor's notes; what decides a
block's groups besides is its clusters' names (``stored_entities.cluster_names``). So
``BlockRecord`` keeps, for the last build, its places, each article's clusters key (which
names its row of keys and names), the notes' digests, and each block's members, notes and
key (under which its groups are kept). A build whose places and notes are the same, and
whose edited articles' clusters have the same blocking keys as before, has the same
blocks: it takes them from the record, and only a block holding a cluster whose name
changed is named (and, if new, merged) again.

Members are kept as two arrays of numbers a block (each cluster's article, by its place
in the record's list, and its index there): the record of 368,000 clusters reads back
in milliseconds, where as many pickled tuples would cost what blocking afresh does.
"""
from __future__ import annotations

from array import array
from typing import Hashable, NamedTuple, Sequence

from ..entities.merge_blocks import Position


class RecordedBlock(NamedTuple):
    key: str  # the block's name, under which its groups are kept (``MERGED_BLOCK``)
    notes: tuple[str, ...]  # the digests of its notes, in order
    articles: bytes  # each member's article, as its place's number in ``BlockRecord.places`` (array "I")
    indexes: bytes  # each member's index among its article's clusters (array "I")

    @classmethod
    def of(cls, key: str, notes: Sequence[str], positions: Sequence[Position],
           numbers: dict[Hashable, int]) -> "RecordedBlock":
        return cls(key, tuple(notes), array("I", [numbers[place] for place, _ in positions]).tobytes(),
                   array("I", [index for _, index in positions]).tobytes())

    def positions(self, places: Sequence[Hashable]) -> list[Position]:
        """Its members, in site order, as the block's positions."""
        return list(zip(map(places.__getitem__, _numbers(self.articles)), _numbers(self.indexes)))

    def holds_any(self, articles: set[int]) -> bool:
        """Whether a member is in one of ``articles`` (numbers of places)."""
        return not articles.isdisjoint(_numbers(self.articles))


class BlockRecord(NamedTuple):
    notes: tuple[str, ...]  # the digest of every note, in order
    places: tuple[Hashable, ...]  # every article's place, in site order
    cluster_keys: tuple[str, ...]  # every article's clusters key, in the same order
    blocks: tuple[RecordedBlock, ...]  # every block with members


def _numbers(packed: bytes) -> array:
    found = array("I")
    found.frombytes(packed)
    return found
