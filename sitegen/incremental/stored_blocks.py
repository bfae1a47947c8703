"""The last `sitegen build`'s merge blocks, kept on disk: an edit blocks again only the
blocks around the articles it changed.

Blocking a site (``entities.merge_blocks.blocks``) reads every cluster's blocking keys and
joins them: at 10,000 articles, 368,000 clusters, most of a second of every text edit,
though a mended word, or a sentence naming people already named there, moves no block,
and a new name moves only the few blocks its keys are in. What decides the blocks is the
site's articles in order (their places), each article's clusters' blocking keys in
order, and the editor's notes; what decides a block's groups besides is its clusters'
names (``stored_entities.cluster_names``). So ``BlockRecord`` keeps, for the last build,
its places, each article's clusters key (which names its row of keys and names), the
notes' digests, and each block's members, notes, keys and name (under which its groups
are kept). A build with the same places and notes takes its blocks from there: where the
edited articles' clusters have other keys than before, the blocks holding their keys,
old and new, are blocked again from their members and the edited clusters (``region``);
a block that kept its members but holds a cluster whose name changed is named (and, if
new, merged) again. An article added, removed or moved in the site's order blocks the
whole site afresh.

Members are kept as two arrays of numbers a block (each cluster's article, by its place
in the record's list, and its index there): the record of 368,000 clusters reads back
in milliseconds, where as many pickled tuples would cost what blocking afresh does.
"""
from __future__ import annotations

from array import array
from typing import Hashable, Iterable, NamedTuple, Sequence

from ..content.judgements import Judgement
from ..entities.merge_blocks import Position


class RecordedBlock(NamedTuple):
    key: str  # the block's name, under which its groups are kept (``MERGED_BLOCK``)
    notes: tuple[str, ...]  # the digests of its notes, in order
    articles: bytes  # each member's article, as its place's number in ``BlockRecord.places`` (array "I")
    indexes: bytes  # each member's index among its article's clusters (array "I")
    keys: tuple[str, ...]  # every blocking key of its members and notes

    @classmethod
    def of(cls, key: str, notes: Sequence[str], positions: Sequence[Position],
           numbers: dict[Hashable, int], keys: Iterable[str]) -> "RecordedBlock":
        return cls(key, tuple(notes), array("I", [numbers[place] for place, _ in positions]).tobytes(),
                   array("I", [index for _, index in positions]).tobytes(), tuple(keys))

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


def region(record: BlockRecord, touched: set[str], notes: Sequence[Judgement]) -> tuple[set[int], list[int]]:
    """The blocks of ``record`` an edit may have moved (their numbers), and the notes that
    go with them (their places in ``notes``): the blocks holding a key in ``touched``
    (every blocking key of the edited articles' clusters, before and after), and every
    note listing a key of those blocks or of ``touched``. No other block shares a key
    with them; nor does a note join one to them: a note's keys all lie in one block (the
    note joined them), or in a block without members (not recorded), as a name no
    article holds yet."""
    key_block = {key: number for number, block in enumerate(record.blocks) for key in block.keys}
    moved = {key_block[key] for key in touched if key in key_block}
    keys = touched.union(*(record.blocks[number].keys for number in moved))
    return moved, [n for n, note in enumerate(notes) if not keys.isdisjoint(note.merge_keys)]


def _numbers(packed: bytes) -> array:
    found = array("I")
    found.frombytes(packed)
    return found
