"""Full-text search: a Pagefind index of the site, built from the rendered pages.

Pagefind (the ``pagefind[bin]`` package ships its binary) reads the HTML and writes a
static index and search interface into ``pagefind/``. Pages that mark their text with
``data-pagefind-body`` are indexed (dossiers and articles), each with a ``type`` filter
(Person, Place, Organisation, Article). It runs on a private copy of the pages before
anything in ``output/`` changes, so a failed index never leaves a half-written site;
when the binary cannot run, the site is built without search and one warning says why.

Pagefind's filter and metadata files differ from run to run even on the same pages (an
upstream limitation), so when the indexed pages are byte for byte those of the last
build, the index already in ``output/pagefind`` is kept as it is: a rebuild that changes
nothing rewrites nothing, and skips the indexing time.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Mapping

BUNDLE = "pagefind"
MARKER = b"data-pagefind-body"


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


STATE_FILE = "search.json"


def search_files(files: Mapping[str, bytes], language: str, warn: Callable[[str], None],
                 output: Path | None = None, state_dir: Path | None = None) -> dict[str, bytes]:
    """The ``pagefind/`` files for the pages in ``files``; empty (after one warning) if Pagefind cannot run.

    With ``output`` and ``state_dir``, an index built from the same pages is reused.
    """
    binary = find_pagefind()
    if binary is None:
        warn("search is not built: the Pagefind binary was not found; install it with "
             "pip install 'pagefind[bin]' (the search page says search is unavailable)")
        return {}
    pages = {rel: data for rel, data in files.items() if rel.endswith(".html") and MARKER in data}
    if not pages:
        # Pagefind refuses to write an empty index; say so plainly rather than pass on its error.
        warn("search is not built: the site has no articles yet, so there is nothing to index "
             "(the search page says search is unavailable)")
        return {}
    key = _input_key(pages, language, binary)
    if output is not None and state_dir is not None:
        kept = _previous_index(output, state_dir, key)
        if kept:
            return kept
    built = _run_pagefind(binary, pages, language, warn)
    if built and state_dir is not None:
        state_dir.mkdir(parents=True, exist_ok=True)
        state = {"input": key, "index": _digest(built)}
        (state_dir / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    return built


def _input_key(pages: Mapping[str, bytes], language: str, binary: Path) -> str:
    return hashlib.sha256(f"{language}\0{binary}\0{_digest(pages)}".encode()).hexdigest()


def _previous_index(output: Path, state_dir: Path, key: str) -> dict[str, bytes] | None:
    """The index in ``output/pagefind`` if it was built from these pages and is intact."""
    try:
        state = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    bundle = output / BUNDLE
    if not isinstance(state, dict) or state.get("input") != key or not (bundle / "pagefind.js").is_file():
        return None
    found = {f"{BUNDLE}/{p.relative_to(bundle).as_posix()}": p.read_bytes()
             for p in sorted(bundle.rglob("*")) if p.is_file()}
    return found if _digest(found) == state.get("index") else None


def _digest(files: Mapping[str, bytes]) -> str:
    return hashlib.sha256(b"".join(k.encode() + b"\0" + hashlib.sha256(v).digest()
                                   for k, v in sorted(files.items()))).hexdigest()


def _run_pagefind(binary: Path, pages: Mapping[str, bytes], language: str,
                  warn: Callable[[str], None]) -> dict[str, bytes]:
    with tempfile.TemporaryDirectory(prefix="sitegen-search-") as tmp:
        site = Path(tmp) / "site"
        bundle = Path(tmp) / BUNDLE
        for rel, data in pages.items():
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        site.mkdir(exist_ok=True)
        command = [str(binary), "--site", str(site), "--output-path", str(bundle), "--silent"]
        if language:
            command += ["--force-language", language.split("-")[0].lower()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, errors="replace",
                                  env={**os.environ, "NO_COLOR": "1"})
        except OSError as exc:
            warn(f"search is not built: Pagefind ({binary}) cannot run: {exc.strerror or exc}")
            return {}
        if done.returncode != 0 or not (bundle / "pagefind.js").is_file():
            # Pagefind prints some errors twice; each line is told once.
            lines = dict.fromkeys(" ".join(line.split()) for line in (done.stderr or done.stdout or "").splitlines())
            said = " ".join(line for line in lines if line)[-300:]
            warn(f"search is not built: Pagefind ({binary}) failed with exit status {done.returncode}"
                 f"{': ' + said if said else ''}")
            return {}
        return {f"{BUNDLE}/{p.relative_to(bundle).as_posix()}": p.read_bytes()
                for p in sorted(bundle.rglob("*")) if p.is_file()}
