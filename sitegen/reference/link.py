"""Entities to Wikipedia pages and Wikidata items, with a confidence and a reason.

For each entity the candidates are the pages its names lead to (titles as the articles
write them, redirects followed), then, when none of those fits, the first results of a
search for its name that look like the name. A candidate is scored on evidence:

- how it was reached: the entity's full name, an alias, a country code, a search rank;
- whether its Wikidata class fits the entity's type (a clash rules it out);
- whether it speaks of the story: its item points at the items of co-mentioned entities,
  its lead names them, its description shares words with the sentences.

A close second candidate lowers the confidence; below the threshold the entity stays
unlinked, since a wrong link is worse than none. An editor's pinned title always wins.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping, NamedTuple, Sequence

from ..model import Entity
from ..names import name_key
from ..nlp.places import gazetteer
from . import classes
from .classes import Fit
from .context import EntityContext, names_in, plain_key, words_of

if TYPE_CHECKING:
    from .source import ReferenceSource

THRESHOLD = 0.6
CLOSE = 0.1  # a second candidate this close makes the choice a guess
BASE = {"name": 0.7, "country": 0.75, "the": 0.55, "alias": 0.5}
PERSON_BASE = {"name": 0.6, "alias": 0.35}
SMALL_WORDS = frozenset({"the", "of", "and", "for", "to", "in", "on", "at", "a", "an", "de", "la", "al", "el"})


@dataclass(frozen=True)
class Candidate:
    qid: str
    title: str
    source: str  # editor | name | alias | country | the | search
    form: str  # the name that led to it
    rank: int = 0  # search rank, 0 best
    redirected_from: str | None = None

    def __reduce__(self):
        # Pickled as a call of the constructor: `sitegen build` reads back every entity's
        # candidates at each build (see incremental.stored_links), and the state protocol
        # of dataclasses takes three times as long (0.03 s at 10,000 articles).
        return (Candidate, (self.qid, self.title, self.source, self.form, self.rank, self.redirected_from))


@dataclass(frozen=True)
class Link:
    entity_id: str
    qid: str
    title: str
    confidence: float
    reason: str
    type: str  # the entity's type, corrected when the item plainly says otherwise


@dataclass
class Scored:
    candidate: Candidate
    score: float
    reasons: list[str]
    type: str


class Deciding(NamedTuple):
    """What one entity's link is decided from (with the records of its candidates); a
    tuple, as a large site makes thousands of them per build."""

    entity: Entity
    candidates: tuple[Candidate, ...]
    context: EntityContext
    colinked: frozenset[str]  # Wikidata ids of its neighbours linked in the round before
    threshold: float


Gather = Callable[[Sequence[Entity], "ReferenceSource", int], Mapping[str, tuple[Candidate, ...]]]
Decide = Callable[[Sequence[Deciding], "ReferenceSource"], Mapping[str, "Link | None"]]


def link_entities(entities: Sequence[Entity], source: ReferenceSource, contexts: Mapping[str, EntityContext],
                  threshold: float = THRESHOLD, max_searches: int = 200, warn=lambda m: None,
                  gather: Gather | None = None, decide: Decide | None = None) -> dict[str, Link]:
    """The link of every entity that has one, by entity id.

    ``gather`` finds entities' candidates and ``decide`` chooses among them, each for a
    batch of entities at a time, so that records are read in batches (by default
    ``gather_candidates`` and ``decide_links``).
    """
    gather, decide = gather or gather_candidates, decide or decide_links
    candidates = gather(entities, source, max_searches if source.client is not None else len(entities))

    for e in entities:  # pinned titles that lead nowhere are the editor's to fix
        if e.pinned_wikipedia and not candidates[e.id]:
            warn(f"{e.note_path or e.name}: the pinned Wikipedia title '{e.pinned_wikipedia}' is missing, "
                 f"a disambiguation page or not known offline; {e.name} is shown unlinked")

    # Only entities with a candidate are decided on, and need a context (each asked for once)
    deciding = [(e, candidates[e.id], contexts.get(e.id) or _NO_CONTEXT) for e in entities if candidates[e.id]]
    links: dict[str, Link] = {}
    for _ in range(2):  # the second round lets confident links vouch for their neighbours
        # Only linked entities have a Wikidata id: a neighbour is looked up among them.
        qid_of = {eid: link.qid for eid, link in links.items()}
        todo = [Deciding(e, found, ctx, frozenset(map(qid_of.__getitem__, qid_of.keys() & ctx.neighbours)) if qid_of
                         else _NONE_LINKED, threshold) for e, found, ctx in deciding]
        decided = decide(todo, source) if todo else {}
        links = {entity_id: link for entity_id, link in decided.items() if link}
    return links


_NO_CONTEXT = EntityContext(frozenset(), (), frozenset())
_NONE_LINKED: frozenset[str] = frozenset()


def decide_links(todo: Sequence[Deciding], source: ReferenceSource) -> dict[str, Link | None]:
    """Each entity's link (None: no candidate is good enough), its records read in one batch."""
    items = source.items(sorted({c.qid for d in todo for c in d.candidates}))
    fitting = {c.title for d in todo for c in d.candidates if items.get(c.qid) and not items[c.qid].get("missing")}
    extracts = source.extracts(sorted(fitting))
    return {d.entity.id: _choose(d.entity, list(d.candidates), items, extracts, d.context, d.colinked, d.threshold)
            for d in todo}


