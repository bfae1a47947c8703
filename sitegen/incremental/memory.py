"""What a long-running process (the preview server) keeps between builds of one site.

``sitegen build`` reuses only what the incremental layer keeps on disk (``store``'s
persisted entries, in ``.sitegen/memo.sqlite``), and its no-op check spares it everything
when nothing changed. A preview rebuilds after every save, so it keeps the values
themselves in memory:

- in ``store`` (a ``sitegen.incremental.Memo``): each article as read and its clusters
  (see ``incremental.articles``), the entities, mentions, co-mentions and publication
  decisions made from them (``incremental.entities``, ``incremental.comentions``), and
  each page's bytes with the inputs it read, so a page whose inputs are equal to last
  time is not rendered again (``incremental.pages``), the reference stage's records,
  links and facts (``incremental.reference``), and the entries of the data/* exports
  (``incremental.exports``), all under digests of what they were made from;
- the files last written to the output folder, so writing compares bytes in memory
  instead of reading the whole output back.

Every memo keeps only what the latest build used, so memory does not grow with edits.
A change of settings (``sitegen.toml``) forgets everything: the next build is a full one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from ..config import SiteConfig
from . import Memo
from ..model import ArticleError
from ..site.files import SiteFiles


@dataclass
class BuildMemory:
    config: SiteConfig | None = None
    output: Path | None = None
    # results keyed by the digests of their inputs (see sitegen.incremental)
    store: Memo = field(default_factory=Memo)
    # The preview's output, as incremental.preview publishes it (no stage reads these):
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
        held = files.held() if isinstance(files, SiteFiles) else None
        self.written = dict(held if held is not None else files)
        self.written_errors = frozenset(e.path for e in errors)

