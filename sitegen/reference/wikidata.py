"""Wikidata: the facts of items in batches of 50, and labels of the items they name.

Only the statements sitegen shows or reasons with are kept, already simplified:
``{"item": "Q30"}``, ``{"time": "+1946-06-14T00:00:00Z", "precision": 11}``,
``{"lat": 38.9, "lon": -77.0}``, ``{"amount": 1234}``, ``{"text": "..."}``, each with its
qualifiers (start and end of a position held, the date of a population figure).
Deprecated statements are dropped; where some are preferred, only those are kept.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .api import WIKIDATA_API

if TYPE_CHECKING:  # made by the build that sends requests (see api)
    from .http import ApiClient

BATCH = 50
# Statements worth keeping: what the dossier shows, and what linking compares.
KEPT = ("P31", "P279", "P569", "P570", "P19", "P20", "P27", "P17", "P39", "P625", "P18", "P856", "P571",
        "P576", "P159", "P1082", "P36", "P131", "P276", "P47", "P108", "P463", "P102", "P112", "P361",
        "P30", "P749", "P1448", "P2828", "P6")
QUALIFIERS = ("P580", "P582", "P585")
MAX_RELATED = 300


def fetch_items(client: ApiClient, ids: list[str]) -> tuple[dict[str, dict], str | None]:
    data, recorded = client.get(WIKIDATA_API, {
        "action": "wbgetentities", "ids": "|".join(ids), "props": "labels|descriptions|claims|sitelinks/urls",
        "languages": "en", "sitefilter": "enwiki"})
    entities = data.get("entities") or {}
    return {i: parse_item(i, entities[i]) for i in ids if isinstance(entities.get(i), dict)}, recorded


def fetch_labels(client: ApiClient, ids: list[str]) -> tuple[dict[str, dict], str | None]:
    data, recorded = client.get(WIKIDATA_API, {
        "action": "wbgetentities", "ids": "|".join(ids), "props": "labels", "languages": "en"})
    entities = data.get("entities") or {}
    out = {}
    for i in ids:
        e = entities.get(i)
        if isinstance(e, dict):
            out[i] = {"label": _en(e.get("labels"))}
    return out, recorded


def parse_item(qid: str, entity: dict) -> dict:
    if "missing" in entity:
        return {"id": qid, "missing": True}
    claims = entity.get("claims") or {}
    kept: dict[str, list] = {}
    related: list[str] = []
    for prop, statements in claims.items():
        values = _values(statements)
        for v in values:
            if "item" in v and len(related) < MAX_RELATED:
                related.append(v["item"])
        if prop in KEPT and values:
            kept[prop] = values
    sitelink = ((entity.get("sitelinks") or {}).get("enwiki") or {})
    return {
        "id": entity.get("id", qid),
        "missing": False,
        "label": _en(entity.get("labels")),
        "description": _en(entity.get("descriptions")),
        "enwiki": sitelink.get("title"),
        "claims": kept,
        "related": sorted(set(related)),
    }


def _en(values: Any) -> str | None:
    if isinstance(values, dict):
        en = values.get("en")
        if isinstance(en, dict) and isinstance(en.get("value"), str):
            return en["value"]
    return None


def _values(statements: Any) -> list[dict]:
    if not isinstance(statements, list):
        return []
    usable = [s for s in statements if isinstance(s, dict) and s.get("rank") != "deprecated"]
    preferred = [s for s in usable if s.get("rank") == "preferred"]
    out = []
    for statement in preferred or usable:
        value = _snak(statement.get("mainsnak"))
        if value is None:
            continue
        qualifiers = statement.get("qualifiers") or {}
        for q in QUALIFIERS:
            for snak in qualifiers.get(q, ()) if isinstance(qualifiers, dict) else ():
                qv = _snak(snak)
                if qv is not None:
                    value[q] = qv
                    break
        out.append(value)
    return out


def _snak(snak: Any) -> dict | None:
    if not isinstance(snak, dict) or snak.get("snaktype") != "value":
        return None
    datavalue = snak.get("datavalue") or {}
    value, kind = datavalue.get("value"), datavalue.get("type")
    if kind == "wikibase-entityid" and isinstance(value, dict) and isinstance(value.get("id"), str):
        return {"item": value["id"]}
    if kind == "time" and isinstance(value, dict) and isinstance(value.get("time"), str):
        return {"time": value["time"], "precision": int(value.get("precision", 11))}
    if kind == "globecoordinate" and isinstance(value, dict):
        try:
            return {"lat": float(value["latitude"]), "lon": float(value["longitude"])}
        except (KeyError, TypeError, ValueError):
            return None
    if kind == "quantity" and isinstance(value, dict):
        try:
            return {"amount": float(value["amount"])}
        except (KeyError, TypeError, ValueError):
            return None
    if kind == "string" and isinstance(value, str):
        return {"text": value}
    if kind == "monolingualtext" and isinstance(value, dict) and isinstance(value.get("text"), str):
        return {"text": value["text"]}
    return None
