"""Within one article: group the mentions that name one entity, and vote its type.

Writers introduce a name in full and then shorten it: "Donald Trump" then "Trump",
"Ahmed al-Sharaa" then "Sharaa", "International Monetary Fund (IMF)" then "IMF". This
module follows those chains inside one article, where they are reliable, and records why
each short form was joined so an editor can review it.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Mapping

from .acronyms import add_acronym_mentions, defined_acronyms, implicit_acronyms
from .clean import LOCATIVE_NOTE, QUOTED_NOTE
from .evidence import ATHLETE_NOTE, KNOWN_PLACE_NOTE, SPORTS_TEAM_NOTE, is_demonym, is_personal_name, thing_kind
from .forms import NameForm, surface
from ..model import RawMention
from ..names import GEO_DESIGNATORS, is_mixed_case, name_key, org_core, person_tokens, strip_particle
from .places import gazetteer
from .sentences import SentenceBounds
from ..unionfind import UnionFind



# How much a reading that comes from the sentence outweighs one model label.
LOCATIVE_WEIGHT = 1.5
# The notes of such readings, and the type each stands for.
# The type of a cluster the model mostly read as an event, work, product, law or
# nationality, or that is a quoted title: no page is made for it (see resolve._keep).
OTHER = "other"
SENTENCE_EVIDENCE = {LOCATIVE_NOTE: "place", KNOWN_PLACE_NOTE: "place", SPORTS_TEAM_NOTE: "organisation",
                     QUOTED_NOTE: OTHER, ATHLETE_NOTE: "person"}

# What almost every cluster has for acronyms: one shared value (an empty set is 224 bytes).
NO_ACRONYMS: frozenset[str] = frozenset()


_TEXT = attrgetter("text")


@dataclass(frozen=True)
class Cluster:
    """The mentions of one entity inside one article. Frozen: a preview keeps clusters
    between builds and finds them by their content's digest (see ``incremental``)."""

    article_id: str
    mentions: list[RawMention]
    type: str
    name: str  # the fullest form the article uses
    name_key: str
    forms: dict[str, str]  # key -> the surface written most often
    strong_keys: set[str]  # multi-word forms and defined acronyms: safe to merge on
    acronyms: frozenset[str] = NO_ACRONYMS  # usually none: one shared empty value, not a set each
    reasons: list[str] = field(default_factory=list)

    @property
    def mention_count(self) -> int:
        return len(self.mentions)

    @property
    def surfaces(self) -> tuple[tuple[str, int], ...]:
        """Each way its mentions are written, with how many are written so: counted once
        (an entity remade reads those of all its clusters, a hub's by the thousand)."""
        found = self.__dict__.get("_surfaces")
        if found is None:
            found = tuple(Counter(map(_TEXT, self.mentions)).items())
            object.__setattr__(self, "_surfaces", found)
        return found

    def __getstate__(self) -> dict:
        # Kept on disk without what is counted again on demand (an archive's clusters are
        # the memo file's largest part).
        state = dict(self.__dict__)
        state.pop("_surfaces", None)
        return state


def cluster_article(article_id: str, text: str, mentions: list[RawMention],
                    bounds: SentenceBounds, other_readings: Mapping[str, int] | None = None) -> list[Cluster]:
    """The clusters of one article; ``other_readings`` counts, by name key, how often the
    model read a name as something that is not a person, place or organisation."""
    forms: dict[str, NameForm] = {}
    for m in _drop_shouted(text, mentions):
        key = name_key(m.text)
        if key not in forms:
            forms[key] = NameForm(key)
        forms[key].add(m)
    uf = UnionFind(forms)
    reasons: dict[str, list[str]] = {}

    def join(short: str, full: str, why: str) -> None:
        if uf.find(short) != uf.find(full):
            uf.union(full, short)
            reasons.setdefault(full, []).append(why)

    acronyms = defined_acronyms(text, forms)
    for abbr_key, (long_key, abbr) in acronyms.items():
        if abbr_key not in forms:
            forms[abbr_key] = NameForm(abbr_key)
            uf.add(abbr_key)
        add_acronym_mentions(text, abbr, forms[abbr_key], forms[long_key], mentions, bounds)
        join(abbr_key, long_key, f"“{abbr}” is written in brackets after “{surface(forms[long_key])}”")

    _add_surname_mentions(text, forms, uf, bounds)
    _join_company_forms(forms, join)
    _join_company_short_forms(forms, join)
    for abbr_key, long_key in implicit_acronyms(forms).items():
        acronyms.setdefault(abbr_key, (long_key, surface(forms[abbr_key])))
        join(abbr_key, long_key, f"“{surface(forms[abbr_key])}” is the initials of “{surface(forms[long_key])}”")
    _join_person_short_forms(forms, join)
    _join_place_designators(forms, join)
    _join_org_parts(forms, join)

    clusters = []
    for keys in uf.groups().values():
        group = [forms[k] for k in keys if forms[k].mentions]
        if not group:
            continue
        defined = {k for k in keys if k in acronyms}
        why = [f"{r} (in {article_id})" for k in keys for r in reasons.get(k, [])]
        clusters.append(_make_cluster(article_id, group, defined, why, other_readings or {}))
    clusters.sort(key=lambda c: c.mentions[0].start)
    return clusters


