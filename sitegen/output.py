"""Write the site safely, touching only files whose bytes changed.

A build changes ``output/`` in two phases:
1. prepare: every path is checked, and every new or changed file is written in full into
   a pending folder beside ``output/`` (``.output.pending``), together with a journal of
   the moves and deletions to make. Nothing in ``output/`` changes in this phase, so a
   build that fails or is interrupted here leaves the previous site exactly as it was.
2. commit: the pending files are renamed into place (each rename is atomic) and stale
   files removed. Should this short phase be cut off, the journal lets the next build
   finish it before doing anything else: files are never half-written.
Unchanged files are not touched at all (same bytes, same modification time), which keeps
rebuilds fast and lets deployment tools see exactly what changed.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Mapping

from .errors import OutputError

JOURNAL = "journal.json"


@dataclass(frozen=True)
class WriteStats:
    written: int  # new or changed files
    unchanged: int
    removed: int


def safe_relative(path: str) -> PurePosixPath:
    """Refuse any page path that could land outside the output folder."""
    p = PurePosixPath(path)
    if p.is_absolute() or not p.parts or any(part in ("", ".", "..") for part in p.parts) or "\\" in path:
        raise OutputError(f"refusing to write '{path}': not a plain path inside the output folder")
    return p


@lru_cache(maxsize=1 << 16)  # a preview writes the same thousands of paths after every save
def _checked(path: str) -> str:
    return safe_relative(path).as_posix()


def pending_folder(output: Path) -> Path:
    return output.with_name(f".{output.name}.pending")


def recover(output: Path) -> None:
    """Finish a commit that was cut off, or drop a preparation that never reached one."""
    pending = pending_folder(output)
    if not pending.exists():
        return
    journal = pending / JOURNAL
    if journal.is_file():
        _apply(output, pending, json.loads(journal.read_text(encoding="utf-8")))
    shutil.rmtree(pending, ignore_errors=True)


def write_site(output: Path, files: Mapping[str, bytes], known: Mapping[str, bytes] | None = None) -> WriteStats:
    """Make ``output`` hold exactly ``files``, changing only what differs.

    ``known`` is what this process last wrote there, if it knows: then files are compared
    in memory instead of read back (a preview server rewrites after every save).
    """
    output = output.resolve()
    if output.exists() and not output.is_dir():
        raise OutputError(f"{output} exists and is not a folder")
    recover(output)
    if known is not None:
        # A file that is the very bytes object written last time was checked then.
        checked = [(rel, data) if known.get(rel) is data else (_checked(rel), data) for rel, data in files.items()]
    else:
        checked = [(_checked(rel), data) for rel, data in files.items()]
    existing = set(known) if known is not None else _existing_files(output)
    same = (lambda clean, data: known.get(clean) == data) if known is not None else \
        (lambda clean, data: _same_bytes(output / clean, data))
    pending = pending_folder(output)
    pending.mkdir(parents=True)
    try:
        moves, unchanged = [], 0
        for clean, data in checked:
            if clean in existing and same(clean, data):
                unchanged += 1
                continue
            name = str(len(moves))
            (pending / name).write_bytes(data)
            moves.append((name, clean))
        wanted = {clean for clean, _ in checked}
        journal = {"moves": moves, "deletes": sorted(existing - wanted)}
        _write_journal(pending, journal)
    except BaseException:
        shutil.rmtree(pending, ignore_errors=True)
        raise
    output.mkdir(parents=True, exist_ok=True)
    _apply(output, pending, journal)
    shutil.rmtree(pending, ignore_errors=True)
    return WriteStats(len(journal["moves"]), unchanged, len(journal["deletes"]))


def _write_journal(pending: Path, journal: dict) -> None:
    tmp = pending / (JOURNAL + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(journal, f)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(pending / JOURNAL)  # the journal exists whole or not at all


def _apply(output: Path, pending: Path, journal: dict) -> None:
    """Make the journal's changes; safe to run again after being cut off.

    Stale files go first, so a file that gives way to a folder (or a folder to a file)
    is out of the way before the new one moves in.
    """
    emptied = set()
    for rel in journal["deletes"]:
        target = output / rel
        if target.is_file() or target.is_symlink():
            target.unlink()
        emptied.add(target.parent)
    for folder in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while folder != output and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    made: set[Path] = set()
    for name, rel in journal["moves"]:
        source = pending / name
        if not source.exists():
            continue  # moved before the cut
        target = output / rel
        if target.parent not in made:
            _make_folder(output, target.parent)
            made.add(target.parent)
        if target.is_dir():
            shutil.rmtree(target)  # a folder where a file now belongs
        os.replace(source, target)


def _make_folder(output: Path, folder: Path) -> None:
    """Create ``folder``, removing an old file that stands where one of its folders goes."""
    for parent in reversed([folder, *folder.relative_to(output).parents][:-1]):
        path = parent if parent.is_absolute() else output / parent
        if path.is_file() or path.is_symlink():
            path.unlink()
    folder.mkdir(parents=True, exist_ok=True)


def _existing_files(output: Path) -> set[str]:
    if not output.is_dir():
        return set()
    found = set()
    for root, _dirs, names in os.walk(output):
        rel_root = os.path.relpath(root, output)
        for name in names:
            found.add(name if rel_root == "." else f"{rel_root}/{name}".replace(os.sep, "/"))
    return found


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False
