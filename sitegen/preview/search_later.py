"""The preview's search index, brought up to date after the pages are published.

Indexing takes a second or two even when only one shard of the index is made again (see
``site.search``), more than a rebuild, so a preview publishes each build with the index it
already has and re-indexes here, from a snapshot of the published pages, once the saving
pauses (see ``after_pause``). The new index is written only if no build published in
between; otherwise indexing starts again from the newer pages.
"""
from __future__ import annotations

from ..site.search import BUNDLE, search_files
from .after_pause import AfterPause

# Seconds without a new build before the index is brought up to date: indexing between
# two quick saves would only take the processor from the next rebuild.
PAUSE_SECONDS = 2.0


class SearchIndexer(AfterPause):
    name = "sitegen-search"

    def __init__(self, preview, pause: float = PAUSE_SECONDS) -> None:
        super().__init__(pause)
        self.preview = preview

    def run_once(self) -> bool:
        preview = self.preview
        snapshot = preview.published_pages()
        if snapshot is None:
            return True
        generation, pages, config = snapshot
        index = search_files(pages, config.language, preview.warn, preview.output, config.state_dir)
        return preview.publish_search(generation, index)


def without_index(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if not name.startswith(BUNDLE + "/")}
