"""The review queue: every kind of suggestion, minus what an editor already decided, best first."""
from __future__ import annotations

from typing import Sequence

from ..content.judgements import Judgement
from ..model import Site
from ..names import name_key
from .apart import apart_suggestions
from .doubts import doubt_suggestions
from .same import same_suggestions
from .suggestion import KINDS, Suggestion, site_entities


def suggest(site: Site, judgements: Sequence[Judgement] = (), limit: int | None = None) -> list[Suggestion]:
    """Every suggestion for ``site``, best first (highest score, then kind and ids).

    What the editor's ``judgements`` already decided is not asked again: two pages kept
    apart by ``not_same``, a type set by hand, a link pinned or refused.
    """
    found = same_suggestions(site) + apart_suggestions(site) + doubt_suggestions(site)
    if judgements:
        by_path = {j.path: j for j in judgements}
        everyone = {e.id: e for e in site_entities(site)}
        found = [s for s in found if not _decided(s, everyone, judgements, by_path)]
    found.sort(key=lambda s: (-s.score, -s.confidence, KINDS.index(s.kind), s.entities))
    return found[:limit] if limit else found



def _decided(s: Suggestion, everyone: dict, judgements: Sequence[Judgement], by_path: dict) -> bool:
    entities = [everyone[i] for i in s.entities]
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
