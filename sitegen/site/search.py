"""Full-text search: a Pagefind index of the site, built from the rendered pages, in shards.

Pagefind (the ``pagefind[bin]`` package ships its binary) reads the HTML and writes a
static index and search interface. Pages that mark their text with ``data-pagefind-body``
are indexed (dossiers and articles), each with a ``type`` filter (Person, Place,
Organisation, Article). It runs on a private copy of the pages before anything in
``output/`` changes, so a failed index never leaves a half-written site; when the binary
cannot run, the site is built without search and one warning says why.

Pagefind cannot update an index: it makes one whole from all its pages, which takes
seconds on a large site. So the pages are split into shards by a hash of their address,
about ``PAGES_PER_SHARD`` pages each, and each shard is a Pagefind index of its own. The
first lives in ``pagefind/`` with the search interface; the others in
``pagefind/shards/<n>/``, named in ``pagefind/shards.json``, which the search page reads
to merge them into one search (Pagefind's ``mergeIndex``). A page's shard depends only on
its address and the number of shards, which depends only on the number of pages (a power
of two), so the same pages always make the same shards. Each shard ranks its results by
its own word statistics; shards cut by a hash are alike in make-up (articles and dossiers
of every kind and year in each), so the merged results interleave fairly, as shards cut by
type or date would not.

A shard is indexed again only when what search holds of its pages changed (see
``search_content``): an edit re-indexes the shard of its article, and of a dossier only
when its name, aliases, note or reference data changed, not when a mention was added.
Pagefind's filter and metadata files differ from run to run even on the same pages (an
upstream limitation), so a shard whose pages are unchanged keeps the files already in
``output/`` as they are: a rebuild that changes nothing rewrites nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Mapping

from .files import SiteFiles, file_digest
from .pagefind import find_pagefind
from .search_content import VERSION as DIGEST_VERSION, search_digest

BUNDLE = "pagefind"
MARKER = b"data-pagefind-body"
SHARDS = f"{BUNDLE}/shards"  # the folder of every shard but the first
MANIFEST = f"{BUNDLE}/shards.json"  # the other shards' folders, for the search page
STATE_FILE = "search.json"
STATE_VERSION = f"2.{DIGEST_VERSION}"  # how the kept digests were made
# Pages per shard, at most, before the shards double. Pagefind indexes about 500 pages a
# second on one core (bench/README.md), so an edit costs a second or two of indexing; more
# shards would each cost the search page two requests when it opens.
PAGES_PER_SHARD = 1000
ENTRY = "pagefind-entry.json"
# A merged shard is read with the first shard's scripts and WebAssembly: it needs only its
# entry file, metadata, word index, filters and page fragments.
MERGED_FILES = ("index/", "filter/", "fragment/")


def search_files(files: Mapping[str, bytes], language: str, warn: Callable[[str], None],
                 output: Path | None = None, state_dir: Path | None = None,
                 holds: Callable[[str], bool] | None = None) -> SiteFiles:
    """The ``pagefind/`` files for the pages in ``files``; empty (after one warning) if Pagefind cannot run.

    With ``output`` and ``state_dir``, each shard built from the same pages is reused: kept
    in ``output`` unread where ``holds`` says each of its files is there as written (see
    ``SiteFiles``), else read back and checked against its digest.
    """
    binary = find_pagefind()
    if binary is None:
        warn("search is not built: the Pagefind binary was not found; install it with "
             "pip install 'pagefind[bin]' (the search page says search is unavailable)")
        return SiteFiles()
    files = SiteFiles.of(files)
    remember = output is not None and state_dir is not None
    state = _read_state(state_dir) if remember else {}
    digests = _page_digests(files, state.get("pages", {}), read=remember)
    pages = {rel: pair for rel, pair in digests.items() if pair[1] is not None}
    if not pages:
        # Pagefind refuses to write an empty index; say so plainly rather than pass on its error.
        warn("search is not built: the site has no articles yet, so there is nothing to index "
             "(the search page says search is unavailable)")
        return SiteFiles()
    kept_shards = state.get("shards", {})
    built = SiteFiles(output)
    shards: dict[str, dict] = {}
    found: dict[str, dict[str, bytes] | None] = {}
    todo: dict[str, list[str]] = {}
    keys = {}
    for folder, shard in shard_pages(pages).items():
        key = keys[folder] = _input_key(shard, digests, language, binary, folder == BUNDLE)
        last = kept_shards.get(folder)
        if remember and holds is not None and _shard_held(last, key, holds):
            found[folder] = None
            continue
        index = _previous_shard(output, folder, last, key) if remember else None
        if index is None:
            todo[folder] = shard
        found[folder] = index
    indexed = _index_shards(binary, files, todo, language, warn)
    if indexed is None:
        return SiteFiles()
    found.update(indexed)
    for folder, index in found.items():
        if index is None:  # kept in the output folder, unread
            for rel, digest in kept_shards[folder]["files"].items():
                built.keep(rel, digest)
            shards[folder] = kept_shards[folder]
            continue
        shards[folder] = {"input": keys[folder], "index": _digest(index),
                          "files": {rel: file_digest(data) for rel, data in index.items()}}
        built.update(index)
    # Written for one shard too: the search page asks for it, and a 404 would look like a fault.
    built[MANIFEST] = _manifest(sorted(folder for folder in shards if folder != BUNDLE))
    if remember:
        _write_state(state_dir, {"version": STATE_VERSION, "pages": digests, "shards": shards})
    return built


def _index_shards(binary: Path, files: SiteFiles, todo: Mapping[str, list[str]], language: str,
                  warn: Callable[[str], None]) -> dict[str, dict[str, bytes]] | None:
    """Each shard of ``todo`` indexed, its files named within the site; None (after one
    warning) if Pagefind failed.

    One Pagefind process keeps about one core busy (bench/README.md): the shards a build
    indexes (all of them, the first time) run side by side, one process per core.
    """
    def index(folder: str) -> tuple[dict[str, bytes], list[str]]:
        said: list[str] = []
        made = _run_pagefind(binary, todo[folder], files, language, said.append)
        return {f"{folder}/{name}": data for name, data in made.items()
                if folder == BUNDLE or _merged_shard_needs(name)}, said

    if not todo:
        return {}
    with ThreadPoolExecutor(min(len(todo), os.cpu_count() or 1), thread_name_prefix="pagefind") as pool:
        results = dict(zip(todo, pool.map(index, todo)))
    for made, said in results.values():
        if not made:
            if said:
                warn(said[0])  # the same failure in every shard: said once
            return None
    return {folder: made for folder, (made, _) in results.items()}


def shard_count(pages: int) -> int:
    """How many shards ``pages`` pages make: a power of two, so that doubling splits each in two."""
    count = 1
    while pages > PAGES_PER_SHARD * count:
        count *= 2
    return count


def shard_of(page: str, count: int) -> int:
    return int.from_bytes(hashlib.sha256(page.encode()).digest()[:8], "big") % count


def shard_pages(pages: Mapping[str, bytes]) -> dict[str, list[str]]:
    """Each shard's folder -> its pages, in order; the first shard (``pagefind/``) is never empty."""
    count = shard_count(len(pages))
    while True:
        shards: dict[int, list[str]] = {}
        for page in sorted(pages):
            shards.setdefault(shard_of(page, count), []).append(page)
        if 0 in shards or count == 1:
            break
        count //= 2  # the interface lives with the first shard, which needs a page
    return {shard_folder(n): shards[n] for n in sorted(shards)}


