"""Small word lists and name normalisation shared by span clean-up and resolution.

These are facts of English news writing (titles, name particles, company suffixes),
not names of any particular entity.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Words before a name that are a role, not part of the name ("President Donald Trump").
TITLES = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady",
    "president", "vice", "prime", "minister", "premier", "chancellor", "secretary", "senator",
    "sen", "rep", "representative", "congressman", "congresswoman", "gov", "governor", "mayor",
    "king", "queen", "prince", "princess", "emperor", "sheikh", "sheik", "emir", "pope",
    "cardinal", "archbishop", "bishop", "rev", "reverend", "father", "rabbi", "imam", "ayatollah",
    "general", "gen", "lt", "lieutenant", "col", "colonel", "maj", "major", "capt", "captain",
    "sgt", "sergeant", "admiral", "adm", "commander", "marshal", "judge", "justice", "chief",
    "ambassador", "commissioner", "chairman", "chairwoman", "chair", "ceo", "director", "spokesman",
    "spokeswoman", "spokesperson", "deputy", "foreign", "defence", "defense", "finance",
    "interior", "speaker", "leader", "officer", "agent", "coach", "manager", "striker",
    "midfielder", "defender", "goalkeeper", "champion", "mp", "former", "late",
    "acting", "senior", "junior", "head", "executive", "economist", "analyst", "author",
    "official", "officials", "dear",
}
# Lower-case words that belong inside personal names.
NAME_PARTICLES = {
    "al", "el", "bin", "ibn", "bint", "abu", "de", "da", "di", "del", "della", "der", "den",
    "van", "von", "la", "le", "du", "dos", "das", "do", "y", "e", "ben", "ter", "ten", "st",
    "mac", "zu", "of", "the",
}
# Lower-case words that may join the words of an organisation or place name.
LINKING_WORDS = {
    "of", "for", "and", "the", "to", "on", "in", "at", "de", "du", "des", "la", "le", "les",
    "der", "die", "das", "und", "y", "e", "et", "del", "della", "di", "da", "van", "von",
    "against", "without", "sans", "with", "&", "an", "a", "by", "upon", "am", "al", "el",
}
# Company-form suffixes: "Paxar Corp" and "Paxar" are one company.
COMPANY_SUFFIXES = {
    "corp", "corporation", "inc", "incorporated", "co", "company", "cos", "ltd", "limited",
    "plc", "llc", "lp", "ag", "sa", "nv", "bv", "gmbh", "spa", "ab", "asa", "oyj", "pty",
    "kk", "bhd", "sarl", "srl", "se", "holdings", "holding",
}
# Last words that make a name an organisation wherever it is.
ORG_HEADS = {
    "department", "ministry", "group", "party", "council", "committee", "commission", "agency",
    "bank", "fund", "company", "corporation", "corp", "inc", "ltd", "plc", "association", "union",
    "organisation", "organization", "federation", "league", "club", "board", "institute",
    "foundation", "service", "services", "news", "times", "post", "court", "army", "police",
    "parliament", "senate", "congress", "government", "authority", "exchange", "university",
}
# Trailing words that name the kind of place; "Washington" and "Washington DC" are one.
GEO_DESIGNATORS = {
    "city", "county", "province", "state", "region", "strip", "island", "islands", "district",
    "dc", "territory", "prefecture", "oblast", "governorate", "municipality", "republic",
}
PERSON_SUFFIXES = {"jr", "sr", "ii", "iii", "iv"}
# Calendar and clock words the model sometimes takes for names ("May", "Monday", "GMT").
CALENDAR = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "today", "tomorrow", "yesterday",
    # time zones, which the model reads as organisations ("10 GMT")
    "gmt", "utc", "bst", "cet", "cest", "est", "edt", "cst", "cdt", "mst", "mdt", "pst", "pdt",
}

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u02bc\u0060\u00b4"), "'")
_QUOTES.update(dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f\u00ab\u00bb"), '"'))


_SPACES = re.compile(r"\s+")
_POSSESSIVE_END = re.compile(r"'s$")
_LEADING_THE = re.compile(r"^the ")


def normalise_text(text: str) -> str:
    """NFKC, straight quotes and plain hyphens, single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_DASHES).translate(_QUOTES)
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=1 << 16)
def name_key(text: str) -> str:
    """The form two spellings of one name share: case, dots, quotes and 'the' ignored.

    Cached: a large site asks for the key of the same few thousand names many times.
    """
    key = normalise_text(text).casefold().replace(".", "")
    key = _POSSESSIVE_END.sub("", key).strip(" '\"")
    key = _LEADING_THE.sub("", key)
    return _SPACES.sub(" ", key).strip()


@lru_cache(maxsize=1 << 16)
def strip_particle(word: str) -> str:
    """'al-Sharaa' -> 'sharaa': the part of a surname people use alone."""
    w = word.casefold()
    for particle in ("al-", "el-", "ad-", "as-", "an-", "ar-", "at-", "az-", "ash-", "bin-", "d'", "l'"):
        if w.startswith(particle) and len(w) > len(particle) + 1:
            return w[len(particle):]
    return w


def org_core(key: str) -> str:
    """A name key without company forms or hyphens ('nv dsm', 'paxar corp.' -> 'dsm', 'paxar')."""
    parts = key.replace(",", " ").replace("-", " ").split()
    while len(parts) > 1 and parts[-1] in COMPANY_SUFFIXES:
        parts.pop()
    while len(parts) > 1 and parts[0] in COMPANY_SUFFIXES:
        parts.pop(0)
    return " ".join(parts)


@lru_cache(maxsize=1 << 16)
def person_tokens(key: str) -> tuple[str, ...]:
    """Name words of a person key, generational suffixes dropped."""
    parts = key.replace(",", " ").split()
    while len(parts) > 1 and parts[-1] in PERSON_SUFFIXES:
        parts.pop()
    return tuple(parts)


def is_mixed_case(text: str) -> bool:
    """True for 'Leicestershire', False for 'LEICESTERSHIRE' (headline capitals)."""
    letters = [c for c in text if c.isalpha()]
    return any(c.islower() for c in letters) or len(letters) <= 4
