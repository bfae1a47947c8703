"""The build pipeline: read, extract, resolve, render, write. One call per stage.

Nothing is shared between stages but the values passed along. NER results are cached
per article, and a build whose inputs are byte-for-byte those of the last successful
build does nothing at all (it does not even load the model).
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
from .analysis import analyse_articles
from .cache import BuildCache, extraction_key
from .chains import Cluster
from .comentions import with_co_mentions
from .config import CONFIG_FILE, SiteConfig, load_config
from .content import load_articles
from .curation import Judgement, load_judgements, unmatched_same_as
from .errors import SiteDirError
from . import urls
from .export import article_texts, entities_csv, entities_json, graph_json
from .memory import BuildMemory
from .incremental.comentions import counting
from .incremental import Memo
from .incremental.entities import published, resolved
from .extract import Extraction, default_jobs, extract_all, model_fingerprint, paragraphs
from .merge import canonical_key
from .model import Article, ArticleError, Site
from .locks import build_lock
from .names import name_key
from .output import WriteStats, write_site
from .ownership import recorded_files, refuse_source_folders
from .progress import Progress
from .redirects import load_history, plan_redirects, redirect_files, save_history, updated_history
from .reference import ReferenceOptions, ReferenceReport, reference_stage
from .search import find_pagefind, search_files
from .site_files import list_files

STATE_FILE = "last-build.json"


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
    memory = options.memory
    if memory is None:
        fingerprint = input_fingerprint(config, options)
        state = _read_state(config)
        if not options.force and not options.refresh and not options.record and \
                state.get("fingerprint") == fingerprint and state.get("output") == output_fingerprint(output) and \
                (options.clock or time.time)() < state.get("fresh_until", float("inf")):
            return BuildResult(None, up_to_date=True, seconds=time.perf_counter() - started,
                               reference=_unfetched_as_left(state))
    else:
        memory.adopt(config, output)
        memory.store.begin()

    site, errors, extracted, report = analyse(config, options, warn)
    if memory is not None and not memory.should_write(errors):
        return BuildResult(site, tuple(errors), tuple(warnings), None, time.perf_counter() - started, extracted,
                           False, report, held=True)
    jobs = options.jobs if options.jobs else os.cpu_count() or 1
    history = load_history(config.state_dir, warn)
    files = render_files(site, config, jobs, memory)
    exports_later = options.exports_later and memory is not None and memory.written is not None
    files.update(last_exports(memory.written) if exports_later else data_files(site, memory))
    files.update(redirect_stage(site, config, history, files))
    if config.search:
        if memory is None or memory.search is None:
            index = search_files(files, config.language, warn, output, config.state_dir)
        else:
            # Indexing takes seconds on a large site: a preview publishes the pages with
            # the last index and brings it up to date afterwards (serve.SearchIndexer).
            index = memory.search
        files.update(index)
        if memory is not None:
            memory.search = index
    try:
        stats = write_site(output, files, memory.written if memory else None)
    except BaseException:
        if memory is not None:
            memory.written = None  # the folder may be part way: compare with the disk next time
        raise
    save_history(config.state_dir, updated_history(history, site.entities))
    if memory is None:
        # A build that could not fetch everything it wanted is not "up to date" next time,
        # unless what it lacks is backing off: then it is, until the time to try again.
        complete = not errors and not report.unfinished
        _write_state(config, fingerprint if complete else None, output_fingerprint(output),
                     _fresh_until(config, report), report)
    else:
        memory.wrote(files, errors)
        memory.store.end()
        # Fingerprinting every input and output file after each save would cost more
        # than the rebuild; instead the next `sitegen build` is told to check for itself.
        _write_state(config, None, None)
    return BuildResult(site, tuple(errors), tuple(warnings), stats, time.perf_counter() - started, extracted, False,
                       report, exports_pending=exports_later)


EXPORTS = "data/"  # the folder of the exports a preview writes after the pages


def last_exports(written: Mapping[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in written.items() if name.startswith(EXPORTS)}


def write_exports(site: Site, memory: BuildMemory, output: Path) -> WriteStats | None:
    """Bring data/* up to date with ``site``, the last site written with ``exports_later``."""
    if memory.written is None:
        return None
    files = {name: data for name, data in memory.written.items() if not name.startswith(EXPORTS)}
    files.update(data_files(site, memory))
    try:
        stats = write_site(output, files, memory.written)
    except BaseException:
        memory.written = None  # the folder may be part way: compare with the disk next time
        raise
    memory.written = files
    return stats


def analyse(config: SiteConfig, options: BuildOptions,
            warn=lambda m: None) -> tuple[Site, list[ArticleError], int, ReferenceReport]:
    """Every stage up to the linked Site: what `build` renders and `entities` lists."""
    memory = options.memory
    loaded = load_articles(config.articles_dir, config.allow_html, config.max_article_bytes,
                           memory.articles if memory else None)
    for warning in loaded.warnings:
        warn(str(warning))
    judged = load_judgements(config.entities_dir)
    judgements = judged.judgements
    for warning in judged.warnings:
        warn(str(warning))
    with BuildCache(config.state_dir / "cache.sqlite", warn) as cache:
        extractions, keys, extracted = extract_stage(config, loaded.articles, options, cache)
        clusters = analysis_stage(config, loaded.articles, extractions, keys, cache,
                                  memory.analyses if memory else None)
    store = memory.store if memory else None
    site = resolve_stage(config, loaded.articles, clusters, judgements, warn, store)
    # Linking weighs the names met together as evidence; it may then combine entities, so
    # the site's co-mentions are brought up to date once it is done.
    site = with_co_mentions(site, counting(store, "before linking"))
    site, report = reference_stage(site, config, reference_options(options), judgements, warn)
    site = with_co_mentions(site, counting(store, "linked"))
    # After linking: a confident link is evidence that a name earns its page.
    site = published(store, site, judgements, config.link_threshold)
    return site, list(loaded.errors) + judged.errors, extracted, report


def reference_options(options: BuildOptions) -> ReferenceOptions:
    extra = {"sleep": options.sleep} if options.sleep else {}
    memo = options.memory.reference if options.memory else None
    if options.clock:
        extra["clock"] = options.clock
    return ReferenceOptions(offline=options.offline, replay=options.replay, record=options.record,
                            refresh=options.refresh, network=options.network, memo=memo, **extra)


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


def extract_stage(config: SiteConfig, articles: Sequence[Article], options: BuildOptions,
                  cache: BuildCache) -> tuple[dict[str, Extraction], dict[str, str], int]:
    """NER for every article, from the cache where the text and model are unchanged.

    The model reads an article paragraph by paragraph (see ``paragraphs``), and the cache
    keeps each paragraph's result besides the article's: an edit to one paragraph runs
    NER on that paragraph alone. Returns the extractions and their cache keys by article
    id, and how many articles NER ran on (on some paragraphs at least).
    """
    model_id = model_fingerprint(config.model)
    keys = {a.id: extraction_key(a.text, model_id) for a in articles}
    memo = options.memory.extractions if options.memory else {}
    found = {k: memo[k] for k in keys.values() if k in memo}
    stored = cache.get_many("extraction", (k for k in keys.values() if k not in found))
    found.update((k, Extraction.from_json(v)) for k, v in stored.items())
    todo = [a for a in articles if keys[a.id] not in found]
    ran = 0
    if todo:
        parts = {a.id: [(offset, text, extraction_key(text, model_id)) for offset, text in paragraphs(a.text)]
                 for a in todo}
        wanted = {key: text for pieces in parts.values() for _, text, key in pieces}
        done = {k: memo[k] for k in wanted if k in memo}
        done.update((k, Extraction.from_json(v))
                    for k, v in cache.get_many("extraction", (k for k in wanted if k not in done)).items())
        missing = [k for k in wanted if k not in done]
        if missing:
            jobs = options.jobs if options.jobs else default_jobs(len(todo))
            bar = Progress(len(missing), "extracting", options.progress and len(todo) >= 20)
            try:
                texts = [wanted[k] for k in missing]
                if options.cluster:
                    from .cluster import extract_on_cluster

                    results = extract_on_cluster(options.cluster, config.model, texts, config.batch_size,
                                                 bar.advance)
                else:
                    results = extract_all(config.model, texts, jobs, config.batch_size, bar.advance,
                                          options.nlp_loader)
            finally:
                bar.close()
            done.update(zip(missing, results))
            cache.put_many("extraction", {k: done[k].to_json() for k in missing})
            unread = set(missing)
            ran = sum(1 for a in todo if any(key in unread for _, _, key in parts[a.id]))
        fresh = {keys[a.id]: Extraction.joined([(offset, done[key]) for offset, _, key in parts[a.id]])
                 for a in todo}
        cache.put_many("extraction", {k: x.to_json() for k, x in fresh.items() if k not in done})
        found.update(fresh)
        found.update(done)  # a preview's next edit of the same article finds its other paragraphs here
    memo.clear()
    memo.update(found)
    return {a.id: found[keys[a.id]] for a in articles}, keys, ran


def analysis_stage(config: SiteConfig, articles: Sequence[Article], extractions: Mapping[str, Extraction],
                   keys: Mapping[str, str], cache: BuildCache, memo: dict | None = None) -> dict[str, list[Cluster]]:
    """Cleaned mentions grouped per article, from the cache where nothing changed."""
    return analyse_articles(articles, extractions, keys, config.stoplist, cache, memo)


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


def render_files(site: Site, config: SiteConfig, jobs: int = 1, memory: BuildMemory | None = None) -> dict[str, bytes]:
    from .render import render_site

    return render_site(site, config, jobs, memory.pages if memory else None,
                       memory.page_inputs if memory else None)


def data_files(site: Site, memory: BuildMemory | None = None) -> dict[str, bytes]:
    return {"data/entities.json": entities_json(site, memory.exports if memory else None),
            "data/graph.json": graph_json(site, memory.graph if memory else None),
            "data/entities.csv": entities_csv(site, memory.csv_rows if memory else None), **article_texts(site)}


def redirect_stage(site: Site, config: SiteConfig, history, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """Pages and ``_redirects`` lines for dossier addresses that moved; never over a real file."""
    planned = [r for r in plan_redirects(site.entities, history, site.without_page)
               if urls.page_file(r.old) not in files]
    return redirect_files(planned, config.base_url, config.title)


# ---- knowing when nothing changed ----------------------------------------------------

def input_fingerprint(config: SiteConfig, options: BuildOptions) -> str:
    """A hash of every input a build reads: articles, notes, templates, config, versions."""
    from .render import builtin_theme_dir

    # The search binary too: installing Pagefind after a build without it must rebuild.
    search = str(find_pagefind()) if config.search else "off"
    digest = hashlib.sha256(f"{__version__}\0{config.model}\0{options.offline}\0{options.replay}\0{search}\0".encode())
    # sitegen's own code is an input too: an upgrade or a local change must rebuild.
    folders = [config.articles_dir, config.entities_dir, config.templates_dir, builtin_theme_dir(),
               Path(__file__).parent]
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
