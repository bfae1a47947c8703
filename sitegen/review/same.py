"""Likely the same: two pages whose names are one name written two ways.

Each relation between two names has a base confidence, lowered when the short name
fits several long ones (shared by the articles each has in common with it), raised when
the two pages share articles or neighbours, and lowered when their types disagree or their
Wikidata links differ.
"""
from __future__ import annotations

import re
from collections import defaultdict
from typing import Iterable

from rapidfuzz.distance import OSA

from ..nlp.acronyms import _initials_match
from ..model import Entity, Site
from ..names import COMPANY_SUFFIXES, LINKING_WORDS, name_key
from ..nlp.places import gazetteer
from ..unionfind import UnionFind
from .context import Neighbourhoods
from .spelling import core_words, folded_words, is_doubled
from .suggestion import Suggestion, sentence_evidence, site_entities

# Base confidence of each relation, and what it says to the editor.
RELATIONS = {
    "variant": (0.9, "the same words spelled or written differently"),
    "doubled": (0.9, "one name written twice over, run together"),
    "typo": (0.85, "one letter apart in one word, the other words the same"),
    "surname": (0.8, "the surname of the full name"),
    "prefix": (0.7, "the first words of the longer name"),
    "acronym": (0.6, "the initials of the longer name"),
    "suffix": (0.5, "the last words of the longer name"),
    "truncation": (0.4, "the start of the longer name's first word, as in a short form"),
}
# Relations where a short name may fit several long ones: the confidence is shared out.
SHORT_FORMS = {"surname", "prefix", "acronym", "suffix", "truncation"}
MAX_CONFIDENCE = 0.98
# A one-word short form the articles also use as an ordinary lower-case word.
COMMON_WORD = 0.5
# Spelling relations at least this sure join pages into one multi-page suggestion.
GROUP_CONFIDENCE = 0.8
# Below this, a pair is more likely two entities than one: a guess no editor needs to see
# ("Ministry" beside each of four ministries, "Fed" beside a paper company it never meets).
MIN_CONFIDENCE = 0.3
# A long name ending in one of these words names a part of a body ("Senate Budget
# Committee", "Treasury Division"): the first words alone name the whole, another entity,
# even in the articles that name both. (A company's first words are its usual short name.)
PART_WORDS = {"committee", "committees", "subcommittee", "subcommittees", "panel", "caucus",
              "division", "divisions", "unit", "branch", "bureau", "delegation"}
PART_OF = 0.4


def same_suggestions(site: Site, hood: Neighbourhoods | None = None) -> list[Suggestion]:
    hood = hood or Neighbourhoods(site)
    entities = {e.id: e for e in site_entities(site)}
    paged = {e.id for e in site.entities}
    common = _common_words(site)
    best: dict[tuple[str, str], tuple[float, str, str]] = {}
    candidates = list(_candidates(entities.values()))
    shares = _shares(candidates, hood)
    for short, long_, relation, ambiguity in candidates:
        if short not in paged and long_ not in paged:
            continue  # joining two names without a page changes no page a reader meets
        a, b = entities[short], entities[long_]
        confidence = _confidence(a, b, relation, shares.get((short, long_, relation), 1 / max(1, ambiguity)), hood)
        if relation in SHORT_FORMS and len(folded_words(a.name)) == 1 and folded_words(a.name)[0] in common:
            confidence *= COMMON_WORD  # "House", "Budget", "Union": a word before it is a name
        if confidence < MIN_CONFIDENCE:
            continue
        pair = tuple(sorted((a.id, b.id)))
        if confidence > best.get(pair, (0.0,))[0]:
            best[pair] = (confidence, relation, short)
    out = []
    for members, confidence in _spelling_groups(best):
        out.append(_group_suggestion([entities[i] for i in members], confidence, hood))
        for pair in _pairs(members):
            best.pop(pair, None)
    for (x, y), (confidence, relation, short_id) in best.items():
        keep, other = sorted((entities[x], entities[y]), key=_weight)
        short, long_ = (keep, other) if keep.id == short_id else (other, keep)
        evidence = [{"reason": f"“{short.name}” is {RELATIONS[relation][1]} “{long_.name}”"
                     if relation in SHORT_FORMS else f"“{short.name}” and “{long_.name}”: {RELATIONS[relation][1]}"}]
        evidence += _context_evidence([keep, other], hood)
        out.append(Suggestion("same", (keep.id, other.id), confidence, len(other.mentions), tuple(evidence),
                              {"entity": keep.id, "same_as": other.id}))
    return out


