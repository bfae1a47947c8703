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

from .model import RawMention
from .names import (COMPANY_SUFFIXES, GEO_DESIGNATORS, LINKING_WORDS, is_mixed_case, name_key, org_core, person_tokens,
                    strip_particle)
from .places import gazetteer
from .unionfind import UnionFind

# "Long Name (ABBR)" or "ABBR (Long Name)"; ABBR mostly capitals, 2 to 10 characters.
_ACRONYM = r"[A-Z][A-Za-z0-9&.\-]{0,8}[A-Z0-9.]"


@dataclass
class Cluster:
    """The mentions of one entity inside one article."""

    article_id: str
    mentions: list[RawMention]
    type: str
    name: str  # the fullest form the article uses
    name_key: str
    forms: dict[str, str]  # key -> the surface written most often
    strong_keys: set[str]  # multi-word forms and defined acronyms: safe to merge on
    acronyms: set[str] = field(default_factory=set)
    reasons: list[str] = field(default_factory=list)

    @property
    def is_short_form_only(self) -> bool:
        return len(self.name_key.split()) == 1 and not self.acronyms


@dataclass
class _Form:
    key: str
    mentions: list[RawMention] = field(default_factory=list)

    @property
    def votes(self) -> Counter:
        return Counter(m.label for m in self.mentions)

    @property
    def tokens(self) -> list[str]:
        return self.key.split()


def cluster_article(article_id: str, text: str, mentions: list[RawMention]) -> list[Cluster]:
    forms: dict[str, _Form] = {}
    for m in _drop_shouted(text, mentions):
        forms.setdefault(name_key(m.text), _Form(name_key(m.text))).mentions.append(m)
    uf = UnionFind(forms)
    reasons: dict[str, list[str]] = {}

    def join(short: str, full: str, why: str) -> None:
        if uf.find(short) != uf.find(full):
            uf.union(full, short)
            reasons.setdefault(full, []).append(why)

    acronyms = _acronym_definitions(text, forms)
    for abbr_key, (long_key, abbr) in acronyms.items():
        if abbr_key not in forms:
            forms[abbr_key] = _Form(abbr_key)
            uf.add(abbr_key)
        _add_acronym_mentions(text, abbr, forms[abbr_key], forms[long_key], mentions)
        join(abbr_key, long_key, f"“{abbr}” is written in brackets after “{_surface(forms[long_key])}”")

    _add_surname_mentions(text, forms, uf)
    _join_company_forms(forms, join)
    _join_company_short_forms(forms, join)
    for abbr_key, long_key in _implicit_acronyms(forms).items():
        acronyms.setdefault(abbr_key, (long_key, _surface(forms[abbr_key])))
        join(abbr_key, long_key, f"“{_surface(forms[abbr_key])}” is the initials of “{_surface(forms[long_key])}”")
    _join_person_short_forms(forms, join)
    _join_place_designators(forms, join)
    _join_org_heads(forms, join)
    _join_org_tails(forms, join)

    clusters = []
    for root, keys in uf.groups().items():
        group = [forms[k] for k in keys if forms[k].mentions]
        if not group:
            continue
        defined = {k for k in keys if k in acronyms}
        clusters.append(_make_cluster(article_id, group, defined, [r for k in keys for r in reasons.get(k, [])]))
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

    normal = {name_key(m.text) for m in mentions if not shouted(m)}
    places = gazetteer()
    return [m for m in mentions if name_key(m.text) in normal or places.is_place(name_key(m.text))
            or not shouted(m)]


def _surface(form: _Form) -> str:
    return Counter(m.text for m in form.mentions).most_common(1)[0][0]


def _acronym_definitions(text: str, forms: dict[str, _Form]) -> dict[str, tuple[str, str]]:
    """Acronyms the article defines: abbr key -> (key of the long form, acronym as written)."""
    found: dict[str, tuple[str, str]] = {}
    by_end = {m.end: k for k, f in forms.items() for m in f.mentions}
    by_start = {m.start: k for k, f in forms.items() for m in f.mentions}
    for match in re.finditer(rf"\s?\(({_ACRONYM})\)", text):
        long_key = by_end.get(match.start())
        abbr = match.group(1)
        if long_key and _is_acronym_of(abbr, _surface(forms[long_key])):
            found.setdefault(name_key(abbr), (long_key, abbr))
    for match in re.finditer(rf"\b({_ACRONYM})\s?\(", text):
        long_key = by_start.get(match.end())
        abbr = match.group(1)
        if long_key and _is_acronym_of(abbr, _surface(forms[long_key])):
            found.setdefault(name_key(abbr), (long_key, abbr))
    return {k: v for k, v in found.items() if k != v[0]}


