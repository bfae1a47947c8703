"""Doubts about one page: its type, whether it is an entity at all, its link.

- type: a name the offline gazetteer knows as a country or state, typed otherwise; a
  company form ("Inc", "Corp") on a person or a place;
- ignore: a name the model found only in lower case, a headline fragment (a name in
  capitals in a sentence that is mostly capitals), a name with digits, met once;
- link: on a site with reference data, a prominent page left unlinked or linked with
  low confidence.
"""
from __future__ import annotations

import re

from ..model import Entity, Site
from ..names import COMPANY_SUFFIXES, name_key
from ..nlp.places import gazetteer
from .spelling import folded_words
from .suggestion import Suggestion, sentence_evidence

LOW_LINK_CONFIDENCE = 0.75
PROMINENT_MENTIONS = 5


def doubt_suggestions(site: Site) -> list[Suggestion]:
    linked_site = any(e.reference for e in site.entities)
    out = []
    for entity in site.entities:
        out += _type_doubt(entity) + _junk(entity)
        if linked_site:
            out += _link_doubt(entity)
    return out


def _type_doubt(entity: Entity) -> list[Suggestion]:
    words = folded_words(entity.name)
    if entity.type != "place" and gazetteer().is_region(name_key(entity.name)):
        wanted, why, confidence = "place", "the gazetteer knows it as a country, state or region", 0.7
    elif entity.type != "organisation" and len(words) > 1 and words[-1] in COMPANY_SUFFIXES:
        wanted, why, confidence = "organisation", f"“{entity.name.split()[-1]}” is a company form", 0.8
    else:
        return []
    evidence = ({"reason": f"typed {entity.type}, but {why}"}, *sentence_evidence(entity))
    return [Suggestion("type", (entity.id,), confidence, len(entity.mentions), evidence,
                       {"entity": entity.id, "type": wanted})]


def _junk(entity: Entity) -> list[Suggestion]:
    texts = [m.text for m in entity.mentions]
    reasons = []
    if not any(w[:1].isupper() for t in texts for w in re.split(r"[\s\-']+", t)):
        # "al-Aqsa" and "van Schalkwyk" have a capital after their particle
        reasons.append("only ever written in lower case")
    if len(entity.mentions) == 1:
        sentence = entity.mentions[0].sentence
        letters = [c for c in sentence if c.isalpha()]
        if entity.name.isupper() and letters and sum(c.isupper() for c in letters) / len(letters) > 0.6:
            reasons.append("found once, in capitals, in a line set in capitals (a headline or table)")
        if re.search(r"\d", entity.name):
            reasons.append("found once, and the name has digits")
    if not reasons:
        return []
    confidence = min(0.9, 0.5 + 0.2 * len(reasons))
    evidence = ({"reason": "; ".join(reasons)}, *sentence_evidence(entity))
    return [Suggestion("ignore", (entity.id,), confidence, len(entity.mentions), evidence,
                       {"entity": entity.id, "ignore": True})]


def _link_doubt(entity: Entity) -> list[Suggestion]:
    ref = entity.reference
    if ref is None and len(entity.mentions) >= PROMINENT_MENTIONS:
        reason, confidence = "mentioned often, but linked to no Wikipedia page", 0.5
    elif ref is not None and ref.confidence < LOW_LINK_CONFIDENCE:
        reason = f"linked to “{ref.wikipedia_title}” with low confidence ({ref.confidence:.2f}): {ref.reason}"
        confidence = 1.0 - ref.confidence
    else:
        return []
    evidence = ({"reason": reason}, *sentence_evidence(entity))
    return [Suggestion("link", (entity.id,), confidence, len(entity.mentions), evidence, None)]