def _drop_shouted(text: str, mentions: list[RawMention]) -> list[RawMention]:
    """Drop names seen only inside all-capital sentences (headlines, table headers).

    The model reads every capitalised word of "SOCCER - LEADING SCORES" as a name. A
    name in such a line is kept only if the article also writes it in normal case, or
    it is a known place.
    """
    def shouted(m: RawMention) -> bool:
        return not any(c.islower() for c in text[m.sentence_start:m.sentence_end])

    loud = [m for m in mentions if shouted(m)]
    if len(loud) * 2 > len(mentions):
        return mentions  # a text written all in capitals: its names are all we have
    normal = {name_key(m.text) for m in mentions if not shouted(m)}
    places = gazetteer()
    return [m for m in mentions if name_key(m.text) in normal or places.is_place(name_key(m.text))
            or not shouted(m)]


_LOWER_WORD = re.compile(r"\b[a-z]+\b")
_CAPITALISED_WORD = re.compile(r"(?<![\w'’-])[A-Z]\w*(?:['’-]\w+)*(?![\w-])")


def _add_surname_mentions(text: str, forms: dict[str, NameForm], uf: UnionFind, bounds: SentenceBounds) -> None:
    """After "Alan Shearer", a later bare "Shearer" the model missed is still a mention."""
    surnames = {}
    for form in forms.values():
        if form.votes.get("person") and len(person_tokens(form.key)) >= 2:
            surname = surface(form).split()[-1]
            if len(surname) >= 3 and surname[0].isupper() and not surname.isupper():
                surnames[surname] = form
    if not surnames:
        return
    existing = [m for f in forms.values() for m in f.mentions]
    lower_words = set(_LOWER_WORD.findall(text))
    taken = sorted((m.start, m.end) for m in existing)
    starts = [t[0] for t in taken]
    for match in _CAPITALISED_WORD.finditer(text):
        surname = match.group()
        if surname not in surnames:
            continue
        s, e = match.span()
        i = bisect_right(starts, s) - 1
        if i >= 0 and taken[i][1] > s:
            continue  # inside a mention already found
        if i + 1 < len(taken) and taken[i + 1][0] < e:
            continue
        sentence = bounds.around(s, e)
        if _capitalised_neighbour(text, s, e):
            continue  # "Shearer Street": part of another name
        if sentence[0] == s and surname.casefold() in lower_words:
            continue  # "Green energy ..." where the article also writes "green": a word, not the name
        key = name_key(surname)
        if key not in forms:
            forms[key] = NameForm(key)
            uf.add(key)
        forms[key].add(RawMention(s, e, surname, "person", sentence[0], sentence[1],
                                  "surname of a name found earlier"))


def _capitalised_neighbour(text: str, s: int, e: int) -> bool:
    """A capitalised word right before or after, in the same phrase ("Shearer Street")."""
    before = re.search(r"([A-Z]\w*)\s+$", text[max(0, s - 40):s])  # "Monday. Shearer" does not count
    after = re.match(r"\s+([A-Z])", text[e:e + 40])
    return bool(before or after)


