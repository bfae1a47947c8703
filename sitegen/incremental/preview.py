"""How a preview publishes a build: what only a long-running preview knows about its output.

``sitegen build`` writes whatever it made (see ``build.CommandLineOutput``). A preview
(``sitegen serve``) rebuilds after every save into a folder an open browser is showing, so:

- a build that breaks a file that was fine is held back: the last good site stays;
- the files it wrote last are kept in memory, and compared there instead of read back;
- the search index and data/* exports of the last build are published with the new pages,
  and brought up to date once the saving pauses (``preview.search_later``,
  ``preview.exports_later``): both take longer than the pages.

That state lives in the preview's ``BuildMemory`` (``written``, ``written_errors``,
``search``); this is the one place a build reads it.
"""
from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

from ..config import SiteConfig
from ..model import ArticleError
from ..output.write import WriteStats, write_site
from .memo import Memo

if TYPE_CHECKING:
    from ..site.search import SearchIndexing

EXPORTS = "data/"  # the folder of the exports a preview writes after the pages


def last_exports(written: Mapping[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in written.items() if name.startswith(EXPORTS)}


class PreviewOutput:
    def __init__(self, config: SiteConfig, memory, exports_later: bool, clear_state: Callable[[], None]):
        self.config = config
        self.memory = memory  # a memory.BuildMemory, the preview's
        self.exports_later = exports_later
        self.exports_pending = False
        self._clear_state = clear_state

    def up_to_date(self, output: Path) -> bool:
        # A preview builds on every save; it only forgets everything when the settings or
        # the output folder changed.
        self.memory.adopt(self.config, output)
        return False

    def unfetched(self):
        return None

    def memo(self, warn) -> Memo:
        return self.memory.store

    def linking(self) -> AbstractContextManager[None]:
        return nullcontext()  # see linked

    def linked(self) -> AbstractContextManager[None]:
        # The sites a preview builds come and go for hours: the collector keeps at them.
        return nullcontext()

    def spool(self, output: Path) -> AbstractContextManager[None]:
        return nullcontext()  # a preview keeps what it wrote in memory, to compare after the next save

    def written(self, memo: Memo, output: Path) -> None:
        return None  # the memo in memory keeps every page's bytes

    def accepts(self, errors: Iterable[ArticleError]) -> bool:
        return self.memory.should_write(errors)

    def kept(self, memo: Memo) -> None:
        return None  # the memo is in memory: nothing to write

    def exports(self, make: Callable[[], dict[str, bytes]]) -> dict[str, bytes]:
        if self.exports_later and self.memory.written is not None:
            self.exports_pending = True
            return last_exports(self.memory.written)
        return make()

    def exports_alongside(self, *args) -> AbstractContextManager[None]:
        # A preview's exports are made after its pages are published (see ``exports``)
        return nullcontext()

    @contextmanager
    def search_index(self, wanted: bool, make: Callable[[Mapping[str, bytes]], SearchIndexing],
                     pages: Mapping[str, bytes]) -> Iterator[Callable[[], Mapping[str, bytes]]]:
        # Indexing takes seconds on a large site: a preview publishes the pages with the
        # last index and brings it up to date afterwards (serve.SearchIndexer).
        if wanted and self.memory.search is None:
            self.memory.search = make(pages).result()
        yield lambda: self.memory.search if wanted else {}

    def write(self, output: Path, files: Mapping[str, bytes]) -> WriteStats:
        try:
            return write_site(output, files, self.memory.written)
        except BaseException:
            self.memory.written = None  # the folder may be part way: compare with the disk next time
            raise

    def finish(self, memo: Memo, output: Path, files: Mapping[str, bytes], errors, report) -> None:
        self.memory.wrote(files, errors)
        # Fingerprinting every input and output file after each save would cost more
        # than the rebuild; instead the next `sitegen build` is told to check for itself.
        self._clear_state()
