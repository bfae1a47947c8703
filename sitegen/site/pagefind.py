"""Where the Pagefind binary is: asked by every build (it is an input of the site), so
kept apart from the search index's own code and its libraries."""
from __future__ import annotations

import os
import shutil
from pathlib import Path


def find_pagefind() -> Path | None:
    """The Pagefind binary, looked for where ``pagefind.service.get_executable`` looks:
    ``PAGEFIND_BINARY_PATH``, the ``pagefind_bin_extended`` or ``pagefind_bin`` package
    (``pagefind[bin]``), then ``pagefind_extended`` or ``pagefind`` on PATH.

    Not by calling it: its module imports asyncio and the rest of Pagefind's Python API,
    a fifth of the time of a build that finds nothing to do.
    """
    named = os.environ.get("PAGEFIND_BINARY_PATH")
    if named is not None:
        return Path(named)
    for package in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            module = __import__(package)
        except ImportError:
            continue
        return Path(module.get_executable())
    on_path = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(on_path) if on_path else None
