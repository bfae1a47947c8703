"""Full-text search: a Pagefind index of the site, built from the rendered pages, in shards.

Pagefind (the ``pagefind[bin]`` package ships its binary) reads the HTML and writes a
static index and search interface. Pages that mark their text with ``data-pagefind-body``
are indexed (dossiers and articles), each with a ``type`` filter (Person, Place,
Organisation, Article). It reads not the pages but their search documents (see
``search_content``): each page cut down to what Pagefind reads of it, an eighth of its
bytes, from which it makes the same index. It runs on a private copy of them before
anything in ``output/`` changes, so a failed index never leaves a half-written site; when
the binary cannot run, the site is built without search and one warning says why.

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

A shard is made again only when the search documents of its pages changed: an edit
changes the document of its article, and of a dossier only when its name, aliases, note or
reference data changed, not when a mention was added. A small shard is then indexed again;
a large one is kept as it is, and its changed pages go to the recent shard, a small index
of its own (see ``search_recent``), until enough have changed that it is worth indexing
the shard again. The documents are kept between
builds (see ``search_store``), so a shard is indexed again from the documents of its
unchanged pages as kept, reading and parsing only the pages that changed.
Pagefind's filter and metadata files differ from run to run even on the same pages (an
upstream limitation), so a shard whose pages are unchanged keeps the files already in
``output/`` as they are: a rebuild that changes nothing rewrites nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from ..errors import os_error_message
from .files import SiteFiles, file_digest
from .pagefind import find_pagefind
from .search_content import VERSION as DOCUMENT_VERSION, search_document
from .search_recent import Lag, ballast, indexed_pages, lag_of, marked, may_lag, to_index_again
from .search_store import SearchStore, discard

BUNDLE = "pagefind"
MARKER = b"data-pagefind-body"
SHARDS = f"{BUNDLE}/shards"  # the folder of every shard but the first
MANIFEST = f"{BUNDLE}/shards.json"  # the other shards' folders, for the search page
RECENT = f"{SHARDS}/recent"  # the pages changed since their shard was indexed (see search_recent)
STATE_VERSION = f"6.{DOCUMENT_VERSION}"  # how the kept documents and shards were made
# Pages per shard, at most, before the shards double. Pagefind indexes about 1,300 search
# documents a second on one core (bench/README.md), so an edit costs well under a second
# of indexing; more shards would each cost the search page two requests when it opens and
# one more per word searched (500 a shard: 43 requests for "Germany" at 1,000 articles
# instead of 27).
PAGES_PER_SHARD = 1000
ENTRY = "pagefind-entry.json"
# A merged shard is read with the first shard's scripts and WebAssembly: it needs only its
# entry file, metadata, word index, filters and page fragments.
MERGED_FILES = ("index/", "filter/", "fragment/")


def search_files(files: Mapping[str, bytes], language: str, warn: Callable[[str], None],
                 output: Path | None = None, state_dir: Path | None = None,
                 holds: Callable[[str], bool] | None = None) -> SiteFiles:
    """The ``pagefind/`` files for the pages in ``files``; empty (after one warning) if Pagefind cannot run.

    With ``output`` and ``state_dir``, each page's search document and each shard built
    from the same documents are reused (see ``search_store``): a shard is kept in
    ``output`` unread where ``holds`` says each of its files is there as written (see
    ``SiteFiles``), else read back and checked against its digest.
    """
    return begin_search_files(files, language, warn, output, state_dir, holds).result()


class SearchIndexing:
    """The search files being made: Pagefind running in a thread of this process's own."""

    def __init__(self, indexed: Callable[[], SiteFiles] | None = None, done: SiteFiles | None = None):
        self._begun = time.perf_counter()
        self.seconds = 0.0  # how long the indexing took, once done
        self._done = done
        self._pool = None
        if indexed is not None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="search-index")
            self._made = self._pool.submit(self._timed, indexed)

    def _timed(self, indexed: Callable[[], SiteFiles]) -> SiteFiles:
        try:
            return indexed()
        finally:
            self.seconds = time.perf_counter() - self._begun

    def result(self) -> SiteFiles:
        """Wait for the files (raising what making them raised)."""
        if self._pool is not None:
            try:
                self._done = self._made.result()
            finally:
                self.close()
        return self._done

    def close(self) -> None:
        """Wait for the indexing to end, whatever became of it."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def begin_search_files(files: Mapping[str, bytes], language: str, warn: Callable[[str], None],
                       output: Path | None = None, state_dir: Path | None = None,
                       holds: Callable[[str], bool] | None = None) -> SearchIndexing:
    """``search_files``, with this thread's part done before it returns: the changed pages'
    search documents made, and which shards to keep and to index decided. Pagefind runs,
    and its files are read, in a thread while the caller goes on (a build makes its
    exports meanwhile): both threads' Python work shares one interpreter lock, so it is
    done first, and Pagefind, a process of its own, starts as early as it can.
    """
    binary = find_pagefind()
    if binary is None:
        warn("search is not built: the Pagefind binary was not found; install it with "
             "pip install 'pagefind[bin]' (the search page says search is unavailable)")
        return SearchIndexing(done=SiteFiles())
    files = SiteFiles.of(files)
    remember = output is not None and state_dir is not None
    for attempt in (1, 2):
        store = _store(state_dir if remember else None)
        try:
            planned = _planned(binary, files, language, warn, store, output if remember else None, holds)
        except sqlite3.DatabaseError:
            store.close()
            if not remember or attempt == 2:
                raise
            discard(state_dir)  # damaged past what opening it showed: only time is lost
            continue
        except BaseException:
            store.close()
            raise
        if isinstance(planned, SiteFiles):
            store.close()
            return SearchIndexing(done=planned)

        def indexed(planned=planned, store=store) -> SiteFiles:
            try:
                return planned()
            except sqlite3.DatabaseError:
                if not remember:
                    raise
            finally:
                store.close()
            discard(state_dir)  # damaged where only indexing read it: made again, with the store afresh
            again = _store(state_dir)
            try:
                made = _planned(binary, files, language, warn, again, output, holds)
                return made if isinstance(made, SiteFiles) else made()
            finally:
                again.close()

        return SearchIndexing(indexed)
    raise AssertionError("unreachable")


def _planned(binary: Path, files: SiteFiles, language: str, warn: Callable[[str], None],
             store: SearchStore, output: Path | None, holds: Callable[[str], bool] | None
             ) -> SiteFiles | Callable[[], SiteFiles]:
    """The search files at once (none, with no page to index), or how to make them:
    each changed page's document made and the shards planned, only the indexing left."""
    digests = _page_digests(files, store)
    pages = {rel: digest for rel, digest in digests.items() if digest is not None}
    if not pages:
        # Pagefind refuses to write an empty index; say so plainly rather than pass on its error.
        store.commit()
        warn("search is not built: the site has no articles yet, so there is nothing to index "
             "(the search page says search is unavailable)")
        return SiteFiles()
    kept_shards = store.shards() if output is not None else {}
    home = shard_pages(pages)
    plan = _Plan(made_with=_made_with(language, binary), count=len(home))
    keys = {folder: _input_key(shard, pages, language, binary, folder == BUNDLE) for folder, shard in home.items()}

    def index_whole(folder: str) -> None:
        plan.index(folder, home[folder], {"input": keys[folder]})

    for folder, shard in home.items():
        last = kept_shards.get(folder)
        key = keys[folder]
        lagging = plan.may_lag(last, key, shard)
        if not plan.keep(folder, last, last["input"] if lagging else key, output, holds):
            index_whole(folder)
        elif lagging:
            plan.lags[folder] = lag_of(last["pages"], shard, pages)
    for folder in to_index_again(plan.lags):
        index_whole(folder)
    recent = sorted(page for lag in plan.lags.values() for page in lag.changed)
    if recent:
        plan.ballast = ballast(pages, set(recent))
        key = _recent_key(recent, plan.ballast, pages, plan.made_with)
        if not plan.keep(RECENT, kept_shards.get(RECENT), key, output, holds):
            plan.index(RECENT, recent + plan.ballast, {"input": key})

    def indexed() -> SiteFiles:
        with tempfile.TemporaryDirectory(prefix="sitegen-search-", dir=_scratch_folder()) as tmp:
            indexed = _index_shards(binary, store, plan.todo, language, warn, Path(tmp), set(plan.ballast))
            if indexed is not None and plan.lags and _hides_a_live_page(plan, indexed, pages, home):
                # Two pages' result ids (seven hex digits) agree across shards: dropping the one
                # would drop the other. Rare; the lagging shards are indexed again instead.
                lagging = list(plan.lags)
                for folder in lagging:
                    index_whole(folder)
                plan.found.pop(RECENT, None)
                indexed.pop(RECENT, None)
                again = _index_shards(binary, store, {folder: home[folder] for folder in lagging}, language, warn,
                                      Path(tmp), set())
                indexed = None if again is None else {**indexed, **again}
        store.commit()  # the documents made are good whatever became of the index
        if indexed is None:
            return SiteFiles()
        for folder, index in indexed.items():
            plan.found[folder] = index
            held = indexed_pages(index, folder)
            state = plan.states[folder]
            state["made_with"] = plan.made_with
            if folder == RECENT:
                state["ballast"] = {held[page][0]: held[page][1] for page in plan.ballast if page in held}
                state["pages"] = {page: [pages[page], *held[page]] for page in recent if page in held}
            else:
                state["count"] = plan.count
                state["pages"] = {page: [pages[page], *held.get(page, (None, None))] for page in home[folder]}
        return _bundle(plan, output, holds, kept_shards, store)

    return indexed


