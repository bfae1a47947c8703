"""What the search index keeps between builds, in ``.sitegen/search.sqlite``.

For each page: the digest of its bytes, and the search document made from them (see
``search_content``) with its digest, so that a page whose bytes did not change is neither
read nor parsed again, and a shard is indexed again from the documents alone, never from
the pages. For each shard: the digest of what it was made from and of the files made.

A build changes the rows of the pages it changed, not a file of every page's digests.
Losing the file only costs time: the next build makes every document and shard again.
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from contextlib import suppress
from pathlib import Path
from typing import Iterable, Iterator

FILE = "search.sqlite"
_OLD_FILE = "search.json"  # what sitegen kept before; removed when this one is made
_CHUNK = 500  # pages asked for in one query


class SearchStore:
    """The kept documents and shards of one site (or of one build, with no folder).

    Its connection may be used from more than one thread, one query at a time."""

    def __init__(self, state_dir: Path | None, version: str):
        self._connection = self._open(state_dir, version)

    def _open(self, state_dir: Path | None, version: str) -> sqlite3.Connection:
        if state_dir is None:
            return self._made(sqlite3.connect(":memory:", check_same_thread=False), version)
        state_dir.mkdir(parents=True, exist_ok=True)
        path = state_dir / FILE
        try:
            return self._made(sqlite3.connect(path, check_same_thread=False), version)
        except sqlite3.DatabaseError:
            # Not a database (cut off, or written by something else): only time is lost.
            discard(state_dir)
            return self._made(sqlite3.connect(path, check_same_thread=False), version)
        finally:
            with suppress(OSError):
                (state_dir / _OLD_FILE).unlink()

    @staticmethod
    def _made(connection: sqlite3.Connection, version: str) -> sqlite3.Connection:
        connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        found = connection.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if found is None or found[0] != version:
            # Documents made another way would not match what this code makes of the same page.
            for table in ("pages", "documents", "shards"):
                connection.execute(f"DROP TABLE IF EXISTS {table}")
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))
            connection.commit()
            connection.execute("VACUUM")  # the file would otherwise keep the old tables' size
        # search: the digest of the document, NULL for a page search does not index. The
        # documents have a table of their own, compressed (a third of the size): every
        # build reads every page's digests, and a table of small rows without a row id is
        # the quickest to read whole, but the largest for large ones (49 MB against 36 at
        # 10,000 articles).
        connection.execute("CREATE TABLE IF NOT EXISTS pages (page TEXT PRIMARY KEY, bytes TEXT NOT NULL, "
                           "search TEXT) WITHOUT ROWID")
        connection.execute("CREATE TABLE IF NOT EXISTS documents (page TEXT PRIMARY KEY, document BLOB NOT NULL)")
        connection.execute("CREATE TABLE IF NOT EXISTS shards (folder TEXT PRIMARY KEY, state TEXT NOT NULL)")
        connection.commit()
        return connection

    def pages(self) -> dict[str, tuple[str, str | None]]:
        """Each page kept -> (digest of its bytes, digest of its search document or None)."""
        return {page: (whole, search) for page, whole, search in
                self._connection.execute("SELECT page, bytes, search FROM pages")}

    def put(self, page: str, whole: str, search: str | None, document: bytes | None) -> None:
        self._connection.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", (page, whole, search))
        if document is None:
            self._connection.execute("DELETE FROM documents WHERE page = ?", (page,))
        else:
            self._connection.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)", (page, zlib.compress(document)))

    def forget(self, pages: Iterable[str]) -> None:
        pages = [(page,) for page in pages]
        self._connection.executemany("DELETE FROM pages WHERE page = ?", pages)
        self._connection.executemany("DELETE FROM documents WHERE page = ?", pages)

    def documents(self, pages: list[str]) -> Iterator[tuple[str, bytes]]:
        """The search document of each of ``pages`` (that has one), a few at a time."""
        for start in range(0, len(pages), _CHUNK):
            chunk = pages[start:start + _CHUNK]
            for page, packed in self._connection.execute(
                    f"SELECT page, document FROM documents WHERE page IN ({','.join('?' * len(chunk))})", chunk):
                yield page, zlib.decompress(packed)

    def shards(self) -> dict[str, dict]:
        found = {}
        for folder, state in self._connection.execute("SELECT folder, state FROM shards"):
            with suppress(ValueError):
                found[folder] = json.loads(state)
        return found

    def put_shard(self, folder: str, state: dict) -> None:
        self._connection.execute("INSERT OR REPLACE INTO shards VALUES (?, ?)",
                                 (folder, json.dumps(state, separators=(",", ":"))))

    def forget_shards(self, folders: Iterable[str]) -> None:
        self._connection.executemany("DELETE FROM shards WHERE folder = ?", ((folder,) for folder in folders))

    def commit(self) -> None:
        self._connection.commit()

    def close(self) -> None:
        self._connection.close()


def discard(state_dir: Path) -> None:
    """Remove the kept store (damaged): the next one starts empty."""
    path = state_dir / FILE
    for stale in (path, path.with_name(path.name + "-journal")):
        with suppress(OSError):
            stale.unlink()