def gather_candidates(entities: Sequence[Entity], source: ReferenceSource,
                      max_searches: int) -> dict[str, tuple[Candidate, ...]]:
    """Every entity's candidate pages: its names as titles, then a second look."""
    return {entity_id: tuple(found) for entity_id, found in _gather(entities, source, max_searches).items()}


def _gather(entities: Sequence[Entity], source: ReferenceSource, max_searches: int) -> dict[str, list[Candidate]]:
    forms = {e.id: _forms(e) for e in entities}
    pages = source.pages([f for fs in forms.values() for f, _ in fs])
    candidates = {e.id: _candidates(forms[e.id], pages) for e in entities}
    items = source.items(sorted({c.qid for cs in candidates.values() for c in cs}))

    # Names no page of their own plainly fits get a second look: "The Pentagon" for
    # "Pentagon", then a search. Bare surnames are never searched: the most famous
    # bearer of a surname is rarely the one a local story means.
    fallback = [e for e in entities if e.pinned_wikipedia is None
                and not any(_fit_for(items.get(c.qid), e)[0] is Fit.FITS for c in candidates[e.id])]
    the_forms = {e.id: f"The {e.name}" for e in fallback if _takes_the(e)}
    searches = [e for e in fallback if _searchable(e)][:max_searches]
    found = source.search([e.name for e in searches]) if searches else {}
    hits = {e.id: [t for t in found.get(e.name, {}).get("titles", []) if _looks_like(e.name, t)] for e in searches}
    more_pages = source.pages(list(the_forms.values()) + [t for ts in hits.values() for t in ts])
    for e in fallback:
        if e.id in the_forms and _usable(more_pages.get(the_forms[e.id])):
            page = more_pages[the_forms[e.id]]
            candidates[e.id].append(Candidate(page["qid"], page["title"], "the", the_forms[e.id], 0,
                                              page.get("redirected_from")))
        for rank, title in enumerate(hits.get(e.id, ())):
            page = more_pages.get(title)
            if _usable(page):
                candidates[e.id].append(Candidate(page["qid"], page["title"], "search", e.name, rank))
    return candidates


# ---- candidates -------------------------------------------------------------------

def _forms(entity: Entity) -> list[tuple[str, str]]:
    """The titles to try, each with how it relates to the entity."""
    if entity.pinned_wikipedia is not None:
        return [(entity.pinned_wikipedia, "editor")] if entity.pinned_wikipedia else []
    forms = [(entity.name, "name")]
    for alias in entity.aliases:
        forms.append((alias, "alias"))
    if entity.type == "place":
        for form in (entity.name, *entity.aliases):
            country = gazetteer().canonical(form)
            if country and name_key(country) != name_key(entity.name):
                forms.append((country, "country"))
    seen, out = set(), []
    for form, how in forms:
        title = _as_title(form)
        if title and title not in seen:
            seen.add(title)
            out.append((title, how))
    return out


def _as_title(form: str) -> str:
    form = " ".join(form.replace("_", " ").split()).strip()
    if not form or len(form) > 250 or any(c in form for c in "#<>[]{}|"):
        return ""  # characters a title cannot hold
    return form


def _usable(page: dict | None) -> bool:
    return bool(page) and not page.get("missing") and not page.get("disambiguation") \
        and page.get("namespace", 0) == 0 and bool(page.get("qid"))


def _candidates(forms: list[tuple[str, str]], pages: Mapping[str, dict]) -> list[Candidate]:
    out = []
    for form, how in forms:
        page = pages.get(form)
        if _usable(page):
            out.append(Candidate(page["qid"], page["title"], how, form, 0, page.get("redirected_from")))
    return out


def _takes_the(entity: Entity) -> bool:
    """Short names of buildings and bodies English writes with "the": "the Pentagon"."""
    words = entity.name.split()
    return entity.type != "person" and len(words) <= 2 and words[0].casefold() != "the" and not entity.name.isupper()


def _searchable(entity: Entity) -> bool:
    if len(entity.name) < 4:
        return False
    # a lone surname or first name finds whoever is most famous under it
    return entity.type != "person" or len(entity.name.split()) >= 2


def _looks_like(name: str, title: str) -> bool:
    """A search result worth considering: its title holds most of the name's words."""
    bare = re.sub(r"\s*\([^)]*\)$", "", title)
    want = [w for w in plain_key(name).replace("-", " ").split() if w not in SMALL_WORDS]
    have = set(plain_key(bare).replace("-", " ").split())
    if not want:
        return False
    if name.isupper() and "".join(w[0] for w in plain_key(bare).split() if w not in SMALL_WORDS) == name.casefold():
        return True
    return sum(w in have for w in want) / len(want) >= 0.5 and len(have) <= len(want) + 3