def _is_acronym_of(abbr: str, long_name: str) -> bool:
    """True when the capitals of ``abbr`` are the initials of ``long_name``'s words, in order."""
    capitals = [c for c in abbr.upper() if c.isalnum()]
    if len(capitals) < 2 or len(long_name.split()) < 2:
        return False
    initials = []
    for word in re.split(r"[\s\-]+", long_name):
        if word and (word[0].isupper() or word.casefold() not in LINKING_WORDS):
            initials.append(word[0].upper())
    # Every capital must match a word initial, in order (words may be skipped).
    i = 0
    for c in capitals:
        while i < len(initials) and initials[i] != c:
            i += 1
        if i == len(initials):
            return False
        i += 1
    return capitals[0] == initials[0]


def _add_acronym_mentions(text, abbr, abbr_form, long_form, existing) -> None:
    """Every use of a defined acronym is a mention, even where the model missed it."""
    taken = {(m.start, m.end) for m in existing} | {(m.start, m.end) for m in abbr_form.mentions}
    covered = sorted((m.start, m.end) for m in existing)
    label = Counter(m.label for m in long_form.mentions).most_common(1)[0][0]
    template = long_form.mentions[0]
    for match in re.finditer(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", text):
        s, e = match.span()
        if (s, e) in taken or any(cs < e and s < ce for cs, ce in covered):
            continue
        sentence_start, sentence_end = _sentence_of(text, s, e, existing, template)
        abbr_form.mentions.append(RawMention(s, e, abbr, label, sentence_start, sentence_end, "defined acronym"))


def _sentence_of(text, s, e, existing, template):
    """Sentence bounds for an added mention: those of a known mention around it, else its line."""
    for m in existing:
        if m.sentence_start <= s and e <= m.sentence_end:
            return m.sentence_start, m.sentence_end
    start = text.rfind("\n", 0, s) + 1
    end = text.find("\n", e)
    return start, (len(text) if end < 0 else end)


def _add_surname_mentions(text: str, forms: dict[str, "_Form"], uf: UnionFind) -> None:
    """After "Alan Shearer", a later bare "Shearer" the model missed is still a mention."""
    taken = sorted((m.start, m.end) for f in forms.values() for m in f.mentions)
    starts = [t[0] for t in taken]
    sentence_starts = {m.sentence_start for f in forms.values() for m in f.mentions}
    for form in list(forms.values()):
        if not form.votes.get("person") or len(person_tokens(form.key)) < 2:
            continue
        surname = _surface(form).split()[-1]
        if len(surname) < 3 or not surname[0].isupper() or surname.isupper():
            continue
        template = form.mentions[0]
        for match in re.finditer(rf"(?<![\w'’-]){re.escape(surname)}(?![\w-])", text):
            s, e = match.span()
            i = bisect_right(starts, s) - 1
            if i >= 0 and taken[i][1] > s:
                continue  # inside a mention already found
            if i + 1 < len(taken) and taken[i + 1][0] < e:
                continue
            if s in sentence_starts or _capitalised_neighbour(text, s, e):
                continue  # "Green said" or "Shearer Street": not safe to read as the surname
            key = name_key(surname)
            if key not in forms:
                forms[key] = _Form(key)
                uf.add(key)
            sentence = _sentence_of(text, s, e, [m for f in forms.values() for m in f.mentions], template)
            forms[key].mentions.append(RawMention(s, e, surname, "person", sentence[0], sentence[1],
                                                  "surname of a name found earlier"))


def _capitalised_neighbour(text: str, s: int, e: int) -> bool:
    before = re.search(r"(\S+)\s+$", text[max(0, s - 40):s])
    after = re.match(r"\s+(\S+)", text[e:e + 40])
    return any(w and w.group(1)[0].isupper() for w in (before, after))


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
            join(short.key, full, f"“{_surface(short)}” is how the article shortens “{_surface(forms[full])}”")


def _implicit_acronyms(forms) -> dict[str, str]:
    """'NYSE' in an article that names the 'New York Stock Exchange': the initials of one name."""
    orgs = [f for f in forms.values() if f.votes.get("organisation") and f.mentions]
    found = {}
    for short in orgs:
        surface = _surface(short).replace(".", "")
        if not (2 <= len(surface) <= 6 and surface.isalpha() and surface.isupper()):
            continue
        matches = {f.key for f in orgs if f is not short and _initials_match(surface, _surface(f))}
        if len(matches) == 1:
            found[short.key] = matches.pop()
    return found


def _initials_match(abbr: str, long_name: str) -> bool:
    words = [w for w in re.split(r"[\s\-]+", long_name.replace(".", " ")) if w]
    significant = [w for w in words if w.casefold() not in LINKING_WORDS]
    initials = "".join(w[0].upper() for w in significant)
    without_form = "".join(w[0].upper() for w in significant if w.casefold() not in COMPANY_SUFFIXES)
    return len(significant) >= 2 and abbr in (initials, without_form)


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
            join(form.key, target, f"“{_surface(form)}” is how the article shortens “{_surface(forms[target])}”")


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


def _longest_compatible(form: _Form, full: list[_Form]) -> _Form:
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
                join(short.key, full.key, f"“{_surface(short)}” is “{_surface(full)}” without “{' '.join(full.tokens[n:])}”")


def _join_org_heads(forms, join) -> None:
    """'Fleet Financial' after 'Fleet Financial Group': the leading words of one longer name."""
    orgs = [f for f in forms.values() if f.votes.get("organisation")]
    for short in orgs:
        n = len(short.tokens)
        if n < 2:
            continue
        longer = {f.key for f in orgs if len(f.tokens) > n and f.tokens[:n] == short.tokens}
        if len(longer) == 1:
            full = longer.pop()
            join(short.key, full, f"“{_surface(short)}” is the start of “{_surface(forms[full])}”")


def _join_org_tails(forms, join) -> None:
    """'Crisis Group' after 'International Crisis Group': the trailing words of a longer name."""
    orgs = [f for f in forms.values() if f.votes.get("organisation")]
    for short in orgs:
        n = len(short.tokens)
        if n < 2:
            continue
        longer = [f for f in orgs if len(f.tokens) > n and f.tokens[-n:] == short.tokens]
        if len({f.key for f in longer}) == 1:
            join(short.key, longer[0].key, f"“{_surface(short)}” is the end of “{_surface(longer[0])}”")


def _make_cluster(article_id: str, group: list[_Form], defined: set[str], reasons: list[str]) -> Cluster:
    mentions = sorted((m for f in group for m in f.mentions), key=lambda m: m.start)
    votes = Counter(m.label for m in mentions)
    best = max(group, key=lambda f: (f.key not in defined, is_mixed_case(_surface(f)), len(f.tokens),
                                    len(f.mentions), -f.mentions[0].start))
    kind = _vote(votes, best, bool(defined), group)
    strong = {f.key for f in group if len(f.tokens) >= 2} | defined
    if kind == "organisation":
        strong |= {org_core(k) for k in strong}
        # A one-word short form of a company ("Ford") names it in other articles too,
        # when no other known organisation claims it (checked when merging).
        strong |= {f.key for f in group if len(f.tokens) == 1 and f.key not in GENERIC_ORG_WORDS
                   and len(group) > 1}
    name = _surface(best)
    return Cluster(article_id, mentions, kind, name, name_key(name), {f.key: _surface(f) for f in group},
                   strong, {f.key for f in group if f.key in defined}, reasons)


def _vote(votes: Counter, best: _Form, has_acronym: bool, group: list[_Form]) -> str:
    places = gazetteer()
    if any(places.canonical(_surface(f)) for f in group):
        return "place"  # a country, state or continent, even when it fields a team
    if len(best.tokens) == 2 and len(best.tokens[0]) == 1 and best.tokens[0].isalpha():
        return "person"  # "H. Morris": an initial and a surname
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
    if any(f.key in places.big_cities for f in group):
        # A known city read as a person is a misreading; as an organisation it may be a team.
        votes["place"] += votes.pop("person", 0)
    elif votes.get("organisation"):
        # The model's place reading of a name no gazetteer knows, against an organisation
        # reading of the same name, is the weaker evidence.
        votes.pop("place", None)
    top = votes.most_common()
    if len(top) > 1 and top[0][1] == top[1][1]:
        first = best.mentions[0].label  # a tie goes to how the full form was first read
        if votes[first] == top[0][1]:
            return first
    return top[0][0]
