"""Type evidence the NER model lacks: given names, sports results, known places, a
name's own words, and what its sentence says around it.

The small model guesses a name's type from its shape and a few words around it. It
files "Ainars Kiksis (Latvia)" as an organisation, a club named after its town as a
place, a town as an organisation, a horse race or a nationality as a name. Facts of
news writing correct most of that: a name that starts with a known given name is a
person's; a town's name in a sports result (a score, "beat", "v") stands for its team;
a known town anywhere else is a place; "Hong Kong Open" is an event by its last word;
"Ukrainian" is a people named after a country. Each rule works for any name: none of
them lists an entity.
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache
from pathlib import Path

from ..library_data import library_list
from ..names import COMPANY_SUFFIXES, NAME_PARTICLES, ORG_HEADS, TITLES, name_key
from .places import gazetteer

# A result: "2-0", "471 and 71-1" (not a date or a range of years), or the words only
# sport reports use. "won", "lost", "points" are left out: markets win and lose too.
_SPORTS = re.compile(
    r"(?<![\d/.:-])\d{1,3}-\d{1,3}(?![\d/.:-])"
    r"|\b(?:beat|beats|beaten|defeated|drew|draw with|thrashed|trounced|edged|innings|wickets?|"
    r"goals?|goalkeeper|striker|midfielder|half-time|halftime|match|matches|league|cup|"
    r"championship|tournament|stadium|scored|scorers?|fixtures?|standings|semi-finals?|"
    r"quarter-finals?|relegated|promoted|coach|play-offs?)\b"
    r"|\bv\.?\s+[A-Z]|\bvs\.?\s+[A-Z]", re.IGNORECASE)
# "at Chesterfield", "in Manchester": after these the town is where a match is, not a team.
_VENUE = re.compile(r"\b(?:at|in|from|to|near|outside|into|of)\s+$", re.IGNORECASE)
# Last (or any) words that make a name a thing's, not a person's, by kind.
ORGANISATION_WORDS = COMPANY_SUFFIXES | ORG_HEADS | {
    "college", "school", "hospital", "hotel", "motel", "church",
    "international", "national", "united", "press", "radio", "tv",
    "power", "energy", "resources", "capital", "securities", "partners", "investments", "systems",
    "industries", "motors", "airlines", "airways", "communications", "financial", "trust",
    "insurance", "pharmaceuticals", "technologies", "electric", "oil", "gas", "mining", "steel",
    "exchange", "exchanges", "stock", "market", "markets", "brothers", "bros", "sons", "cement",
    "cables", "chemical", "chemicals", "lamps", "textiles", "mills", "foods", "holdings",
    "coalition", "alliance", "movement", "front", "army", "forces", "police", "court", "parliament",
    "assembly", "senate", "congress", "government", "authority", "office", "service", "network",
}
PLACE_WORDS = {
    "airport", "stadium", "park", "street", "road", "avenue", "square", "bridge", "river", "lake",
    "island", "islands", "mountain", "mountains", "valley", "county", "city", "port", "falls",
    "prison", "station", "cathedral", "palace", "castle", "harbour", "harbor", "bay", "gulf",
    "heights", "hills", "desert", "sea", "ocean", "strait", "straits", "peninsula", "plateau",
    "coast", "east", "west", "north", "south", "region", "province", "district", "territory",
}
# Last words of the names of events: matches, races, fairs, festivals, prizes.
EVENT_WORDS = {
    "cup", "open", "games", "olympics", "prix", "masters", "series", "championship", "championships",
    "tour", "festival", "fair", "show", "awards", "prize", "marathon", "trophy", "stakes", "hurdle",
    "handicap", "final", "finals", "tournament", "expo", "regatta", "slam", "day", "week",
}
_NOT_PERSONAL = ORGANISATION_WORDS | PLACE_WORDS | EVENT_WORDS | {"centre", "center", "award"}

# Words that start place names ("West Germany", "New Caledonia"), some also given names.
_PLACE_MODIFIERS = {"north", "south", "east", "west", "northern", "southern", "eastern", "western",
                    "new", "upper", "lower", "central", "greater", "great", "little", "old"}

# Words English clubs put after their town's name.
CLUB_WORDS = {"city", "united", "town", "rovers", "athletic", "wanderers", "albion", "rangers", "fc", "county"}

SPORTS_TEAM_NOTE = "a town's name in a sports result: its team"
KNOWN_PLACE_NOTE = "a known place, outside any sports result"
GIVEN_NAME_NOTE = "starts with a known given name"


@lru_cache(maxsize=1 << 12)  # asked once per name in the sentence, and of every sentence of a report
def sports_context(sentence: str) -> bool:
    """Whether a sentence reports a sports result or fixture."""
    return bool(_SPORTS.search(sentence))


def sports_report(sentences: list[str]) -> bool:
    """Whether a text is a sports report: results tables ("Glamorgan 259 and 207, Durham
    114 and 211") carry no sports word themselves, the report around them does."""
    sporting = sum(1 for s in sentences if sports_context(s))
    return sporting >= 3 and sporting * 5 >= len(sentences)


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """First names in Latin script from the person lists of every locale Faker ships.

    Faker's lists are what its authors chose as common first names of each country
    (about 21,000 across 80-odd locales). Without Faker the rule is simply not used.
    """
    # Kept filtered and folded (a third of the time to read): tied to this file, which does that.
    return frozenset(library_list("faker", "given-names", _latin_given_names, (Path(__file__),)))


def _latin_given_names() -> list[str]:
    return sorted({n.casefold() for n in _faker_first_names()
                   if n.isalpha() and max(n) < "\u0250"})  # Latin script: every letter below U+0250


def _faker_first_names() -> list[str]:
    try:
        import faker.providers.person as people
    except ImportError:
        return []
    found: set[str] = set()
    for module in pkgutil.iter_modules(people.__path__):
        try:
            provider = importlib.import_module(f"{people.__name__}.{module.name}").Provider
        except (ImportError, AttributeError):
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names = vars(provider).get(attr)
            if isinstance(names, (dict, list, tuple, set, frozenset)):
                found.update(n for n in names if isinstance(n, str))
    return sorted(found)


def is_personal_name(surface: str) -> bool:
    """ "Ainars Kiksis", "Yekaterina Podkopayeva": two or three capitalised words, the first a
    known given name, none a word of a company, place or event, and not a known place."""
    words = surface.split()
    if not 2 <= len(words) <= 4 or not words[-1][:1].isupper() or \
            not all(w[:1].isupper() or w in NAME_PARTICLES for w in words):
        return False  # "Ronald de Boer" keeps its particle
    if any(w.isupper() and len(w) > 1 for w in words):
        return False  # headline capitals or an acronym: not how a name is written
    keys = [name_key(w) for w in words]
    places = gazetteer()
    if any(k in _NOT_PERSONAL for k in keys) or places.is_place(name_key(surface)):
        return False
    if keys[0] in TITLES or keys[0] in _PLACE_MODIFIERS or places.is_region(keys[0]) or \
            keys[0] in places.big_cities:
        # "General Motors", "West Germany", "Georgia Power", "London Stock Exchange"; a
        # small town named after a person ("Marion") does not count.
        return False
    first = keys[0].replace("-", "")
    return first in given_names() or keys[0].split("-")[0] in given_names()


def thing_kind(surface: str) -> str | None:
    """The kind of thing a name's words say it is: "Pirelli Cables" an organisation,
    "Changi Prison" a place, "Hong Kong Open" an event (``"event"``); None for no such word."""
    keys = [name_key(w) for w in surface.split()]
    if len(keys) < 2:
        return None
    if keys[-1] in EVENT_WORDS:
        return "event"
    if keys[-1] in PLACE_WORDS:
        return "place"
    if any(k in ORGANISATION_WORDS for k in keys[1:]):
        return "organisation"
    return None


def retype(text: str, start: int, end: int, kind: str, sentence: str, in_sports_report: bool = False) -> tuple[str, str]:
    """The type a known town's name has at this spot, and why; ``(kind, "")`` when no rule applies.

    A town in a sports result, or anywhere in a sports report, that is not the venue
    ("at Chesterfield") is its team; a big city read as an organisation anywhere else
    is the place. A one-word name ending in "-shire" is an English county, a place name
    by its form.
    """
    key = name_key(text[start:end])
    places = gazetteer()
    sporting = in_sports_report or sports_context(sentence)
    town, _, club = key.rpartition(" ")
    if sporting and club in CLUB_WORDS and town in places.cities:
        # "Manchester City", "Bristol Rovers": a town and a club word name a team
        return ("organisation", SPORTS_TEAM_NOTE) if kind != "organisation" else (kind, "")
    county = " " not in key and key.endswith("shire") and len(key) > 6
    venue = _VENUE.search(text, max(0, start - 12), start)
    if in_sports_report and kind == "place" and " " not in key and not county and not venue and \
            not places.is_region(key) and key not in places.cities:
        # "Atalanta", "Dinamo": a one-word "place" no gazetteer knows, in a sports report
        # and not where a match is, is a club.
        return "organisation", SPORTS_TEAM_NOTE
    if places.is_region(key) or (key not in places.cities and not county):
        return kind, ""
    if sporting and not venue:
        return ("organisation", SPORTS_TEAM_NOTE) if kind != "organisation" else (kind, "")
    if county and kind == "person":
        return "place", KNOWN_PLACE_NOTE
    if kind == "organisation" and key in places.big_cities and not sporting:
        # Only a city too big to share its name with a company is sure to be the place
        # ("Union", "Sterling" are towns and companies alike).
        return "place", KNOWN_PLACE_NOTE
    return kind, ""


# What a sentence says around a name that only a real body or place has: a kind noun
# before it ("broadcaster Fox News", "the militant group Hamas"), people or parts after
# it ("Pentagon chief", "a key Kremlin ally"), a relation before it ("affiliated with
# al-Qaeda"), a kind of land after it ("the Golan Heights territory").
_KIND_BEFORE = re.compile(
    r"\b(?:broadcaster|newspaper|daily|channel|network|group|party|movement|militia|company|firm|"
    r"agency|organi[sz]ation|union|coalition|alliance|bank|club|team|ministry|government|regime|"
    r"carrier|airline|maker|retailer|insurer|lender|charity|university|outlet|magazine)\s+$", re.IGNORECASE)
_PEOPLE_AFTER = re.compile(
    r"(?:['’]s)?\s+(?:chief|head|spokes(?:man|woman|person)|officials?|leaders?|ally|allies|members?|"
    r"fighters?|militants?|forces|troops|ministers?|president|director|chairman|executives?|"
    r"commanders?|staff|employees|workers|lawyers|shareholders|board|territory|region|border|"
    r"province|coast|enclave)\b", re.IGNORECASE)
_RELATION_BEFORE = re.compile(
    r"\b(?:affiliated with|allied with|linked to|backed by|members? of|joined|leaders? of|head of|"
    r"chief of|spokes(?:man|woman|person) for|wing of|branch of|arm of|fighters of|ambassador to|"
    r"capital of|border with|president of|governor of|mayor of)\s+(?:the\s+)?$", re.IGNORECASE)
CONTEXT_NOTE = "its sentence names it as a body or a place"


def sentence_names_a_body(sentence: str, start: int, end: int) -> bool:
    """Whether the words around ``sentence[start:end]`` say it names a body or a place."""
    before = sentence[max(0, start - 40):start]
    return bool(_KIND_BEFORE.search(before) or _RELATION_BEFORE.search(before)
                or _PEOPLE_AFTER.match(sentence, end))


# Endings that make a people's or a language's word of a country's name, longest first.
_DEMONYM_ENDINGS = ("ians", "ans", "ian", "ese", "ish", "is", "an", "i", "s")


@lru_cache(maxsize=4096)
def is_demonym(word: str) -> bool:
    """ "Ukrainian", "Kuwaiti", "Tajik", "Chinese": a people named after a country the
    gazetteer knows (the country's name, or its stem, and a people's ending)."""
    key = name_key(word)
    places = gazetteer()
    if " " in key or not key.isalpha() or places.is_place(key) or key in given_names():
        return False
    if places.is_region(key + "istan") or places.is_region(key + "stan"):
        return True  # "Tajik" of Tajikistan
    for ending in _DEMONYM_ENDINGS:
        stem = key[: -len(ending)]
        if key.endswith(ending) and len(stem) >= 4 and any(
                region.startswith(stem) and len(region) - len(stem) <= 3 and " " not in region
                for region in places.regions):
            return True
    return False


# A person introduced as one: a role just before ("IMF chief Kristalina Georgieva"),
# speech beside ("said Michael Hanna", "Hanna told"), an apposition ("Hanna, 43,"), or
# a country in brackets as results list competitors ("Ainars Kiksis (Latvia)").
_ROLE_BEFORE = re.compile(r"\b(?:%s)\.?\s+$" % "|".join(sorted(TITLES, key=len, reverse=True)), re.IGNORECASE)
_SPEECH_BEFORE = re.compile(r"\b(?:said|says|told|according to|asked|wrote)\s+$")
_SPEECH_AFTER = re.compile(r"\s*(?:,\s*(?:\d+|who|a|an|the)\b|\s+(?:said|says|told|added|wrote|asked|argued)\b)")
PERSON_CONTEXT_NOTE = "a full name its sentence gives a role or words"


def sentence_names_a_person(sentence: str, start: int, end: int) -> bool:
    """Whether the words around ``sentence[start:end]`` introduce it as a person."""
    before = sentence[max(0, start - 40):start]
    return bool(_ROLE_BEFORE.search(before) or _SPEECH_BEFORE.search(before) or _SPEECH_AFTER.match(sentence, end)
                or athlete(sentence, start, end))


# "Ainars Kiksis ( Latvia )": results list a competitor with their country in brackets.
_COUNTRY_IN_BRACKETS = re.compile(r"\s*\(\s*([A-Z][\w.' -]{1,40}?)\s*\)")
ATHLETE_NOTE = "a full name with a country in brackets: a competitor"


def athlete(text: str, start: int, end: int) -> bool:
    """A two- or three-word name followed by a country in brackets, as results list people."""
    words = text[start:end].split()
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() and not w.isupper() for w in words):
        return False
    match = _COUNTRY_IN_BRACKETS.match(text, end)
    return bool(match) and gazetteer().canonical(match.group(1)) is not None
