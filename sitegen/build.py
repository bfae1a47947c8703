"""A build from start to finish: is there anything to do, the stages, the output folder.

A build whose inputs are byte-for-byte those of the last successful build, and whose
output folder is as that build left it, does nothing at all: it returns before even
importing the stages (``pipeline``), let alone loading the model. Otherwise the stages
run in order (``pipeline.linked_site``, then pages, exports, redirects and search) and
the files reach the output folder as ``sitegen build`` writes them or as a preview
publishes them.

Each stage is a function of the values the stages before it made. What one build shares
with the next is the incremental layer's ``Memo`` (see ``sitegen.incremental``): results
kept under digests of their inputs, in memory for a preview and in ``.sitegen/memo.sqlite``
for ``sitegen build``, so an edit redoes only the work it touched; a page or search shard
it did not touch stays in the output folder, unread. NER results are also cached per
article and paragraph (``cache.BuildCache``).
"""
from __future__ import annotations

import gc
import hashlib
import json
import os
import time
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, NamedTuple

from . import __version__
from .config import CONFIG_FILE, SiteConfig, load_config
from .content.site_files import list_files
from .errors import SiteDirError
from .incremental import Memo
from .incremental.memory import BuildMemory
from .incremental.output_files import WrittenOutput, note_written
from .incremental.preview import EXPORTS, PreviewOutput
from .incremental.version import code_digest, memo_version
from .model import ArticleError, Site
from .output.locks import build_lock
from .output.ownership import recorded_files, refuse_source_folders
from .output.spool import spool
from .output.stamps import fingerprint, folder_stamps
from .output.write import WriteStats, recover, write_site
from .site.pagefind import find_pagefind

if TYPE_CHECKING:
    from .reference import ReferenceReport

STATE_FILE = "last-build.json"
MEMO_FILE = "memo.sqlite"  # the incremental layer's results, for the next `sitegen build`


@dataclass(frozen=True)
class BuildResult:
    site: Site | None
    errors: tuple[ArticleError, ...] = ()
    warnings: tuple[str, ...] = ()
    stats: WriteStats | None = None
    seconds: float = 0.0
    extracted: int = 0  # articles NER ran on (the rest came from the cache)
    up_to_date: bool = False  # nothing changed since the last build
    reference: ReferenceReport | None = None
    held: bool = False  # not written: it broke a file that was fine (preview only, see BuildMemory)
    exports_pending: bool = False  # data/* is still the last build's: see BuildOptions.exports_later

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class BuildOptions:
    output: Path | None = None
    offline: bool = False  # reference data from the cache only
    replay: Path | None = None  # reference data from a recorded folder only
    record: Path | None = None  # save every reference response into this folder
    refresh: bool = False  # refetch reference records even if fresh
    network: object | None = None  # httpx transport to the network; tests pass a fake one
    sleep: Callable[[float], None] | None = None  # how to wait before a retry (tests: no waiting)
    clock: Callable[[], float] | None = None  # the time now (tests: moved past a back-off, no waiting)
    jobs: int | None = None  # None: decide by the amount of work
    cluster: str | None = None  # run NER on this Dask cluster (see cluster.py) instead of here
    progress: bool = False
    force: bool = False
    nlp_loader: Callable[[], object] | None = None  # a loaded pipeline to reuse (dev server)
    # results of earlier builds to reuse (see sitegen.incremental); None: the preview's
    # own, or else the one the last `sitegen build` kept in .sitegen/ (pass Memo() to
    # build from scratch, reusing nothing but the NER cache)
    memo: Memo | None = None
    # values kept between builds by a long-running process (the preview server): with
    # it, a build redoes only what an edit touched; without it, every build starts from files
    memory: BuildMemory | None = None
    # With a memory that has written the site once: publish the pages with the last
    # build's data/* exports, and leave the new ones to ``write_exports`` (a preview calls
    # it right after the open pages reload: a large site's exports are megabytes)
    exports_later: bool = False
    warn: Callable[[str], None] = field(default=lambda message: None)