def _shares(candidates: list[tuple[str, str, str, int]], hood: Neighbourhoods) -> dict[tuple[str, str, str], float]:
    """(short, long, relation) -> the share (0..1) of the short form's confidence that
    goes to that long name, where a short form fits several.

    A short form stands for the long name its own articles use, or whose company it keeps:
    "Fed" in articles beside "Federal Reserve" is not the "Federal Trade Commission" of
    articles it never appears in. Each long name weighs the articles it shares with the
    short form (see ``_together``) plus the overlap of their neighbours; with no such
    evidence for any, they share alike.
    """
    longs: dict[tuple[str, str], list[str]] = defaultdict(list)
    for short, long_, relation, _ in candidates:
        if relation in SHORT_FORMS:
            longs[short, relation].append(long_)
    out = {}
    for (short, relation), found in longs.items():
        weights = {x: _together(short, x, relation, hood) + hood.overlap(short, x) for x in found}
        total = sum(weights.values())
        for long_ in found:
            out[short, long_, relation] = weights[long_] / total if total else 1 / len(found)
    return out


def _together(short: str, long_: str, relation: str, hood: Neighbourhoods) -> int:
    """The articles naming both, as evidence that they are one: none for a surname, which
    each article already joins to the full name it follows; a surname left apart from a
    full name in the same article was left so because the article names two people of
    that surname ("Boris Yeltsin", "Naina Yeltsin", then "Yeltsin")."""
    if relation == "surname":
        return 0
    return len(hood.articles.get(short, frozenset()) & hood.articles.get(long_, frozenset()))


def _spelling_groups(best: dict) -> list[tuple[list[str], float]]:
    """Three or more pages that are one name spelled several ways ("West Germany",
    "West-Germany", "West Germanys"): one suggestion, one click. Only the relations that
    need no context join a group; the group's confidence is its weakest link's."""
    uf = UnionFind()
    weakest: dict[tuple[str, str], float] = {}
    for pair, (confidence, relation, _) in best.items():
        if relation not in SHORT_FORMS and confidence >= GROUP_CONFIDENCE:
            uf.add(pair[0])
            uf.add(pair[1])
            uf.union(*pair)
            weakest[pair] = confidence
    out = []
    for members in uf.groups().values():
        if len(members) >= 3:
            members = sorted(members)
            out.append((members, min(weakest.get(p, 1.0) for p in _pairs(members) if p in weakest)))
    return out


def _pairs(members: list[str]):
    return [(x, y) for i, x in enumerate(members) for y in members[i + 1:]]


def _group_suggestion(members: list[Entity], confidence: float, hood: Neighbourhoods) -> Suggestion:
    keep, *others = sorted(members, key=_weight)
    names = ", ".join(f"“{e.name}”" for e in others)
    evidence = [{"reason": f"{names} and “{keep.name}”: {RELATIONS['variant'][1]}"}]
    evidence += _context_evidence(members, hood)
    return Suggestion("same", (keep.id, *(e.id for e in others)), confidence,
                      sum(len(e.mentions) for e in others), tuple(evidence),
                      {"entity": keep.id, "same_as": [e.id for e in others]})


