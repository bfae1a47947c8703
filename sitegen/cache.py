"""The extraction cache: one SQLite file under ``.sitegen/``.

Keyed by the hash of an article's text, the model (name and version) and the extractor
settings, so a rebuild runs NER only on what changed. Writes happen in one transaction
per build; a cache file that cannot be read is set aside and rebuilt, never trusted.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Iterable, Mapping

from .extract import Extraction

# Bump when what the extractor stores changes shape or meaning.
EXTRACTOR_VERSION = "1"
SCHEMA = "CREATE TABLE IF NOT EXISTS extraction (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def extraction_key(text: str, model_fingerprint: str) -> str:
    digest = hashlib.sha256()
    for part in (EXTRACTOR_VERSION, model_fingerprint, text):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


class ExtractionCache:
    """Extraction results by key, in a SQLite file."""

    def __init__(self, path: Path, warn=lambda message: None):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            broken = path.with_name(path.name + ".broken")
            warn(f"{path}: cache unreadable ({exc}); moved to {broken.name} and starting afresh")
            path.replace(broken)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(SCHEMA)
        db.execute("SELECT count(*) FROM extraction").fetchone()  # fails fast on a corrupt file
        return db

    def get_many(self, keys: Iterable[str]) -> dict[str, Extraction]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, Extraction] = {}
        for i in range(0, len(keys), 500):
            part = keys[i : i + 500]
            marks = ",".join("?" * len(part))
            rows = self._db.execute(f"SELECT key, value FROM extraction WHERE key IN ({marks})", part)
            for key, value in rows:
                found[key] = Extraction.from_json(json.loads(value))
        return found

    def put_many(self, items: Mapping[str, Extraction]) -> None:
        with self._db:  # one transaction: all or nothing
            self._db.executemany(
                "INSERT OR REPLACE INTO extraction (key, value) VALUES (?, ?)",
                [(k, json.dumps(v.to_json(), separators=(",", ":"))) for k, v in items.items()],
            )

    def close(self) -> None:
        self._db.close()