def _bundle(plan: "_Plan", output: Path | None, holds: Callable[[str], bool] | None,
            kept_shards: Mapping[str, dict], store: SearchStore) -> SiteFiles:
    """The search files of every shard as ``plan`` found or made them, and the shard list."""
    built = SiteFiles(output)
    shards: dict[str, dict] = {}
    for folder, index in plan.found.items():
        if index is None:  # kept in the output folder, unread
            for rel, digest in kept_shards[folder]["files"].items():
                built.keep(rel, digest)
            shards[folder] = kept_shards[folder]
            continue
        made = {rel: file_digest(data) for rel, data in index.items()}
        shards[folder] = {**plan.states[folder], "index": _digest(index), "files": made}
        last_made = _files_of(kept_shards.get(folder))
        for rel, data in index.items():
            # A file named by its content that the output folder holds as written has
            # these very bytes: kept, not written again (most of a shard indexed again).
            if output is not None and holds is not None and _named_by_content(rel) \
                    and last_made.get(rel) == made[rel] and holds(rel):
                built.keep(rel, made[rel])
            else:
                built.add(rel, data, made[rel])
    hidden = {id_: type_ for lag in plan.lags.values() for id_, type_ in lag.stale.items()}
    if RECENT in shards:
        hidden.update(shards[RECENT]["ballast"])
    merged = sorted(folder for folder in shards if folder not in (BUNDLE, RECENT))
    # Written for one shard too: the search page asks for it, and a 404 would look like a fault.
    built[MANIFEST] = _manifest(merged + ([RECENT] if RECENT in shards else []), hidden)
    if output is not None:
        for folder, state in shards.items():
            if kept_shards.get(folder) != state:
                store.put_shard(folder, state)
        store.forget_shards(set(kept_shards) - set(shards))
        store.commit()
    return built


