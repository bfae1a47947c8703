"""The reference cache: parsed Wikipedia and Wikidata records in one SQLite file.

Records are kept by kind and key (a page by the title asked for, an item by its
Wikidata id, a search by its query), with the time they were fetched. "Missing" and
"disambiguation" answers are records too, so a name Wikipedia does not know is not
asked about again on every build. A record older than the time-to-live is refetched
when the network is there; offline, and whenever a refetch fails, the old record
serves (a failed fetch never replaces a good record).

A lookup that could not be answered (the network out of reach, a server failing every
try) is remembered too, with when it may be tried again: after 1 hour, then 6 hours,
then once a day for as long as it keeps failing. Until then builds do not ask for it
again, so a build with no network does not wait on it, nor count it as work left to do.
An answer clears it; ``--refresh`` tries it at once.
"""
from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from ..sqlite_files import open_or_set_aside

KINDS = ("page", "extract", "search", "item", "label")
SCHEMA_VERSION = 1
# Seconds to wait before asking again after the 1st, 2nd, 3rd and later failures in a row.
BACKOFF = (3600.0, 6 * 3600.0, 86400.0)


class ReferenceStore:
    def __init__(self, path: Path | None, warn=lambda message: None):
        """``path`` None keeps the records in memory only (a replayed build)."""
        self.path = path
        if path is None:
            self._db = self._open(":memory:")
            return
        self._db = open_or_set_aside(path, lambda: self._open(str(path)), warn, "reference cache",
                                     " (records will be fetched again)")

    @staticmethod
    def _open(where: str) -> sqlite3.Connection:
        db = sqlite3.connect(where)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS record (kind TEXT NOT NULL, key TEXT NOT NULL, "
                   "value TEXT NOT NULL, fetched REAL NOT NULL, PRIMARY KEY (kind, key))")
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("CREATE TABLE IF NOT EXISTS backoff (kind TEXT NOT NULL, key TEXT NOT NULL, "
                   "failures INTEGER NOT NULL, retry_at REAL NOT NULL, reason TEXT NOT NULL, "
                   "PRIMARY KEY (kind, key))")
        row = db.execute("SELECT value FROM meta WHERE name = 'schema'").fetchone()
        if row is None:
            with db:
                db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif row[0] != str(SCHEMA_VERSION):
            with db:  # records of another layout are refetched, not misread
                db.execute("DELETE FROM record")
                db.execute("UPDATE meta SET value = ? WHERE name = 'schema'", (str(SCHEMA_VERSION),))
                _count_write(db)
        if db.execute("SELECT value FROM meta WHERE name = 'file id'").fetchone() is None:
            with db:  # tells this file from one made again in its place (deleted, set aside)
                db.execute("INSERT OR IGNORE INTO meta VALUES ('file id', ?)", (uuid.uuid4().hex,))
        db.execute("SELECT count(*) FROM record").fetchone()  # fails fast on a corrupt file
        return db

    def revision(self) -> str | None:
        """What the records now held are, as a string that changes whenever they may have:
        the file's own id, the count of writes made through this class, and the file's
        size and time (a writer of an older sitegen does not count its writes). None for
        a store kept in memory, which lives for one build, or for a file that is gone."""
        if self.path is None:
            return None
        meta = dict(self._db.execute("SELECT name, value FROM meta WHERE name IN ('file id', 'writes')"))
        try:
            st = os.stat(self.path)
            # The write-ahead log by its size alone: every connection makes it anew (an empty
            # file, a new time) when it opens, and a write makes it longer.
            wal = os.stat(f"{self.path}-wal").st_size if os.path.exists(f"{self.path}-wal") else "-"
        except OSError:
            return None  # gone while open: nothing to key by
        return f"{meta.get('file id')}:{meta.get('writes', 0)}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{wal}"

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, tuple[Any, float]]:
        """The records found, each with its fetch time (seconds since the epoch)."""
        assert kind in KINDS
        rows = self._rows_with_keys("SELECT key, value, fetched FROM record WHERE kind = ? AND key IN ({})",
                                    [kind], keys)
        return {key: (json.loads(value), fetched) for key, value, fetched in rows}

    def _rows_with_keys(self, query: str, params: list, keys: Iterable[str]) -> Iterator[tuple]:
        """The rows of ``query`` (its ``IN ({})`` filled with one mark per key) for every key,
        asked 500 keys at a time: SQLite caps the marks in one statement."""
        keys = list(dict.fromkeys(keys))
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            yield from self._db.execute(query.format(",".join("?" * len(part))), [*params, *part])

    def put_many(self, kind: str, records: Mapping[str, Any], fetched: float | None = None) -> None:
        assert kind in KINDS
        when = time.time() if fetched is None else fetched
        with self._db:  # one transaction: a killed build leaves whole records or none
            self._db.executemany(
                "INSERT OR REPLACE INTO record (kind, key, value, fetched) VALUES (?, ?, ?, ?)",
                [(kind, k, json.dumps(v, ensure_ascii=False, separators=(",", ":")), when)
                 for k, v in records.items()])
            _count_write(self._db)

    def backing_off(self, kind: str, keys: Iterable[str], now: float) -> dict[str, tuple[float, str]]:
        """The keys not to ask for before a later time: key -> (that time, why the last try failed)."""
        assert kind in KINDS
        rows = self._rows_with_keys("SELECT key, retry_at, reason FROM backoff WHERE kind = ? AND retry_at > ? "
                                    "AND key IN ({})", [kind, now], keys)
        return {key: (retry_at, reason) for key, retry_at, reason in rows}

    def failed(self, kind: str, keys: Iterable[str], reason: str, now: float) -> float:
        """Remember that these keys could not be fetched; returns when the first may be asked again."""
        assert kind in KINDS
        keys = list(dict.fromkeys(keys))
        earlier = dict(self._rows_with_keys("SELECT key, failures FROM backoff WHERE kind = ? AND key IN ({})",
                                            [kind], keys))
        rows = []
        for key in keys:
            failures = earlier.get(key, 0) + 1
            rows.append((kind, key, failures, now + BACKOFF[min(failures, len(BACKOFF)) - 1], reason))
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO backoff (kind, key, failures, retry_at, reason) "
                                 "VALUES (?, ?, ?, ?, ?)", rows)
            _count_write(self._db)
        return min((row[3] for row in rows), default=now)

    def answered(self, kind: str, keys: Iterable[str]) -> None:
        """These keys got an answer: ask for them as usual from now on."""
        assert kind in KINDS
        keys = list(dict.fromkeys(keys))
        with self._db:
            for i in range(0, len(keys), 500):
                part = keys[i:i + 500]
                self._db.execute(f"DELETE FROM backoff WHERE kind = ? AND key IN ({','.join('?' * len(part))})",
                                 [kind, *part])
            _count_write(self._db)

    def is_empty(self) -> bool:
        return self._db.execute("SELECT 1 FROM record LIMIT 1").fetchone() is None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "ReferenceStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _count_write(db: sqlite3.Connection) -> None:
    """One more write, in the writer's transaction: what ``revision`` reports."""
    db.execute("INSERT INTO meta VALUES ('writes', '1') "
               "ON CONFLICT (name) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
