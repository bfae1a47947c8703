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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

from ..config import SiteConfig
from ..content.judgements import Judgement
from ..model import Entity, Reference, Site
from . import facts as facts_of
from .combine import Merge, Rename, combine, merge_group, renamed_mentions
from .context import EntityContext, LazyContexts, contexts
from .link import Decide, Gather, Link, decide_links, gather_candidates, link_entities
from .offline import add_place_records, with_place_record
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
    sleep: Callable[[float], None] = lambda seconds: time.sleep(seconds)  # noqa: E731 (looked up when called)
    clock: Callable[[], float] = lambda: time.time()  # noqa: E731 (now, for freshness and back-off; tests move it)


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
                    warn=lambda message: None, steps: ReferenceSteps | None = None) -> tuple[Site, ReferenceReport]:
    """``steps``: the work on each unit (by default ``ReferenceSteps()``, everything done afresh)."""
    from .source import ReferenceSource

    steps = steps or ReferenceSteps()
    mode = "replay" if options.replay else "offline" if options.offline else "record" if options.record else "online"
    # A replayed build must depend on the replay folder alone, so it keeps its records
    # in memory instead of mixing them with whatever the cache holds.
    store_path = None if options.replay else config.state_dir / "reference.sqlite"
    with ReferenceStore(store_path, warn) as store:
        client, wiki = _client(config, options, mode)
        source = ReferenceSource(store, client, wiki, ttl_days=config.reference_ttl_days,
                                 refresh=options.refresh or mode == "record", now=options.clock,
                                 started=options.clock())
        try:
            if mode == "offline" and store.is_empty():
                links = {}  # nothing known and nothing to ask: spare every build the lookups
            else:
                links = steps.links(site, source, config.link_threshold, config.reference_max_searches, warn, steps)
            site, new_ids = combine(site, links, judgements, steps.merge, steps.rename)
            final_links = {new_ids.get(old, old): link for old, link in links.items()}
            site = _enrich(site, final_links, source, steps)
            site = add_place_records(site, steps.place)
        finally:
            if client is not None:
                client.close()
        transport = client.transport if client else None
        report = ReferenceReport(
            linked=sum(1 for e in site.entities if e.reference), entities=len(site.entities),
            requests=transport.budget.used if transport else 0, problems=tuple(source.problems), mode=mode,
            oldest=source.oldest, retry_at=source.retry_at, unfinished=source.unfinished)
        left = store.revision() if mode == "offline" else None  # an offline build writes nothing
    if mode != "offline" and store_path is not None:
        # Read once the store is closed: its last connection folds the write-ahead log
        # into the file, which moves the revision the next build will see.
        left = _revision_once_closed(store_path, warn)
    steps.cache_left(left)
    return site, report


def _revision_once_closed(path: Path, warn) -> str | None:
    with ReferenceStore(path, warn) as store:
        return store.revision()


def site_links(site: Site, source: ReferenceSource, threshold: float, max_searches: int, warn,
               steps: ReferenceSteps) -> Mapping[str, Link]:
    """The link of every entity of ``site`` that has one, by entity id, its candidates,
    contexts and decisions made by ``steps``."""
    return link_entities(site.entities, source, LazyContexts(lambda: steps.contexts(site)), threshold, max_searches,
                         warn, steps.candidates, steps.decide)


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


def _enrich(site: Site, links: Mapping[str, Link], source: ReferenceSource, steps: ReferenceSteps) -> Site:
    """Each linked entity with its Reference."""
    linked = [e for e in site.entities if e.id in links]
    if not linked:
        return site
    references = steps.references(linked, links, source)
    return replace(site, entities=tuple(steps.enrich(e, references[e.id]) if e.id in links else e
                                        for e in site.entities))


def entity_references(entities: Sequence[Entity], links: Mapping[str, Link],
                      source: ReferenceSource) -> dict[str, Reference]:
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


def with_reference(entity: Entity, reference: Reference) -> Entity:
    return replace(entity, reference=reference)


Links = Callable[[Site, "ReferenceSource", float, int, Callable[[str], None], "ReferenceSteps"], Mapping[str, Link]]
References = Callable[[Sequence[Entity], Mapping[str, Link], "ReferenceSource"], Mapping[str, Reference]]


@dataclass(frozen=True)
class ReferenceSteps:
    """The stage's work on one unit at a time (or one batch, where records are read, so
    that they are read together), each a pure function: the incremental layer passes
    versions that look each result up first (``incremental.reference``)."""

    links: Links = site_links  # every entity's link, made with the four steps below
    contexts: Callable[[Site], Mapping[str, EntityContext]] = contexts
    candidates: Gather = gather_candidates  # entities' candidate pages
    decide: Decide = decide_links  # entities' links, from their candidates, contexts and records
    merge: Merge = merge_group  # one group of entities linked to one item
    rename: Rename = renamed_mentions  # one article's mentions, with their entities' new ids
    references: References = entity_references  # linked entities' references
    enrich: Callable[[Entity, Reference], Entity] = with_reference  # one entity with its reference
    place: Callable[[Entity], Entity] = with_place_record  # one place with what GeoNames says of it
    # told the cache's revision as the stage left it (None: a cache in memory), under which
    # a step that keeps what it made from the cache's records keeps it
    cache_left: Callable[[str | None], None] = lambda revision: None
