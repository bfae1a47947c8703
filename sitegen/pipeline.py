"""The stages of a build, in the order they run: read, extract, resolve, link, render.

``build`` (the command's entry point) calls these once it knows there is work to do: a
build whose inputs are unchanged never imports them, and the libraries they load
(spaCy's helpers, Jinja2, lxml) are not paid for by a build that does nothing.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from . import urls
from .apart import can_run_apart
from .config import SiteConfig
from .content.articles import load_articles
from .content.judgements import Judgement, load_judgements, unmatched_same_as
from .entities.comentions import with_co_mentions
from .entities.merge import name_keys
from .incremental import Memo
from .incremental.apart import run_with_memo_apart
from .incremental.articles import article_lister, article_reader, clusters_done, clusters_reusing, kept_name_keys, unclustered
from .incremental.comentions import counting_around_linking
from .incremental.entities import published, resolved
from .incremental.output_files import WrittenOutput
from .incremental.redirects import planned_redirects
from .incremental.reference import reference_steps
from .incremental.version import code_digest
from .model import Article, ArticleError, Site
from .names import name_key
from .nlp.cache import BuildCache, extraction_key
from .nlp.chains import Cluster
from .nlp.clustering import cluster_articles
from .nlp.extract import Extraction, Workers, default_jobs, extract_all, model_fingerprint, paragraphs
from .progress import Progress
from .reference import ReferenceOptions, ReferenceReport, reference_stage
from .site.files import SiteFiles
from .timings import NoTimings, Row, Timings
from .site.redirects import redirect_files

if TYPE_CHECKING:
    from .build import BuildOptions
    from .nlp.ahead import ModelAhead


def linked_site(config: SiteConfig, options: BuildOptions, warn=lambda m: None,
                memo: Memo | None = None, ahead: ModelAhead | None = None
                ) -> tuple[Site, list[ArticleError], int, ReferenceReport]:
    """Every stage up to the linked Site: what `build` renders and `entities` lists.

    ``memo``: results of earlier builds to reuse (see ``sitegen.incremental``); without
    one, every stage runs afresh. ``ahead``: the model loading in a process of its own,
    for the few paragraphs an edit may bring (see ``nlp.ahead``); ended once the
    articles are clustered.
    """
    memo = memo if memo is not None else Memo()
    timings = options.timings or NoTimings()
    with timings.phase("loading articles"):
        loaded = load_articles(config.articles_dir, config.allow_html, config.max_article_bytes,
                               article_reader(memo), article_lister(memo))
    for warning in loaded.warnings:
        warn(str(warning))
    with timings.phase("loading editor's notes"):
        judged = load_judgements(config.entities_dir)
    judgements = judged.judgements
    for warning in judged.warnings:
        warn(str(warning))

    def resolving(warn) -> tuple[Site, int, tuple[Row, ...]]:
        # Timed here, and handed back with the site: this may run in a forked process.
        own = Timings() if options.timings is not None else NoTimings()
        with own.phase("NER and clustering"):
            clusters, extracted, cluster_keys = clusters_reusing(
                memo, lambda articles: cluster_stage(config, articles, options, warn, ahead), config,
                loaded.articles)
            if ahead is not None:
                ahead.close()  # every article is clustered: no paragraph is left for it
        with own.phase("resolving entities"):
            site = resolve_stage(config, loaded.articles, clusters, judgements, warn, memo, cluster_keys)
        # The site holds its mentions now: the clusters they came from (the largest value a
        # build makes) are not carried through linking and rendering.
        del clusters
        clusters_done(memo)
        return site, extracted, own.rows()

    apart = resolve_apart(memo, config, loaded.articles)
    if apart and ahead is not None:
        ahead.close()  # clustering most of the archive: a pool of processes does NER
    with timings.phase("NER, clustering and resolving" + (" (in a forked process)" if apart else "")):
        site, extracted, rows = run_with_memo_apart(memo, config.state_dir, resolving, warn) if apart \
            else resolving(warn)
        timings.adopt(rows)
    # Linking weighs the names met together as evidence; it may then combine entities, so
    # the site's co-mentions are brought up to date once it is done.
    before_linking, after_linking = counting_around_linking(memo)
    with timings.phase("co-mentions"):
        site = with_co_mentions(site, before_linking)
    with timings.phase("reference data and linking"):
        site, report = reference_stage(site, config, reference_options(options), judgements, warn,
                                       reference_steps(memo))
    with timings.phase("co-mentions after linking"):
        site = with_co_mentions(site, after_linking)
    # After linking: a confident link is evidence that a name earns its page.
    with timings.phase("publication (which entities get a page)"):
        site = published(memo, site, judgements, config.link_threshold)
    return site, list(loaded.errors) + judged.errors, extracted, report


# Articles to cluster afresh from which a `sitegen build` clusters and resolves in a forked
# process (see ``sitegen.apart``): the clusters of thousands of articles, made and let go
# among the entities that outlive them, would leave this process holding several times
# the memory in use (1.0 GB for 0.3 GB at 10,000 articles) through rendering and search.
APART_FROM_ARTICLES = 1000


def resolve_apart(memo: Memo, config: SiteConfig, articles: Sequence[Article]) -> bool:
    """Whether to cluster and resolve in a forked process: a `sitegen build` that
    clusters most of a large archive afresh, where the system can fork."""
    return can_run_apart() and unclustered(memo, config, articles) >= APART_FROM_ARTICLES


def reference_options(options: BuildOptions) -> ReferenceOptions:
    extra = {"sleep": options.sleep} if options.sleep else {}
    if options.clock:
        extra["clock"] = options.clock
    return ReferenceOptions(offline=options.offline, replay=options.replay, record=options.record,
                            refresh=options.refresh, network=options.network, **extra)


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
                  warn=lambda m: None, ahead: ModelAhead | None = None) -> tuple[dict[str, list[Cluster]], int]:
    """NER and cleaning: each article's mentions grouped into clusters, from the build
    cache where the text, model and rules are unchanged. Returns the clusters by article
    id and how many articles NER ran on.

    Articles go through NER and clustering ``CLUSTER_BATCH`` at a time, with one set of
    NER processes for all (a cluster of machines takes them all at once: see cluster.py).
    ``ahead``: a process loading the model already, for a few paragraphs (see ``nlp.ahead``).
    """
    batch = max(1, len(articles)) if options.cluster else CLUSTER_BATCH
    clusters: dict[str, list[Cluster]] = {}
    extracted = 0
    with BuildCache(config.state_dir / "cache.sqlite", warn) as cache, Workers(ahead) as workers:
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
                  judgements: Sequence[Judgement], warn, store: Memo | None = None,
                  cluster_keys: Mapping[str, str] | None = None) -> Site:
    """``resolve`` (reusing what ``store`` kept); ``cluster_keys``: each article's clusters
    key (see ``clusters_reusing``), by which a build on disk names the clusters it merged."""
    site = resolved(store, articles, clusters, judgements, config.entity_types, config.min_mentions, cluster_keys)
    matched = {e.note_path for e in site.entities if e.note_path}
    for j in judgements:
        if j.path not in matched and not j.ignore:
            warn(f"{j.path}: no entity is named '{j.name}' or any of its aliases; the note is not shown "
                 "(check the name's spelling, or add the name the articles use to aliases)")
    wanted = {name_key(n) for j in judgements for n in j.same_as}
    if wanted:
        mentioned = kept_name_keys(store, clusters, cluster_keys) if store is not None and cluster_keys else \
            (name_keys(article_clusters) for article_clusters in clusters.values())
        for problem in unmatched_same_as(judgements, _mentioned_keys(mentioned, wanted)):
            warn(str(problem))
    return site


def _mentioned_keys(mentioned: Iterable[frozenset[str]], wanted: set[str]) -> set[str]:
    """Which of the name keys ``wanted`` some article mentions (``mentioned``: each
    article's ``name_keys``)."""
    missing = set(wanted)
    for keys in mentioned:
        missing -= keys
        if not missing:
            break
    return wanted - missing


def render_files(site: Site, config: SiteConfig, jobs: int = 1, memo: Memo | None = None,
                 written: WrittenOutput | None = None, spool: Path | None = None,
                 digested: Callable[[], None] | None = None) -> SiteFiles:
    """Every page; with ``memo``, only those whose recorded inputs changed are rendered
    again, and with ``written``, those the output folder holds unchanged are kept there;
    with ``spool``, what is made is held there, not in memory (see ``SiteFiles``).
    ``digested``: see ``incremental.pages.render_pages``."""
    from .incremental.pages import render_pages
    from .site.render import render_all, render_site

    return render_site(site, config, jobs, render_pages(memo, written, digested) if memo is not None else render_all,
                       written.folder if written is not None else None, spool, compiled_templates_folder(config))


def compiled_templates_folder(config: SiteConfig) -> Path:
    """Where builds keep compiled templates: named by sitegen's code (Jinja2's version and
    settings with it), so that no other sitegen's compiled code is read."""
    return config.state_dir / "compiled-templates" / code_digest()[:20]


def redirect_stage(site: Site, config: SiteConfig, history, files: Mapping[str, bytes],
                   memo: Memo | None = None) -> dict[str, bytes]:
    """Pages and ``_redirects`` lines for dossier addresses that moved; never over a real
    file. With ``memo``, the last build's plan is reused where its inputs are equal."""
    planned = [r for r in planned_redirects(memo, site.entities, history, site.without_page)
               if urls.page_file(r.old) not in files]
    return redirect_files(planned, config.base_url, config.title)
