"""The publication date as a page shows it to its readers.

trafilatura reads the date from the page's metadata, which is often a UTC timestamp: a
story posted at 9:24 pm in New York carries the next day's date there. Where the page
shows that same moment in a ``<time datetime=...>`` element, the date written inside the
element is the one its readers (and its own archive) know, and it is taken instead.
"""
from __future__ import annotations

import datetime as dt
import re

from .items import parse_date

_TIME = re.compile(r"<time\b[^>]*?\bdatetime\s*=\s*[\"']([^\"']+)[\"'][^>]*>(.*?)</time>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WRITTEN_DATE = re.compile(rf"\b{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b", re.I)
_SCAN_LIMIT = 400_000  # the byline sits near the top; a huge page is not scanned to its end


def shown_date(page: str, found: dt.date) -> dt.date:
    """``found``, or the date the page writes beside the same timestamp (at most a day
    apart: the same moment in the publisher's time zone)."""
    for match in _TIME.finditer(page[:_SCAN_LIMIT]):
        stamp = parse_date(match.group(1).strip()[:25])
        if stamp is None or abs((stamp - found).days) > 1:
            continue
        written = _WRITTEN_DATE.search(_TAG.sub(" ", match.group(2)))
        if not written:
            continue
        shown = parse_date(written.group(0))
        if shown is not None and abs((shown - found).days) <= 1:
            return shown
    return found