# Words that name a kind of organisation; alone they are not a short form of one.
GENERIC_ORG_WORDS = {
    "bank", "group", "company", "corporation", "council", "ministry", "department", "university",
    "party", "union", "association", "federation", "committee", "commission", "court", "agency",
    "exchange", "fund", "board", "institute", "league", "club", "army", "government", "parliament",
    "senate", "congress", "house", "office", "service", "national", "international", "american",
    "british", "general", "united", "first", "new", "royal", "central", "federal", "state",
}


def _join_company_short_forms(forms, join) -> None:
    """'Ford' after 'Ford Motor Co': the first word of exactly one longer name."""
    orgs = [f for f in forms.values() if f.votes.get("organisation")]
    for short in orgs:
        if len(short.tokens) != 1 or short.key in GENERIC_ORG_WORDS or len(short.key) < 3:
            continue
        longer = {f.key for f in orgs if len(f.tokens) > 1 and f.tokens[0] == short.key}
        if len(longer) == 1:
            full = longer.pop()
            join(short.key, full, f"“{surface(short)}” is how the article shortens “{surface(forms[full])}”")


def _join_company_forms(forms, join) -> None:
    by_core: dict[str, str] = {}
    for key in sorted(forms, key=lambda k: (-len(k), k)):
        if forms[key].votes.get("organisation") or not forms[key].mentions:
            core = org_core(key)
            if core in by_core and core != key:
                join(key, by_core[core], f"“{key}” is “{core}” with its company form")
            elif core in forms and core != key:
                join(core, key, f"“{core}” is “{key}” without its company form")
            by_core.setdefault(core, key)


def _join_person_short_forms(forms, join) -> None:
    """Surname alone (or first and last name) -> the one full name it belongs to."""
    people = [f for f in forms.values() if f.votes.get("person")]
    full = [f for f in people if len(person_tokens(f.key)) >= 2]
    # A bare surname the model read only as an organisation ("Novak told them") is still
    # the person's, unless it is a known place ("Washington" beside "Denzel Washington").
    places = gazetteer()
    misread = [f for f in forms.values() if not f.votes.get("person") and not f.votes.get("place")
               and len(f.tokens) == 1 and not places.is_place(f.key)]
    for form in people + misread:
        tokens = person_tokens(form.key)
        candidates = [g for g in full if g is not form and _shortens(tokens, person_tokens(g.key))]
        # Candidates that are themselves one name ("George Bush", "George W. Bush") count once.
        targets = {_longest_compatible(g, full).key for g in candidates}
        if len(targets) == 1:
            target = targets.pop()
            join(form.key, target, f"“{surface(form)}” is how the article shortens “{surface(forms[target])}”")


def _shortens(short: list[str], full: list[str]) -> bool:
    if len(short) >= len(full):
        return False
    if strip_particle(short[-1]) != strip_particle(full[-1]):
        return False
    if len(short) == 1:
        return True
    return _first_names_agree(short[0], full[0])


def _first_names_agree(a: str, b: str) -> bool:
    a, b = a.rstrip("."), b.rstrip(".")
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def _longest_compatible(form: NameForm, full: list[NameForm]) -> NameForm:
    tokens = person_tokens(form.key)
    best = form
    for g in full:
        if _shortens(tokens, person_tokens(g.key)) and len(g.key) > len(best.key):
            best = g
    return best


def _join_place_designators(forms, join) -> None:
    places = [f for f in forms.values() if f.votes.get("place")]
    for short in places:
        for full in places:
            n = len(short.tokens)
            if len(full.tokens) > n and full.tokens[:n] == short.tokens and \
                    all(t in GEO_DESIGNATORS for t in full.tokens[n:]):
                join(short.key, full.key, f"“{surface(short)}” is “{surface(full)}” without “{' '.join(full.tokens[n:])}”")


def _join_org_parts(forms, join) -> None:
    """A multi-word part of exactly one longer organisation name joins it.

    'Fleet Financial' after 'Fleet Financial Group' (its start), 'Crisis Group' after
    'International Crisis Group' (its end).
    """
    orgs = [f for f in forms.values() if f.votes.get("organisation")]
    for short in orgs:
        n = len(short.tokens)
        if n < 2:
            continue
        for part, where in ((slice(None, n), "start"), (slice(-n, None), "end")):
            longer = {f.key for f in orgs if len(f.tokens) > n and f.tokens[part] == short.tokens}
            if len(longer) == 1:
                full = longer.pop()
                join(short.key, full, f"“{surface(short)}” is the {where} of “{surface(forms[full])}”")
                break


