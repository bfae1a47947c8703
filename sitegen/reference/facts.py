"""Key facts of a Wikidata item, by entity type, as short lines a reader scans.

People: born, died, citizenship, positions held with their dates. Places: country,
population (the latest figure, with its year), capital, coordinates. Organisations:
founded, dissolved, headquarters, website. Values naming other items are shown by their
English labels, fetched in one batch for the whole site.
"""
from __future__ import annotations

from typing import Callable, Mapping

from ..model import Fact

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
MAX_POSITIONS = 6


def referenced_ids(item: dict, entity_type: str) -> set[str]:
    """Items whose labels the facts of this item need."""
    props = {"person": ("P19", "P27", "P39"), "place": ("P17", "P36"), "organisation": ("P159",)}[entity_type]
    claims = item.get("claims", {})
    return {v["item"] for p in props for v in claims.get(p, ()) if "item" in v}


def facts(item: dict, entity_type: str, label: Callable[[str], str | None]) -> tuple[Fact, ...]:
    claims = item.get("claims", {})
    out: list[Fact] = []

    def add(name: str, prop: str, fmt=None, many: bool = False) -> None:
        values = claims.get(prop, ())
        shown = []
        for v in values if many else values[:1]:
            text = fmt(v) if fmt else _value(v, label)
            if text and text not in shown:
                shown.append(text)
        if shown:
            out.append(Fact(name, ", ".join(shown), values[0].get("item") if len(shown) == 1 else None))

    if entity_type == "person":
        born = _date(claims.get("P569", [{}])[0]) if claims.get("P569") else None
        place = _label_of(claims.get("P19", []), label)
        if born or place:
            out.append(Fact("Born", ", ".join(x for x in (born, place) if x)))
        add("Died", "P570")
        add("Citizenship", "P27", many=True)
        for position in _positions(claims.get("P39", ()), label):
            out.append(position)
    elif entity_type == "place":
        add("Country", "P17", many=True)
        add("Capital", "P36")
        population = _latest(claims.get("P1082", ()))
        if population:
            year = _year(population.get("P585"))
            out.append(Fact("Population", f"{population['amount']:,.0f}" + (f" ({year})" if year else "")))
    else:
        add("Founded", "P571")
        add("Dissolved", "P576")
        add("Headquarters", "P159", many=True)
        site = next((v["text"] for v in claims.get("P856", ()) if "text" in v), None)
        if site and site.startswith(("https://", "http://")):
            out.append(Fact("Website", site))
    return tuple(out)


def coordinates(item: dict) -> tuple[float, float] | None:
    for v in item.get("claims", {}).get("P625", ()):
        if "lat" in v and -90 <= v["lat"] <= 90 and -180 <= v["lon"] <= 180:
            return (round(v["lat"], 5), round(v["lon"], 5))
    return None


def image(item: dict) -> str | None:
    for v in item.get("claims", {}).get("P18", ()):
        name = v.get("text")
        if name and "/" not in name and len(name) < 240:
            return name
    return None


def _value(v: dict, label: Callable[[str], str | None]) -> str | None:
    if "item" in v:
        return label(v["item"])
    if "time" in v:
        return _date(v)
    if "text" in v:
        return v["text"]
    if "amount" in v:
        return f"{v['amount']:,.0f}"
    return None


def _label_of(values, label) -> str | None:
    for v in values:
        if "item" in v and label(v["item"]):
            return label(v["item"])
    return None


def _positions(values, label) -> list[Fact]:
    rows = []
    for v in values:
        name = label(v["item"]) if "item" in v else None
        if not name:
            continue
        start, end = v.get("P580"), v.get("P582")
        span = f"{_year(start) or '?'}–{_year(end) or ''}" if start or end else ""
        rows.append(((start or {}).get("time", ""), Fact("Position", f"{name} ({span})" if span else name, v["item"])))
    rows.sort(key=lambda r: r[0], reverse=True)  # the latest first: what the news is about
    return [fact for _, fact in rows[:MAX_POSITIONS]]


def _latest(values) -> dict | None:
    figures = [v for v in values if "amount" in v]
    if not figures:
        return None
    return max(figures, key=lambda v: (v.get("P585") or {}).get("time", ""))


def _year(v: Mapping | None) -> str | None:
    if not v or "time" not in v:
        return None
    time = v["time"]
    sign = "-" if time.startswith("-") else ""
    year = time.lstrip("+-").split("-", 1)[0].lstrip("0") or "0"
    return f"{year} BC" if sign else year


def _date(v: Mapping) -> str | None:
    """A Wikidata time at its precision: "14 June 1946", "June 1946", "1946"."""
    if "time" not in v:
        return None
    year = _year(v)
    try:
        _, month, rest = v["time"].lstrip("+-").split("-", 2)
        day = int(rest[:2])
        month_n = int(month)
    except (ValueError, IndexError):
        return year
    precision = v.get("precision", 11)
    if precision >= 11 and day and month_n:
        return f"{day} {MONTHS[month_n - 1]} {year}"
    if precision == 10 and month_n:
        return f"{MONTHS[month_n - 1]} {year}"
    return year
