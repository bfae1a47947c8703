"""A build's output files: bytes it made, and files the output folder already holds.

A one-article edit changes a handful of a large site's thousands of files. The others are
exactly what the last build wrote, and the output folder holds them: a build does not
need their bytes, only to know they are there unchanged. ``SiteFiles`` is the mapping of
output path to bytes that the later steps (search index, writing) read, in which such a
file is *kept*: known by the digest of its bytes, and read from the output folder only if
a step really needs its bytes (the search index of its shard is rebuilt).

Whoever keeps a file vouches that the folder holds it as the last build wrote it (see
``output.stamps``: its size and time are those recorded after that build wrote it).

A ``sitegen build`` also gives it a *spool*: a folder beside the output folder (see
``output.spool``) into which every file made is written at once, so that a large site's
pages do not all sit in memory from rendering until writing. Only the path, digest and
size of such a file stay in memory; its bytes are read back when a step needs them (the
search index), and writing the site moves the spooled file into place instead of writing
it again (after which it can no longer be read from here).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Iterator, Mapping, MutableMapping

from ..errors import OutputError, os_error_message


def file_digest(data: bytes) -> str:
    """What a file's bytes are known by (here and in the search index's state)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class SiteFiles(MutableMapping[str, bytes]):
    """Output path -> bytes, some of them kept in ``folder`` as the last build wrote them,
    and, with a ``spool``, those made written there rather than held."""

    def __init__(self, folder: Path | None = None, made: Mapping[str, bytes] | None = None,
                 spool: Path | None = None, spool_prefix: str = ""):
        self._folder = folder
        self._spool = spool
        self._spool_prefix = spool_prefix  # for the names of its spool files: another mapping may share the spool
        self._made: dict[str, bytes] = dict(made or {}) if spool is None else {}
        self._spooled: dict[str, tuple[str, int]] = {}  # path -> (name in the spool, size)
        self._kept: dict[str, str] = {}  # path -> digest of the bytes the folder holds
        self._digests: dict[str, str] = {}  # path -> digest of bytes made, where known
        self._spool_names = 0  # spool files made so far
        self._frozen = False  # see frozen_copy
        if spool is not None:
            self.update(made or {})

    @classmethod
    def of(cls, files: Mapping[str, bytes]) -> "SiteFiles":
        return files if isinstance(files, SiteFiles) else cls(made=files)

    def frozen_copy(self) -> "SiteFiles":
        """The files as they are now, to read while this mapping goes on growing (the
        search index is made from the pages while the exports are added): a spooled file's
        bytes are read from the same spool, and the copy takes no changes."""
        twin = SiteFiles(self._folder, spool=self._spool, spool_prefix=self._spool_prefix)
        twin._made, twin._spooled = dict(self._made), dict(self._spooled)
        twin._kept, twin._digests = dict(self._kept), dict(self._digests)
        twin._frozen = True
        return twin

    def add(self, path: str, data: bytes, digest: str) -> None:
        """``files[path] = data``, whose digest the caller has already worked out."""
        self[path] = data
        self._digests[path] = digest

    def keep(self, path: str, digest: str) -> None:
        """``path`` is in the output folder as the last build wrote it, with bytes of ``digest``."""
        if self._folder is None:
            raise ValueError("no output folder to keep files in")
        self._forget(path)
        self._kept[path] = digest

    def kept(self, path: str) -> str | None:
        """The digest of a kept file's bytes; None for a file this build made."""
        return self._kept.get(path)

    def spooled(self, path: str) -> Path | None:
        """The spool's file of ``path``'s bytes; None for a file held in memory or kept."""
        found = self._spooled.get(path)
        return self._spool / found[0] if found is not None else None

    def size(self, path: str) -> int:
        """The size of a file's bytes; a spooled file's is known without reading it back."""
        found = self._spooled.get(path)
        if found is not None:
            return found[1]
        made = self._made.get(path)
        return len(made) if made is not None else len(self[path])

    def digest(self, path: str) -> str:
        found = self._kept.get(path) or self._digests.get(path)
        if found is None:
            found = self._digests[path] = file_digest(self[path])
        return found

    def update(self, other=(), /, **more) -> None:
        """As a dict's; the files another ``SiteFiles`` keeps stay kept, unread, and those
        it spooled into this one's spool are taken over, unread (``other`` then holds them
        no more)."""
        if isinstance(other, SiteFiles):
            if other._spooled and self._spool is not None and other._spool == self._spool \
                    and not self._frozen and not other._frozen:
                for path, spooled in list(other._spooled.items()):
                    digest = other._digests.get(path)
                    del other._spooled[path]  # its file is this one's now: not unlinked by other
                    self._forget(path)
                    self._spooled[path] = spooled
                    if digest is not None:
                        self._digests[path] = digest
            for path in [*other._made, *other._spooled]:
                if path in other._digests:
                    self.add(path, other[path], other._digests[path])
                else:
                    self[path] = other[path]
            for path, digest in other._kept.items():
                self.keep(path, digest)
            other = ()
        super().update(other, **more)

    def __getitem__(self, path: str) -> bytes:
        made = self._made.get(path)
        if made is not None:
            return made
        spooled = self.spooled(path)
        if spooled is not None:
            try:
                return spooled.read_bytes()
            except OSError as exc:
                raise OutputError(os_error_message(exc, f"read {path} back from {self._spool}")) from exc
        if path not in self._kept:
            raise KeyError(path)
        try:
            return (self._folder / path).read_bytes()
        except OSError as exc:
            raise OutputError(os_error_message(exc, f"read {path} back from the output folder") +
                              "; build again with --force") from exc

    def __setitem__(self, path: str, data: bytes) -> None:
        if self._frozen:
            raise TypeError("a frozen copy of the site's files takes no changes")
        if self._spool is None:
            self._kept.pop(path, None)
            self._digests.pop(path, None)
            self._made[path] = data
            return
        self._forget(path)
        # Named by number, not by the output path: a spool file's name is always one the
        # file system takes (the path is checked when the site is written).
        name = f"{self._spool_prefix}{self._spool_names}"
        self._spool_names += 1
        try:
            with open(self._spool / name, "xb") as f:
                f.write(data)
        except OSError as exc:
            raise OutputError(os_error_message(exc, f"write {path} into {self._spool}")) from exc
        self._spooled[path] = (name, len(data))

    def _forget(self, path: str) -> None:
        """Drop whatever is known of ``path``'s bytes (and its spool file)."""
        if self._frozen:
            raise TypeError("a frozen copy of the site's files takes no changes")
        self._kept.pop(path, None)
        self._digests.pop(path, None)
        self._made.pop(path, None)
        spooled = self._spooled.pop(path, None)
        if spooled is not None:
            try:
                os.unlink(self._spool / spooled[0])
            except OSError:
                pass  # gone with the spool at the end of the build

    def __delitem__(self, path: str) -> None:
        if path not in self:
            raise KeyError(path)
        self._forget(path)

    def held(self) -> Mapping[str, bytes] | None:
        """Every file with its bytes, if all are held in memory (none kept or spooled, as
        in a preview), to read without a call per file; None otherwise. Not to be changed."""
        return self._made if not self._spooled and not self._kept else None

    def kept_files(self) -> Mapping[str, str]:
        """Path -> digest of every kept file (see ``keep``), to look up without a call per
        file. Not to be changed."""
        return self._kept

    def __contains__(self, path: object) -> bool:
        return path in self._made or path in self._spooled or path in self._kept

    def __iter__(self) -> Iterator[str]:
        yield from self._made
        yield from self._spooled
        yield from self._kept

    def __len__(self) -> int:
        return len(self._made) + len(self._spooled) + len(self._kept)
