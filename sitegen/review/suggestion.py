"""One suggestion of the review queue, and the queue itself in rank order."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from ..curation import Judgement
from ..model import Entity, Site
from ..names import name_key

KINDS = ("same", "apart", "type", "ignore", "link")


@dataclass(frozen=True)
class Suggestion:
    """What the machine thinks an editor should decide about one or two entities.

    ``score`` ranks the queue: the mentions the decision would move or fix times the
    ``confidence`` (0..1) the evidence gives. ``accept`` is the judgement accepting it
    writes (see ``judgements.apply``), or None where the editor must supply a value
    (the Wikipedia title to pin).
    """

    kind: str
    entities: tuple[str, ...]
    confidence: float
    affected: int  # mentions the decision moves, hides or retypes
    evidence: tuple[dict, ...] = ()
    accept: dict | None = field(default=None, compare=False)

    @property
    def score(self) -> float:
        return round(self.confidence * self.affected, 3)

    def to_json(self) -> dict:
        return {"kind": self.kind, "entities": list(self.entities), "score": self.score,
                "confidence": round(self.confidence, 3), "evidence": list(self.evidence),
                "accept": self.accept}


def suggest(site: Site, judgements: Sequence[Judgement] = (), limit: int | None = None) -> list[Suggestion]:
    """Every suggestion for ``site``, best first (highest score, then kind and ids).

    What the editor's ``judgements`` already decided is not asked again: two pages kept
    apart by ``not_same``, a type set by hand, a link pinned or refused.
    """
    from .apart import apart_suggestions
    from .doubts import doubt_suggestions
    from .same import same_suggestions

    found = same_suggestions(site) + apart_suggestions(site) + doubt_suggestions(site)
    if judgements:
        by_path = {j.path: j for j in judgements}
        found = [s for s in found if not _decided(s, site, judgements, by_path)]
    found.sort(key=lambda s: (-s.score, -s.confidence, KINDS.index(s.kind), s.entities))
    return found[:limit] if limit else found


def sentence_evidence(entity: Entity, most: int = 2) -> list[dict]:
    """Where ``entity`` is named: up to ``most`` sentences from different articles."""
    out, seen = [], set()
    for m in entity.mentions:
        if m.article_id in seen:
            continue
        seen.add(m.article_id)
        out.append({"entity": entity.id, "article": m.article_id, "anchor": m.anchor,
                    "sentence": m.sentence.strip()[:300]})
        if len(out) == most:
            break
    return out


def _decided(s: Suggestion, site: Site, judgements: Sequence[Judgement], by_path: dict) -> bool:
    entities = [site.entity(i) for i in s.entities]
    own = [by_path.get(e.note_path) for e in entities]
    if s.kind == "same":
        keys = [name_key(e.name) for e in entities]
        return any(j and (j.apart_keys & set(keys)) for j in own) or \
            any(name_key(e.name) in j.apart_keys and j.merge_keys & set(keys)
                for j in judgements for e in entities)
    if s.kind == "apart":
        return bool(own[0] and name_key(s.accept["not_same"]) in own[0].apart_keys)
    if s.kind == "type":
        return bool(own[0] and own[0].type)
    if s.kind == "link":
        return entities[0].pinned_wikipedia is not None
    return False