def _context_evidence(members: list[Entity], hood: Neighbourhoods) -> list[dict]:
    keep, *others = members
    evidence: list[dict] = []
    shared = sorted(frozenset.intersection(*(hood.of(e.id) for e in members)) - {e.id for e in members})
    if shared:
        evidence.append({"reason": "named beside the same entities", "neighbours": shared[:8]})
    if any(hood.share_article(keep.id, o.id) for o in others):
        evidence.append({"reason": "named in the same article"})
    evidence += sentence_evidence(keep, 1)
    for other in others:
        evidence += sentence_evidence(other, 2 if len(others) == 1 else 1)
    return evidence


def _weight(entity: Entity) -> tuple:
    """Which of two pages keeps its name (the first in this order): the more mentioned,
    then the fuller name, then the first in the alphabet."""
    return (-len(entity.mentions), -len(folded_words(entity.name)), entity.name.islower(), entity.name)


def _confidence(a: Entity, b: Entity, relation: str, share: float, hood: Neighbourhoods) -> float:
    confidence = RELATIONS[relation][0]
    if relation in ("prefix", "suffix"):
        # The more of the long name the short form leaves out, the weaker the evidence.
        mine, theirs = len(core_words(a.name, a.type)), len(core_words(b.name, b.type))
        confidence *= 0.5 + 0.5 * mine / theirs
    if _together(a.id, b.id, relation, hood):
        confidence += 0.15 if relation in SHORT_FORMS else 0.05
    confidence += 0.3 * hood.overlap(a.id, b.id)
    # Shared after the context: the articles both are named in are this long name's claim
    # against the others the short form fits, not evidence for all of them.
    confidence *= share
    # The model often types one name differently from one article to the next; a short
    # form of another type is more often another entity.
    exact = relation not in SHORT_FORMS
    if (a.type == "person") != (b.type == "person"):
        confidence *= 0.9 if exact else 0.75
    elif a.type != b.type:
        confidence *= 0.95 if exact else 0.85
    if relation in ("prefix", "truncation") and folded_words(b.name)[-1:] and folded_words(b.name)[-1] in PART_WORDS:
        confidence *= PART_OF
    ida = a.reference.wikidata_id if a.reference else None
    idb = b.reference.wikidata_id if b.reference else None
    if ida and idb:
        confidence = 0.95 if ida == idb else confidence * 0.2
    return min(MAX_CONFIDENCE, confidence)


def _candidates(entities: Iterable[Entity]):
    """(short id, long id, relation, how many long names the short one fits) for every
    pair of pages some relation links. Blocked on words: never every pair of a large site."""
    entities = list(entities)
    core = {e.id: core_words(e.name, e.type) for e in entities}
    by_id = {e.id: e for e in entities}
    by_core, by_first, by_last, by_word, by_letters, by_initial = (defaultdict(list) for _ in range(6))
    for e in entities:
        words = core[e.id]
        by_initial[words[0][:1]].append(e)
        by_core[words].append(e)
        by_first[words[0]].append(e)
        by_last[words[-1]].append(e)
        by_letters["".join(words)].append(e)
        for w in set(words):
            by_word[w].append(e)
    for e in entities:
        words = core[e.id]
        for other in by_core[words]:
            if other.id < e.id and not _other_countries(e.name, other.name):
                yield e.id, other.id, "variant", 1
        doubled = is_doubled(e.name)
        if doubled:
            for other in by_letters.get(doubled, ()):
                yield e.id, other.id, "doubled", 1
        yield from _typos(e, words, by_word, core)
        yield from _short_forms(e, words, by_initial, by_first, by_last, core, by_id)


def _typos(e: Entity, words: tuple[str, ...], by_word, core):
    if len(words) < 2:
        return
    seen = set()
    for w in words:
        for other in by_word[w]:
            theirs = core[other.id]
            if other.id <= e.id or other.id in seen or len(theirs) != len(words):
                continue
            seen.add(other.id)
            differ = [(x, y) for x, y in zip(words, theirs) if x != y]
            if len(differ) == 1 and min(map(len, differ[0])) >= 5 and OSA.distance(*differ[0]) == 1:
                yield e.id, other.id, "typo", 1


