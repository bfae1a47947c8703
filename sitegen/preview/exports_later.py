"""The preview's data/ exports, written once the saving pauses.

A build publishes its pages first: an open page reloads as soon as they are out. The
exports (``data/entities.json``, ``data/graph.json``, one file per entity and article)
follow here, from the site of the last build that published, when no build has come for
``pause`` seconds. Exports made at once would hold the next rebuild up by as long as they
take whenever an editor saves again straight after a reload, and a newer build makes them
out of date anyway: they are made for the site the editor stopped at.
"""
from __future__ import annotations

from .after_pause import AfterPause

# Seconds without a new build before data/ is brought up to date.
PAUSE_SECONDS = 0.5


class ExportWriter(AfterPause):
    name = "sitegen-exports"

    def __init__(self, preview, pause: float = PAUSE_SECONDS) -> None:
        super().__init__(pause)
        self.preview = preview
        self.latest = None  # the last published build's result, whose exports are owed

    def owe(self, result) -> None:
        """``result``'s build published its pages and left its exports for later."""
        self.latest = result
        self.request()

    def run_once(self) -> bool:
        result = self.latest
        if result is not None:
            self.preview.publish_exports(result)
        return True
