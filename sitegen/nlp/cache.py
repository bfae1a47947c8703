"""The build cache: one SQLite file under ``.sitegen/``.

Two tables of JSON values, both keyed by hashes of everything the value depends on:
- ``extraction``: what the NER model found in an article (text, model name and version),
  so a rebuild runs NER only on articles whose text changed;
- ``analysis``: that article's cleaned mentions grouped into entities (the extraction,
  the stoplist and the code of the rules), so a rebuild redoes only what changed.
Writes happen in one transaction per table and build; a cache file that cannot be read
is set aside and rebuilt, never trusted.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..sqlite_files import open_or_set_aside

# Bump when what the extractor stores changes shape or meaning.
EXTRACTOR_VERSION = "3"  # 2: an article's extraction is joined from its paragraphs; 3: other readings kept
TABLES = ("extraction", "analysis")


def content_key(*parts: str) -> str:
    """A hash of the parts, kept apart so that ('ab', 'c') and ('a', 'bc') differ."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def extraction_key(text: str, model_fingerprint: str) -> str:
    return _extraction_key(text, model_fingerprint)


@lru_cache(maxsize=8192)  # a preview asks for every article's key after every save
def _extraction_key(text: str, model_fingerprint: str) -> str:
    return content_key(EXTRACTOR_VERSION, model_fingerprint, text)


class BuildCache:
    """JSON values by key, per table, in a SQLite file."""

    def __init__(self, path: Path, warn=lambda message: None):
        self.path = path
        self._db = open_or_set_aside(path, self._open, warn, "cache")

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        for table in TABLES:
            db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute(f"SELECT count(*) FROM {table}").fetchone()  # fails fast on a corrupt file
        return db

    def get_many(self, table: str, keys: Iterable[str]) -> dict[str, Any]:
        assert table in TABLES
        keys = list(dict.fromkeys(keys))
        found: dict[str, Any] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            for key, value in self._db.execute(f"SELECT key, value FROM {table} WHERE key IN ({marks})", part):
                found[key] = json.loads(value)
        return found

    def missing(self, table: str, keys: Iterable[str]) -> set[str]:
        """Which of ``keys`` the cache has no value for (the values are not read)."""
        assert table in TABLES
        keys = list(dict.fromkeys(keys))
        absent = set(keys)
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            absent.difference_update(k for (k,) in self._db.execute(f"SELECT key FROM {table} WHERE key IN ({marks})",
                                                                    part))
        return absent

    def put_many(self, table: str, items: Mapping[str, Any]) -> None:
        assert table in TABLES
        with self._db:  # one transaction: all or nothing
            self._db.executemany(
                f"INSERT OR REPLACE INTO {table} (key, value) VALUES (?, ?)",
                [(k, json.dumps(v, separators=(",", ":"), ensure_ascii=False)) for k, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "BuildCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