def build(site_dir: Path, options: BuildOptions | None = None) -> BuildResult:
    options = options or BuildOptions()
    started = time.perf_counter()
    site_dir = Path(site_dir)
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        options.warn(message)

    config = load_config(site_dir, warn)
    output = (options.output or site_dir / "output").resolve()
    check_site_dir(config)
    check_output_folder(config, output, options)
    with build_lock(config.state_dir, output, warn):
        return _build(config, output, options, warn, warnings, started)


def _build(config: SiteConfig, output: Path, options: BuildOptions, warn, warnings: list[str],
           started: float) -> BuildResult:
    """The pipeline, with this site and output folder to itself (see ``build_lock``)."""
    target = output_target(config, options)
    if target.up_to_date(output):
        return BuildResult(None, up_to_date=True, seconds=time.perf_counter() - started,
                           reference=target.unfetched())
    # Only now the stages: a build with nothing to do never loads their libraries.
    from .incremental.exports import data_files
    from .pipeline import linked_site, redirect_stage, render_files
    from .site.redirects import load_history, save_history, updated_history
    from .site.search import search_files

    memo = options.memo if options.memo is not None else target.memo(warn)
    memo.begin()
    try:
        site, errors, extracted, report = linked_site(config, options, warn, memo)
        if not target.accepts(errors):
            return BuildResult(site, tuple(errors), tuple(warnings), None, time.perf_counter() - started, extracted,
                               False, report, held=True)
        with target.linked(), target.spool(output) as spool:
            jobs = options.jobs if options.jobs else os.cpu_count() or 1
            history = load_history(config.state_dir, warn)
            written = target.written(memo, output)
            files = render_files(site, config, jobs, None if options.force else memo, written, spool)
            files.update(target.exports(lambda: data_files(site, memo)))
            files.update(redirect_stage(site, config, history, files))
            if config.search:
                files.update(target.search_index(lambda: search_files(files, config.language, warn, output,
                                                                      config.state_dir,
                                                                      written.holds if written else None)))
            stats = target.write(output, files)
            save_history(config.state_dir, updated_history(history, site.entities))
            memo.end()
            target.finish(memo, output, files, errors, report)
    finally:
        memo.close()  # its file, if it has one; what it holds stays for the next build
    return BuildResult(site, tuple(errors), tuple(warnings), stats, time.perf_counter() - started, extracted, False,
                       report, exports_pending=target.exports_pending)


def output_target(config: SiteConfig, options: BuildOptions) -> "CommandLineOutput | PreviewOutput":
    """How this build's files reach the output folder: as `sitegen build` writes them, or
    as a preview publishes them (see ``incremental.preview``)."""
    if options.memory is not None:
        return PreviewOutput(config, options.memory, options.exports_later, lambda: _write_state(config, None, None))
    return CommandLineOutput(config, options)


