"""Where the reference APIs are, and how a request to them fails: what the code that
reads their answers needs, without the HTTP machinery (``http``) and its library, which a
build imports only when it sends or replays a request."""
from __future__ import annotations

WIKIPEDIA_API = "https://en.wikipedia.org/w/api.php"
WIKIDATA_API = "https://www.wikidata.org/w/api.php"


class ReferenceUnavailable(Exception):
    """A reference request could not be answered; ``reason`` is fit for a warning."""

    def __init__(self, reason: str, *, offline: bool = False, budget: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.offline = offline  # no network by choice or by absence: not worth a warning
        self.budget = budget  # this build may send no more: not a failure, the next build goes on
