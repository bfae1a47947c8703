"""The reference stage: link the site's entities and enrich their dossiers.

    site, report = reference_stage(site, config, options, judgements, warn)

Records come from the SQLite cache in ``.sitegen/reference.sqlite``, or from the network
(through the guarded transport) when they are missing or older than the time-to-live,
or from a replay folder. Whatever fails, the build goes on: entities without data are
shown without it, and the report says what went wrong, once, and when the lookups that
failed will be tried again (they back off: see ``store``).
"""
from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ..config import SiteConfig
from ..content.judgements import Judgement
from ..model import Entity, Reference, Site
from . import facts as facts_of
from .combine import combine
from .context import ContextMemo, LazyContexts, contexts
from .link import Link, link_entities
from .offline import add_place_records
from .store import ReferenceStore

if TYPE_CHECKING:  # the modules that need httpx are imported when a build links: importing
    import httpx  # it is a third of a no-op build's start-up
    from .http import GuardedTransport

    from .source import ReferenceSource

SUMMARY_CHARS = 1200


@dataclass(frozen=True)
class ReferenceOptions:
    offline: bool = False  # the cache only
    replay: Path | None = None  # answer from a recorded folder; anything else is offline
    record: Path | None = None  # save every response fetched into this folder
    refresh: bool = False  # refetch records even if they are fresh
    network: httpx.BaseTransport | None = None  # the transport that reaches the network (tests fake it)
    memo: "ReferenceMemo | None" = None  # kept between builds by a long-running process
    sleep: Callable[[float], None] = lambda seconds: time.sleep(seconds)  # noqa: E731 (looked up when called)
    clock: Callable[[], float] = lambda: time.time()  # noqa: E731 (now, for freshness and back-off; tests move it)


@dataclass
class ReferenceMemo:
    """What a long-running process (the preview server) keeps between builds: the records
    read from the cache, and each linking decision by everything it was made from."""

    records: dict = field(default_factory=dict)
    decisions: dict = field(default_factory=dict)
    candidates: dict = field(default_factory=dict)  # an entity's names -> its candidate pages (offline)
    enriched: dict = field(default_factory=dict)  # entity id -> (entity, reference, entity with it, link)
    combined: dict = field(default_factory=dict)  # entity ids of a merged group -> (members, link, merged entity)
    renamed: dict = field(default_factory=dict)  # article id -> (its mentions, them with merged entities' ids)
    placed: dict = field(default_factory=dict)  # entity id -> (place, it with its GeoNames record)
    contexts: ContextMemo = field(default_factory=ContextMemo)

    def forget(self) -> None:
        self.records.clear()
        self.decisions.clear()
        self.candidates.clear()
        self.enriched.clear()
        self.combined.clear()
        self.renamed.clear()
        self.placed.clear()
        self.contexts = ContextMemo()


@dataclass(frozen=True)
class ReferenceReport:
    linked: int = 0
    entities: int = 0
    requests: int = 0
    problems: tuple[str, ...] = ()  # why some reference data could not be fetched
    mode: str = "online"
    oldest: float | None = None  # fetch time of the oldest record used
    retry_at: float | None = None  # when the lookups that failed (now or before) may be tried again
    unfinished: bool = False  # lookups left for the next build: the request budget ran out

    @property
    def summary(self) -> str:
        return f"reference: {self.linked} of {self.entities} entities linked, {self.requests} requests ({self.mode})"


def reference_stage(site: Site, config: SiteConfig, options: ReferenceOptions, judgements: Sequence[Judgement] = (),
                    warn=lambda message: None) -> tuple[Site, ReferenceReport]:
    from .source import ReferenceSource

    mode = "replay" if options.replay else "offline" if options.offline else "record" if options.record else "online"
    # A replayed build must depend on the replay folder alone, so it keeps its records
    # in memory instead of mixing them with whatever the cache holds.
    store_path = None if options.replay else config.state_dir / "reference.sqlite"
    with ReferenceStore(store_path, warn) as store:
        client, wiki = _client(config, options, mode)
        memo = options.memo if mode in ("online", "offline") else None
        source = ReferenceSource(store, client, wiki, ttl_days=config.reference_ttl_days,
                                 refresh=options.refresh or mode == "record", memo=memo.records if memo else None,
                                 now=options.clock, started=options.clock())
        try:
            if mode == "offline" and store.is_empty():
                links = {}  # nothing known and nothing to ask: spare every build the lookups
            else:
                links = link_entities(site.entities, source,
                                      LazyContexts(lambda: contexts(site, memo.contexts if memo else None)),
                                      config.link_threshold, config.reference_max_searches, warn,
                                      memo.decisions if memo else None, memo.candidates if memo else None)
            site, new_ids = combine(site, links, judgements, memo.combined if memo else None,
                                    memo.renamed if memo else None)
            final_links = {new_ids.get(old, old): link for old, link in links.items()}
            site = _enrich(site, final_links, source, memo.enriched if memo else None)
            site = add_place_records(site, memo.placed if memo else None)
        finally:
            if client is not None:
                client.close()
        transport = client.transport if client else None
        report = ReferenceReport(
            linked=sum(1 for e in site.entities if e.reference), entities=len(site.entities),
            requests=transport.budget.used if transport else 0, problems=tuple(source.problems), mode=mode,
            oldest=source.oldest, retry_at=source.retry_at, unfinished=source.unfinished)
    return site, report


