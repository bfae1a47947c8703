"""Turn a resolved ``Site`` into the files of the website (all but ``data/*.json``).

Pages come from Jinja2 templates: the built-in theme, any of whose templates a site can
override with a file of the same name in its own ``templates/`` folder. What each page
shows is worked out in ``pages``; this module loads the templates, renders the pages (in
several processes on a large site) and adds the static files and the sitemap.

Each template receives the variables listed at the top of the theme's ``base.html``
plus those listed at the top of its own file.
"""
from __future__ import annotations

import gc
import multiprocessing
import traceback
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait as wait_for
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, Template, TemplateError

from . import hosting, structured
from .. import urls
from ..config import SiteConfig
from ..errors import SitegenError
from ..model import TYPE_PLURALS, Site
from .pages import MONTHS, TYPE_LABELS, NavItem, Page, PagePlan, planned_pages
from .files import SiteFiles, file_digest
from .view import Read, SiteData, SiteView
from .compiled_templates import compiled_templates
from .templates import TemplateSet
from .theme import builtin_theme_dir
from ..workers import die_with_parent


# Below this many pages, starting a second process costs more than it saves.
PARALLEL_PAGES = 1500


@dataclass(frozen=True)
class RenderedPage:
    """A rendered page, and the inputs it read (see ``site_view``)."""

    file: str  # output file, e.g. "people/angela-merkel/index.html"
    data: bytes | None  # None: the output folder holds it as the last build wrote it, or this build's spool
    path: str  # site path
    lastmod: str | None  # for sitemap.xml
    listed: bool  # in sitemap.xml
    reads: frozenset[Read]  # read back from the memo file: their marks (see incremental.pages.ReadMarks)
    digest: str  # of ``data`` (see ``files.file_digest``)


# How a build gets its pages rendered: given the site's data, the pages and the function
# that renders some of them, the rendered pages in the same order. The stage renders them
# all; the incremental layer passes one that reuses the pages whose inputs are unchanged.
RenderPages = Callable[[SiteData, Sequence[PagePlan], Callable[[Sequence[PagePlan]], list[RenderedPage]]],
                       list[RenderedPage]]


def render_all(data: SiteData, plans: Sequence[PagePlan],
               render: Callable[[Sequence[PagePlan]], list[RenderedPage]]) -> list[RenderedPage]:
    return render(plans)


def render_site(site: Site, config: SiteConfig, jobs: int = 1, render_pages: RenderPages = render_all,
                output: Path | None = None, spool: Path | None = None, compiled: Path | None = None) -> SiteFiles:
    """Every file of the site except data/*.json, keyed by POSIX path relative to the output root.

    With ``jobs`` > 1 and a large site, pages are rendered in that many processes (forked,
    so they share the resolved site without copying it). A page ``render_pages`` hands
    back without bytes is kept as the folder ``output`` holds it. With a ``spool``, each
    file's bytes go there as soon as they are made (see ``SiteFiles``), and the pages
    rendered come back to ``render_pages`` without them: neither holds a page's bytes.
    With ``compiled``, templates compiled by an earlier build are read from that folder.
    """
    dirs = _template_dirs(config)
    templates = TemplateSet.read(dirs, compiled)
    data = SiteData(site, config, templates.closures)
    renderer = _Renderer(_environment(dirs, templates.digest, compiled), data)
    files = SiteFiles(output, spool=spool)
    # Each input a page read, once: pages read the same inputs (a dossier each article it
    # links to), and the pages rendered in another process come back with copies of their
    # own (a million small tuples at 10,000 articles, kept with the pages to the build's end).
    inputs: dict[Read, Read] = {}

    def made(page: RenderedPage) -> RenderedPage:
        reads = frozenset([inputs.setdefault(read, read) for read in page.reads])
        if spool is None:
            return replace(page, reads=reads)
        files.add(page.file, page.data, page.digest)
        return replace(page, data=None, reads=reads)

    def render(plans: Sequence[PagePlan]) -> list[RenderedPage]:
        if jobs > 1 and len(plans) >= PARALLEL_PAGES and "fork" in multiprocessing.get_all_start_methods():
            return _render_in_processes(renderer, plans, jobs, made)
        return [made(page) for start in range(0, len(plans), RENDER_BATCH)
                for page in _render_pages(renderer, plans[start:start + RENDER_BATCH])]

    pages = render_pages(data, planned_pages(data), render)
    for page in pages:
        if page.data is not None:
            files.add(page.file, page.data, page.digest)
        elif page.file not in files:  # else rendered and spooled by this build
            files.keep(page.file, page.digest)
    sitemap = [(page.path, page.lastmod) for page in pages if page.listed]
    if config.base_url:
        files["sitemap.xml"] = hosting.sitemap(config.base_url, sitemap)
    files["robots.txt"] = hosting.robots_txt(config.base_url)
    files[hosting.FEED_FILE] = hosting.atom_feed(config.title, config.base_url, data.articles, config.language)
    files.update(_static_files(dirs))
    return files