def _make_cluster(article_id: str, group: list[NameForm], defined: set[str], reasons: list[str],
                  other_readings: Mapping[str, int]) -> Cluster:
    mentions = sorted((m for f in group for m in f.mentions), key=lambda m: m.start)
    # The sentence saying where something happened ("in the Oval Office") or reporting a
    # match is evidence about this very mention; the model's label is only a guess from
    # the name's shape.
    sentence = Counter()
    votes = Counter()
    for m in mentions:
        told = [kind for note, kind in SENTENCE_EVIDENCE.items() if note in m.note]
        if told:
            sentence[told[0]] += LOCATIVE_WEIGHT
        else:
            votes[m.label] += 1
    others = sum(other_readings.get(f.key, 0) for f in group)
    best = max(group, key=lambda f: (f.key not in defined, is_mixed_case(surface(f)), len(f.tokens),
                                    len(f.mentions), -f.mentions[0].start))
    kind = _vote(votes, sentence, best, bool(defined), group, others)
    strong = {f.key for f in group if len(f.tokens) >= 2} | defined
    if kind == "organisation":
        strong |= {org_core(k) for k in strong}
        # A one-word short form of a company ("Ford") names it in other articles too,
        # when no other known organisation claims it (checked when merging).
        strong |= {f.key for f in group if len(f.tokens) == 1 and f.key not in GENERIC_ORG_WORDS
                   and len(group) > 1}
    name = surface(best)
    return Cluster(article_id, mentions, kind, name, name_key(name), {f.key: surface(f) for f in group},
                   strong, frozenset(f.key for f in group if f.key in defined) or NO_ACRONYMS, reasons)


def _vote(votes: Counter, sentence: Counter, best: NameForm, has_acronym: bool, group: list[NameForm],
          others: int = 0) -> str:
    places = gazetteer()
    # Only the full name counts: "Michael Jordan ... Jordan" is a person, not a country.
    if places.canonical(surface(best)):
        return "place"  # a country, state or continent, even when it fields a team
    if len(best.tokens) == 2 and len(best.tokens[0]) == 1 and best.tokens[0].isalpha():
        if best.tokens[0] in "nsew" and any(r.endswith(" " + best.tokens[1]) for r in places.regions):
            return "place"  # "N. Korea", "S. Africa": a compass initial and a country's word
        return "person"  # "H. Morris": an initial and a surname
    thing = thing_kind(surface(best))
    if thing == "event":
        return OTHER  # "Hong Kong Open", "Glastonbury Festival": an event, not a body
    if len(best.tokens) == 1 and is_demonym(surface(best)):
        return OTHER  # "Ukrainian", "Kuwaiti": a people, not a person, place or body
    if not has_acronym and is_personal_name(surface(best)):
        return "person"  # "Ainars Kiksis": a known given name and a surname
    if thing and votes.get("person"):
        votes = Counter(votes)  # "Pirelli Cables", "Changi Prison" are not people
        votes[thing] += votes.pop("person")
    # A full personal name that the article shortens is a person, whatever its short
    # forms were read as ("Sharaa's group" is read as an organisation).
    own = best.votes
    if len(group) > 1 and own.get("person", 0) * 2 > sum(own.values()) and len(best.tokens) >= 2 \
            and not has_acronym:
        return "person"
    if has_acronym and own.get("person"):
        # People are not written with an acronym in brackets; organisations are.
        votes = Counter(votes)
        votes["organisation"] += votes.pop("person", 0)
    votes = Counter(votes)
    if best.key in places.big_cities:
        # A known city read as a person is a misreading; as an organisation it may be a team.
        votes["place"] += votes.pop("person", 0)
    elif votes.get("organisation"):
        # The model's place reading of a name no gazetteer knows, against an organisation
        # reading of the same name, is the weaker evidence.
        votes.pop("place", None)
    votes.update(sentence)
    if others:
        votes[OTHER] += others  # the same name read as an event, a work, a nationality...
    top = votes.most_common()
    if len(top) > 1 and top[0][1] == top[1][1]:
        first = best.mentions[0].label  # a tie goes to how the full form was first read
        if votes[first] == top[0][1]:
            return first
    return top[0][0]