@dataclass
class _Plan:
    """Which shards a build keeps as they are, which it indexes, and which lag behind their
    pages (see ``search_recent``)."""

    made_with: str  # the language and binary the shards are made with
    count: int  # how many shards the pages make
    found: dict[str, dict[str, bytes] | None] = field(default_factory=dict)  # kept: its files, or None if unread
    todo: dict[str, list[str]] = field(default_factory=dict)  # to index: its pages
    states: dict[str, dict] = field(default_factory=dict)  # what the store will say of each shard
    lags: dict[str, Lag] = field(default_factory=dict)  # kept shards holding some pages out of date
    ballast: list[str] = field(default_factory=list)  # pages the recent shard holds for its word statistics

    def may_lag(self, last: object, key: str, shard: list[str]) -> bool:
        """Whether a shard made as ``last`` says, from other pages than ``key`` stands for,
        can be kept, its changed pages going to the recent shard."""
        return isinstance(last, dict) and last.get("input") != key and last.get("made_with") == self.made_with \
            and last.get("count") == self.count and isinstance(last.get("pages"), dict) and may_lag(len(shard))

    def keep(self, folder: str, last: object, key: str, output: Path | None,
             holds: Callable[[str], bool] | None) -> bool:
        """Keep the shard as ``last`` says it was made, if from ``key`` and its files are intact."""
        if output is None or not isinstance(last, dict):
            return False
        if holds is not None and _shard_held(last, key, holds):
            self.found[folder] = None
        else:
            index = _previous_shard(output, folder, last, key)
            if index is None:
                return False
            self.found[folder] = index
        self.states[folder] = last
        return True

    def index(self, folder: str, pages: list[str], state: dict) -> None:
        self.found.pop(folder, None)
        self.lags.pop(folder, None)
        self.todo[folder], self.states[folder] = pages, state