def _client(config: SiteConfig, options: ReferenceOptions, mode: str):
    if mode == "offline":
        return None, None
    from .http import ApiClient, EnvironmentTransport, GuardedTransport, RequestBudget
    from .replay import RecordingTransport, ReplayTransport

    if options.replay:
        inner: httpx.BaseTransport = ReplayTransport(options.replay)
    else:
        inner = options.network or EnvironmentTransport()
        if options.record:
            inner = RecordingTransport(inner, options.record)
    guarded = GuardedTransport(inner, RequestBudget(config.reference_request_budget), sleep=options.sleep)
    agent = user_agent(config)
    client = ApiClient(guarded, agent)
    return client, _Search(guarded, agent)


class _Search:
    """Title search through wikipedia-api on the same guarded transport: the same budget,
    the same retries, the same recording. Its own retries are off (ours apply). Made on
    the first search: a build whose searches are all cached or backing off does not pay
    for importing it."""

    def __init__(self, transport: GuardedTransport, agent: str):
        self._transport, self._agent, self._wiki = transport, agent, None

    def search(self, query: str, limit: int):
        if self._wiki is None:
            import wikipediaapi

            self._wiki = wikipediaapi.Wikipedia(user_agent=self._agent, language="en", max_retries=0,
                                                transport=self._transport, extra_api_params={"maxlag": 5},
                                                timeout=20.0)
        return self._wiki.search(query, limit=limit)


def user_agent(config: SiteConfig) -> str:
    from .http import DEFAULT_USER_AGENT

    if config.reference_user_agent:
        return config.reference_user_agent
    if config.reference_contact:
        return DEFAULT_USER_AGENT.split(" (", 1)[0] + f" (entity dossier site builder; {config.reference_contact})"
    return DEFAULT_USER_AGENT


def _enrich(site: Site, links: dict[str, Link], source: ReferenceSource, kept: dict | None = None) -> Site:
    """Each linked entity with its Reference. ``kept`` (a long-running caller's) hands back
    the last build's enriched value where entity and reference are the same again, so
    that pages compare unchanged entities by identity."""
    linked = [e for e in site.entities if e.id in links]
    if not linked:
        if kept is not None:
            kept.clear()
        return site
    # Offline, the records are those of the cache, unchanged within a process: an entity
    # and link the same as last time have the same reference, so its records are not read.
    settled = {}
    if kept is not None and source.client is None:
        for e in linked:
            last = kept.get(e.id)
            if last is not None and last[0] is e and last[3] == links[e.id]:
                settled[e.id] = last
    fresh = [e for e in linked if e.id not in settled]
    references = _references(fresh, links, source)
    entities, used = [], {}
    for e in site.entities:
        link = links.get(e.id)
        if link is None:
            entities.append(e)
            continue
        if e.id in settled:
            entry = settled[e.id]
        else:
            reference = references[e.id]
            last = kept.get(e.id) if kept is not None else None
            enriched = last[2] if last is not None and last[0] is e and last[1] == reference \
                else replace(e, reference=reference)
            entry = (e, reference, enriched, link)
        used[e.id] = entry
        entities.append(entry[2])
    if kept is not None:
        kept.clear()
        kept.update(used)
    return replace(site, entities=tuple(entities))


def _references(entities: Sequence[Entity], links: dict[str, Link], source: ReferenceSource) -> dict[str, Reference]:
    """The Reference of each entity, from its link and the records it names."""
    if not entities:
        return {}
    from .wikipedia import page_url

    titles = sorted({links[e.id].title for e in entities})
    items = source.items(sorted({links[e.id].qid for e in entities}))
    extracts = source.extracts(titles)
    pages = source.pages(titles)
    wanted = set()
    for e in entities:
        item = items.get(links[e.id].qid)
        if item and not item.get("missing"):
            wanted |= facts_of.referenced_ids(item, e.type)
    labels = source.labels(sorted(wanted)) if wanted else {}

    def label(qid: str) -> str | None:
        return (labels.get(qid) or {}).get("label")

    out = {}
    for e in entities:
        link = links[e.id]
        item = items.get(link.qid) or {}
        page = pages.get(link.title) or {}
        fetched = source.fetched_at("extract", link.title) or source.fetched_at("item", link.qid)
        out[e.id] = Reference(
            wikipedia_title=link.title,
            wikipedia_url=page.get("url") or page_url(link.title),
            wikidata_id=link.qid,
            summary=_summary((extracts.get(link.title) or {}).get("extract")),
            revision_id=page.get("revid"),
            description=item.get("description"),
            confidence=link.confidence,
            reason=link.reason,
            fetched=_dt.datetime.fromtimestamp(fetched, _dt.timezone.utc).date().isoformat() if fetched else None,
            facts=facts_of.facts(item, e.type, label) if item else (),
            coordinates=facts_of.coordinates(item) if e.type == "place" else None,
            image=facts_of.image(item),
        )
    return out


def _summary(text: str | None) -> str | None:
    """The lead, cut at a sentence end near the limit: a dossier quotes, it does not copy."""
    if not text:
        return None
    text = " ".join(text.split())
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text.rfind(". ", 0, SUMMARY_CHARS)
    return text[: cut + 1] if cut > SUMMARY_CHARS // 3 else text[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
