"""The spool: where a `sitegen build` puts each file it makes until the site is written.

A large site's pages are a gigabyte and more; held in memory from rendering until
writing, they set the build's peak. Instead each file goes to the spool as soon as it is
made (see ``site.files.SiteFiles``), and writing the site moves it on from there. The
spool is a folder beside the output folder (``.output.spool``), on the same file system,
so moving a file is a rename. It lasts one build: removed when the build ends, however it
ends, and a spool left by a build that was killed is removed by the next one.
"""
from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import OutputError, os_error_message


def spool_folder(output: Path) -> Path:
    return output.with_name(f".{output.name}.spool")


@contextmanager
def spool(output: Path) -> Iterator[Path]:
    """A fresh, empty spool for a build writing into ``output``; gone afterwards."""
    folder = spool_folder(output)
    shutil.rmtree(folder, ignore_errors=True)  # a killed build's
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise OutputError(os_error_message(exc, "make the spool folder beside the output folder")) from exc
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
