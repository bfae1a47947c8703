"""Turn the model's raw entity spans into clean name mentions.

The model's spans carry the noise of running text: a leading "the", a possessive "'s",
quotes used as scare quotes ('Israel'), a role before a name ("Vice President JD Vance"),
trailing punctuation, and sometimes two names fused by the verb between them ("Trump
dubbed al-Sharaa"). Each rule here fixes one of those, for any name.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Iterable, Sequence

from .evidence import ATHLETE_NOTE, athlete, given_names, retype, sports_report
from .extract import LABEL_TYPES, OTHER_LABELS, Extraction
from ..model import RawMention
from .places import AP_STATES, gazetteer
from .sentences import SentenceBounds
from .span_edges import extend_left, is_credit, is_handle
from ..names import CALENDAR, COMPANY_SUFFIXES, LINKING_WORDS, NAME_PARTICLES, ORG_HEADS, TITLES, name_key

_WORD = re.compile(r"\S+")
_NAME_RUN = re.compile(r"[^\n\[\]{}<>|^*_=#~]+")
# "in the Oval Office", "a visit to the Oval Office": the name is where something happens.
_LOCATIVE = re.compile(
    r"\b(?:(?:in|inside|outside|into)\s+the"
    # "the Kurdish city of Arbil", "the outskirts of Arbil": a kind of place names it
    r"|(?:city|town|village|capital|province|region|district|county|island|port|suburbs?|outskirts)"
    r"\s+of(?:\s+the)?"
    r"|(?:visit|visits|visited|trip|travel|travelled|traveled|journey|flew|returned|arrived|headed)"
    r"\s+(?:to|in|at)(?:\s+the)?)\s+$")
LOCATIVE_NOTE = "read as a place: it is where something is"
# "in the Microsoft deal": a name followed by a noun modifies it and places nothing.
_MODIFIER = re.compile(
    r"\s+(?!(?:on|in|at|to|for|with|and|or|but|that|which|where|when|as|is|was|were|are|has|"
    r"had|have|said|says|on|of|from|by|after|before|during|since|until|while|last|this|"
    r"next|today|yesterday|tomorrow)\b)[a-z]")
_OPENERS = "\"'“‘«([{‚„`"
_CLOSERS = "\"'”’»)]}`"
_TRAILING = ".,;:!?-–—" + _CLOSERS
# A trailing dot that belongs to the name: initials and abbreviations.
_KEEP_DOT = re.compile(r"(?:\b[A-Za-z]|\b(?:Inc|Corp|Co|Ltd|Jr|Sr|Bros|St|Mt|Ft|Cie|Cos|"
                       + "|".join(a.capitalize() for a in AP_STATES if len(a) > 2) + r"))\.$")
_POSSESSIVE = re.compile(r"['’]s$|(?<=s)['’]$")


def clean_mentions(text: str, extraction: Extraction, stoplist: Iterable[str] = (),
                   bounds: SentenceBounds | None = None) -> list[RawMention]:
    """Clean every span the model found in ``text``; drop what is not a name."""
    stop = {name_key(s) for s in stoplist}
    bounds = bounds or SentenceBounds(text, extraction.sentence_starts)
    in_sports_report = sports_report([text[slice(*bounds.around(s, s))] for s in bounds.starts])
    mentions: list[RawMention] = []
    for start, end, label in extraction.spans:
        kind = LABEL_TYPES.get(label)
        if kind is None or is_handle(text, start):
            continue
        start = extend_left(text, start, kind)
        for s, e, piece_kind, note in _clean_span(text, start, end, kind):
            surface = text[s:e]
            key = name_key(surface)
            if not _looks_like_name(surface) or key in stop or key in CALENDAR or key in COMPANY_SUFFIXES:
                continue
            sent_start, sent_end = bounds.around(s, e)
            if is_credit(text, s, e, sent_start):
                continue
            if _quoted_whole(text, s, e):
                note = "; ".join(filter(None, [note, QUOTED_NOTE]))
            if piece_kind == "organisation" and _LOCATIVE.search(text, max(0, s - 40), s) and \
                    key.rsplit(" ", 1)[-1] not in ORG_HEADS and not _MODIFIER.match(text, e):
                piece_kind, note = "place", "; ".join(filter(None, [note, LOCATIVE_NOTE]))
            elif piece_kind != "person" and athlete(text, s, e):
                piece_kind, note = "person", "; ".join(filter(None, [note, ATHLETE_NOTE]))
            else:
                piece_kind, why = retype(text, s, e, piece_kind, text[sent_start:sent_end], in_sports_report)
                note = "; ".join(filter(None, [note, why]))
            mentions.append(RawMention(s, e, surface, piece_kind, sent_start, sent_end, note))
    _read_datelines_as_places(text, bounds, mentions)
    mentions.extend(_datelines(text, bounds, mentions))
    mentions.sort(key=lambda m: (m.start, m.end))
    return _drop_overlaps(mentions)


QUOTED_NOTE = "in quotation marks: the title of a work, not a name"


def _quoted_whole(text: str, s: int, e: int) -> bool:
    """A name that is all a pair of double quotes holds: “Blurred Lines”, "Strike Hard".
    (Single quotes are left alone: news writes scare quotes round places, 'Israel'.)"""
    before, after = text[max(0, s - 2):s].rstrip(), text[e:e + 2].lstrip()
    return before.endswith(("\"", "“")) and after.startswith(("\"", "”"))


def other_readings(text: str, extraction: Extraction) -> Counter:
    """How often the model read each name as an event, work, product, law, nationality or
    language in ``text``: evidence that the same name elsewhere is not a person, place or
    organisation either ("Welsh" read once as a nationality, once as a person)."""
    found: Counter = Counter()
    for start, end, label in extraction.spans:
        if label in OTHER_LABELS:
            s, e, _ = _trim(text, start, end, "other")
            if s < e:
                found[name_key(text[s:e])] += 1
    return found


# "LONDON 1996-08-30", "BUCHAREST, Nov 10": the capitals that open a wire story name a place.
# "ARLINGTON, Texas 1996-08-31": a region may follow the place before the date.
_DATELINE = re.compile(r"([A-Z][A-Z'.\-]+(?: [A-Z][A-Z'.\-]+){0,3})"
                       r"(?= ?,? (?:[A-Z][\w.']* ){0,3}(?:\d{4}-\d\d-\d\d|[A-Z][a-z]{2}\.? \d{1,2}\b|\())")


def _read_datelines_as_places(text: str, bounds: SentenceBounds, mentions: list[RawMention]) -> None:
    """A name the model found where a dateline opens a story ("NOUAKCHOTT 1996-08-31")
    is the place it was filed from, whatever the model read it as."""
    for i, m in enumerate(mentions):
        # Capitals and a date are a dateline wherever the sentence splitter put them.
        if m.label != "place" and m.text.isupper():
            match = _DATELINE.match(text, m.start)
            if match and match.span(1) == (m.start, m.end):
                mentions[i] = RawMention(m.start, m.end, m.text, "place", m.sentence_start, m.sentence_end,
                                         "; ".join(filter(None, [m.note, "dateline"])))


def _datelines(text: str, bounds: SentenceBounds, found: Sequence[RawMention]) -> list[RawMention]:
    """Dateline places the model misses because they are written in capitals."""
    places = gazetteer()
    taken = [(m.start, m.end) for m in found]
    out = []
    for start in bounds.starts:
        match = _DATELINE.match(text, start)
        if not match or not places.is_place(name_key(match.group(1))):
            continue
        s, e = match.span(1)
        if any(ts < e and s < te for ts, te in taken):
            continue
        sent_start, sent_end = bounds.around(s, e)
        out.append(RawMention(s, e, match.group(1), "place", sent_start, sent_end, "dateline"))
    return out


def _clean_span(text: str, start: int, end: int, kind: str) -> list[tuple[int, int, str, str]]:
    notes: list[str] = []
    # A name never runs across a line break, a block boundary or markup characters
    # ("Berlin.[^1]", "Trump</div>" where raw HTML is shown as text).
    pieces = []
    for m in _NAME_RUN.finditer(text, start, end):
        pieces.append((m.start(), m.end()))
    if len(pieces) > 1:
        notes.append("split at a line break or markup")
    out = []
    for s, e in pieces:
        for s2, e2, why in _split_fused(text, s, e, kind):
            for s2b, e2b, kind2, why2 in _split_case_change(text, s2, e2, kind):
                for s3, e3, kind3, why3 in _split_place(text, s2b, e2b, kind2):
                    s4, e4, trimmed = _trim(text, s3, e3, kind3)
                    if s4 < e4:
                        out.append((s4, e4, kind3, "; ".join(n for n in notes + [why, why2, why3] + trimmed if n)))
    return out


def _split_case_change(text: str, s: int, e: int, kind: str) -> list[tuple[int, int, str, str]]:
    """A name in normal case run into one in capitals is a byline or headline run into a
    dateline: "Rolf Soderlind LONGYEAR", "OSLO World". The capitals are the place when
    the gazetteer knows it, or when they follow a person's name (no name ends in capitals;
    an acronym of a company may: "NASDAQ Composite" stays whole)."""
    words = list(_WORD.finditer(text, s, e))
    shouted = [_is_shouted(w.group()) for w in words]
    flips = [i for i in range(1, len(words)) if shouted[i] != shouted[i - 1]]
    if len(flips) != 1:
        return [(s, e, kind, "")]
    cut = flips[0]
    head, tail = (words[0].start(), words[cut - 1].end()), (words[cut].start(), e)
    caps = tail if shouted[-1] else head
    known = gazetteer().is_place(name_key(text[caps[0]:caps[1]]))
    if not known and not (shouted[-1] and kind == "person" and len(text[caps[0]:caps[1]]) >= 5):
        return [(s, e, kind, "")]
    note = "dateline in capitals split off"
    if shouted[-1]:
        return [(*head, kind, note), (*tail, "place", note)]
    return [(*head, "place", note), (*tail, kind, note)]


def _is_shouted(word: str) -> bool:
    """A word in capitals longer than an initial ("LONGYEAR", "AL-RAM", "OSLO")."""
    return sum(c.isalpha() for c in word) >= 3 and word.isupper()


def _split_place(text: str, s: int, e: int, kind: str) -> list[tuple[int, int, str, str]]:
    """A person's name run into a known place: "Adrian Warner Berlin" (a byline and dateline)."""
    words = list(_WORD.finditer(text, s, e))
    if kind != "person" or len(words) < 3:
        return [(s, e, kind, "")]
    places = gazetteer()
    for n in (3, 2, 1):
        if len(words) - n < 2 or words[-n - 1].group() in NAME_PARTICLES:
            continue  # "Brian de Palma": after a particle comes the surname, not a place
        tail = name_key(text[words[-n].start():e])
        # Only a place too big to be a surname: "Mary Ann Evans" stays whole.
        if places.is_region(tail) or tail in places.big_cities:
            return [(s, words[-n - 1].end(), "person", "place split off"),
                    (words[-n].start(), e, "place", "place split off")]
    for n in (3, 2, 1):
        if len(words) - n < 1:
            continue
        head = name_key(text[s:words[n - 1].end()])
        if places.is_region(head):
            return [(s, words[n - 1].end(), "place", "place split off"),
                    (words[n].start(), e, "person", "place split off")]
    return [(s, e, kind, "")]


