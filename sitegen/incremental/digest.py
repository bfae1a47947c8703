"""Digests of values: the keys the incremental layer keeps results under.

A digest is a function of a value's content alone: two equal values have one digest,
whatever object holds them. Frozen dataclasses, tuples, lists, dicts, sets, strings, bytes,
numbers, dates, paths and enums are digested field by field, with their type's name, so a
``("a", 1)`` tuple and an object whose fields are "a" and 1 differ.

Hashing a large value again and again would cost more than the work it saves: a frozen
dataclass keeps its digest once made (frozen values are taken never to change), and a
value that is digested often may define ``__digest__`` returning a digest computed once,
from its inputs (see ``Digestible``). A tuple of such values is digested from their
digests in one hash, which a value standing for the tuple may keep instead of the items
(``__digest_as_tuple__``: mentions kept packed, see ``packed_mentions``).
"""
from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import operator
import struct
from pathlib import PurePath
from typing import Any, Callable, Protocol, runtime_checkable


@runtime_checkable
class Digestible(Protocol):
    """A value that says its own digest. One that keeps the digest it made in its ``_digest``
    attribute has long sequences of it digested without a call per item."""

    def __digest__(self) -> str: ...


_KEPT_DIGEST = operator.attrgetter("_digest")  # see Digestible


def digest(*values: Any) -> str:
    """The hex SHA-256 digest of ``values``, by content."""
    h = hashlib.sha256()
    for value in values:
        _feed(h, value)
    return h.hexdigest()


def joined_digest(*parts: str) -> str:
    """A digest of strings that are digests, reprs or ids: one hash of them joined, no walk
    of values (each part must be free of NUL characters)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def own_digest(value: Any) -> str:
    """A frozen value's own digest, made once (cheap to ask again); else ``digest(value)``."""
    own = getattr(value, _DIGEST, None)
    if own is None and hasattr(type(value), "__digest__"):
        return value.__digest__()
    if own is None and dataclasses.is_dataclass(value) and type(value).__dataclass_params__.frozen \
            and hasattr(value, "__dict__"):
        digest(value)  # made and kept on the value
        own = getattr(value, _DIGEST)
    return own if own is not None else digest(value)


def keep_digest(value: Any, known: str) -> None:
    """Give a frozen value the digest it is known to have (that of an equal value made
    otherwise), so that it is not made again from its fields."""
    object.__setattr__(value, _DIGEST, known)


def _feed(h: "hashlib._Hash", value: Any) -> None:
    # The common kinds by their exact type first: a site's values are millions of strings,
    # numbers and small frozen records, and a chain of isinstance checks (or a failed
    # attribute lookup on a string) per value cost more than the hashing itself.
    feeder = _FEEDERS.get(type(value))
    if feeder is None:
        feeder = _feeder_for(type(value))
    feeder(h, value)


def _feed_str(h: "hashlib._Hash", value: str) -> None:
    data = value.encode("utf-8", "surrogatepass")
    h.update(b"s" + struct.pack(">Q", len(data)))
    h.update(data)


def _feed_int(h: "hashlib._Hash", value: int) -> None:
    text = str(value).encode()
    h.update(b"i" + struct.pack(">I", len(text)) + text)


def _feed_sequence(h: "hashlib._Hash", value: tuple | list) -> None:
    h.update((b"t" if isinstance(value, tuple) else b"l") + struct.pack(">Q", len(value)))
    if not value:
        return
    # The long sequences of a site come in two kinds, each fed in one piece: the values
    # that keep their own digest (an article's mentions: tens of thousands of mentions per
    # thousand articles) and plain records (an entity's co-mention pairs of name and count).
    # Item by item, they were a build's largest digesting cost.
    first = type(value[0])
    # The feeder is worked out first: a sequence must be fed the same way however many
    # values of its kind were fed before in this process.
    feeder = _FEEDERS.get(first) or _feeder_for(first)
    if feeder is _feed_digestible and len(set(map(type, value))) == 1:
        # Made in C where every item kept its digest: an archive's mention lists hold
        # hundreds of thousands of mentions, a Python call each cost 0.5 s at 10,000 articles.
        h.update(b"M" + digestibles_digest(value))
        return
    if _is_plain(value):
        # The repr of strings, numbers, None and tuples of them says each one unambiguously
        # (strings quoted and escaped): one repr in C for the whole sequence.
        text = repr(value).encode("utf-8", "surrogatepass")
        h.update(b"r" + struct.pack(">Q", len(text)) + text)
        return
    for item in value:
        _feed(h, item)


def digestibles_digest(items: tuple | list) -> bytes:
    """The part of a sequence's digest that stands for its items, where all are of one
    ``Digestible`` type: one hash of their own digests, so that a value standing for such
    a tuple (``packed_mentions``) can keep it and be digested without its items."""
    try:
        parts = list(map(_KEPT_DIGEST, items))
    except AttributeError:
        parts = [item.__digest__() for item in items]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).digest()


def _feed_tuple_stand_in(h: "hashlib._Hash", value: Any) -> None:
    """A value that stands for a tuple of ``Digestible`` items (``__digest_as_tuple__``):
    fed as that tuple is, from the part it kept."""
    h.update(b"t" + struct.pack(">Q", len(value)))
    if len(value):
        h.update(b"M" + value.__digest_as_tuple__())


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _is_plain(value: tuple | list) -> bool:
    """Whether ``value`` holds only scalars and tuples of scalars (no subclasses: their repr may say less)."""
    scalars = _SCALARS
    for item in value:
        kind = type(item)
        if kind in scalars:
            continue
        if kind is not tuple:
            return False
        for part in item:
            if type(part) not in scalars:
                return False
    return True


