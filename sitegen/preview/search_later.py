"""The preview's search index, brought up to date after the pages are published.

Indexing takes a second or two even when only one shard of the index is made again (see
``site.search``), more than a rebuild, so a preview publishes each build with the index it
already has and re-indexes here, on a thread of its own, from a snapshot of the published
pages. The new index is
written only if no build published in between; otherwise indexing starts again from the
newer pages. It waits for a pause in the saving first: indexing between two quick saves
would only take the processor from the next rebuild, and be out of date at once.
"""
from __future__ import annotations

import threading
import time

from ..site.search import BUNDLE, search_files

# Seconds without a new build before the index is brought up to date.
PAUSE_SECONDS = 2.0


class SearchIndexer:
    def __init__(self, preview, pause: float = PAUSE_SECONDS) -> None:
        self.preview = preview
        self.pause = pause
        self._last_request = 0.0
        self._wanted = threading.Condition()
        self._pending = False
        self._stopped = False
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        """Index again soon: the published pages changed."""
        with self._wanted:
            self._pending = True
            self._last_request = time.monotonic()
            self._idle.clear()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sitegen-search", daemon=True)
                self._thread.start()
            self._wanted.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until the index is up to date with the published pages (tests, shutdown)."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        with self._wanted:
            self._stopped = True
            self._wanted.notify_all()
        if self._thread is not None:
            self._thread.join()  # a write under way finishes: nothing is left half-written

    def _run(self) -> None:
        while True:
            with self._wanted:
                if not self._pending:
                    self._idle.set()
                self._wanted.wait_for(lambda: self._pending or self._stopped)
                while not self._stopped:  # until the saving pauses
                    left = self._last_request + self.pause - time.monotonic()
                    if left <= 0:
                        break
                    self._wanted.wait(left)
                if self._stopped:
                    return
                self._pending = False
            self._index_once()

    def _index_once(self) -> None:
        preview = self.preview
        snapshot = preview.published_pages()
        if snapshot is None:
            return
        generation, pages, config = snapshot
        index = search_files(pages, config.language, preview.warn, preview.output, config.state_dir)
        if not preview.publish_search(generation, index):
            with self._wanted:
                self._pending = True  # a newer build was published meanwhile: index that one


def without_index(files: dict[str, bytes]) -> dict[str, bytes]:
    return {name: data for name, data in files.items() if not name.startswith(BUNDLE + "/")}
