"""What a long-running process (the preview server) keeps between builds of one site.

``sitegen build`` starts from files every time: the SQLite cache spares it NER and the
per-article analysis, and its no-op check spares it everything when nothing changed. A
preview rebuilds after every save, so it keeps the values themselves in memory:

- each article as read, by file and bytes, so an unchanged file is not parsed again;
- each extraction and per-article analysis, by the same keys as the cache, decoded,
  and the entities and mentions made from them, so unchanged entities are the very same
  values (the entity stages keep theirs in ``store``: see ``incremental.entities``);
- each page's inputs and rendered bytes, so a page whose inputs are equal to last time
  is not rendered again (see ``render.render_site``), and likewise each entry of
  ``data/entities.json`` and ``data/graph.json``;
- the reference records read from their cache and each linking decision (see
  ``reference.ReferenceMemo``);
- the files last written to the output folder, so writing compares bytes in memory
  instead of reading the whole output back.

Every memo keeps only what the latest build used, so memory does not grow with edits.
A change of settings (``sitegen.toml``) forgets everything: the next build is a full one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .config import SiteConfig
from .incremental import Memo
from .model import ArticleError
from .reference import ReferenceMemo


@dataclass(frozen=True)
class RenderedPage:
    """A rendered page and what it was rendered from."""

    inputs: Any  # the page's inputs, compared with == (frozen values)
    templates: str  # digest of the templates the page's template uses
    data: bytes
    path: str  # site path
    lastmod: str | None  # for sitemap.xml
    listed: bool  # in sitemap.xml


@dataclass
class BuildMemory:
    config: SiteConfig | None = None
    output: Path | None = None
    articles: dict[Path, tuple] = field(default_factory=dict)  # file -> (bytes, Article or error, ...)
    extractions: dict[str, Any] = field(default_factory=dict)  # cache key -> Extraction
    analyses: dict[Any, Any] = field(default_factory=dict)  # (article id, cache key) -> clusters
    pages: dict[str, RenderedPage] = field(default_factory=dict)  # output file -> page
    page_inputs: dict[Any, Any] = field(default_factory=dict)  # dossiers' and article pages' inputs, see pages.py
    exports: dict[Any, Any] = field(default_factory=dict)  # entries of data/entities.json, see export.py
    graph: dict[Any, Any] = field(default_factory=dict)  # entries of data/graph.json, likewise
    csv_rows: dict[Any, Any] = field(default_factory=dict)  # rows of data/entities.csv, likewise
    reference: ReferenceMemo = field(default_factory=ReferenceMemo)  # records read and links decided
    # results keyed by the digests of their inputs (see sitegen.incremental); the fields
    # above move into it stage by stage
    store: Memo = field(default_factory=Memo)
    written: dict[str, bytes] | None = None  # the output folder's files after the last write
    search: dict[str, bytes] | None = None  # the search index's files, as last built
    # files that had errors when the output was last written: a build may still write
    # while they stay broken, but not when a file that was fine breaks (see should_write)
    written_errors: frozenset[Path] | None = None

    def adopt(self, config: SiteConfig, output: Path) -> None:
        """Start afresh if the settings or the output folder changed: every memo may depend on them."""
        if self.config is not None and (self.config != config or self.config.site_dir != config.site_dir
                                        or self.output != output):
            self.forget()
        self.config, self.output = config, output
        if not output.is_dir():
            self.written = None  # removed behind our back: compare with what is there

    def forget(self) -> None:
        self.config = self.output = None
        self.page_inputs.clear()
        self.articles.clear()
        self.extractions.clear()
        self.analyses.clear()
        self.pages.clear()
        self.exports.clear()
        self.graph.clear()
        self.csv_rows.clear()
        self.reference.forget()
        self.store.forget()
        self.written = None
        self.written_errors = None
        self.search = None

    def should_write(self, errors: Iterable[ArticleError]) -> bool:
        """Whether to write a build with these input errors over the last written site.

        A preview keeps showing the last good site while an editor's change is broken;
        but a file that was already broken when the site was last written does not hold
        back every other change.
        """
        broken = frozenset(e.path for e in errors)
        return self.written_errors is None or broken <= self.written_errors

    def wrote(self, files: Mapping[str, bytes], errors: Iterable[ArticleError]) -> None:
        self.written = dict(files)
        self.written_errors = frozenset(e.path for e in errors)


def keep_only(memo: dict, used: Iterable) -> None:
    """Drop every entry of ``memo`` whose key is not in ``used``."""
    used = set(used)
    for key in [k for k in memo if k not in used]:
        del memo[key]
