"""The search index's recent layer: the pages changed since their shard was indexed, in a small index of their own.

Indexing a shard again costs about a second at a thousand pages, and an edit to one
article would wait for it. Instead, a shard whose pages changed keeps its files as they
are, and the pages it holds out of date are indexed on their own, in the shard
``pagefind/shards/recent/``, which the search page merges like any other. What the old
shards still hold of those pages (and of pages gone from the site) is named in the shard
list (``pagefind/shards.json``, key ``stale``: each result's id, which is its fragment's
name, with its type), and the search page drops those results and takes them out of the
counts by type (``templates/static/search/pagefind.js``).

Pagefind ranks each index by its own word statistics (BM25): in an index of a handful of
pages, every word is common and the recent pages would sink below every other result.
So the recent shard also holds ``BALLAST`` pages of the site, the same ones each time (a
hash of their address decides), each marked so that its fragment's name differs from its
twin's in its own shard; their ids are in ``stale`` too. A sample gives a common word
about the share of pages it has in the whole, but a rare word's weight grows with the
logarithm of the pages an index holds, so a recent page still ranks a little lower for
its rarest words than it will once its shard is indexed again: measured on 60 searches
at 1,000 articles (bench/search_ranking.py), an edited article's place differs from a
fresh build's by 2.8 places on average with 150 pages of ballast, 1.9 with 300, 2.0 with
400; the results found and their counts are the same.

The recent layer grows with the edits until it holds more than ``RECENT_PAGES`` pages;
then the shards with the most changed pages are indexed again, whole, until what is left
is half that, but at most ``CATCH_UP_SHARDS`` of them in one build: edits spread over an
archive leave a few pages behind in every shard, and catching up on them all at once
took one edit in fifty at 10,000 articles half a minute (eight shards of a thousand
pages). Only a change of many pages at once (more than ``BULK_PAGES``: a template, an
import) has every shard it left behind indexed again in the build that made it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import unquote

RECENT_PAGES = 150  # pages changed since their shard was indexed, at most, before shards are indexed again
CATCH_UP_SHARDS = 2  # shards indexed again in one build, at most, for the lag of one edit after another
BULK_PAGES = 4 * RECENT_PAGES  # a lag beyond this is caught up on in one build, whatever it costs
BALLAST = 300  # pages of the site the recent shard also holds, for its word statistics
SIGNATURE = b"pagefind_dcd"  # what every Pagefind file begins with, once unzipped
_BODY = re.compile(rb"<[^>]*\bdata-pagefind-body\b[^>]*>")
_MARK = b'<span hidden data-pagefind-meta="sitegen_ballast:1"></span>'


def may_lag(shard_size: int) -> bool:
    """Whether a shard this size is left as it is when its pages change: a small one is
    indexed again as fast as the recent shard would be."""
    return shard_size > 2 * BALLAST


@dataclass
class Lag:
    """What one shard, indexed before its pages changed, holds out of date."""

    changed: list[str] = field(default_factory=list)  # its pages whose search document is new
    stale: dict[str, str] = field(default_factory=dict)  # result id -> type, of what it holds of them or of pages gone

    @property
    def size(self) -> int:
        return len(self.changed) + len(self.stale)


def lag_of(indexed: Mapping[str, list], shard: list[str], digests: Mapping[str, str]) -> Lag:
    """What a shard indexed from ``indexed`` (page -> [document digest, id, type]) holds
    out of date, now that its pages are ``shard`` with these documents."""
    lag = Lag()
    for page in shard:
        was = indexed.get(page)
        if was is None or was[0] != digests[page]:
            lag.changed.append(page)
    now = set(shard)
    for page, (digest, id_, type_) in indexed.items():
        if id_ is not None and (page not in now or digest != digests[page]):
            lag.stale[id_] = type_ or ""
    return lag


def to_index_again(lags: Mapping[str, Lag]) -> list[str]:
    """The lagging shards to index again now, the most out of date first, so that what is
    left for the recent shard is at most ``RECENT_PAGES`` pages (half that, once over),
    ``CATCH_UP_SHARDS`` at a time unless the lag is more than ``BULK_PAGES``."""
    total = sum(lag.size for lag in lags.values())
    if total <= RECENT_PAGES:
        return []
    most = len(lags) if total > BULK_PAGES else CATCH_UP_SHARDS
    chosen: list[str] = []
    for folder in sorted(lags, key=lambda f: (-lags[f].size, f)):
        if total <= RECENT_PAGES // 2 or len(chosen) == most:
            break
        chosen.append(folder)
        total -= lags[folder].size
    return chosen


def ballast(digests: Mapping[str, str], recent: set[str]) -> list[str]:
    """The pages the recent shard holds for its word statistics: the same ones build after
    build, whatever else changed, but none of the recent pages themselves."""
    ranked = sorted((hashlib.sha256(page.encode()).digest(), page) for page in digests if page not in recent)
    return sorted(page for _, page in ranked[:BALLAST])


def marked(document: bytes) -> bytes:
    """A ballast page's document, changed only so that its fragment is named apart from its twin's."""
    found = _BODY.search(document)
    if found is None:
        return document + _MARK
    return document[:found.end()] + _MARK + document[found.end():]


def indexed_pages(index: Mapping[str, bytes], folder: str) -> dict[str, tuple[str, str]]:
    """Each page a shard's files hold -> (its result id, its type), read from its fragments."""
    found = {}
    prefix = f"{folder}/fragment/"
    for rel, data in index.items():
        if not (rel.startswith(prefix) and rel.endswith(".pf_fragment")):
            continue
        fragment = json.loads(gzip.decompress(data)[len(SIGNATURE):])
        types = fragment.get("filters", {}).get("type") or [""]
        found[_page_of(fragment["url"])] = (rel[len(prefix):-len(".pf_fragment")], types[0])
    return found


def _page_of(url: str) -> str:
    """The page file of the address Pagefind gives it (``/people/x/`` for ``people/x/index.html``)."""
    path = unquote(url).lstrip("/")
    return path + "index.html" if path.endswith("/") or not path else path
