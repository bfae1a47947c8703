"""A build from start to finish: is there anything to do, the stages, the output folder.

A build whose inputs are byte-for-byte those of the last successful build, and whose
output folder is as that build left it, does nothing at all: it returns before even
importing the stages (``pipeline``), let alone loading the model (``last_build`` tells,
from the files' stamps, at a cost that grows with the number of files and nothing else).
Otherwise the stages
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
import os
import time
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping

from . import last_build
from .config import SiteConfig, load_config
from .errors import SiteDirError, UnreadableResult
from .output.locks import build_lock
from .output.ownership import recorded_files, refuse_source_folders
from .output.stamps import FolderCheck, as_recorded, check_folder, folder_record, refreshed
from .timings import NoTimings, Timings

# Only what deciding whether to build needs is imported here: a build with nothing to do
# never loads the rest (the results store, the writer, the stages and their libraries).
if TYPE_CHECKING:
    from .incremental import Memo
    from .incremental.exports import DataFilesAlongside
    from .incremental.memory import BuildMemory
    from .incremental.output_files import WrittenOutput
    from .incremental.preview import PreviewOutput
    from .model import ArticleError, Site
    from .output.write import WriteStats
    from .reference import ReferenceReport
    from .site.search import SearchIndexing
    from .site.files import SiteFiles

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
    # Seconds a server holding the NER model stays after a build's last request, for the
    # next build to use (see ``nlp.kept_model``); 0: the model lives and dies with the build
    keep_model: float = 0.0
    warn: Callable[[str], None] = field(default=lambda message: None)
    # where the build notes how long each of its phases took (`sitegen build --timings`)
    timings: Timings | None = None


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
    # Whether the folder is sitegen's is asked once it is known there is work to do: a
    # folder just as the last build left it holds that build's record of its files.
    check_output_folder(config, output, options, read_record=False)
    with build_lock(config.state_dir, output, warn):
        try:
            return _build(config, output, options, warn, warnings, started)
        except UnreadableResult as exc:
            # Found damaged only once used (see UnreadableResult): the memo file holds only
            # work to redo, and the output folder was left as it was.
            if options.memo is not None or options.memory is not None:
                raise
            memo_file = config.state_dir / MEMO_FILE
            warn(f"{memo_file}: {exc}; building again without it")
            memo_file.unlink(missing_ok=True)
            return _build(config, output, options, warn, warnings, started)


def _build(config: SiteConfig, output: Path, options: BuildOptions, warn, warnings: list[str],
           started: float) -> BuildResult:
    """The pipeline, with this site and output folder to itself (see ``build_lock``)."""
    target = output_target(config, options)
    timings = options.timings or NoTimings()
    with timings.phase("checking what changed"):
        up_to_date = target.up_to_date(output)
    if up_to_date:
        return BuildResult(None, up_to_date=True, seconds=time.perf_counter() - started,
                           reference=target.unfetched())
    check_output_folder(config, output, options)
    ahead = _model_ahead(config, options)  # first: it loads while the stages' code and the articles do
    try:
        return _build_stages(config, output, options, warn, warnings, started, target, ahead)
    finally:
        if ahead is not None:
            ahead.close()


def _build_stages(config: SiteConfig, output: Path, options: BuildOptions, warn, warnings: list[str],
                  started: float, target: "CommandLineOutput | PreviewOutput", ahead) -> BuildResult:
    timings = options.timings or NoTimings()
    # Only now the stages: a build with nothing to do never loads their libraries.
    with timings.phase("loading the stages' code"):
        from .incremental.exports import data_files
        from .incremental.output_files import add_made
        from .pipeline import linked_site, redirect_stage, render_files
        from .site.redirects import load_history, save_history, updated_history
        from .site.search import SearchIndexing, begin_search_files

    memo = options.memo if options.memo is not None else target.memo(warn)
    memo.begin()
    try:
        with target.linking(), timings.phase("linking"):
            site, errors, extracted, report = linked_site(config, options, warn, memo, ahead)
        if not target.accepts(errors):
            return BuildResult(site, tuple(errors), tuple(warnings), None, time.perf_counter() - started, extracted,
                               False, report, held=True)
        with target.linked():
            with target.spool(output) as spool:
                jobs = options.jobs if options.jobs else os.cpu_count() or 1
                history = load_history(config.state_dir, warn)
                with timings.phase("comparing the output folder with its record"):
                    written = target.written(memo, output)
                # The exports, where it pays, in a forked copy on a core of its own meanwhile
                with target.exports_alongside(site, memo, written, spool, options.force, options.jobs) as alongside:
                    with timings.phase("pages"):
                        files = render_files(site, config, jobs, None if options.force else memo, written, spool,
                                             alongside.start if alongside is not None else None)
                    indexing: list[SearchIndexing] = []

                    def search_index(pages: SiteFiles) -> SearchIndexing:
                        with timings.phase("search index: documents of the pages changed"):
                            indexing.append(begin_search_files(pages, config.language, warn, output,
                                                               config.state_dir, written.holds if written else None))
                        return indexing[-1]

                    with target.search_index(config.search, search_index, files) as search:
                        # Redirects and the memo first: what they cost is hidden behind the exports
                        # made alongside, if they are (the exports' own entries are kept by them).
                        with timings.phase("redirects"):
                            add_made(files, redirect_stage(site, config, history, files, memo), memo,
                                     None if options.force else written, "redirects")
                        with timings.phase("keeping results for the next build"):
                            target.kept(memo)  # the stages but the exports are done with the memo
                        with timings.phase("exports (data/, made alongside the pages: what is left to wait for)"
                                           if alongside is not None and alongside.started else "exports (data/)"):
                            files.update(target.exports(lambda: alongside.result(warn) if alongside is not None
                                                        else data_files(site, memo, written, options.force, spool)))
                        with timings.phase("search index (what is left to wait for)"):
                            files.update(search())
                        if indexing:
                            timings.note("search index, made alongside the three above", indexing[0].seconds)
                with timings.phase("writing the output folder"):
                    stats = target.write(output, files)
            # Only once the spool is gone is the build recorded as done: a build killed
            # before that is not taken for a finished one, and the next removes its spool.
            now_published = updated_history(history, site.entities)
            if now_published != history:  # most edits publish no new address
                save_history(config.state_dir, now_published)
            memo.end()
            with timings.phase("recording the build"):
                target.finish(memo, output, files, errors, report)
    finally:
        memo.close()  # its file, if it has one; what it holds stays for the next build
    return BuildResult(site, tuple(errors), tuple(warnings), stats, time.perf_counter() - started, extracted, False,
                       report, exports_pending=target.exports_pending)


def _model_ahead(config: SiteConfig, options: BuildOptions):
    """The NER model in a process of its own, for the new paragraphs an edit brings, if
    any: a server kept loaded between builds (``options.keep_model``, see
    ``nlp.kept_model``), else, for a `sitegen build` after an earlier one, a process set
    loading now (see ``nlp.ahead``). None where neither would pay: a preview or a caller
    with a model loaded already, NER on a Dask cluster; without a server, a first build
    (a pool of processes reads the archive), a single core, or where this process cannot
    fork safely."""
    if options.memory is not None or options.nlp_loader is not None or options.cluster:
        return None
    if options.keep_model > 0:
        from .incremental.version import code_digest
        from .nlp.kept_model import kept_model

        kept = kept_model(config.state_dir, config.model, options.keep_model, code_digest())
        if kept is not None:
            return kept
    from .apart import can_run_apart, cores

    if not (config.state_dir / MEMO_FILE).is_file() or cores() < 2:
        return None
    from .nlp.ahead import ModelAhead

    return ModelAhead(config.model) if can_run_apart() else None


def output_target(config: SiteConfig, options: BuildOptions) -> "CommandLineOutput | PreviewOutput":
    """How this build's files reach the output folder: as `sitegen build` writes them, or
    as a preview publishes them (see ``incremental.preview``)."""
    if options.memory is not None:
        from .incremental.preview import PreviewOutput

        return PreviewOutput(config, options.memory, options.exports_later, lambda: last_build.forget(config))
    return CommandLineOutput(config, options)


class CommandLineOutput:
    """`sitegen build`: nothing built when no input changed since the last build, the
    results kept in .sitegen/memo.sqlite, every file made written."""

    exports_pending = False

    def __init__(self, config: SiteConfig, options: BuildOptions):
        self.config, self.options = config, options
        self.last = last_build.LastBuild()
        self.seen: last_build.Seen | None = None
        self.check: FolderCheck | None = None  # the output folder against the last build's record of it

    def up_to_date(self, output: Path) -> bool:
        """Nothing to do: the settings, every input file's bytes and the output folder are as
        the last complete build left them, and it needs no fresher reference data."""
        options = self.options
        now_ns = time.time_ns()
        self.last = last = last_build.read(self.config)
        self.seen = seen = last_build.seen_now(self.config, options, last)
        fresh = last.fresh_until is None or (options.clock or time.time)() < last.fresh_until
        if options.force or options.refresh or options.record or last.settings != seen.settings \
                or not seen.same_inputs or not fresh:
            return False
        output_as_left = as_recorded(output, last.output, now_ns) if last.output else None
        if output_as_left is None:
            return False
        if seen.renewed or output_as_left is not last.output:
            # Files read again, folders listed again, found unchanged: kept so that the next
            # no-op need not look again (if it can be kept: it only saves time).
            with suppress(OSError):
                last_build.write(self.config, replace(last, inputs=seen.inputs, software=seen.software,
                                                      output=output_as_left))
        return True

    def unfetched(self) -> ReferenceReport | None:
        return _unfetched_as_left(self.last)

    def memo(self, warn) -> Memo:
        return persisted_memo(self.config, warn)

    @contextmanager
    def linking(self) -> Iterator[None]:
        # Linking reads back and makes millions of objects that live until the build ends
        # (an archive's clusters, entities, mentions): the cycle collector, walking them
        # again and again as they pile up, took about a fifth of a one-article edit at
        # 10,000 articles (ten full collections). It waits until linking is done;
        # reference counting still frees what becomes garbage meanwhile.
        paused = gc.isenabled()
        gc.disable()
        try:
            yield
        except BaseException:
            if paused:
                gc.enable()
            raise
        if paused:
            # What linking made lives until the build ends (see ``linked``): set aside
            # before the collector runs again, whose first collection would otherwise
            # walk all of it at once (0.36 s of a one-article edit at 10,000 articles).
            gc.freeze()
            gc.enable()

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
        from .output.spool import spool

        return spool(output)

    def written(self, memo: Memo, output: Path) -> WrittenOutput:
        from .incremental.output_files import WrittenOutput
        from .output.write import recover

        # A commit the last build could not finish changes files: finished first, so that
        # what is kept as written is what the folder holds.
        recover(output)
        # One look at every file the last build recorded, instead of one per file asked
        # about as pages, exports and search shards are kept, and a walk of the whole
        # folder after writing (0.6 s and 72,000 entries at 10,000 articles).
        if self.last.output is not None and self.last.output.folders:
            self.check = check_folder(output, self.last.output, time.time_ns())
        return WrittenOutput(memo, output, self.check)

    def accepts(self, errors) -> bool:
        return True

    def kept(self, memo: Memo) -> None:
        # Written while Pagefind indexes, into the transaction ``finish`` commits once the
        # output folder holds the build: writing what a large site keeps costs a tenth of
        # a one-article edit, and the search index is the last thing the build waits for.
        memo.end()
        memo.write_ahead()

    def exports(self, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        return make()

    @contextmanager
    def exports_alongside(self, site: Site, memo: Memo, written: WrittenOutput | None, spool: Path,
                          force: bool, jobs: int | None) -> Iterator[DataFilesAlongside | None]:
        """The data/ exports to be made in a forked copy of this process where that pays
        (see ``incremental.exports.alongside``), while this one renders the pages."""
        from .incremental.exports import alongside

        made = alongside(site, memo, written, spool, self.config.state_dir, force, jobs)
        try:
            yield made
        finally:
            if made is not None:
                made.close()  # not waited for: the build failed meanwhile

    @contextmanager
    def search_index(self, wanted: bool, make: Callable[[SiteFiles], "SearchIndexing"],
                     pages: SiteFiles) -> Iterator[Callable[[], Mapping[str, bytes]]]:
        """The search index of ``pages`` (their files as rendered), made while the exports
        are: Pagefind runs in a process of its own for a second or more, and the exports
        cost as long again of this one's time. Yields how to wait for the index."""
        from .site.files import SiteFiles as Files

        if not wanted:
            yield dict
            return
        # what search reads: the pages, not the files added meanwhile
        indexing = make(Files.of(pages).frozen_copy())
        try:
            yield indexing.result
        finally:
            indexing.close()  # a build failing meanwhile waits for Pagefind to end

    touched: tuple[str, ...] | None = None  # what writing changed in the folder, once written

    def write(self, output: Path, files: Mapping[str, bytes]) -> WriteStats:
        from .output.write import write_site

        stats = write_site(output, files)
        self.touched = stats.touched
        return stats

    def finish(self, memo: Memo, output: Path, files: Mapping[str, bytes], errors, report: ReferenceReport) -> None:
        from .incremental.output_files import note_written

        written = refreshed(output, self.check, self.touched) if self.check is not None and self.touched is not None \
            else folder_record(output, time.time_ns())
        note_written(memo, output, written.stamps() if written else {})
        memo.save()
        # A build that could not fetch everything it wanted is not "up to date" next time,
        # unless what it lacks is backing off: then it is, until the time to try again.
        complete = not errors and not report.unfinished
        seen = self.seen
        last_build.write(self.config, last_build.LastBuild(
            seen.settings if complete else None, seen.inputs, written, seen.software,
            _fresh_until(self.config, report), tuple(report.problems), report.retry_at if report.problems else None))