class CommandLineOutput:
    """`sitegen build`: nothing built when no input changed since the last build, the
    results kept in .sitegen/memo.sqlite, every file made written."""

    exports_pending = False

    def __init__(self, config: SiteConfig, options: BuildOptions):
        self.config, self.options = config, options
        self.fingerprint: str | None = None
        self.state: dict = {}

    def up_to_date(self, output: Path) -> bool:
        options = self.options
        self.state = _read_state(self.config)
        self.inputs: dict[str, FileSeen] = {}
        self.fingerprint = input_fingerprint(self.config, options, self.state.get("inputs"), self.inputs)
        return not options.force and not options.refresh and not options.record and \
            self.state.get("fingerprint") == self.fingerprint and \
            self.state.get("output") == fingerprint(folder_stamps(output)) and \
            (options.clock or time.time)() < self.state.get("fresh_until", float("inf"))

    def unfetched(self) -> ReferenceReport | None:
        return _unfetched_as_left(self.state)

    def memo(self, warn) -> Memo:
        return persisted_memo(self.config, warn)

    @contextmanager
    def linked(self) -> Iterator[None]:
        # The linked site and what it was made from live until the build ends: the cycle
        # collector leaves them alone meanwhile (10 % of a one-article edit's CPU at 1,000
        # articles went on walking them again and again while pages and exports were
        # made). What becomes garbage is still freed by reference counting.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()  # for a caller that goes on (tests, benchmarks)

    def spool(self, output: Path) -> AbstractContextManager[Path]:
        # Each file made goes to disk at once: a large site's pages would otherwise all be
        # held from rendering until writing (see output.spool).
        return spool(output)

    def written(self, memo: Memo, output: Path) -> WrittenOutput:
        # A commit the last build could not finish changes files: finished first, so that
        # what is kept as written is what the folder holds.
        recover(output)
        return WrittenOutput(memo, output)

    def accepts(self, errors) -> bool:
        return True

    def exports(self, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        return make()

    def search_index(self, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        return make()

    def write(self, output: Path, files: Mapping[str, bytes]) -> WriteStats:
        return write_site(output, files)

    def finish(self, memo: Memo, output: Path, files: Mapping[str, bytes], errors, report: ReferenceReport) -> None:
        stamps = folder_stamps(output)
        note_written(memo, output, stamps or {})
        memo.save()
        # A build that could not fetch everything it wanted is not "up to date" next time,
        # unless what it lacks is backing off: then it is, until the time to try again.
        complete = not errors and not report.unfinished
        _write_state(self.config, self.fingerprint if complete else None, fingerprint(stamps),
                     _fresh_until(self.config, report), report, self.inputs)


def persisted_memo(config: SiteConfig, warn) -> Memo:
    """The results the last `sitegen build` of this site kept, if this sitegen and model made them."""
    from .nlp.extract import model_fingerprint

    return Memo(memo_version(model_fingerprint(config.model)), config.state_dir / MEMO_FILE, warn)


def write_exports(site: Site, memory: BuildMemory, output: Path) -> WriteStats | None:
    """Bring data/* up to date with ``site``, the last site written with ``exports_later``."""
    from .incremental.exports import data_files

    if memory.written is None:
        return None
    files = {name: data for name, data in memory.written.items() if not name.startswith(EXPORTS)}
    files.update(data_files(site, memory.store))
    try:
        stats = write_site(output, files, memory.written)
    except BaseException:
        memory.written = None  # the folder may be part way: compare with the disk next time
        raise
    memory.written = files
    return stats


def _fresh_until(config: SiteConfig, report: ReferenceReport) -> float | None:
    """When the oldest reference record used expires, or a lookup that failed may be tried
    again, whichever comes first: an online rebuild then fetches."""
    if report.mode != "online":
        return None
    times = [report.retry_at] if report.retry_at is not None else []
    if report.oldest is not None:
        times.append(report.oldest + config.reference_ttl_days * 86400.0)
    return min(times, default=None)


def _unfetched_as_left(state: dict) -> ReferenceReport | None:
    """What the last build could not fetch, and when it is tried again: an unchanged site
    still lacks it, and the command line still says so."""
    if not state.get("reference_problems"):
        return None
    from .reference import ReferenceReport

    return ReferenceReport(problems=tuple(state["reference_problems"]), retry_at=state.get("retry_at"))


# ---- knowing when nothing changed ----------------------------------------------------

def input_fingerprint(config: SiteConfig, options: BuildOptions, known: Mapping[str, list] | None = None,
                      seen: dict[str, FileSeen] | None = None) -> str:
    """A hash of every input a build reads: articles, notes, templates, config, versions.

    ``known``: what the last build saw of each file (see ``_file_digest``), so that a file
    it saw is not read again; ``seen`` is filled with what this one saw.
    """
    known = known or {}
    seen = seen if seen is not None else {}
    # The search binary too: installing Pagefind after a build without it must rebuild.
    search = str(find_pagefind()) if config.search else "off"
    digest = hashlib.sha256(f"{__version__}\0{config.model}\0{options.offline}\0{options.replay}\0{search}\0".encode())
    # sitegen's own code and built-in theme are inputs too: an upgrade or a local change must rebuild.
    digest.update(code_digest().encode())
    folders = [config.articles_dir, config.entities_dir, config.templates_dir]
    if options.replay:
        folders.append(Path(options.replay))
    # Folders linked into the content folders are read too (see site_files), and a walk
    # does not enter them.
    linked = {folder: {str(p) for p in list_files(folder, config.site_dir, ("",)).files}
              for folder in (config.articles_dir, config.entities_dir)}
    for folder in folders:
        digest.update(f"\0{folder}\0".encode())
        if folder.is_dir():
            for path in sorted(_files_under(folder) | linked.get(folder, set())):
                # a name that is not UTF-8 is refused when read, but must not stop this check
                digest.update(os.path.relpath(path, folder).encode("utf-8", "surrogateescape") + b"\0")
                digest.update(_file_digest(path, known, seen))
    config_path = config.site_dir / CONFIG_FILE
    if config_path.is_file():
        digest.update(config_path.read_bytes())
    return digest.hexdigest()


# File systems keep modification times in steps (up to 2 s): a file read within this long
# of its last change might change again without its time moving, so it is read next time.
SETTLED_NS = 2_000_000_000


def _files_under(folder: Path) -> set[str]:
    """Every file under ``folder`` (a link to a file counts, a dangling link does not), not
    entering linked folders or ``__pycache__``."""
    found = set()

    def walk(path: str) -> None:
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        walk(entry.path)
                elif entry.is_file():
                    found.add(entry.path)
    walk(str(folder))
    return found


class FileSeen(NamedTuple):
    """What a build saw of an input file (kept in last-build.json as a list)."""

    size: int
    mtime_ns: int
    inode: int
    read_at_ns: int
    sha256: str


def _file_digest(path: str, known: Mapping[str, list], seen: dict[str, FileSeen]) -> bytes:
    """The SHA-256 of a file's bytes; read again only if its size, time or inode moved
    since the last build saw it, or it had just been changed then."""
    st = os.stat(path)
    try:
        last = FileSeen(*known[path])
        if (last.size, last.mtime_ns, last.inode) == (st.st_size, st.st_mtime_ns, st.st_ino) \
                and last.read_at_ns - last.mtime_ns > SETTLED_NS:
            found = bytes.fromhex(last.sha256)
            seen[path] = last
            return found
    except (KeyError, TypeError, ValueError):  # not seen, or a record this sitegen did not write
        pass
    read_at = time.time_ns()
    with open(path, "rb") as f:
        found = hashlib.sha256(f.read()).digest()
    seen[path] = FileSeen(st.st_size, st.st_mtime_ns, st.st_ino, read_at, found.hex())
    return found


def _read_state(config: SiteConfig) -> dict:
    try:
        return json.loads((config.state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(config: SiteConfig, fingerprint: str | None, output: str | None,
                 fresh_until: float | None = None, report: ReferenceReport | None = None,
                 inputs: Mapping[str, FileSeen] | None = None) -> None:
    config.state_dir.mkdir(parents=True, exist_ok=True)
    path = config.state_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    state = {"fingerprint": fingerprint, "output": output, "version": __version__}
    if fresh_until is not None:
        state["fresh_until"] = fresh_until
    if report is not None and report.problems:
        state["reference_problems"] = list(report.problems)
        state["retry_at"] = report.retry_at
    if inputs:
        state["inputs"] = inputs  # what the build saw of each input file (see input_fingerprint)
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(path)


def check_site_dir(config: SiteConfig) -> None:
    """Refuse a site folder that does not exist or holds no articles folder."""
    if not config.site_dir.is_dir():
        raise SiteDirError(f"{config.site_dir}: no such folder")
    if not config.articles_dir.is_dir():
        raise SiteDirError(f"{config.site_dir}: no content/articles folder; put the articles "
                           f"(Markdown files with front matter) in {config.articles_dir}")


def check_output_folder(config: SiteConfig, output: Path, options: BuildOptions) -> None:
    """Refuse, before any work, an output folder that is a source folder or is not sitegen's."""
    sources = [(config.site_dir, "the site folder"), (config.articles_dir.parent, "the content folder"),
               (config.templates_dir, "the templates folder"), (config.state_dir, "the build cache folder")]
    sources += [(folder, f"the {what} folder") for folder, what in ((options.replay, "replay"),
                                                                    (options.record, "record")) if folder]
    site = config.site_dir.resolve()
    # The output folder normally lies inside the site folder: only "is" and "holds" count for it.
    if output == site or output in site.parents:
        raise SiteDirError(f"{output}: the output folder must not be the site folder or hold it; "
                           f"choose a folder of its own, for example --output {site / 'output'}")
    refuse_source_folders(output, sources[1:], site / "output")
    if options.memory is None or options.memory.written is None:  # a preview's later builds wrote it
        recorded_files(output)
