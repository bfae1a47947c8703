"""Likely two: a page whose names came together from articles that have nothing else in
common ("Burlington" the town in one story, "Burlington Industries" in others).

The articles of a page are grouped by the fullest name each uses for it; a group whose
articles name none of the entities the main group's articles name is suggested apart. The judgement this writes,
``not_same``, keeps that name off the page.
"""
from __future__ import annotations

from collections import defaultdict

from ..model import Entity, Site
from ..names import name_key
from .context import Neighbourhoods
from ..nlp.places import gazetteer
from .spelling import core_words
from .suggestion import Suggestion

BASE_CONFIDENCE = 0.6


def apart_suggestions(site: Site, hood: Neighbourhoods | None = None) -> list[Suggestion]:
    hood = hood or Neighbourhoods(site)
    out = []
    for entity in site.entities:
        if len(entity.articles) < 2:
            continue
        groups = _articles_by_name(entity)
        if len(groups) < 2:
            continue
        main_name, main_articles = max(groups.items(), key=lambda kv: (len(kv[1]), len(kv[0])))
        main_hood = hood.of(entity.id, main_articles)
        for name, articles in groups.items():
            if name == main_name:
                continue
            theirs = hood.of(entity.id, articles)
            if not theirs or not main_hood:
                continue
            if theirs & main_hood or _same_name(entity.type, name, main_name):
                continue
            mentions = [m for m in entity.mentions if m.article_id in articles]
            confidence = BASE_CONFIDENCE
            evidence = ({"reason": f"“{name}” is used only in articles that name none of the entities named "
                                   f"beside “{main_name}”", "names": [main_name, name]},
                        {"reason": "named beside", "name": main_name, "neighbours": sorted(main_hood)[:6]},
                        {"reason": "named beside", "name": name, "neighbours": sorted(theirs)[:6]},
                        *({"entity": entity.id, "article": m.article_id, "anchor": m.anchor,
                           "sentence": m.sentence.strip()[:300]} for m in mentions[:2]))
            out.append(Suggestion("apart", (entity.id,), confidence, len(mentions), evidence,
                                  {"entity": entity.id, "not_same": name}))
    return out


def _articles_by_name(entity: Entity) -> dict[str, set[str]]:
    """The fullest name each article uses for ``entity`` -> those articles."""
    fullest: dict[str, str] = {}
    for m in entity.mentions:
        best = fullest.get(m.article_id)
        if best is None or (len(name_key(m.text)), m.text) > (len(name_key(best)), best):
            fullest[m.article_id] = m.text
    keys: dict[str, str] = {}  # one spelling per name key
    groups: dict[str, set[str]] = defaultdict(set)
    for article, text in fullest.items():
        groups[keys.setdefault(name_key(text), text)].add(article)
    return dict(groups)


def _same_name(kind: str, a: str, b: str) -> bool:
    """Two ways of writing one name, whatever the context: no reason to doubt the join."""
    canonical = gazetteer().canonical
    if canonical(a) and canonical(a) == canonical(b):
        return True
    return core_words(a, kind) == core_words(b, kind)
