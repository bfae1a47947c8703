"""Write the site atomically, touching only files whose bytes changed.

The new site is assembled in a staging folder beside ``output/``: unchanged files are
hard-linked from the previous site (same bytes, same modification time, no rewrite),
changed ones written fresh. Only when every file is in place does the staging folder take
the place of ``output/``. A build that fails or is interrupted before then leaves the
previous ``output/`` as it was.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Mapping

from .errors import OutputError


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


def recover(output: Path) -> None:
    """Put back the previous site if an earlier build stopped between its two renames."""
    old = _sibling(output, "old")
    if not output.exists() and old.exists():
        old.rename(output)


def write_site(output: Path, files: Mapping[str, bytes]) -> WriteStats:
    output = output.resolve()
    recover(output)
    if output.exists() and not output.is_dir():
        raise OutputError(f"{output} exists and is not a folder")
    staging = _sibling(output, "staging")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    written = unchanged = 0
    try:
        for rel, data in files.items():
            p = safe_relative(rel)
            target = staging.joinpath(*p.parts)
            previous = output.joinpath(*p.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            if _same_bytes(previous, data):
                try:
                    os.link(previous, target)
                    unchanged += 1
                    continue
                except OSError:
                    pass  # a file system without hard links: write a copy
            target.write_bytes(data)
            written += 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    removed = _count_removed(output, files) if output.exists() else 0
    old = _sibling(output, "old")
    if old.exists():
        shutil.rmtree(old)
    if output.exists():
        output.rename(old)
    staging.rename(output)
    shutil.rmtree(old, ignore_errors=True)
    return WriteStats(written, unchanged, removed)


def _sibling(output: Path, what: str) -> Path:
    return output.with_name(f".{output.name}.{what}")


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _count_removed(output: Path, files: Mapping[str, bytes]) -> int:
    keep = {str(PurePosixPath(k)) for k in files}
    return sum(1 for p in output.rglob("*") if p.is_file() and p.relative_to(output).as_posix() not in keep)
