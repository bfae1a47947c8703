"""The review page's HTML: the queue, its evidence and a button per decision."""
from __future__ import annotations

import json
from pathlib import Path

import jinja2

from ..model import Site
from .suggestion import site_entities

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True,
                          trim_blocks=True, lstrip_blocks=True)
KIND_TITLES = {"same": "Likely the same", "apart": "Likely two", "type": "Type in doubt",
               "ignore": "Likely not an entity", "link": "Link to check"}
SHOWN = 200  # suggestions on the page; the JSON listing has them all


def render_page(site: Site | None, queue: list, token: str, can_undo: bool) -> str:
    entities = {e.id: e for e in site_entities(site)} if site else {}
    rows = [_row(s, entities) for s in queue[:SHOWN]]
    paged = {e.id for e in site.entities} if site else set()  # the others have no page to link to
    return _ENV.get_template("page.html").render(rows=rows, total=len(queue), token=token, can_undo=can_undo,
                                                 built=site is not None, kinds=KIND_TITLES, paged=paged)


def _row(s, entities: dict) -> dict:
    named = [entities[i] for i in s.entities if i in entities]
    return {"s": s, "entities": named, "title": KIND_TITLES[s.kind], "actions": _actions(s, named),
            "evidence": [_evidence(e, entities) for e in s.evidence]}


def _actions(s, named) -> list[dict]:
    """(label, request) for each button; a request with "input" takes its value from a text box."""
    first = named[0].id if named else ""
    accept = {"action": "accept", "accept": s.accept} if s.accept else None
    if s.kind == "same":
        return [{"label": "Same: make one page", "request": accept, "primary": True},
                *({"label": f"Not the same as “{other.name}”",
                   "request": {"action": "not_same", "entity": first, "value": other.id}} for other in named[1:])]
    if s.kind == "apart":
        return [{"label": f"Keep “{s.accept['not_same']}” apart", "request": accept, "primary": True}]
    if s.kind == "type":
        article = "an" if s.accept["type"][0] in "aeiou" else "a"
        return [{"label": f"Make it {article} {s.accept['type']}", "request": accept, "primary": True}]
    if s.kind == "ignore":
        return [{"label": "Ignore: no page", "request": accept, "primary": True}]
    return [{"label": "Pin this Wikipedia title", "input": "Wikipedia title",
             "request": {"action": "wikipedia", "entity": first}, "primary": True},
            {"label": "Never link it", "request": {"action": "wikipedia", "entity": first, "value": False}}]


def _evidence(item: dict, entities: dict) -> dict:
    out = dict(item)
    if "neighbours" in item:
        out["neighbours"] = [entities[i] for i in item["neighbours"] if i in entities]
    return out


def request_json(request: dict) -> str:
    return json.dumps(request, ensure_ascii=False)


_ENV.filters["request_json"] = request_json
