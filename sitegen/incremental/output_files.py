"""The output folder as the last `sitegen build` wrote it, kept for the next one.

After writing, a build records each output file's stamp (size and time, see
``output.stamps``) beside its results. The next build keeps a page whose inputs are
unchanged only where the folder still holds that page's file with the same stamp: a file
edited or deleted by hand since is made again, never trusted.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, MutableMapping

from ..output.stamps import FolderCheck, Stamp, unchanged
from ..site.files import SiteFiles, file_digest
from .digest import digest
from .memo import Entry, Memo

WRITTEN = Entry[Mapping[str, Stamp]]("output as written", persist=True)  # key: the output folder
# Files made whole at every build, by kind (see ``add_made``): path -> digest of the bytes written
MADE_WHOLE = Entry[Mapping[str, str]]("files made whole", persist=True)


class WrittenOutput:
    """Which files the output folder still holds as the last build wrote them.

    With ``check`` (the folder looked at in one pass against the last build's record of
    it, ``stamps.check_folder``) and that record's stamps the ones kept here, a file is
    answered from the check; otherwise each file asked about is looked at.
    """

    def __init__(self, memo: Memo, output: Path, check: FolderCheck | None = None):
        self.folder = output
        self._root = os.fspath(output)  # asked once per kept page or data file
        self._stamps = memo.get(WRITTEN, _key(output)) or {}
        self._same = check.same_files if check is not None and check.record.stamps() == self._stamps else None

    def holds(self, rel: str) -> bool:
        if self._same is not None:
            return rel in self._same
        return unchanged(self._root, rel, self._stamps.get(rel))


def note_written(memo: Memo, output: Path, stamps: Mapping[str, Stamp]) -> None:
    """What the folder holds now that this build wrote it."""
    memo.put(WRITTEN, _key(output), dict(stamps))


def _key(output: Path) -> str:
    return digest(str(output.resolve()))


def add_made(files: MutableMapping[str, bytes], made: Mapping[str, bytes], memo: Memo,
             written: WrittenOutput | None, kind: str) -> None:
    """Add ``made`` (files a stage makes whole at every build, such as the redirect pages)
    to ``files``: each with the very bytes the last `sitegen build` wrote, where the folder
    still holds it as written, is kept there, neither spooled nor compared again (465
    redirect pages at 10,000 articles, a tenth of a second an edit)."""
    if written is None or not memo.on_disk or not isinstance(files, SiteFiles):
        files.update(made)  # no folder to keep them in
        return
    last = memo.get(MADE_WHOLE, kind) or {}
    now = {}
    for path, data in made.items():
        now[path] = found = file_digest(data)
        if last.get(path) == found and written.holds(path):
            files.keep(path, found)
        else:
            files.add(path, data, found)
    memo.put(MADE_WHOLE, kind, now)