def _short_forms(e: Entity, words: tuple[str, ...], by_initial, by_first, by_last, core, entities_by_id):
    found: dict[str, list[str]] = defaultdict(list)
    n = len(words)
    if e.type == "person":
        if n == 1:
            found["surname"] = [o.id for o in by_last[words[0]] if o.type == "person" and len(core[o.id]) > 1]
    else:
        found["prefix"] = [o.id for o in by_first[words[0]]
                           if o.type != "person" and len(core[o.id]) > n and core[o.id][:n] == words]
        # A name joined by "of", "to", "and" is a phrase: its last word is something else
        # ("Office of Management and Budget", "Coalition to Defeat Daesh").
        found["suffix"] = [o.id for o in by_last[words[-1]]
                           if o.type != "person" and len(core[o.id]) > n and core[o.id][-n:] == words
                           and not LINKING_WORDS & set(folded_words(o.name))]
        letters = e.name.replace(".", "").replace(" ", "")
        if 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper():
            found["acronym"] = [o.id for o in by_initial[words[0][:1]] if o.type != "person" and o.id != e.id
                                and _is_initials(letters, o.name)]
        if n == 1 and 3 <= len(e.name) <= 4 and e.name[:1].isupper() and e.name[1:].islower():
            stem = words[0]
            found["truncation"] = [o.id for o in by_initial[stem[:1]] if o.type == "organisation" and len(core[o.id]) > 1
                                   and core[o.id][0].startswith(stem) and core[o.id][0] != stem]
    for relation in ("prefix", "suffix"):
        found[relation] = [o for o in found.get(relation, ()) if _may_shorten(e, entities_by_id[o])]
    for relation, longs in found.items():
        for long_id in longs:
            yield e.id, long_id, relation, len(longs)


def _other_countries(a: str, b: str) -> bool:
    """'U.S. Government' and 'U.K. Government': the same words after two different countries."""
    ca, cb = (gazetteer().canonical(n.split()[0].rstrip(",")) if n.split() else None for n in (a, b))
    return bool(ca and cb and ca != cb)


def _may_shorten(short: Entity, long_: Entity) -> bool:
    """Whether ``short`` may be how a text shortens ``long_``'s name.

    Not when ``short`` is itself a full company name ("General Motors Corp" is not
    "General Motors Acceptance Corp"), a known place (a place alone is that place, not
    "Colorado House of Representatives" or "Texas Gulf Coast"), or when the long name starts
    with the short one's possessive ("Japans Finance Ministry" is Japan's ministry).
    """
    mine, theirs = folded_words(short.name), folded_words(long_.name)
    if len(mine) > 1 and mine[-1] in COMPANY_SUFFIXES:
        return False
    if short.type == "place" or gazetteer().is_place(name_key(short.name)) or gazetteer().canonical(short.name):
        return False
    if len(mine) > 1 and gazetteer().canonical(short.name.split()[0]):
        return False  # "Luxembourg Stock Exchange" is no short form of the New York one
    boundary = len(mine) - 1
    if boundary < len(theirs) and theirs[boundary] != mine[boundary] and theirs[boundary] == mine[boundary] + "s":
        return False
    return True


def _common_words(site: Site) -> set[str]:
    """Words the articles write in lower case in the middle of a sentence."""
    words: set[str] = set()
    for article in site.articles:
        words.update(re.findall(r"(?<=[a-z,] )[a-z]{3,}\b", article.text))
    return words


def _is_initials(letters: str, name: str) -> bool:
    """'GEC' for 'General Electric Co Plc': the initials of its words, or of its words
    but the company forms after the first two ('GE' alone would be too loose)."""
    if _initials_match(letters, name):
        return True
    words = [w for w in folded_words(name) if w not in LINKING_WORDS]
    while len(words) > len(letters) and words[-1] in COMPANY_SUFFIXES:
        words.pop()
    return len(words) == len(letters) >= 3 and "".join(w[0] for w in words) == letters.casefold()
