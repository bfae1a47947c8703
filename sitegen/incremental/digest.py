"""Digests of values: the keys the incremental layer keeps results under.

A digest is a function of a value's content alone: two equal values have one digest,
whatever object holds them. Frozen dataclasses, tuples, lists, dicts, sets, strings, bytes,
numbers, paths and enums are digested field by field, with their type's name, so a
``("a", 1)`` tuple and an object whose fields are "a" and 1 differ.

Hashing a large value again and again would cost more than the work it saves: a value
that is digested often (a cluster, an entity) may define ``__digest__`` returning a
digest computed once, from its inputs (see ``Digestible``).
"""
from __future__ import annotations

import dataclasses
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


def _feed(h: "hashlib._Hash", value: Any) -> None:  # noqa: C901: one branch per kind of value, in one place
    if value is None:
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
        _feed(h, type(value).__qualname__)
        for f in dataclasses.fields(value):
            if f.compare:
                _feed(h, f.name)
                _feed(h, getattr(value, f.name))
    else:
        # A value of unknown kind has no content digest; keying by its repr or id would
        # reuse results wrongly, so refuse it where the key is made.
        raise TypeError(f"cannot digest a {type(value).__qualname__}: give it __digest__ or make it a frozen dataclass")