def _hides_a_live_page(plan: _Plan, indexed: Mapping[str, Mapping[str, bytes]], pages: Mapping[str, str],
                       home: Mapping[str, list[str]]) -> bool:
    """Whether a result id the search page would drop is also the id of a page it must show."""
    hidden = {id_ for lag in plan.lags.values() for id_ in lag.stale}
    if RECENT in indexed:
        held = indexed_pages(indexed[RECENT], RECENT)
        extra = set(plan.ballast)
        hidden |= {id_ for page, (id_, _) in held.items() if page in extra}
        live = {id_ for page, (id_, _) in held.items() if page not in extra}
    else:
        live = {id_ for page, (_, id_, _) in plan.states.get(RECENT, {}).get("pages", {}).items()}
        hidden |= set(plan.states.get(RECENT, {}).get("ballast", {}))
    for folder, lag in plan.lags.items():
        changed = set(lag.changed)
        live |= {entry[1] for page, entry in plan.states[folder]["pages"].items()
                 if page not in changed and page in pages and entry[1] is not None}
    for folder in home:
        if folder not in plan.lags and folder not in indexed and isinstance(plan.states.get(folder, {}).get("pages"), dict):
            live |= {entry[1] for entry in plan.states[folder]["pages"].values() if entry[1] is not None}
    for folder, index in indexed.items():
        if folder != RECENT:
            live |= {id_ for id_, _ in indexed_pages(index, folder).values()}
    return not hidden.isdisjoint(live)


def _made_with(language: str, binary: Path) -> str:
    return hashlib.sha256(f"{language}\0{binary}".encode()).hexdigest()


def _recent_key(recent: list[str], extra: list[str], digests: Mapping[str, str], made_with: str) -> str:
    key = hashlib.sha256(f"recent\0{made_with}\0".encode())
    for rel in recent:
        key.update(f"{rel}\0{digests[rel]}\0".encode())
    key.update(b"ballast\0")
    for rel in extra:
        key.update(f"{rel}\0{digests[rel]}\0".encode())
    return key.hexdigest()


def _store(state_dir: Path | None) -> SearchStore:
    """The kept search documents and shards; held for this build only if they cannot be kept."""
    try:
        return SearchStore(state_dir, STATE_VERSION)
    except (OSError, sqlite3.Error):
        return SearchStore(None, STATE_VERSION)  # a folder that cannot be written costs time, not search


def _scratch_folder() -> str | None:
    """Where the documents and bundles of the shards being indexed go for a moment: a
    memory-backed folder where the system has one and no other was asked for (TMPDIR).

    A shard is a thousand small files each way; on a disk, making and removing them cost
    more time than indexing them (bench/README.md).
    """
    if "TMPDIR" not in os.environ and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK):
        return "/dev/shm"
    return None