def persisted_memo(config: SiteConfig, warn) -> Memo:
    """The results the last `sitegen build` of this site kept, if this sitegen and model made them."""
    from .incremental import Memo
    from .incremental.version import memo_version
    from .nlp.extract import model_fingerprint

    return Memo(memo_version(model_fingerprint(config.model)), config.state_dir / MEMO_FILE, warn)


def write_exports(site: Site, memory: BuildMemory, output: Path) -> WriteStats | None:
    """Bring data/* up to date with ``site``, the last site written with ``exports_later``."""
    from .incremental.exports import data_files
    from .incremental.preview import EXPORTS
    from .output.write import write_site

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


def _unfetched_as_left(last: last_build.LastBuild) -> ReferenceReport | None:
    """What the last build could not fetch, and when it is tried again: an unchanged site
    still lacks it, and the command line still says so."""
    if not last.reference_problems:
        return None
    from .reference import ReferenceReport

    return ReferenceReport(problems=last.reference_problems, retry_at=last.retry_at)


def check_site_dir(config: SiteConfig) -> None:
    """Refuse a site folder that does not exist or holds no articles folder."""
    if not config.site_dir.is_dir():
        raise SiteDirError(f"{config.site_dir}: no such folder")
    if not config.articles_dir.is_dir():
        raise SiteDirError(f"{config.site_dir}: no content/articles folder; put the articles "
                           f"(Markdown files with front matter) in {config.articles_dir}")


def check_output_folder(config: SiteConfig, output: Path, options: BuildOptions, read_record: bool = True) -> None:
    """Refuse, before any work, an output folder that is a source folder or is not sitegen's
    (``read_record``: reading its record of the files it holds, which is all a build with
    nothing to do would read of it)."""
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
    if not read_record:
        if output.exists() and not output.is_dir():
            recorded_files(output)  # says what is wrong
        return
    if options.memory is None or options.memory.written is None:  # a preview's later builds wrote it
        recorded_files(output)
