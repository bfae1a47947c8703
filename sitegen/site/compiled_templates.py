"""Templates compiled once and kept between builds, not parsed and compiled by every build.

Jinja2 turns each template into Python code the first time a page uses it: about 0.4 s
for the built-in theme on a small machine, paid by every ``sitegen build`` (an edit of one
article included) and by each render worker. Its ``FileSystemBytecodeCache`` keeps that
code in files, found by the template's name and a checksum of its source, written whole
or not at all (a temporary file, then a rename); a file that does not read back is
compiled again. The folder is named by the caller after everything else the code depends
on (sitegen's own code, Jinja2's version, the environment's settings), and the folders of
other versions are removed, so the state folder keeps one set.
"""
from __future__ import annotations

import shutil
from contextlib import suppress
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket


class _KeptCode(FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: Bucket) -> None:
        # A folder that cannot be written (read-only, full) only costs compiling next time.
        with suppress(OSError):
            super().dump_bytecode(bucket)


def compiled_templates(folder: Path | None) -> FileSystemBytecodeCache | None:
    """Where Jinja2 keeps and finds compiled templates; None (compile every time) without a folder."""
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for other in folder.parent.iterdir():
            if other != folder and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
    except OSError:
        return None
    return _KeptCode(str(folder), "%s.code")
