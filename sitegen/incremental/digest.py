"""Digests of values: the keys the incremental layer keeps results under.

A digest is a function of a value's content alone: two equal values have one digest,
whatever object holds them. Frozen dataclasses, tuples, lists, dicts, sets, strings, bytes,
numbers, dates, paths and enums are digested field by field, with their type's name, so a
``("a", 1)`` tuple and an object whose fields are "a" and 1 differ.

Hashing a large value again and again would cost more than the work it saves: a frozen
dataclass keeps its digest once made (frozen values are taken never to change), and a
value that is digested often may define ``__digest__`` returning a digest computed once,
from its inputs (see ``Digestible``).
"""
from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import struct
from pathlib import PurePath
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Digestible(Protocol):
    def __digest__(self) -> str: ...


def digest(*values: Any) -> str:
    """The hex SHA-256 digest of ``values``, by content."""
    h = hashlib.sha256()
    for value in values:
        _feed(h, value)
    return h.hexdigest()


def own_digest(value: Any) -> str:
    """A frozen value's own digest, made once (cheap to ask again); else ``digest(value)``."""
    own = getattr(value, _DIGEST, None)
    if own is None and dataclasses.is_dataclass(value) and type(value).__dataclass_params__.frozen \
            and hasattr(value, "__dict__"):
        digest(value)  # made and kept on the value
        own = getattr(value, _DIGEST)
    return own if own is not None else digest(value)


def _feed(h: "hashlib._Hash", value: Any) -> None:  # noqa: C901: one branch per kind of value, in one place
    own = getattr(value, _DIGEST, None)
    if own is not None:  # a frozen value digested before (see below): the common case, first
        h.update(b"c")
        h.update(own.encode())
    elif value is None:
        h.update(b"N")
    elif isinstance(value, bool):
        h.update(b"T" if value else b"F")
    elif isinstance(value, int):
        text = str(value).encode()
        h.update(b"i" + struct.pack(">I", len(text)) + text)
    elif isinstance(value, float):
        h.update(b"f" + struct.pack(">d", value))
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        h.update(b"s" + struct.pack(">Q", len(data)) + data)
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
        h.update((b"t" if isinstance(value, tuple) else b"l") + struct.pack(">Q", len(value)))
        for item in value:
            _feed(h, item)
    elif isinstance(value, (frozenset, set)):
        # Order-free: the members' own digests, sorted.
        h.update(b"S" + struct.pack(">Q", len(value)))
        for item in sorted(digest(member) for member in value):
            h.update(item.encode())
    elif isinstance(value, dict):
        h.update(b"D" + struct.pack(">Q", len(value)))
        for item in sorted(digest(k, v) for k, v in value.items()):
            h.update(item.encode())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        h.update(b"c")
        if type(value).__dataclass_params__.frozen and hasattr(value, "__dict__"):
            # A frozen value is digested once: the preview hands the same entities and
            # articles to every build, and digesting them again would cost more than it saves.
            own = value.__dict__.get(_DIGEST)
            if own is None:
                own = hashlib.sha256()
                _feed_fields(own, value)
                own = own.hexdigest()
                object.__setattr__(value, _DIGEST, own)
            h.update(own.encode())
        else:
            _feed_fields(h, value)
    else:
        # A value of unknown kind has no content digest; keying by its repr or id would
        # reuse results wrongly, so refuse it where the key is made.
        raise TypeError(f"cannot digest a {type(value).__qualname__}: give it __digest__ or make it a frozen dataclass")


_DIGEST = "_content_digest"  # where a frozen value keeps its own digest


def _feed_fields(h: "hashlib._Hash", value: Any) -> None:
    _feed(h, type(value).__qualname__)
    for f in dataclasses.fields(value):
        if f.compare:
            _feed(h, f.name)
            _feed(h, getattr(value, f.name))
