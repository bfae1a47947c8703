"""``sitegen check`` of the search index: every file Pagefind's interface asks for is there and loads.

A search bundle (``pagefind/``) is read the way the browser reads it: the search page
loads ``pagefind-ui.js`` and ``pagefind-ui.css``, which load ``pagefind.js`` (and its
worker); that reads ``pagefind-entry.json``, which names each language's metadata
(``pagefind.<hash>.pf_meta``) and WebAssembly (``wasm.<language>.pagefind``); the
metadata names every word-index chunk (``index/<hash>.pf_index``), filter
(``filter/<hash>.pf_filter``) and page fragment (``fragment/<hash>.pf_fragment``). A
missing or cut-off file breaks every search that needs it, silently, so each is opened:
Pagefind's own files are gzip streams holding the signature ``pagefind_dcd`` and then
CBOR (metadata, index chunks, filters), JSON (fragments) or WebAssembly.

A large site's index comes in shards: ``shards.json`` in the bundle names the folders of
the others, which the search page merges into the first, and the results it drops
(``stale``: see ``site.search_recent``). Each holds its own entry file,
metadata and the files they name, and is read with the first bundle's scripts and
WebAssembly, so it has none of its own.

A site built without search (``search = false``, or no Pagefind binary) has no bundle
and nothing to check here: the build said so, and the search page tells readers.
"""
from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any, Callable

import cbor2

SIGNATURE = b"pagefind_dcd"
ENTRY = "pagefind-entry.json"
SHARDS = "shards.json"
# What the search page loads, then what Pagefind's interface loads in turn.
INTERFACE = ("pagefind-ui.js", "pagefind-ui.css", "pagefind.js", "pagefind-worker.js")


class BundleCheck:
    """Problems in the search bundle in folder ``bundle`` (relative to ``output``), as
    ``(file, message)`` pairs; ``pages`` is how many pages its index holds, if it was read."""

    def __init__(self, output: Path, files: set[str], bundle: str, loaded_by: str, merged: bool = False) -> None:
        self.output, self.files, self.bundle, self.loaded_by = output, files, bundle.rstrip("/"), loaded_by
        self.merged = merged  # a shard merged into another bundle: no interface of its own
        self.problems: list[tuple[str, str]] = []
        self.pages: int | None = None

    def run(self) -> "BundleCheck":
        for name in () if self.merged else INTERFACE:
            self._read(name, f"{self.loaded_by} loads it")
        if not self.merged and f"{self.bundle}/{SHARDS}" in self.files:
            self._check_shards()
        entry = self._read(ENTRY, "pagefind.js reads it first; without it search finds nothing")
        if entry is None:
            return self
        try:
            languages = json.loads(entry)["languages"]
            if not isinstance(languages, dict) or not languages:
                raise ValueError("it names no language")
        except (ValueError, KeyError, TypeError) as exc:
            self._problem(ENTRY, f"not a Pagefind entry file ({_reason(exc)}); build the site again")
            return self
        self.pages = (self.pages or 0)
        for language, about in sorted(languages.items()):
            self._check_language(language, about)
        return self

    def _check_language(self, language: str, about: Any) -> None:
        if not isinstance(about, dict) or not isinstance(about.get("hash"), str):
            self._problem(ENTRY, f"language '{language}' names no metadata file; build the site again")
            return
        if isinstance(about.get("wasm"), str) and not self.merged:
            self._load(f"wasm.{about['wasm']}.pagefind", ENTRY, lambda data: _require(data[:4] == b"\0asm",
                                                                                       "not WebAssembly"))
        meta_file = f"pagefind.{about['hash']}.pf_meta"
        meta = self._load(meta_file, ENTRY, cbor2.loads)
        if meta is None:
            return
        try:
            _, pages, chunks, filters = meta[:4]
            fragments = [f"fragment/{hash_}.pf_fragment" for hash_, _words in pages]
            indexes = [f"index/{chunk[2]}.pf_index" for chunk in chunks]
            filter_files = [f"filter/{hash_}.pf_filter" for _name, hash_ in filters]
        except (ValueError, TypeError, IndexError, KeyError):
            self._problem(meta_file, "its layout is not one this sitegen knows; the files it names were not checked")
            return
        self.pages += len(fragments)
        if about.get("page_count") not in (None, len(fragments)):
            self._problem(meta_file, f"names {len(fragments)} pages where {ENTRY} says {about['page_count']}")
        for name in indexes:
            self._load(name, meta_file, cbor2.loads)
        for name in filter_files:
            self._load(name, meta_file, cbor2.loads)
        for name in fragments:
            self._load(name, meta_file, json.loads)

    def _check_shards(self) -> None:
        """Each shard ``shards.json`` names, as the search page merges it."""
        data = self._read(SHARDS, f"{self.loaded_by} reads it")
        try:
            listed = json.loads(data or b"")
            shards, stale = listed["merge"], listed.get("stale", {})
            if not isinstance(shards, list) or not all(isinstance(s, str) and s.endswith("/") for s in shards):
                raise ValueError("'merge' is not a list of folders")
            if not isinstance(stale, dict) or not all(isinstance(t, str) for t in stale.values()):
                raise ValueError("'stale' is not a list of result ids and their types")
        except (ValueError, KeyError, TypeError) as exc:
            if data is not None:
                self._problem(SHARDS, f"not a list of search shards ({_reason(exc)}); build the site again")
            return
        for shard in shards:
            folder = f"{self.bundle}/{shard.rstrip('/')}"
            if ".." in shard.split("/") or shard.startswith("/"):
                self._problem(SHARDS, f"names '{shard}', which is not a folder inside {self.bundle}/")
                continue
            check = BundleCheck(self.output, self.files, folder, f"{self.bundle}/{SHARDS}", merged=True).run()
            self.problems.extend(check.problems)
            self.pages = (self.pages or 0) + (check.pages or 0)
        # What the shards hold of pages since changed (and indexed again in the recent
        # shard), or gone: the search page drops those results.
        self.pages = (self.pages or 0) - len(stale)

    def _read(self, name: str, why: str) -> bytes | None:
        """The bytes of ``name`` in the bundle, or None after a problem saying it is missing or empty."""
        file = f"{self.bundle}/{name}"
        if file not in self.files:
            self._problem(name, f"missing ({why})")
            return None
        try:
            data = (self.output / file).read_bytes()
        except OSError as exc:
            self._problem(name, f"cannot be read ({exc.strerror or exc})")
            return None
        if not data:
            self._problem(name, f"empty ({why})")
            return None
        return data

    def _load(self, name: str, named_by: str, decode: Callable[[bytes], Any]) -> Any:
        """``decode`` of the payload of Pagefind file ``name``, or None after a problem."""
        data = self._read(name, f"{self.bundle}/{named_by} names it")
        if data is None:
            return None
        try:
            payload = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            self._problem(name, f"truncated or damaged ({_reason(exc)}); build the site again")
            return None
        if not payload.startswith(SIGNATURE):
            self._problem(name, "not a Pagefind file (no pagefind_dcd signature); build the site again")
            return None
        try:
            return decode(payload[len(SIGNATURE):])
        except (ValueError, cbor2.CBORDecodeError, RecursionError) as exc:
            self._problem(name, f"truncated or damaged ({_reason(exc)}); build the site again")
            return None

    def _problem(self, name: str, message: str) -> None:
        self.problems.append((f"{self.bundle}/{name}", message))


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(what)


def _reason(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
