"""``sitegen import``: a newsroom's archive in, from feeds, web pages and CMS exports.

One module per kind of source (``feeds``, ``webpages``, ``wordpress``, ``newsml``,
``tabular``), and the pieces they share: fetching (``fetch``), HTML to Markdown
(``html_text``), writing article files (``writer``), the record that makes imports
idempotent (``state``) and the summary (``summary``). ``run_import`` is the entry point.

The heavy libraries (trafilatura, feedparser) load only when an import runs, not with
every ``sitegen`` command that builds its argument parser.
"""
from .. import __version__

DEFAULT_USER_AGENT = f"sitegen/{__version__} (archive import)"


def __getattr__(name: str):
    if name in ("run_import", "ImportOptions"):
        from . import run

        return getattr(run, name)
    raise AttributeError(name)
