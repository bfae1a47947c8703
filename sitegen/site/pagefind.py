"""Where the Pagefind binary is: asked by every build (it is an input of the site), so
kept apart from the search index's own code and its libraries."""
from __future__ import annotations

import shutil
from pathlib import Path


def find_pagefind() -> Path | None:
    """The Pagefind binary: ``PAGEFIND_BINARY_PATH``, the one ``pagefind[bin]`` ships, or on PATH."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        get_executable = None
    if get_executable is not None:
        found = get_executable()
        if found is not None:
            return Path(found)
    on_path = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(on_path) if on_path else None