def _feed_set(h: "hashlib._Hash", value: frozenset | set) -> None:
    # Order-free: the members' own digests, sorted.
    h.update(b"S" + struct.pack(">Q", len(value)))
    for item in sorted(digest(member) for member in value):
        h.update(item.encode())


def _feed_dict(h: "hashlib._Hash", value: dict) -> None:
    h.update(b"D" + struct.pack(">Q", len(value)))
    for item in sorted(digest(k, v) for k, v in value.items()):
        h.update(item.encode())


_FEEDERS: dict[type, Callable[["hashlib._Hash", Any], None]] = {
    str: _feed_str,
    int: _feed_int,
    bool: lambda h, value: h.update(b"T" if value else b"F"),
    type(None): lambda h, value: h.update(b"N"),
    float: lambda h, value: h.update(b"f" + struct.pack(">d", value)),
    bytes: lambda h, value: h.update(b"b" + struct.pack(">Q", len(value)) + value),
    tuple: _feed_sequence,
    list: _feed_sequence,
    frozenset: _feed_set,
    set: _feed_set,
    dict: _feed_dict,
}


def _feed_digestible(h: "hashlib._Hash", value: Any) -> None:
    h.update(b"d")
    _feed_str(h, value.__digest__())


def _feeder_for(kind: type) -> Callable[["hashlib._Hash", Any], None]:
    """How to feed a value of ``kind``, worked out once per type."""
    if hasattr(kind, "__digest_as_tuple__"):
        _FEEDERS[kind] = _feed_tuple_stand_in
        return _feed_tuple_stand_in
    if hasattr(kind, "__digest__") and not issubclass(kind, (str, bytes, int, float, tuple, list, dict, set, frozenset)):
        _FEEDERS[kind] = _feed_digestible
        return _feed_digestible
    if dataclasses.is_dataclass(kind):
        feeder = _dataclass_feeder(kind)
        _FEEDERS[kind] = feeder
        return feeder
    return _feed_other  # subclasses of the kinds above, enums, dates...: not kept, see below


def _dataclass_feeder(kind: type) -> Callable[["hashlib._Hash", Any], None]:
    # The type's name and each compared field's name, fed as strings are, made once.
    names = [f.name for f in dataclasses.fields(kind) if f.compare]
    prefix = _str_bytes(kind.__qualname__)
    labels = [_str_bytes(name) for name in names]

    def feed_fields(h: "hashlib._Hash", value: Any) -> None:
        h.update(prefix)
        for name, label in zip(names, labels):
            h.update(label)
            _feed(h, getattr(value, name))

    if kind.__dataclass_params__.frozen and "__slots__" not in vars(kind):
        def feed(h: "hashlib._Hash", value: Any) -> None:
            # A frozen value is digested once: the preview hands the same entities and
            # articles to every build, and digesting them again would cost more than it saves.
            own = value.__dict__.get(_DIGEST)
            if own is None:
                mine = hashlib.sha256()
                feed_fields(mine, value)
                own = mine.hexdigest()
                object.__setattr__(value, _DIGEST, own)
            h.update(b"c")
            h.update(own.encode())
        return feed

    def feed_mutable(h: "hashlib._Hash", value: Any) -> None:
        h.update(b"c")
        feed_fields(h, value)
    return feed_mutable


def _str_bytes(text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return b"s" + struct.pack(">Q", len(data)) + data


def _feed_other(h: "hashlib._Hash", value: Any) -> None:  # noqa: C901: one branch per kind of value, in one place
    own = getattr(value, _DIGEST, None)
    if own is not None:  # a frozen value digested before
        h.update(b"c")
        h.update(own.encode())
    elif isinstance(value, bool):
        h.update(b"T" if value else b"F")
    elif isinstance(value, int):
        _feed_int(h, int(value))
    elif isinstance(value, float):
        h.update(b"f" + struct.pack(">d", value))
    elif isinstance(value, str):
        _feed_str(h, str(value))
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        h.update(b"b" + struct.pack(">Q", len(data)) + data)
    elif isinstance(value, enum.Enum):
        h.update(b"e")
        _feed(h, type(value).__qualname__)
        _feed(h, value.value)
    elif isinstance(value, (datetime.date, datetime.time)):  # a datetime is a date
        h.update(b"a")
        _feed(h, type(value).__qualname__)
        _feed(h, value.isoformat())
    elif isinstance(value, PurePath):
        h.update(b"p")
        _feed(h, value.as_posix())
    elif hasattr(type(value), "__digest__"):
        h.update(b"d")
        _feed(h, value.__digest__())
    elif isinstance(value, (tuple, list)):
        _feed_sequence(h, value)
    elif isinstance(value, (frozenset, set)):
        _feed_set(h, value)
    elif isinstance(value, dict):
        _feed_dict(h, value)
    else:
        # A value of unknown kind has no content digest; keying by its repr or id would
        # reuse results wrongly, so refuse it where the key is made.
        raise TypeError(f"cannot digest a {type(value).__qualname__}: give it __digest__ or make it a frozen dataclass")


_DIGEST = "_content_digest"  # where a frozen value keeps its own digest