# ---- choosing ---------------------------------------------------------------------

def _fit_for(item: dict | None, entity: Entity) -> tuple[Fit, str]:
    """How an item fits the entity, and the type the entity would have if it is linked."""
    if not item or item.get("missing"):
        return Fit.CLASH, entity.type
    verdict = classes.fit(item, entity.type)
    if verdict is Fit.CLASH and entity.pinned_wikipedia:
        kind = classes.kind_of(item)
        return Fit.FITS, kind or entity.type  # the editor knows what the entity is
    return verdict, entity.type


def _choose(entity: Entity, candidates: list[Candidate], items: Mapping[str, dict], extracts: Mapping[str, dict],
            ctx: EntityContext, colinked: set[str], threshold: float) -> Link | None:
    if not candidates:
        return None
    agreeing = defaultdict(set)
    for c in candidates:
        agreeing[c.qid].add(c.form)
    best_by_qid: dict[str, Scored] = {}
    for c in candidates:
        scored = _score(entity, c, items.get(c.qid), extracts.get(c.title), ctx, colinked, len(agreeing[c.qid]))
        if scored and (c.qid not in best_by_qid or scored.score > best_by_qid[c.qid].score):
            best_by_qid[c.qid] = scored
    ranked = sorted(best_by_qid.values(), key=lambda s: (-s.score, s.candidate.rank, s.candidate.title))
    if not ranked:
        return None
    best = ranked[0]
    confidence = best.score
    if best.candidate.source == "editor":
        confidence = 1.0
    elif len(ranked) > 1 and ranked[1].score > best.score - CLOSE:
        confidence -= CLOSE + (CLOSE - (best.score - ranked[1].score))
        best.reasons.append(f"close to “{ranked[1].candidate.title}” ({ranked[1].score:.2f})")
    confidence = round(max(0.0, min(1.0, confidence)), 2)
    if confidence < threshold:
        return None
    return Link(entity.id, best.candidate.qid, best.candidate.title, confidence, "; ".join(best.reasons), best.type)


def _score(entity: Entity, c: Candidate, item: dict | None, extract: dict | None, ctx: EntityContext,
           colinked: set[str], agreeing: int) -> Scored | None:
    verdict, new_type = _fit_for(item, entity)
    retyped = False
    if verdict is Fit.CLASH:
        kind = classes.kind_of(item) if item and not item.get("missing") else None
        # The model's type gives way to a plain answer about the entity's own full name,
        # but only between places and organisations: a one-word name or a person is too
        # easily someone, or somewhere, else.
        if (c.source == "name" and kind in ("place", "organisation") and entity.type in ("place", "organisation")
                and len(entity.name.split()) >= 2 and kind != entity.type):
            verdict, new_type, retyped = Fit.FITS, kind, True
        else:
            return None
    if verdict is Fit.UNKNOWN and c.source != "editor":
        return None  # a link needs a class that fits, not merely no clash
    person = entity.type == "person"
    if c.source == "editor":
        return Scored(c, 1.0, [f"chosen by an editor (“{c.title}”)"], new_type)
    if c.source == "search":
        score, reasons = 0.45 - 0.05 * c.rank, [f"search result {c.rank + 1} for “{c.form}”"]
    else:
        score = (PERSON_BASE if person else BASE).get(c.source, 0.5)
        how = {"name": "its name", "alias": "its alias", "country": "the country name", "the": "the name"}[c.source]
        verb = f"redirects to “{c.title}”" if c.redirected_from else "is the title"
        reasons = [f"{how} “{c.form}” {verb}"]
    if agreeing > 1:
        score += 0.1
        reasons.append(f"{agreeing} of its names lead there")
    score += 0.1 if not retyped else 0.05
    reasons.append(f"Wikidata says it is {'an organisation' if new_type == 'organisation' else 'a ' + new_type}"
                   + (f" (the articles' type, {entity.type}, was corrected)" if retyped else ""))
    support = 0.0
    shared = sorted(set(item.get("related", ())) & colinked) if item else []
    if shared:
        support += min(0.2, 0.1 * len(shared))
        reasons.append(f"its item points to {len(shared)} co-mentioned entit{'y' if len(shared) == 1 else 'ies'}")
    text = " ".join(filter(None, [(extract or {}).get("extract", "")[:3000], (item or {}).get("description")]))
    named = names_in(text, ctx.neighbour_names)
    if named:
        support += min(0.15, 0.05 * len(named))
        reasons.append(f"its summary names {', '.join(named[:3])}")
    common = sorted(words_of((item or {}).get("description") or "") & ctx.words)
    if common:
        support += min(0.1, 0.05 * len(common))
        reasons.append(f"its description shares “{', '.join(common[:3])}”")
    if person and support == 0 and (colinked or ctx.neighbour_names):
        score -= 0.15
        reasons.append("nothing in it ties it to the story")
    return Scored(c, score + support, reasons, new_type)