def shard_folder(n: int) -> str:
    return BUNDLE if n == 0 else f"{SHARDS}/{n}"


def _merged_shard_needs(name: str) -> bool:
    return name == ENTRY or name.endswith(".pf_meta") or name.startswith(MERGED_FILES)


def _manifest(folders: list[str]) -> bytes:
    """The other shards, as paths relative to the first shard's folder."""
    relative = [folder[len(BUNDLE) + 1:] + "/" for folder in folders]
    return (json.dumps({"merge": relative}, indent=1) + "\n").encode()


def _page_digests(files: SiteFiles, known: Mapping[str, list], read: bool) -> dict[str, list]:
    """Each page -> [digest of its bytes, digest of what search reads, or None for a page
    search does not read].

    A page with the very bytes of one the last build looked at is neither read nor parsed
    again (a page kept in the output folder is not even read); with ``read`` false, nothing
    is kept, and the bytes' digest stands for both.
    """
    digests = {}
    for rel in files:
        if not rel.endswith(".html"):
            continue
        last = known.get(rel)
        whole = files.digest(rel)
        if isinstance(last, list) and len(last) == 2 and last[0] == whole:
            digests[rel] = last
            continue
        data = files[rel]
        digests[rel] = [whole, (search_digest(data) if read else whole) if MARKER in data else None]
    return digests


def _input_key(shard: list[str], digests: Mapping[str, list[str]], language: str, binary: Path,
               first: bool) -> str:
    key = hashlib.sha256(f"{language}\0{binary}\0{first}\0".encode())
    for rel in shard:
        key.update(f"{rel}\0{digests[rel][1]}\0".encode())
    return key.hexdigest()


def _read_state(state_dir: Path | None) -> dict:
    if state_dir is None:
        return {}
    try:
        state = json.loads((state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else {}


def _write_state(state_dir: Path, state: dict) -> None:
    # A file cut off by a crash does not parse: the next build indexes every shard again.
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / STATE_FILE).write_text(json.dumps(state, separators=(",", ":")), encoding="utf-8")


def _shard_held(last: object, key: str, holds: Callable[[str], bool]) -> bool:
    """Whether the shard ``last`` describes was built from these pages and every one of its
    files is still in the output folder as written."""
    return isinstance(last, dict) and last.get("input") == key and isinstance(last.get("files"), dict) \
        and bool(last["files"]) and all(holds(rel) for rel in last["files"])


def _previous_shard(output: Path, folder: str, last: object, key: str) -> dict[str, bytes] | None:
    """The shard's files in ``output`` if they were built from these pages and are intact."""
    if not isinstance(last, dict) or last.get("input") != key:
        return None
    bundle = output / folder
    if not (bundle / ENTRY).is_file():
        return None
    found = {}
    for path in sorted(bundle.rglob("*")):
        rel = f"{folder}/{path.relative_to(bundle).as_posix()}"
        if path.is_file() and not (folder == BUNDLE and (rel.startswith(SHARDS + "/") or rel == MANIFEST)):
            found[rel] = path.read_bytes()
    return found if _digest(found) == last.get("index") else None


def _digest(files: Mapping[str, bytes]) -> str:
    return hashlib.sha256(b"".join(k.encode() + b"\0" + hashlib.sha256(v).digest()
                                   for k, v in sorted(files.items()))).hexdigest()


def _run_pagefind(binary: Path, pages: list[str], files: Mapping[str, bytes], language: str,
                  warn: Callable[[str], None]) -> dict[str, bytes]:
    """The files of one Pagefind bundle of ``pages`` (their bytes in ``files``), named within the bundle."""
    with tempfile.TemporaryDirectory(prefix="sitegen-search-") as tmp:
        site = Path(tmp) / "site"
        bundle = Path(tmp) / BUNDLE
        for rel in pages:  # one at a time: a spooled page is read back only to be copied
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[rel])
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
        return {p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}
