"""Which kind of source a SOURCE argument is, and its tasks: a URL (a feed, an export or
a page), a file (feed, WordPress export, NewsML-G2, JSON Lines, CSV, a list of URLs, a
saved page) or a folder of such files."""
from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from .feeds import looks_like_feed, read_feed
from .fetch import FetchError, Fetcher, is_web_address
from .items import ItemFailure, SourceError, Task
from .newsml import looks_like_newsml, read_newsml
from .tabular import read_csv, read_jsonl
from .webpages import HTML_EXTENSIONS, fetch_page, read_page, read_saved_page, read_url_list
from .wordpress import looks_like_wxr, read_wxr

MAX_FILE_BYTES = 200_000_000  # a whole newsroom's WordPress export fits; a disk image does not
URL_LIST_EXTENSIONS = (".txt", ".urls")


@dataclass
class SourceOptions:
    mapping: dict[str, str] = field(default_factory=dict)
    fetch_pages: bool = False
    include_drafts: bool = False
    include_pages: bool = False


def open_source(source: str, fetcher: Fetcher, options: SourceOptions) -> list[Task]:
    """The tasks of one SOURCE; SourceError when it cannot be read at all."""
    scheme = urllib.parse.urlsplit(source).scheme.lower()
    if is_web_address(source):
        return _open_url(source, fetcher, options)
    if len(scheme) > 1 and "://" in source:  # ftp://, file://: one letter is a Windows drive
        raise SourceError("only http:// and https:// addresses are fetched; for a file, give its path")
    path = Path(source)
    if path.is_dir():
        return _open_folder(path, fetcher, options)
    if not path.is_file():
        raise SourceError("no such file or folder")
    return _open_file(path, source, fetcher, options)


def _open_url(url: str, fetcher: Fetcher, options: SourceOptions) -> list[Task]:
    try:
        page = fetcher.get(url, use_cache=False)  # a feed or export changes: fetch it anew
    except FetchError as exc:
        raise SourceError(str(exc)) from None
    data = page.body
    kind = _xml_kind(data)
    if kind:
        return _read_xml(kind, data, url, fetcher, options)
    # A web page: its task is already done, the page being in hand.
    return [partial(read_page, data, url, url=url, label=url)]


def _open_folder(folder: Path, fetcher: Fetcher, options: SourceOptions) -> list[Task]:
    tasks: list[Task] = []
    files = sorted(p for p in folder.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    for path in files:
        label = path.relative_to(folder).as_posix()
        if path.suffix.lower() in HTML_EXTENSIONS:
            tasks.append(partial(read_saved_page, path, str(folder), label))
        elif path.suffix.lower() in (".xml", ".rss", ".atom", ".jsonl", ".ndjson", ".csv"):
            try:
                tasks.extend(_open_file(path, str(path), fetcher, options))
            except SourceError as exc:
                tasks.append(partial(ItemFailure, str(folder), label, str(exc)))
    if not tasks:
        raise SourceError("the folder holds no .html, .xml, .jsonl or .csv files to import")
    return tasks


def _open_file(path: Path, source: str, fetcher: Fetcher, options: SourceOptions) -> list[Task]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SourceError(f"is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES / 1e6:.0f} MB limit; split it")
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot be read ({exc.strerror or exc})") from None
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return read_jsonl(data, source, options.mapping)
    if suffix == ".csv":
        return read_csv(data, source, options.mapping)
    if suffix in HTML_EXTENSIONS:
        return [partial(read_saved_page, path, source, path.name)]
    if suffix in URL_LIST_EXTENSIONS:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceError("is not UTF-8 text; save the list of URLs as UTF-8") from None
        return read_url_list(text, source, fetcher)
    kind = _xml_kind(data)
    if kind:
        return _read_xml(kind, data, source, fetcher, options)
    raise SourceError("cannot tell what it is: not an RSS or Atom feed, a WordPress export, NewsML-G2, "
                      ".jsonl, .csv, .html or a .txt list of URLs")


def _xml_kind(data: bytes) -> str | None:
    if looks_like_wxr(data):
        return "wxr"
    if looks_like_newsml(data):
        return "newsml"
    if looks_like_feed(data):
        return "feed"
    return None


def _read_xml(kind: str, data: bytes, source: str, fetcher: Fetcher, options: SourceOptions) -> list[Task]:
    if kind == "wxr":
        return read_wxr(data, source, options.include_drafts, options.include_pages)
    if kind == "newsml":
        return read_newsml(data, source)
    return read_feed(data, source, partial(fetch_page, fetcher) if options.fetch_pages else None)
