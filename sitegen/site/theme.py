"""Where the built-in theme is; asked by every build, whose inputs include the theme."""
from __future__ import annotations

from pathlib import Path


def builtin_theme_dir() -> Path:
    """The built-in theme: ``sitegen/theme`` in an installed wheel, ``templates/`` in a checkout."""
    packaged = Path(__file__).parent.parent / "theme"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "templates"
