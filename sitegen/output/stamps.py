"""What the output folder holds, file by file: each file's size and modification time.

Taken right after a build wrote the folder, these stamps tell the next build two things
without reading any file: whether anything in the folder changed at all (a no-op build
stops there), and which files are still exactly as written (those a one-article edit
does not touch are then kept as they are: see ``files.SiteFiles``).
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Mapping

Stamp = tuple[int, int]  # size in bytes, modification time in nanoseconds


def folder_stamps(output: Path) -> dict[str, Stamp] | None:
    """Every file under ``output`` -> its stamp; None if there is no such folder. (Folders
    have none: a file added, removed or changed shows in the files' own.)"""
    if not output.is_dir():
        return None
    stamps: dict[str, Stamp] = {}

    # os.scandir, not Path.rglob: a no-op build is mostly this walk over thousands of
    # files, and scandir is several times quicker at it.
    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):  # known from the listing: no stat
                    walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    st = entry.stat(follow_symlinks=False)
                    stamps[prefix + entry.name] = (st.st_size, st.st_mtime_ns)

    walk(str(output), "")
    return stamps


def fingerprint(stamps: Mapping[str, Stamp] | None) -> str | None:
    """One digest of the whole folder's stamps: a hand-edited, added or deleted file changes it."""
    if stamps is None:
        return None
    rows = "".join(f"{rel}\0{size}\0{time}\n" for rel, (size, time) in sorted(stamps.items()))
    return hashlib.sha256(rows.encode("utf-8", "surrogateescape")).hexdigest()


def unchanged(output: Path, rel: str, stamp: Stamp | None) -> bool:
    """Whether the file ``rel`` still has the stamp it was written with."""
    if stamp is None:
        return False
    try:
        st = os.stat(output / rel, follow_symlinks=False)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == tuple(stamp)