_TICKER = re.compile(r"\s+[A-Z]{2,5}$")


def _trim(text: str, s: int, e: int, kind: str) -> tuple[int, int, list[str]]:
    notes = []
    if kind == "organisation":
        # "Pennzoil Co PZL": a stock ticker after the company form is not part of the name.
        ticker = _TICKER.search(text, s, e)
        if ticker:
            before = text[s:ticker.start()].rsplit(None, 1)[-1].rstrip(".").casefold()
            if before in COMPANY_SUFFIXES:
                e = ticker.start()
                notes.append("ticker removed")
        # "Computer Systems Inc Q2", "Bear Stearns & Co Inc Underwriters": a company's name
        # ends with its legal form; one word after it is a table's or a headline's.
        words = text[s:e].split()
        if len(words) >= 3 and words[-2].rstrip(".,").casefold() in {"inc", "corp", "ltd", "plc", "llc"}:
            e = s + text[s:e].rstrip().rfind(words[-1])
            notes.append("word after the company form removed")
    while True:
        before = (s, e)
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        # Quotes and brackets around or before the name.
        while s < e and text[s] in _OPENERS:
            s += 1
        # "World Health Organization (WHO": the model stopped before the bracket closed;
        # the name ends before it (the acronym is found as one by the chains).
        bracket = text.find("(", s + 1, e)
        if bracket != -1 and text.find(")", bracket, e) == -1:
            e = bracket
            notes.append("unclosed bracket cut")
            continue
        possessive = _POSSESSIVE.search(text[s:e]) if e - s > 3 else None
        if possessive:
            e = s + possessive.start()
            notes.append("possessive removed")
        while e > s and text[e - 1] in _TRAILING and not _KEEP_DOT.search(text[s:e]):
            if text[e - 1] == ")" and "(" in text[s:e]:
                break  # "Name (ABBR)" keeps its bracket pair
            e -= 1
        span = text[s:e]
        lead = re.match(r"(?i)the\s+", span)
        if lead and e - s > lead.end():
            s += lead.end()
            notes.append("'the' removed")
        if kind == "person":
            s = _strip_titles(text, s, e, notes)
        if (s, e) == before:
            return s, e, sorted(set(notes))


