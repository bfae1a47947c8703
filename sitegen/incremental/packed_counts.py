"""Co-mention counts kept as arrays of numbers, until something reads them.

`sitegen build` keeps the counts before linking in its memo file, and brings them up to
date at the next build from the articles an edit changed (``incremental.comentions``). At
10,000 articles they are 2.3 million (entity, other entity, articles shared) triples:
unpickled as dictionaries they took a third of a second of every build, and pickled again
a quarter of one after every edit that names someone, while an edit reads the counts of
the few entities it touched, and the exports those of the few files they write again.

A ``PackedCounts`` is one entity's counts: the others as numbers into a list of entity ids
shared by every entity's counts (pickled once with them all), and the counts, both as
arrays' bytes. Its length is known without reading it; anything else reads it whole, once.
"""
from __future__ import annotations

from array import array
from typing import Iterator, Mapping

_TYPECODES = {array(code).itemsize: code for code in "BHIQ"}


class PackedCounts(Mapping[str, int]):
    """One entity's co-mention counts (other entity id -> articles shared), packed."""

    __slots__ = ("_names", "_others", "_counts", "_length", "_read")

    def __init__(self, names: list[str], others: bytes, counts: bytes, length: int):
        self._names = names  # entity ids, shared by all counts packed together; only ever appended to
        self._others, self._counts, self._length = others, counts, length
        self._read: dict[str, int] | None = None

    @classmethod
    def of(cls, counts: Mapping[str, int], names: list[str], index: dict[str, int]) -> "PackedCounts":
        """``counts`` packed against ``names`` (``index``: each name's place in it), which
        gets any id it lacks appended."""
        others = []
        for other in counts:
            at = index.get(other)
            if at is None:
                at = index[other] = len(names)
                names.append(other)
            others.append(at)
        values = list(counts.values())
        return cls(names, _packed(others), _packed(values), len(values))

    def __reduce__(self):
        return (PackedCounts, (self._names, self._others, self._counts, self._length))

    @property
    def is_read(self) -> bool:
        """Whether the counts were unpacked (for tests: reading is what costs)."""
        return self._read is not None

    def packed_with(self, names: list[str]) -> bool:
        """Whether these counts are numbers into ``names`` (that very list)."""
        return self._names is names

    def _dict(self) -> dict[str, int]:
        """The counts, unpacked once and kept: for lookups, which come many to a reading."""
        read = self._read
        if read is None:
            read = self._read = self._unpack()
        return read

    def _walk(self) -> dict[str, int]:
        """The counts to go through once (the exports write every entity's): unpacked for
        the walk and let go after it, not kept beside the packed bytes."""
        return self._read if self._read is not None else self._unpack()

    def _unpack(self) -> dict[str, int]:
        others = _unpacked(self._others, self._length)
        counts = _unpacked(self._counts, self._length)
        return dict(zip(map(self._names.__getitem__, others), counts))

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key: str) -> int:
        return self._dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._walk())

    def __contains__(self, key: object) -> bool:
        return key in self._dict()

    def get(self, key, default=None):
        return self._dict().get(key, default)

    def items(self):
        return self._walk().items()

    def keys(self):
        return self._walk().keys()

    def values(self):
        return self._walk().values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedCounts) and other._names is self._names and other._others == self._others \
                and other._counts == self._counts:
            return True
        if isinstance(other, Mapping):
            return self._length == len(other) and self._dict() == dict(other.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]: a mapping

    def __repr__(self) -> str:
        return f"PackedCounts({self._dict() if self.is_read else f'{self._length} counts, unread'})"


def packed_pairs(pairs: Mapping[str, Mapping[str, int]]) -> dict[str, PackedCounts]:
    """Every entity's counts packed against one list of ids: counts already packed against
    it are kept as they are (not read), the others packed, appending the ids it lacks. The
    list starts afresh once it holds more than twice the ids in use (entities come and go)."""
    names: list[str] | None = None
    for counts in pairs.values():
        if isinstance(counts, PackedCounts):
            names = counts._names
            break
    if names is None or len(names) > 2 * len(pairs) + 1000:
        names = []
    index = {name: at for at, name in enumerate(names)}
    return {entity_id: counts if isinstance(counts, PackedCounts) and counts.packed_with(names)
            else PackedCounts.of(counts, names, index)
            for entity_id, counts in pairs.items()}


def _packed(numbers: list[int]) -> bytes:
    top = max(numbers, default=0)
    code = "B" if top < 1 << 8 else "H" if top < 1 << 16 else "I" if top < 1 << 32 else "Q"
    return array(code, numbers).tobytes()


def _unpacked(data: bytes, length: int) -> array:
    found = array(_TYPECODES[len(data) // length] if length else "B")
    found.frombytes(data)
    return found
