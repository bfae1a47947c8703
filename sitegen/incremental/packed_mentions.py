"""Mentions kept as the bytes they were pickled to, until something reads them.

`sitegen build` keeps every entity and every article's list of mentions in its memo
file. An edit reads all of them back, yet uses the mentions of a few: the pages, entries
and lists it makes again. Unpickling the rest (386,000 mentions at 10,000 articles) was
the largest part of reading the memo. A ``PackedMentions`` holds the pickled bytes and
what the rest of a build asks of the sequence without reading it: its length, its
digest, the ids of the entities it names, and where a dossier of them is cut into pages
(``paging.layout``: a build plans every dossier's pages). The first read of a mention
unpickles them all (and drops the bytes); to everything else it is the tuple it stands
for: equal to it, digested like it (see ``digest``), indexed, sliced and iterated like it.
"""
from __future__ import annotations

import pickle
from operator import attrgetter
from typing import Any, Iterator, Sequence, overload

from ..errors import UnreadableResult
from ..model import Mention
from ..site import paging
from .digest import digestibles_digest

_ENTITY_ID = attrgetter("entity_id")
# Whether mentions already read are pickled as the mentions themselves, not as bytes of
# their own (see ``pickle_read_inline``).
_pickle_read_inline = False


def pickle_read_inline() -> None:
    """From now on, in this process, a ``PackedMentions`` already read pickles as its
    mentions: the same objects as the entity's or article's that hold them, pickled once.

    For the linked site a forked process hands back (see ``incremental.apart``): pickled
    as bytes of their own, an article's mentions would be read back as copies of the
    entities' (twice the mentions in memory), and an entity kept for the memo file as a
    third. The memo file keeps them as bytes (a later build reads few of them).
    """
    global _pickle_read_inline
    _pickle_read_inline = True


class PackedMentions(Sequence[Mention]):
    """A tuple of mentions, pickled until read (see the module's docstring)."""

    __slots__ = ("_blob", "_items", "_length", "_digest", "entity_ids", "layout")

    def __init__(self, blob: bytes | None, items: tuple[Mention, ...] | None, length: int, sequence_digest: bytes,
                 entity_ids: tuple[str, ...], layout: paging.Layout | None = None):
        self._blob, self._items, self._length = blob, items, length
        self._digest = sequence_digest  # see ``__digest_as_tuple__``
        self.entity_ids = entity_ids  # sorted, each once (see ``model.named_entities``)
        self.layout = layout  # an entity's mentions' (None for an article's, or short ones)

    @classmethod
    def of(cls, mentions: Sequence[Mention]) -> "PackedMentions":
        """``mentions``, to be pickled as bytes of their own (a ``PackedMentions`` as it is)."""
        if isinstance(mentions, PackedMentions):
            return mentions
        items = tuple(mentions)
        entity_ids = tuple(sorted(set(map(_ENTITY_ID, items))))
        # An entity's mentions, as many as a dossier pages: cut now, once, not at every build.
        pages = paging.layout(items) if len(entity_ids) == 1 and paging.is_paged(len(items)) else None
        return cls(None, items, len(items), digestibles_digest(items) if items else b"", entity_ids, pages)

    def __reduce__(self):
        if _pickle_read_inline and self._items is not None:
            return (PackedMentions, (None, self._items, self._length, self._digest, self.entity_ids, self.layout))
        blob = self._blob if self._blob is not None else pickle.dumps(self._items, pickle.HIGHEST_PROTOCOL)
        return (_unpickled, (blob, self._length, self._digest, self.entity_ids, self.layout))

    @property
    def is_read(self) -> bool:
        """Whether the mentions were unpickled (for tests and benchmarks: reading is what costs)."""
        return self._items is not None

    def _read(self) -> tuple[Mention, ...]:
        items = self._items
        if items is None:
            try:
                items = pickle.loads(self._blob)
            except Exception as exc:  # noqa: BLE001: bytes that cannot be unpickled fail in many ways
                raise UnreadableResult(f"mentions kept in the memo file are unreadable ({exc})") from exc
            if not isinstance(items, tuple) or len(items) != self._length:
                raise UnreadableResult("mentions kept in the memo file are not what was kept")
            self._items = items
            self._blob = None
        return items

    def __digest_as_tuple__(self) -> bytes:
        """What ``digest`` feeds for a tuple of these mentions after its length (see ``digestibles_digest``)."""
        return self._digest

    def __len__(self) -> int:
        return self._length

    def __bool__(self) -> bool:
        return self._length > 0

    @overload
    def __getitem__(self, index: int) -> Mention: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Mention, ...]: ...

    def __getitem__(self, index):
        return self._read()[index]

    def __iter__(self) -> Iterator[Mention]:
        return iter(self._read())

    def __reversed__(self) -> Iterator[Mention]:
        return reversed(self._read())

    def __contains__(self, value: object) -> bool:
        return value in self._read()

    def index(self, value: Any, start: int = 0, stop: int = 9223372036854775807) -> int:
        return self._read().index(value, start, stop)

    def count(self, value: Any) -> int:
        return self._read().count(value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedMentions):
            # Equal digests say equal mentions: both were made from the mentions' own digests.
            return self._length == other._length and self._digest == other._digest
        if isinstance(other, tuple):
            return self._length == len(other) and self._read() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._read())

    def __add__(self, other: object) -> tuple[Mention, ...]:
        return self._read() + tuple(other)  # type: ignore[arg-type]

    def __radd__(self, other: object) -> tuple[Mention, ...]:
        return tuple(other) + self._read()  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"PackedMentions({self._length} mentions{'' if self.is_read else ', unread'})"


def _unpickled(blob: bytes, length: int, sequence_digest: bytes, entity_ids: tuple[str, ...],
               layout: paging.Layout | None = None) -> PackedMentions:
    return PackedMentions(blob, None, length, sequence_digest, entity_ids, layout)