def _strip_titles(text: str, s: int, e: int, notes: list[str]) -> int:
    """Skip role words before a person's name; keep the name itself."""
    words = list(_WORD.finditer(text, s, e))
    i = 0
    while i < len(words) - 1 and words[i].group().rstrip(".").casefold() in TITLES:
        i += 1
    if i:
        notes.append("title removed")
        return words[i].start()
    # "Australian Rodney Eyles", "Broker Khurshid Alam": a word before a given name and a
    # surname describes the person; it is not part of the name.
    first_names = given_names()
    if len(words) >= 3 and words[1].group().casefold() in first_names and \
            words[0].group().casefold() not in first_names and words[0].group()[:1].isupper():
        notes.append("descriptor removed")
        return words[1].start()
    return s


def _split_fused(text: str, s: int, e: int, kind: str) -> list[tuple[int, int, str]]:
    """Split a span at lower-case words that cannot be part of a name of its kind.

    "Trump dubbed al-Sharaa" holds a verb between two names: the capitalised runs on
    either side are names, the verb is not.
    """
    allowed = NAME_PARTICLES if kind == "person" else LINKING_WORDS
    runs: list[list[re.Match]] = [[]]
    split = False
    words = list(_WORD.finditer(text, s, e))
    for i, w in enumerate(words):
        token = w.group().strip(_OPENERS + _CLOSERS + ",;:")
        bare = token.casefold()
        is_breaker = (
            (token and token[0].islower() and bare not in allowed and not _is_particle_prefixed(bare))
            or _SCORE.fullmatch(w.group())  # "Smith 5-68", "Lithuania 2-1": a number is not a name
            or w.group() in _SEPARATORS  # "Lithuania - Danius Gleveckas"
        )
        if is_breaker:
            split = True
            runs.append([])
            continue
        runs[-1].append(w)
        # "Oval , London" and "Draper ( Australia": punctuation between two names.
        if w.group().endswith((",", "(", ";")) and i + 1 < len(words) and not _continues_name(words[i + 1].group()):
            split = True
            runs.append([])
    if not split:
        return [(s, e, "")]
    out = []
    for run in runs:
        # Linking words cannot start or end a name.
        while run and run[0].group().casefold() in allowed and not _is_particle_prefixed(run[0].group().casefold()):
            run.pop(0)
        while run and run[-1].group().casefold() in allowed:
            run.pop()
        if run:
            out.append((run[0].start(), run[-1].end(), "fused span split"))
    return out