def render_page(renderer: "_Renderer", plan: PagePlan) -> RenderedPage:
    """One page: built through a view that records what it reads, then rendered."""
    reads: set[Read] = set()
    view = SiteView(renderer.data, reads.add)
    page = plan.build(view)
    file = urls.page_file(page.path)
    if page.path == urls.NOT_FOUND_FILE:
        # Hosts serve 404.html in place of any missing address, at any depth, so
        # relative links cannot work there. Its links start from the path of
        # ``base_url`` ("/news/") or, without one, from "/": the site is assumed to
        # be served at the host's root.
        root, canonical = urls.base_path(view.setting("base_url")), None
    else:
        root = urls.root_of(file)
        canonical = view.canonical(page.path)
    data = renderer.render(page, file, root, canonical, view)
    return RenderedPage(file, data, page.path, page.lastmod, page.in_sitemap and page.path != urls.NOT_FOUND_FILE,
                        frozenset(reads), file_digest(data))


def _render_pages(renderer: "_Renderer", plans: Sequence[PagePlan]) -> list[RenderedPage]:
    return [render_page(renderer, plan) for plan in plans]


_FORKED: tuple | None = None  # what forked workers render from: set just before the fork
# Pages a forked worker renders and sends back at a time: what it holds stays this size,
# not a share of the whole site's pages (with their pickles, as large again).
RENDER_BATCH = 400
# Batches each worker may have rendered, or be rendering, before this process takes them.
BATCHES_AHEAD = 2


def _render_part(share: int, start: int, stop: int) -> list:
    renderer, plans, jobs = _FORKED
    return _render_pages(renderer, plans[share::jobs][start:stop])


def _render_in_processes(renderer, plans, jobs: int,
                         made: Callable[[RenderedPage], RenderedPage] | None = None) -> list:
    """The pages, rendered by this process and ``jobs`` - 1 forked ones, each a share.

    ``made`` (if given) is handed each page as it comes, in this process: this process's
    own as it renders them, a batch at a time, and the workers' batches as they arrive,
    taken in between its own. What it returns stands for the page from then on.
    """
    # fork() copies only the calling thread: a caller that runs other threads (a dev
    # server) should render with jobs=1.
    global _FORKED
    _FORKED = (renderer, plans, jobs)
    take = made or (lambda page: page)
    parts: dict[tuple[int, int], list] = {}  # (share, start) -> its pages, as ``take`` returned them
    # The workers' batches, in the order they are handed out, and those handed out and
    # not yet taken back: a worker that runs ahead of this process waits for it, rather
    # than pile its pages up here.
    waiting = deque((share, start) for start in range(0, len(plans[1::jobs]), RENDER_BATCH)
                    for share in range(1, jobs) if start < len(plans[share::jobs]))
    pending: dict = {}

    def hand_out(pool: ProcessPoolExecutor) -> None:
        while waiting and len(pending) < BATCHES_AHEAD * (jobs - 1):
            share, start = waiting.popleft()
            pending[pool.submit(_render_part, share, start, start + RENDER_BATCH)] = (share, start)

    def collect(pool: ProcessPoolExecutor, wait: bool) -> None:
        done, _ = wait_for(pending, timeout=None if wait else 0, return_when=FIRST_COMPLETED)
        # A finished future holds its batch's bytes for as long as it is referenced.
        while done:
            future = done.pop()
            parts[pending.pop(future)] = [take(page) for page in future.result()]
            del future
        hand_out(pool)

    # The site's objects stay shared with the workers: without this, the first garbage
    # collection in a worker writes to every one of them, copying their memory pages.
    gc.freeze()
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs - 1, mp_context=context, initializer=die_with_parent) as pool:
            hand_out(pool)
            for start in range(0, len(plans[0::jobs]), RENDER_BATCH):
                parts[0, start] = [take(page) for page in _render_part(0, start, start + RENDER_BATCH)]
                collect(pool, wait=False)
            while pending:
                collect(pool, wait=True)
    finally:
        _FORKED = None
        gc.unfreeze()
    shares = [[page for key in sorted(k for k in parts if k[0] == share) for page in parts[key]]
              for share in range(jobs)]
    # Put the pages back in their order: page i was rendered by share i % jobs.
    out = []
    for i in range(len(plans)):
        out.append(shares[i % jobs][i // jobs])
    return out


# --- templates ----------------------------------------------------------------------


def format_date(value) -> str:
    """``2025-11-10`` -> ``10 November 2025`` (the same in every locale)."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def count_label(n: int, singular: str, plural: str | None = None) -> str:
    """``count_label(3, "mention")`` -> ``"3 mentions"``."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def _template_dirs(config: SiteConfig) -> tuple[Path, ...]:
    theme = builtin_theme_dir().resolve()
    own = config.templates_dir
    if own.is_dir() and own.resolve() != theme:
        return (own.resolve(), theme)
    return (theme,)


@lru_cache(maxsize=8)
def _environment(dirs: tuple[Path, ...], digest: str, compiled: Path | None = None) -> Environment:
    """The Jinja2 environment for these template folders holding templates of this digest.

    A new digest (a template was edited) gets a new environment, rather than trusting
    Jinja2's check of file times, which two saves within one tick would fool; so the
    environment does not check them either (once per template per page: 39,000 file
    times at 1,000 articles). ``compiled``: the folder where compiled templates are kept
    between builds (see ``compiled_templates``).
    """
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in dirs]),
        auto_reload=False,
        bytecode_cache=compiled_templates(compiled),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["date"] = format_date
    env.globals.update(
        article_path=urls.article_path,
        entity_path=urls.entity_path,
        type_path=urls.type_path,
        count=count_label,
        type_labels=TYPE_LABELS,
        type_plurals=TYPE_PLURALS,
    )
    return env


