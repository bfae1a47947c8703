"""One suggestion of the review queue: what it proposes, why, and how much it would fix."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Entity, Site

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


def site_entities(site: Site) -> tuple[Entity, ...]:
    """Every entity of ``site``, with a page or without: a name met once and left without
    a page ("West Germanys") still keeps its mentions off the page of the entity it names."""
    return site.entities + site.without_page


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
