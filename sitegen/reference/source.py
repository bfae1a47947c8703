"""Reference records from the cache, fetching what is missing or stale when allowed.

Every lookup takes a whole list of keys, so the network is asked in batches and each
title or item is fetched once per build whatever the number of pages that show it.
"""
from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from typing import Callable

from . import wikidata, wikipedia
from .http import ApiClient, ReferenceUnavailable
from .store import ReferenceStore

DAY = 86400.0


@dataclass
class ReferenceSource:
    store: ReferenceStore
    client: ApiClient | None  # None: offline, the cache only
    wiki: object | None = None  # a wikipediaapi.Wikipedia on the same transport, for search
    ttl_days: float = 30.0
    refresh: bool = False
    now: Callable[[], float] = time.time
    problems: list[str] = field(default_factory=list)  # failures worth one warning
    oldest: float | None = None  # fetch time of the oldest record handed out
    started: float = field(default_factory=time.time)  # records fetched since are fresh even under refresh
    # records already read, kept by a long-running process between builds: (kind, key) -> (record, fetched)
    memo: dict | None = None
    _times: dict = field(default_factory=dict)  # (kind, key) -> fetch time of each record handed out

    def pages(self, titles: list[str]) -> dict[str, dict]:
        return self._lookup("page", titles, wikipedia.PAGES_BATCH, wikipedia.fetch_pages)

    def extracts(self, titles: list[str]) -> dict[str, dict]:
        return self._lookup("extract", titles, wikipedia.EXTRACTS_BATCH, wikipedia.fetch_extracts)

    def items(self, ids: list[str]) -> dict[str, dict]:
        return self._lookup("item", ids, wikidata.BATCH, wikidata.fetch_items)

    def labels(self, ids: list[str]) -> dict[str, dict]:
        return self._lookup("label", ids, wikidata.BATCH, wikidata.fetch_labels)

    def search(self, queries: list[str]) -> dict[str, dict]:
        def one(client, batch):
            return {batch[0]: {"titles": wikipedia.search_titles(self.wiki, batch[0])}}, None
        return self._lookup("search", queries, 1, one if self.wiki is not None else None)

    def fetched_at(self, kind: str, key: str) -> float | None:
        """When a record this source handed out was fetched (no second read of the store)."""
        return self._times.get((kind, key))

    def _lookup(self, kind: str, keys: list[str], batch: int, fetch) -> dict[str, dict]:
        keys = sorted(set(k for k in keys if k))
        if self.memo is None:
            cached = self.store.get_many(kind, keys)
        else:
            cached = {k: self.memo[(kind, k)] for k in keys if (kind, k) in self.memo}
            loaded = self.store.get_many(kind, [k for k in keys if k not in cached])
            self.memo.update(((kind, k), v) for k, v in loaded.items())
            cached.update(loaded)
        fresh_after = self.now() - self.ttl_days * DAY
        fresh_after = max(fresh_after, self.started) if self.refresh else fresh_after
        result = {k: v for k, (v, fetched) in cached.items() if fetched >= fresh_after}
        times = {k: cached[k][1] for k in result}  # when each record handed out was fetched
        todo = [k for k in keys if k not in result]
        if todo and self.client is not None and fetch is not None:
            for i in range(0, len(todo), batch):
                part = todo[i:i + batch]
                try:
                    records, recorded = fetch(self.client, part)
                except ReferenceUnavailable as exc:
                    if not exc.offline and exc.reason not in self.problems:
                        self.problems.append(exc.reason)
                    if self.client.transport.unreachable or "budget" in exc.reason:
                        break  # nothing more will get through in this build
                    continue
                if records:
                    when = _epoch(recorded) or self.now()
                    self.store.put_many(kind, records, when)
                    if self.memo is not None:
                        self.memo.update(((kind, k), (v, when)) for k, v in records.items())
                    result.update(records)
                    times.update(dict.fromkeys(records, when))
        for k in todo:  # a stale record beats none when the refetch did not happen
            if k not in result and k in cached:
                result[k], times[k] = cached[k]
        self._times.update(((kind, k), t) for k, t in times.items())
        if times:
            self.oldest = min([*times.values(), *([self.oldest] if self.oldest is not None else [])])
        return result


def _epoch(recorded: str | None) -> float | None:
    if not recorded:
        return None
    try:
        return _dt.datetime.fromisoformat(recorded.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
