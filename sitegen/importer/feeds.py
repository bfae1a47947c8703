"""RSS 2.0 and Atom feeds (and the older RSS and Atom versions feedparser reads)."""
from __future__ import annotations

from functools import partial
from typing import Callable

import feedparser

from .html_text import fragment_to_markdown, fragment_to_text
from .xml_safety import refuse_entities
from .items import Draft, Item, ItemFailure, SourceError, Task

# feedparser reads nothing by itself here: the importer hands it bytes it fetched
# through its own guarded client, or read from a file.


def looks_like_feed(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def read_feed(data: bytes, source: str,
              fetch_page: Callable[[str, Draft], Item | ItemFailure] | None = None) -> list[Task]:
    """Each entry of the feed. An entry with a summary only is completed from its page
    when ``fetch_page`` is given (``--fetch-pages``)."""
    refuse_entities(data)
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=True)
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        reason = parsed.get("bozo_exception")
        raise SourceError(f"not a readable RSS or Atom feed ({reason or 'no entries found'})")
    publisher = parsed.feed.get("title")
    return [partial(_entry, entry, number, source, publisher, fetch_page)
            for number, entry in enumerate(parsed.entries, 1)]


def _entry(entry, number: int, source: str, publisher: str | None,
           fetch_page: Callable[[str, Draft], Item | ItemFailure] | None) -> Item | ItemFailure:
    link = entry.get("link")
    draft = Draft(source=source, label=f"item {number}" + (f" <{link}>" if link else ""),
                  title=entry.get("title"), guid=entry.get("id"), url=link,
                  date=entry.get("published") or entry.get("updated") or entry.get("created"),
                  author=entry.get("author"), publisher=publisher,
                  tags=[t.get("term") or "" for t in entry.get("tags", [])],
                  summary=fragment_to_text(entry.get("summary", "")),
                  no_text_hint="it has no text in the feed; add --fetch-pages to read its page")
    content = _full_content(entry)
    if content is None and fetch_page is not None and link:
        return fetch_page(link, draft)
    draft.body = fragment_to_markdown(content if content is not None else entry.get("summary", ""))
    if content is None:
        draft.summary = None  # the summary is the body here; not twice
    return draft.finish()


def _full_content(entry) -> str | None:
    """The entry's full text (RSS content:encoded, Atom content), if it has one; a feed
    with descriptions or Atom summaries only has none."""
    for content in entry.get("content", []):
        if content.get("value", "").strip():
            return content["value"]
    return None

