"""Which folder sitegen may write its site into, and its record of the files it wrote there.

sitegen never deletes or overwrites a file it did not write. A folder is sitegen's output
when it holds the record file ``RECORD`` that every build leaves in it: the list of files
that build wrote. Stale files are removed by that list, never by "whatever is there", so a
file someone puts into ``output/`` by hand is left alone. sitegen writes into:

- a folder that does not exist yet (it makes it), or an empty one;
- a folder holding its record;
- a folder an earlier version of sitegen built (no record yet, but its ``data/entities.json``
  export and generator tag are there): its files are taken as sitegen's, once.

Anything else, a non-empty folder it did not make, is refused with exit code 2, and so is
any folder that is, holds or lies inside a folder sitegen reads (the site, ``content/``,
``templates/``, ``.sitegen/``, a replay or record folder).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

import orjson

from ..errors import OutputError

RECORD = ".sitegen-output.json"
_FORMAT = 1


def refuse_source_folders(output: Path, sources: Iterable[tuple[Path, str]], default: Path) -> None:
    """Refuse an output folder that is, holds or lies inside one of the ``sources``
    (each a folder and what it is, for the message); ``default`` is the usual output folder."""
    output = output.resolve()
    for folder, what in sources:
        folder = folder.resolve()
        if output == folder or folder in output.parents or output in folder.parents:
            relation = ("is" if output == folder else "lies inside" if folder in output.parents else "holds")
            raise OutputError(f"{output}: the output folder {relation} {what} ({folder}), which sitegen reads; "
                              f"choose a folder of its own with --output (by default {default})")


def recorded_files(output: Path) -> frozenset[str]:
    """The files sitegen wrote in ``output`` (none yet if it is new or empty).

    Raises ``OutputError`` for a folder sitegen did not make: it would not know which of
    its files it may replace or delete.
    """
    if not output.exists() and not output.is_symlink():
        return frozenset()
    if not output.is_dir():
        raise OutputError(f"{output} exists and is not a folder; choose another --output, or move it away")
    record = _read_record(output)
    if record is not None:
        return record
    if not any(os.scandir(output)):
        return frozenset()
    if _built_by_earlier_sitegen(output):
        return frozenset(existing_files(output))
    if (output / RECORD).exists():
        raise OutputError(f"{output / RECORD}, sitegen's record of the files it wrote here, cannot be read, "
                          f"so it cannot tell its files from yours; move any file of yours out of {output}, "
                          f"delete the folder, and build again")
    raise OutputError(f"{output} is not empty and was not made by sitegen; sitegen never deletes or "
                      f"overwrites files it did not write. Choose a new or empty folder with --output, "
                      f"or move this folder's files away first")


def record_bytes(files: Iterable[str]) -> bytes:
    """The record file listing ``files`` (sorted, so an unchanged site rewrites nothing)."""
    body = {"generator": "sitegen", "format": _FORMAT,
            "about": "the files sitegen wrote here; it removes stale files by this list only",
            "files": sorted(set(files) - {RECORD})}
    # One file a line, as the eye reads it; encoded in C (a large site lists tens of
    # thousands of files, twice a build, and the standard encoder with indents is Python).
    return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def _read_record(output: Path) -> frozenset[str] | None:
    try:
        data = json.loads((output / RECORD).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None  # unreadable: judged as a folder without a record
    if not isinstance(data, dict) or data.get("generator") != "sitegen" or not isinstance(data.get("files"), list):
        return None
    return frozenset(f for f in data["files"] if isinstance(f, str))


def _built_by_earlier_sitegen(output: Path) -> bool:
    """Does ``output`` look like a site an earlier sitegen (without the record) built?"""
    try:
        export = json.loads((output / "data" / "entities.json").read_bytes())
        home = (output / "index.html").read_bytes()[:4096]
    except (OSError, ValueError):
        return False
    return isinstance(export, dict) and "entities" in export and b'name="generator" content="sitegen"' in home


def existing_files(output: Path) -> set[str]:
    """Every file under ``output``, as a path relative to it with forward slashes."""
    if not output.is_dir():
        return set()
    found = set()
    for root, _dirs, names in os.walk(output):
        rel_root = os.path.relpath(root, output)
        for name in names:
            found.add(name if rel_root == "." else f"{rel_root}/{name}".replace(os.sep, "/"))
    return found
