"""A build's output files: bytes it made, and files the output folder already holds.

A one-article edit changes a handful of a large site's thousands of files. The others are
exactly what the last build wrote, and the output folder holds them: a build does not
need their bytes, only to know they are there unchanged. ``SiteFiles`` is the mapping of
output path to bytes that the later steps (search index, writing) read, in which such a
file is *kept*: known by the digest of its bytes, and read from the output folder only if
a step really needs its bytes (the search index of its shard is rebuilt).

Whoever keeps a file vouches that the folder holds it as the last build wrote it (see
``output.stamps``: its size and time are those recorded after that build wrote it).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterator, Mapping, MutableMapping

from ..errors import OutputError, os_error_message


def file_digest(data: bytes) -> str:
    """What a file's bytes are known by (here and in the search index's state)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class SiteFiles(MutableMapping[str, bytes]):
    """Output path -> bytes, some of them kept in ``folder`` as the last build wrote them."""

    def __init__(self, folder: Path | None = None, made: Mapping[str, bytes] | None = None):
        self._folder = folder
        self._made: dict[str, bytes] = dict(made or {})
        self._kept: dict[str, str] = {}  # path -> digest of the bytes the folder holds
        self._digests: dict[str, str] = {}  # path -> digest of bytes made, where known

    @classmethod
    def of(cls, files: Mapping[str, bytes]) -> "SiteFiles":
        return files if isinstance(files, SiteFiles) else cls(made=files)

    def copy(self) -> "SiteFiles":
        """Another mapping of the same files: what is added to one is not in the other."""
        twin = SiteFiles(self._folder)
        twin._made, twin._kept, twin._digests = dict(self._made), dict(self._kept), dict(self._digests)
        return twin

    def add(self, path: str, data: bytes, digest: str) -> None:
        """``files[path] = data``, whose digest the caller has already worked out."""
        self[path] = data
        self._digests[path] = digest

    def keep(self, path: str, digest: str) -> None:
        """``path`` is in the output folder as the last build wrote it, with bytes of ``digest``."""
        if self._folder is None:
            raise ValueError("no output folder to keep files in")
        self._made.pop(path, None)
        self._digests.pop(path, None)
        self._kept[path] = digest

    def kept(self, path: str) -> str | None:
        """The digest of a kept file's bytes; None for a file this build made."""
        return self._kept.get(path)

    def digest(self, path: str) -> str:
        found = self._kept.get(path) or self._digests.get(path)
        if found is None:
            found = self._digests[path] = file_digest(self._made[path])
        return found

    def update(self, other=(), /, **more) -> None:
        """As a dict's; the files another ``SiteFiles`` keeps stay kept, unread."""
        if isinstance(other, SiteFiles):
            for path, data in other._made.items():
                self[path] = data
                if path in other._digests:
                    self._digests[path] = other._digests[path]
            for path, digest in other._kept.items():
                self.keep(path, digest)
            other = ()
        super().update(other, **more)

    def __getitem__(self, path: str) -> bytes:
        made = self._made.get(path)
        if made is not None:
            return made
        if path not in self._kept:
            raise KeyError(path)
        try:
            return (self._folder / path).read_bytes()
        except OSError as exc:
            raise OutputError(os_error_message(exc, f"read {path} back from the output folder") +
                              "; build again with --force") from exc

    def __setitem__(self, path: str, data: bytes) -> None:
        self._kept.pop(path, None)
        self._digests.pop(path, None)
        self._made[path] = data

    def __delitem__(self, path: str) -> None:
        self._digests.pop(path, None)
        if path in self._made:
            del self._made[path]
        else:
            del self._kept[path]

    def __contains__(self, path: object) -> bool:
        return path in self._made or path in self._kept

    def __iter__(self) -> Iterator[str]:
        yield from self._made
        yield from self._kept

    def __len__(self) -> int:
        return len(self._made) + len(self._kept)
