"""Opening sitegen's SQLite files, which are caches: an unreadable one is set aside.

A cache only saves work, so a file that cannot be read (a crash mid-write on a foreign
file system, a disk error, a file that is not a database) is moved to ``NAME.broken``
with one warning and started afresh; the build never fails on it and never trusts it.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable

from .set_aside import set_aside


def open_or_set_aside(path: Path, open_db: Callable[[], sqlite3.Connection], warn, what: str,
                      consequence: str = "") -> sqlite3.Connection:
    """``open_db()`` must fail fast (read a table) on a corrupt file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return open_db()
    except sqlite3.DatabaseError as exc:
        broken = set_aside(path)
        warn(f"{path}: {what} unreadable ({exc}); moved to {broken.name} and starting afresh{consequence}")
        return open_db()
