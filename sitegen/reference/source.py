"""Reference records from the cache, fetching what is missing or stale when allowed.

Every lookup takes a whole list of keys, so the network is asked in batches and each
title or item is fetched once per build whatever the number of pages that show it.

A lookup that fails is remembered in the store with a time to try again (see
``store.BACKOFF``); until then it is not asked for, unless ``refresh`` says so or the
network has answered another request of this build (it is back: no reason to wait).
"""
from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from . import wikidata, wikipedia
from .api import ReferenceUnavailable
from .store import ReferenceStore

if TYPE_CHECKING:  # made by the build that sends requests (see api)
    from .http import ApiClient

DAY = 86400.0


@dataclass
class ReferenceSource:
    store: ReferenceStore
    client: ApiClient | None  # None: offline, the cache only
    wiki: object | None = None  # searches as a wikipediaapi.Wikipedia does, on the same transport
    ttl_days: float = 30.0
    refresh: bool = False
    now: Callable[[], float] = time.time
    problems: list[str] = field(default_factory=list)  # failures worth one warning
    oldest: float | None = None  # fetch time of the oldest record handed out
    started: float = field(default_factory=time.time)  # records fetched since are fresh even under refresh
    retry_at: float | None = None  # when the first lookup that failed (now or before) may be tried again
    unfinished: bool = False  # lookups left for the next build (the request budget ran out)
    reached: bool = False  # the network answered a request of this build
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

    @property
    def revision(self) -> str | None:
        """What every record this source hands out depends on, or None when they depend on
        more than the cache file (the network, a replay folder, the clock): offline, the
        records are the cache's, whatever their age, so its revision stands for them."""
        return self.store.revision() if self.client is None else None

    def fetched_at(self, kind: str, key: str) -> float | None:
        """When a record this source handed out was fetched (no second read of the store)."""
        return self._times.get((kind, key))

    def cache_revision(self) -> str | None:
        """The cache's revision (``ReferenceStore.revision``), online too."""
        return self.store.revision()

    @property
    def troubled(self) -> bool:
        """Some lookup of this build failed, waits for its back-off or was left for later:
        a build that asks again may be answered otherwise."""
        return bool(self.problems) or self.retry_at is not None or self.unfinished

    def all_fresh(self, fetched: tuple[float, ...]) -> bool:
        """Whether records fetched at the times ``fetched`` (in order) are all still fresh:
        a build reading them again fetches none of them."""
        return not fetched or fetched[0] >= self._fresh_after()

    def _fresh_after(self) -> float:
        fresh_after = self.now() - self.ttl_days * DAY
        return max(fresh_after, self.started) if self.refresh else fresh_after

    def fetch_times(self) -> tuple[float, ...]:
        """When the records handed out so far were fetched: each time once, in order."""
        return tuple(sorted(set(self._times.values())))

    def handed_out_again(self, fetched: tuple[float, ...]) -> None:
        """Records fetched at the times ``fetched`` (``fetch_times``) count as handed out
        again, unread: a result made from them is reused whole (see
        ``incremental.reference``), and ``oldest`` says what reading them would."""
        fresh_after = self._fresh_after()
        oldest = next((t for t in fetched if t >= fresh_after), None)
        if oldest is not None:
            self.oldest = oldest if self.oldest is None else min(self.oldest, oldest)

    def _lookup(self, kind: str, keys: list[str], batch: int, fetch) -> dict[str, dict]:
        keys = sorted(set(k for k in keys if k))
        cached = self.store.get_many(kind, keys)
        fresh_after = self._fresh_after()
        result = {k: v for k, (v, fetched) in cached.items() if fetched >= fresh_after}
        times = {k: cached[k][1] for k in result}  # when each record handed out was fetched
        todo = [k for k in keys if k not in result]
        if todo and self.client is not None and fetch is not None:
            waiting = {} if self.refresh else self.store.backing_off(kind, todo, self.now())
            self._fetch(kind, [k for k in todo if k not in waiting], batch, fetch, result, times)
            if waiting and self.reached:
                self._fetch(kind, list(waiting), batch, fetch, result, times)
            else:
                self._waiting(waiting.values())
        oldest = min(times.values(), default=None)
        for k in todo:  # a stale record beats none when the refetch did not happen
            if k not in result and k in cached:
                result[k], times[k] = cached[k]
        self._times.update(((kind, k), t) for k, t in times.items())
        # A stale record served because its refetch failed has its own time to be tried again
        # (``retry_at``): it does not make the build's records look expired.
        if oldest is not None:
            self.oldest = oldest if self.oldest is None else min(self.oldest, oldest)
        return result

    def _fetch(self, kind: str, keys: list[str], batch: int, fetch, result: dict, times: dict) -> None:
        for i in range(0, len(keys), batch):
            part = keys[i:i + batch]
            try:
                records, recorded = fetch(self.client, part)
            except ReferenceUnavailable as exc:
                if exc.offline:
                    continue  # not in a replay folder: nothing to wait for or warn about
                self._problem(exc.reason)
                if exc.budget:
                    self.unfinished = True
                    break  # nothing more gets through in this build; the next one goes on
                unreachable = bool(self.client.transport.unreachable)
                # Out of reach, the rest of the keys would fail the same way, at once.
                self._failed(self.store.failed(kind, keys[i:] if unreachable else part, exc.reason, self.now()))
                if unreachable:
                    break
                continue
            self.reached = True
            self.store.answered(kind, part)
            if records:
                when = _epoch(recorded) or self.now()
                self.store.put_many(kind, records, when)
                result.update(records)
                times.update(dict.fromkeys(records, when))

    def _waiting(self, backing_off) -> None:
        """Lookups not asked for in this build: the last try failed and their time has not come."""
        for retry_at, reason in backing_off:
            self._problem(reason)
            self._failed(retry_at)

    def _failed(self, retry_at: float) -> None:
        self.retry_at = retry_at if self.retry_at is None else min(self.retry_at, retry_at)

    def _problem(self, reason: str) -> None:
        if reason not in self.problems:
            self.problems.append(reason)


def _epoch(recorded: str | None) -> float | None:
    if not recorded:
        return None
    try:
        return _dt.datetime.fromisoformat(recorded.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
