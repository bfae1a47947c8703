"""Moving an unreadable state file out of the way: the build goes on, and the file is kept.

A cache only saves work, so a later broken copy may replace an earlier one. A record that
nothing can rebuild (the addresses a site has published) must never lose a copy: each
broken version gets a name of its own.
"""
from __future__ import annotations

from pathlib import Path

SUFFIX = ".broken"


def set_aside(path: Path, keep_earlier: bool = False) -> Path:
    """Move ``path`` to ``NAME.broken`` and return where it went; with ``keep_earlier`` an
    existing ``NAME.broken`` is left alone and the first free ``NAME.broken-N`` is taken."""
    target = path.with_name(path.name + SUFFIX)
    n = 1
    while keep_earlier and (target.exists() or target.is_symlink()):
        n += 1
        target = path.with_name(f"{path.name}{SUFFIX}-{n}")
    path.replace(target)
    return target