def _index_shards(binary: Path, store: SearchStore, todo: Mapping[str, list[str]], language: str,
                  warn: Callable[[str], None], tmp: Path, ballast: set[str]) -> dict[str, dict[str, bytes]] | None:
    """Each shard of ``todo`` indexed from its pages' search documents, its files named
    within the site; None (after one warning) if Pagefind failed. The ``ballast`` pages of
    the recent shard are marked as such (see ``search_recent``).

    One Pagefind process keeps about one core busy (bench/README.md): the shards a build
    indexes (all of them, the first time) run side by side, one process per core.
    """
    def index(n: int, folder: str) -> tuple[dict[str, bytes], list[str]]:
        said: list[str] = []
        site, bundle = tmp / f"site-{n}", tmp / f"bundle-{n}"
        with reading:
            documents = list(store.documents(todo[folder]))
        try:
            for rel, document in documents:
                if folder == RECENT and rel in ballast:
                    document = marked(document)
                path = site / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(document)
        except OSError as exc:  # a scratch folder full, for one
            return {}, [f"search is not built: {os_error_message(exc, 'write the pages to index')}"]
        finally:
            del documents
        made = _run_pagefind(binary, site, bundle, language, said.append)
        # Gone at once: a first build's shards would otherwise all be in the scratch folder.
        shutil.rmtree(site, ignore_errors=True)
        shutil.rmtree(bundle, ignore_errors=True)
        return {f"{folder}/{name}": data for name, data in made.items()
                if folder == BUNDLE or _merged_shard_needs(name)}, said

    if not todo:
        return {}
    reading = threading.Lock()  # one query at a time on the store's connection
    with ThreadPoolExecutor(min(len(todo), os.cpu_count() or 1), thread_name_prefix="pagefind") as pool:
        results = dict(zip(todo, pool.map(index, range(len(todo)), todo)))
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


def _named_by_content(rel: str) -> bool:
    """Whether Pagefind names this file of a bundle by a hash of its bytes (its pages'
    fragments, word index, filters and metadata), so that a file of that name holds them."""
    name = rel.rsplit("/", 1)[-1]
    return name.endswith((".pf_fragment", ".pf_index", ".pf_filter", ".pf_meta"))


def _files_of(last: object) -> dict:
    files = last.get("files") if isinstance(last, dict) else None
    return files if isinstance(files, dict) else {}


def _merged_shard_needs(name: str) -> bool:
    return name == ENTRY or name.endswith(".pf_meta") or name.startswith(MERGED_FILES)


def _manifest(folders: list[str], hidden: Mapping[str, str]) -> bytes:
    """The other shards, as paths relative to the first shard's folder, and the results the
    search page drops (see ``search_recent``)."""
    listed: dict = {"merge": [folder[len(BUNDLE) + 1:] + "/" for folder in folders]}
    if hidden:
        listed["stale"] = dict(sorted(hidden.items()))
    return (json.dumps(listed, indent=1) + "\n").encode()


def _page_digests(files: SiteFiles, store: SearchStore) -> dict[str, str | None]:
    """Each page -> the digest of its search document, or None for a page search does not
    index; the documents of pages new or changed since the last build go into ``store``.

    A page with the very bytes the store has for it is neither read nor parsed again (a
    page kept in the output folder is not even read).
    """
    known = store.pages()
    digests = {}
    for rel in files:
        if not rel.endswith(".html"):
            continue
        whole = files.digest(rel)
        last = known.pop(rel, None)
        if last is not None and last[0] == whole:
            digests[rel] = last[1]
            continue
        data = files[rel]
        document = search_document(data) if MARKER in data else None
        digests[rel] = file_digest(document) if document is not None else None
        store.put(rel, whole, digests[rel], document)
    store.forget(known)  # pages gone from the site
    return digests


def _input_key(shard: list[str], digests: Mapping[str, str], language: str, binary: Path,
               first: bool) -> str:
    key = hashlib.sha256(f"{language}\0{binary}\0{first}\0".encode())
    for rel in shard:
        key.update(f"{rel}\0{digests[rel]}\0".encode())
    return key.hexdigest()


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


def _run_pagefind(binary: Path, site: Path, bundle: Path, language: str,
                  warn: Callable[[str], None]) -> dict[str, bytes]:
    """The files of the Pagefind bundle of the pages in the folder ``site``, named within the bundle."""
    site.mkdir(parents=True, exist_ok=True)
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