def _common_context(view: SiteView) -> dict[str, Any]:
    """What every template receives besides its page's own values."""
    types = view.types()
    nav = (
        NavItem("Home", urls.HOME, "home"),
        *(NavItem(TYPE_PLURALS[t], urls.type_path(t), t) for t in types),
        NavItem("Articles", urls.ARTICLES, "articles"),
    )
    return {
        "site_title": view.setting("title"),
        "language": view.setting("language"),
        "base_url": view.setting("base_url"),
        "entity_types": types,
        "nav": nav,
        "description": None,
        "open_graph": (),
        "json_ld": None,
        "search_filter": None,
    }


class _Renderer:
    def __init__(self, env: Environment, data: SiteData) -> None:
        self.env = env
        self.data = data
        self.templates: dict[str, Template] = {}

    def render(self, page: Page, file: str, root: str, canonical: str | None, view: SiteView) -> bytes:
        def url(target: str, fragment: str = "") -> str:
            return urls.href(root, target, fragment)

        view.template(page.template)  # the page's bytes depend on its template and those it uses
        common = _common_context(view)
        context = {
            **common,
            "page_path": page.path,
            "page_title": page.title,
            "section": page.section,
            "canonical": canonical,
            "url": url,
            **page.context,
        }
        if "open_graph" not in page.context:
            context["open_graph"] = structured.open_graph(page.title, common["site_title"], "website",
                                                          canonical, context["description"])
        try:
            template = self.templates.get(page.template)
            if template is None:
                template = self.templates[page.template] = self.env.get_template(page.template)
            return template.render(context).encode("utf-8")
        except TemplateError as exc:
            raise SitegenError(f"cannot render {file}: {_template_location(exc)}{exc}") from exc


def _template_location(exc: TemplateError) -> str:
    """``"path/to/template.html:12: "`` for the template line that failed, if known."""
    filename, lineno = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not filename:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith((".html", ".xml", ".txt")):
                filename, lineno = frame.filename, frame.lineno
                break
    if not filename:
        return ""
    return f"{filename}:{lineno}: " if lineno else f"{filename}: "


def _static_files(dirs: tuple[Path, ...]) -> dict[str, bytes]:
    """``static/`` of the theme, overridden file by file by the site's ``templates/static/``."""
    files: dict[str, bytes] = {}
    for directory in reversed(dirs):  # the theme first, the site's own last
        static = directory / "static"
        if not static.is_dir():
            continue
        for path in static.rglob("*"):
            relative = path.relative_to(static)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                files[f"static/{relative.as_posix()}"] = path.read_bytes()
    return dict(sorted(files.items()))
