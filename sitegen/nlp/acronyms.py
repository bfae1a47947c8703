"""Acronyms an article defines ("International Monetary Fund (IMF)") or implies ("NYSE"
in a story about the New York Stock Exchange): each becomes an alias of its long name."""
from __future__ import annotations

import re
from collections import Counter

from .forms import NameForm, surface
from .sentences import SentenceBounds
from ..model import RawMention
from ..names import COMPANY_SUFFIXES, LINKING_WORDS, name_key

# "Long Name (ABBR)" or "ABBR (Long Name)"; ABBR mostly capitals, 2 to 10 characters.
_ACRONYM = r"[A-Z][A-Za-z0-9&.\-]{0,8}[A-Z0-9.]"


def defined_acronyms(text: str, forms: dict[str, NameForm]) -> dict[str, tuple[str, str]]:
    """Acronyms the article defines: abbr key -> (key of the long form, acronym as written)."""
    found: dict[str, tuple[str, str]] = {}
    by_end = {m.end: k for k, f in forms.items() for m in f.mentions}
    by_start = {m.start: k for k, f in forms.items() for m in f.mentions}
    for match in re.finditer(rf"\s?\(({_ACRONYM})\)", text):
        long_key = by_end.get(match.start())
        abbr = match.group(1)
        if long_key and _is_acronym_of(abbr, surface(forms[long_key])):
            found.setdefault(name_key(abbr), (long_key, abbr))
    for match in re.finditer(rf"\b({_ACRONYM})\s?\(", text):
        long_key = by_start.get(match.end())
        abbr = match.group(1)
        if long_key and _is_acronym_of(abbr, surface(forms[long_key])):
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


def add_acronym_mentions(text: str, abbr: str, abbr_form: NameForm, long_form: NameForm,
                         existing: list[RawMention], bounds: SentenceBounds) -> None:
    """Every use of a defined acronym is a mention, even where the model missed it."""
    taken = {(m.start, m.end) for m in existing} | {(m.start, m.end) for m in abbr_form.mentions}
    covered = sorted((m.start, m.end) for m in existing)
    label = Counter(m.label for m in long_form.mentions).most_common(1)[0][0]
    for match in re.finditer(rf"(?<![\w-]){re.escape(abbr)}(?![\w-])", text):
        s, e = match.span()
        if (s, e) in taken or any(cs < e and s < ce for cs, ce in covered):
            continue
        sentence_start, sentence_end = bounds.around(s, e)
        abbr_form.add(RawMention(s, e, abbr, label, sentence_start, sentence_end, "defined acronym"))


def implicit_acronyms(forms) -> dict[str, str]:
    """'NYSE' in an article that names the 'New York Stock Exchange': the initials of one name."""
    orgs = [f for f in forms.values() if f.votes.get("organisation") and f.mentions]
    found = {}
    for short in orgs:
        letters = surface(short).replace(".", "")
        if not (2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper()):
            continue
        matches = {f.key for f in orgs if f is not short and _initials_match(letters, surface(f))}
        if len(matches) == 1:
            found[short.key] = matches.pop()
    return found


def _initials_match(abbr: str, long_name: str) -> bool:
    words = [w for w in re.split(r"[\s\-]+", long_name.replace(".", " ")) if w]
    significant = [w for w in words if w.casefold() not in LINKING_WORDS]
    initials = "".join(w[0].upper() for w in significant)
    without_form = "".join(w[0].upper() for w in significant if w.casefold() not in COMPANY_SUFFIXES)
    return len(significant) >= 2 and abbr in (initials, without_form)
