"""The build pipeline: read, extract, resolve, render, write. One call per stage.

Each stage is a function of the values the stages before it made. What one build shares
with the next is the incremental layer's ``Memo`` (see ``sitegen.incremental``): results
kept under digests of their inputs, in memory for a preview and in ``.sitegen/memo.sqlite``
for ``sitegen build``, so an edit redoes only the work it touched. NER results are also
cached per article and paragraph (``cache.BuildCache``), and a build whose inputs are
byte-for-byte those of the last successful build does nothing at all (it does not even
load the model).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

from . import __version__
from .nlp.clustering import cluster_articles
from .nlp.cache import BuildCache, extraction_key
from .nlp.chains import Cluster
from .entities.comentions import with_co_mentions
from .config import CONFIG_FILE, SiteConfig, load_config
from .content.articles import load_articles
from .content.judgements import Judgement, load_judgements, unmatched_same_as
from .errors import SiteDirError
from .incremental import Memo
from . import urls
from .incremental.memory import BuildMemory
from .incremental.comentions import counting
from .incremental.exports import data_files
from .incremental.entities import published, resolved
from .incremental.reference import reference_steps
from .nlp.extract import Extraction, Workers, default_jobs, extract_all, model_fingerprint, paragraphs
from .incremental.articles import article_reader, clusters_done, clusters_reusing
from .incremental.preview import EXPORTS, PreviewOutput
from .incremental.version import code_digest, memo_version
from .entities.merge import canonical_key
from .model import Article, ArticleError, Site
from .output.locks import build_lock
from .names import name_key
from .output.write import WriteStats, write_site
from .output.ownership import recorded_files, refuse_source_folders
from .progress import Progress
from .site.redirects import load_history, plan_redirects, redirect_files, save_history, updated_history
from .reference import ReferenceOptions, ReferenceReport, reference_stage
from .site.search import find_pagefind, search_files
from .content.site_files import list_files

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
    memo = options.memo if options.memo is not None else target.memo(warn)
    memo.begin()
    try:
        site, errors, extracted, report = linked_site(config, options, warn, memo)
        if not target.accepts(errors):
            return BuildResult(site, tuple(errors), tuple(warnings), None, time.perf_counter() - started, extracted,
                               False, report, held=True)
        jobs = options.jobs if options.jobs else os.cpu_count() or 1
        history = load_history(config.state_dir, warn)
        files = render_files(site, config, jobs, None if options.force else memo)
        files.update(target.exports(lambda: data_files(site, memo)))
        files.update(redirect_stage(site, config, history, files))
        if config.search:
            files.update(target.search_index(lambda: search_files(files, config.language, warn, output,
                                                                  config.state_dir)))
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
        self.fingerprint = input_fingerprint(self.config, options)
        self.state = _read_state(self.config)
        return not options.force and not options.refresh and not options.record and \
            self.state.get("fingerprint") == self.fingerprint and \
            self.state.get("output") == output_fingerprint(output) and \
            (options.clock or time.time)() < self.state.get("fresh_until", float("inf"))

    def unfetched(self) -> ReferenceReport | None:
        return _unfetched_as_left(self.state)

    def memo(self, warn) -> Memo:
        return persisted_memo(self.config, warn)

    def accepts(self, errors) -> bool:
        return True

    def exports(self, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        return make()

    def search_index(self, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        return make()

    def write(self, output: Path, files: Mapping[str, bytes]) -> WriteStats:
        return write_site(output, files)

    def finish(self, memo: Memo, output: Path, files: Mapping[str, bytes], errors, report: ReferenceReport) -> None:
        memo.save()
        # A build that could not fetch everything it wanted is not "up to date" next time,
        # unless what it lacks is backing off: then it is, until the time to try again.
        complete = not errors and not report.unfinished
        _write_state(self.config, self.fingerprint if complete else None, output_fingerprint(output),
                     _fresh_until(self.config, report), report)


def persisted_memo(config: SiteConfig, warn) -> Memo:
    """The results the last `sitegen build` of this site kept, if this sitegen and model made them."""
    return Memo(memo_version(model_fingerprint(config.model)), config.state_dir / MEMO_FILE, warn)


def write_exports(site: Site, memory: BuildMemory, output: Path) -> WriteStats | None:
    """Bring data/* up to date with ``site``, the last site written with ``exports_later``."""
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


def linked_site(config: SiteConfig, options: BuildOptions, warn=lambda m: None,
                memo: Memo | None = None) -> tuple[Site, list[ArticleError], int, ReferenceReport]:
    """Every stage up to the linked Site: what `build` renders and `entities` lists.

    ``memo``: results of earlier builds to reuse (see ``sitegen.incremental``); without
    one, every stage runs afresh.
    """
    memo = memo if memo is not None else Memo()
    loaded = load_articles(config.articles_dir, config.allow_html, config.max_article_bytes, article_reader(memo))
    for warning in loaded.warnings:
        warn(str(warning))
    judged = load_judgements(config.entities_dir)
    judgements = judged.judgements
    for warning in judged.warnings:
        warn(str(warning))
    clusters, extracted = clusters_reusing(memo, lambda articles: cluster_stage(config, articles, options, warn),
                                           config, loaded.articles)
    site = resolve_stage(config, loaded.articles, clusters, judgements, warn, memo)
    # The site holds its mentions now: the clusters they came from (the largest value a
    # build makes) are not carried through linking and rendering.
    del clusters
    clusters_done(memo)
    # Linking weighs the names met together as evidence; it may then combine entities, so
    # the site's co-mentions are brought up to date once it is done.
    site = with_co_mentions(site, counting(memo, "before linking"))
    site, report = reference_stage(site, config, reference_options(options), judgements, warn,
                                   reference_steps(memo))
    site = with_co_mentions(site, counting(memo, "linked"))
    # After linking: a confident link is evidence that a name earns its page.
    site = published(memo, site, judgements, config.link_threshold)
    return site, list(loaded.errors) + judged.errors, extracted, report


def reference_options(options: BuildOptions) -> ReferenceOptions:
    extra = {"sleep": options.sleep} if options.sleep else {}
    if options.clock:
        extra["clock"] = options.clock
    return ReferenceOptions(offline=options.offline, replay=options.replay, record=options.record,
                            refresh=options.refresh, network=options.network, **extra)


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
    return ReferenceReport(problems=tuple(state["reference_problems"]), retry_at=state.get("retry_at"))


# Articles NER reads and the rules cluster at a time: a batch's extractions are let go
# once its clusters are made, so what the stage holds does not grow with the archive.
CLUSTER_BATCH = 1000


def extract_stage(config: SiteConfig, articles: Sequence[Article], options: BuildOptions,
                  cache: BuildCache, workers: Workers | None = None, jobs: int | None = None,
                  bar: Progress | None = None) -> tuple[dict[str, Extraction], dict[str, str], int]:
    """NER for every article, from the cache where the text and model are unchanged.

    The model reads an article paragraph by paragraph (see ``paragraphs``), and the cache
    keeps each paragraph's result besides the article's: an edit to one paragraph runs
    NER on that paragraph alone. Returns the extractions and their cache keys by article
    id, and how many articles NER ran on (on some paragraphs at least).

    ``workers``, ``jobs`` and ``bar``: the NER processes, their number and the progress
    bar of a stage that calls this once per batch of articles (see ``cluster_stage``);
    the bar counts the paragraphs of the articles not found whole in the cache.
    """
    model_id = model_fingerprint(config.model)
    keys = {a.id: extraction_key(a.text, model_id) for a in articles}
    found = {k: Extraction.from_json(v) for k, v in cache.get_many("extraction", keys.values()).items()}
    todo = [a for a in articles if keys[a.id] not in found]
    ran = 0
    if todo:
        parts = {a.id: [(offset, text, extraction_key(text, model_id)) for offset, text in paragraphs(a.text)]
                 for a in todo}
        wanted = {key: text for pieces in parts.values() for _, text, key in pieces}
        done = {k: Extraction.from_json(v) for k, v in cache.get_many("extraction", wanted).items()}
        missing = [k for k in wanted if k not in done]
        own_bar = bar is None
        if own_bar:
            bar = Progress(sum(len(pieces) for pieces in parts.values()), "extracting",
                           options.progress and len(todo) >= 20)
        bar.advance(sum(len(pieces) for pieces in parts.values()) - len(missing))  # those in the cache
        try:
            if missing:
                texts = [wanted[k] for k in missing]
                if options.cluster:
                    from .nlp.cluster import extract_on_cluster

                    results = extract_on_cluster(options.cluster, config.model, texts, config.batch_size,
                                                 bar.advance)
                else:
                    results = extract_all(config.model, texts, jobs or options.jobs or default_jobs(len(todo)),
                                          config.batch_size, bar.advance, options.nlp_loader, workers)
                done.update(zip(missing, results))
                cache.put_many("extraction", {k: done[k].to_json() for k in missing})
                unread = set(missing)
                ran = sum(1 for a in todo if any(key in unread for _, _, key in parts[a.id]))
        finally:
            if own_bar:
                bar.close()
        fresh = {keys[a.id]: Extraction.joined([(offset, done[key]) for offset, _, key in parts[a.id]])
                 for a in todo}
        cache.put_many("extraction", {k: x.to_json() for k, x in fresh.items() if k not in done})
        found.update(fresh)
    return {a.id: found[keys[a.id]] for a in articles}, keys, ran


def cluster_stage(config: SiteConfig, articles: Sequence[Article], options: BuildOptions,
                  warn=lambda m: None) -> tuple[dict[str, list[Cluster]], int]:
    """NER and cleaning: each article's mentions grouped into clusters, from the build
    cache where the text, model and rules are unchanged. Returns the clusters by article
    id and how many articles NER ran on.

    Articles go through NER and clustering ``CLUSTER_BATCH`` at a time, with one set of
    NER processes for all (a cluster of machines takes them all at once: see cluster.py).
    """
    batch = max(1, len(articles)) if options.cluster else CLUSTER_BATCH
    clusters: dict[str, list[Cluster]] = {}
    extracted = 0
    with BuildCache(config.state_dir / "cache.sqlite", warn) as cache, Workers() as workers:
        model_id = model_fingerprint(config.model)
        keys = [extraction_key(a.text, model_id) for a in articles]
        unread = cache.missing("extraction", keys)
        todo = [a for a, key in zip(articles, keys) if key in unread]
        jobs = options.jobs or default_jobs(len(todo))
        bar = Progress(sum(len(paragraphs(a.text)) for a in todo), "extracting",
                       options.progress and len(todo) >= 20)
        try:
            for start in range(0, len(articles), batch):
                part = articles[start:start + batch]
                extractions, keys, ran = extract_stage(config, part, options, cache, workers, jobs, bar)
                clusters.update(cluster_articles(part, extractions, keys, config.stoplist, cache))
                extracted += ran
                del extractions
        finally:
            bar.close()
    return clusters, extracted


def resolve_stage(config: SiteConfig, articles: Sequence[Article], clusters: Mapping[str, list[Cluster]],
                  judgements: Sequence[Judgement], warn, store: Memo | None = None) -> Site:
    site = resolved(store, articles, clusters, judgements, config.entity_types, config.min_mentions)
    matched = {e.note_path for e in site.entities if e.note_path}
    for j in judgements:
        if j.path not in matched and not j.ignore:
            warn(f"{j.path}: no entity is named '{j.name}' or any of its aliases; the note is not shown "
                 "(check the name's spelling, or add the name the articles use to aliases)")
    wanted = {name_key(n) for j in judgements for n in j.same_as}
    if wanted:
        for problem in unmatched_same_as(judgements, _mentioned_keys(clusters, wanted)):
            warn(str(problem))
    return site


def _mentioned_keys(clusters: Mapping[str, list[Cluster]], wanted: set[str]) -> set[str]:
    """Which of the name keys ``wanted`` some article mentions, in any form the article
    writes or merging goes by (see merge.editor_judgements)."""
    missing = set(wanted)
    for article_clusters in clusters.values():
        for c in article_clusters:
            missing.difference_update(c.forms)
            missing.difference_update(c.strong_keys)
            missing.discard(c.name_key)
            missing.discard(canonical_key(c))
        if not missing:
            break
    return wanted - missing


def render_files(site: Site, config: SiteConfig, jobs: int = 1, memo: Memo | None = None) -> dict[str, bytes]:
    """Every page; with ``memo``, only those whose recorded inputs changed are rendered again."""
    from .incremental.pages import render_pages
    from .site.render import render_all, render_site

    return render_site(site, config, jobs, render_pages(memo) if memo is not None else render_all)


def redirect_stage(site: Site, config: SiteConfig, history, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Pages and ``_redirects`` lines for dossier addresses that moved; never over a real file."""
    planned = [r for r in plan_redirects(site.entities, history, site.without_page)
               if urls.page_file(r.old) not in files]
    return redirect_files(planned, config.base_url, config.title)


# ---- knowing when nothing changed ----------------------------------------------------

def input_fingerprint(config: SiteConfig, options: BuildOptions) -> str:
    """A hash of every input a build reads: articles, notes, templates, config, versions."""
    # The search binary too: installing Pagefind after a build without it must rebuild.
    search = str(find_pagefind()) if config.search else "off"
    digest = hashlib.sha256(f"{__version__}\0{config.model}\0{options.offline}\0{options.replay}\0{search}\0".encode())
    # sitegen's own code and built-in theme are inputs too: an upgrade or a local change must rebuild.
    digest.update(code_digest().encode())
    folders = [config.articles_dir, config.entities_dir, config.templates_dir]
    if options.replay:
        folders.append(Path(options.replay))
    # Folders linked into the content folders are read too (see site_files), and rglob
    # does not enter them.
    linked = {folder: set(list_files(folder, config.site_dir, ("",)).files)
              for folder in (config.articles_dir, config.entities_dir)}
    for folder in folders:
        digest.update(f"\0{folder}\0".encode())
        if folder.is_dir():
            files = {p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
            for path in sorted(files | linked.get(folder, set())):
                # a name that is not UTF-8 is refused when read, but must not stop this check
                digest.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogateescape") + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    config_path = config.site_dir / CONFIG_FILE
    if config_path.is_file():
        digest.update(config_path.read_bytes())
    return digest.hexdigest()


def output_fingerprint(output: Path) -> str | None:
    """Names, sizes and times of every output file: a hand-edited or deleted page is noticed."""
    if not output.is_dir():
        return None
    rows: list[str] = []

    # os.scandir, not Path.rglob: a no-op build is mostly this walk over thousands of
    # files, and scandir is several times quicker at it.
    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                st = entry.stat()
                rows.append(f"{prefix}{entry.name}\0{st.st_size}\0{st.st_mtime_ns}\n")
                if entry.is_dir(follow_symlinks=False):
                    walk(entry.path, f"{prefix}{entry.name}/")

    walk(str(output), "")
    rows.sort()
    return hashlib.sha256("".join(rows).encode()).hexdigest()


def _read_state(config: SiteConfig) -> dict:
    try:
        return json.loads((config.state_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(config: SiteConfig, fingerprint: str | None, output: str | None,
                 fresh_until: float | None = None, report: ReferenceReport | None = None) -> None:
    config.state_dir.mkdir(parents=True, exist_ok=True)
    path = config.state_dir / STATE_FILE
    tmp = path.with_suffix(".tmp")
    state = {"fingerprint": fingerprint, "output": output, "version": __version__}
    if fresh_until is not None:
        state["fresh_until"] = fresh_until
    if report is not None and report.problems:
        state["reference_problems"] = list(report.problems)
        state["retry_at"] = report.retry_at
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
