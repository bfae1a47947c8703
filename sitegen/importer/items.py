"""What every source reader yields: an article ready to write, or one item that failed.

A reader never raises for one bad item: it yields an ``ItemFailure`` naming the source,
the item and what to do, and goes on with the next. ``SourceError`` is for a source that
cannot be read at all.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
from dataclasses import dataclass, field
from typing import Callable, Union

from dateutil import parser as date_parser


class SourceError(Exception):
    """A source that cannot be read at all (missing file, unreachable URL, not a feed)."""


@dataclass(frozen=True)
class Item:
    """One article from a source, before it is written."""

    source: str  # the SOURCE argument it came from (a file, folder or URL)
    label: str   # which item in that source, for messages: "item 3", a URL, a GUID
    title: str
    date: dt.date
    body: str    # Markdown
    guid: str | None = None
    url: str | None = None
    author: str | None = None
    tags: tuple[str, ...] = ()
    summary: str | None = None
    publisher: str | None = None  # front matter 'source': who published it

    @property
    def key(self) -> str:
        """What makes this the same item on the next import: its GUID, else its URL,
        else a hash of its content."""
        if self.guid:
            return f"guid:{self.guid}"
        if self.url:
            return f"url:{self.url}"
        digest = hashlib.sha256(f"{self.title}\n{self.date}\n{self.body}".encode("utf-8")).hexdigest()
        return f"sha256:{digest[:32]}"


@dataclass(frozen=True)
class ItemFailure:
    source: str
    label: str
    problem: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.source}: {self.label}: {self.problem}" + (f"; {self.hint}" if self.hint else "")


@dataclass
class Draft:
    """Fields gathered for one item; ``finish`` checks them and makes an Item or a failure."""

    source: str
    label: str
    title: str | None = None
    date: str | dt.date | None = None
    body: str | None = None
    guid: str | None = None
    url: str | None = None
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    publisher: str | None = None
    no_text_hint: str = "check that the source holds the article's text"

    def finish(self) -> Item | ItemFailure:
        title = " ".join((self.title or "").split())
        if not title:
            return ItemFailure(self.source, self.label, "has no title", "give it a title in the source")
        label = self.label if title in self.label else f"{self.label} ({_short(title)})"
        if self.date is None or self.date == "":
            return ItemFailure(self.source, label, "has no date",
                               "add a publication date in the source, or import it by hand with a 'date:' line")
        date = self.date if isinstance(self.date, dt.date) else parse_date(self.date)
        if date is None:
            return ItemFailure(self.source, label, f"has a date that cannot be read: {str(self.date)[:40]!r}",
                               "write it as YYYY-MM-DD or as an RFC 822 date")
        body = (self.body or "").strip()
        if not body:
            return ItemFailure(self.source, label, "has no text", self.no_text_hint)
        # A WordPress category and tag of one name ("Markup", "markup") are one tag.
        tags = tuple({t.strip().casefold(): t.strip() for t in reversed(self.tags) if t and t.strip()}.values())[::-1]
        return Item(source=self.source, label=label, title=title, date=date, body=body,
                    guid=_clean(self.guid), url=_clean(self.url), author=_clean(self.author), tags=tags,
                    summary=_clean(" ".join((self.summary or "").split())), publisher=_clean(self.publisher))


# One unit of work of a source: done when called (a page fetched, HTML converted), so
# that opening a source is quick and the progress bar counts items. Its result is an
# article, one item that failed, or a string saying why the item was skipped.
Task = Callable[[], Union[Item, ItemFailure, str]]


def parse_date(value: str | dt.date | dt.datetime) -> dt.date | None:
    """The calendar date as the source wrote it (no conversion to another time zone: a
    story published at 10 pm in New York is that day's story)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return date_parser.parse(text).date()
    except (ValueError, OverflowError):
        return None


def _short(text: str, limit: int = 60) -> str:
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit - 1]}…'"


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