# A number, a score or an ordinal ("46th" minute): never part of a name.
_SCORE = re.compile(r"[\d][\d\-/.,:]*|[\-/.,:]+\d[\d\-/.,:]*|\d+(?:st|nd|rd|th)")
_SEPARATORS = {"-", "--", "\u2013", "\u2014", "(", ")", "\"", ",", ";", ":", "|", "/"}


def _continues_name(word: str) -> bool:
    """After a comma, a company form still belongs to the name ("Acme, Inc.")."""
    return word.rstrip(".").casefold() in COMPANY_SUFFIXES


def _is_particle_prefixed(word: str) -> bool:
    return bool(re.match(r"(?:al|el|ad|as|an|ar|at|az|ash|bin|d|l)[-'’]\w", word))


def _looks_like_name(surface: str) -> bool:
    letters = [c for c in surface if c.isalpha()]
    if len(letters) < 2 and surface not in ("X",):
        return False
    # A name has a capital letter (or is written in a script without case).
    return any(c.isupper() for c in letters) or not any(c.islower() for c in letters)


def _drop_overlaps(mentions: Sequence[RawMention]) -> list[RawMention]:
    out: list[RawMention] = []
    for m in mentions:
        if out and m.start < out[-1].end:
            if (m.end - m.start) > (out[-1].end - out[-1].start):
                out[-1] = m
            continue
        out.append(m)
    return out
