"""Published web pages: from URLs, a file listing URLs, or a folder of saved .html files.
trafilatura finds the main text, title, date and author."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from .fetch import FetchError, Fetcher, is_web_address
from .html_text import page_to_markdown
from .items import Draft, Item, ItemFailure, Task

HTML_EXTENSIONS = (".html", ".htm")


def read_page(page: bytes, source: str, url: str | None = None, label: str | None = None,
              fallback: Draft | None = None) -> Item | ItemFailure:
    """One page as an article. ``fallback`` (a feed item's own fields) fills in what the
    page does not say."""
    found = page_to_markdown(page, url)
    draft = fallback or Draft(source=source, label=label or url or source)
    draft.title = found.title or draft.title
    draft.date = found.date or draft.date
    draft.author = found.author or draft.author
    draft.body = found.body
    draft.url = draft.url or found.url
    draft.summary = draft.summary or found.summary
    draft.publisher = draft.publisher or found.sitename
    draft.tags = draft.tags or list(found.tags)
    return draft.finish()


def fetch_page(fetcher: Fetcher, url: str, draft: Draft) -> Item | ItemFailure:
    """The page at ``url``, read into ``draft`` (which names its source and item)."""
    try:
        page = fetcher.get(url)
    except FetchError as exc:
        return ItemFailure(draft.source, draft.label, str(exc))
    return read_page(page.body, draft.source, url=url, fallback=draft)


def read_urls(urls: list[str], source: str, fetcher: Fetcher) -> list[Task]:
    return [partial(fetch_page, fetcher, url, Draft(source=source, label=url)) for url in urls]


def read_url_list(text: str, source: str, fetcher: Fetcher) -> list[Task]:
    """A text file with one URL a line; blank lines and lines starting with # are skipped."""
    tasks: list[Task] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if not is_web_address(line):
            tasks.append(partial(ItemFailure, source, f"line {number}", f"is not an http(s) address: {line[:60]!r}",
                                 "write one http:// or https:// address a line"))
        else:
            tasks.append(partial(fetch_page, fetcher, line, Draft(source=source, label=f"line {number} <{line}>")))
    return tasks


def read_saved_page(path: Path, source: str, label: str) -> Item | ItemFailure:
    return read_page(path.read_bytes(), source, label=label)
