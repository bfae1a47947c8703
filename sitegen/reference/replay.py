"""Record and replay reference responses, one real-shaped JSON file per item.

A batched request ("pages for these 50 titles") is stored as one file per title, each
holding the response the API would give for that title alone. Replay puts a batch back
together from those files, so a replay folder answers any batching, in any order, from
any state of the cache: that is what makes a recorded build reproducible.

Layout: ``DIR/<kind>/<item>.json`` with ``{"request": {...}, "fetched": ISO time,
"response": <the API's JSON for that one item>}``. Kinds:

- ``pages``: ``action=query&prop=pageprops|info`` for one title (redirects followed);
- ``extracts``: ``action=query&prop=extracts&exintro`` for one title;
- ``search``: ``action=query&list=search`` for one query string;
- ``items``: ``action=wbgetentities`` with claims for one Wikidata id;
- ``labels``: ``action=wbgetentities&props=labels`` for one Wikidata id.

An item with no file is "not recorded": replay leaves it out of the answer, and the
build treats it as it would with no network.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import httpx

KINDS = ("pages", "extracts", "search", "items", "labels")


class NotRecorded(Exception):
    """Replay has no answer for any item of this request."""


def request_kind(params: Mapping[str, str]) -> tuple[str, list[str]] | None:
    """Which kind of reference request this is, and the items it asks about."""
    action = params.get("action")
    if action == "wbgetentities":
        ids = [i for i in params.get("ids", "").split("|") if i]
        return ("labels" if params.get("props") == "labels" else "items"), ids
    if action != "query":
        return None
    if params.get("list") == "search":
        return "search", [params.get("srsearch", "")]
    titles = [t for t in params.get("titles", "").split("|") if t]
    if "extracts" in params.get("prop", ""):
        return "extracts", titles
    if "pageprops" in params.get("prop", ""):
        return "pages", titles
    return None


def item_file(folder: Path, kind: str, item: str) -> Path:
    """A readable, safe file name for an item: 'Donald_Trump.json', with a hash if needed."""
    stem = re.sub(r"[^\w.,()'-]+", "_", item, flags=re.UNICODE).strip("._") or "item"
    if stem != item.replace(" ", "_") or len(stem) > 80:
        stem = f"{stem[:60]}-{hashlib.sha256(item.encode()).hexdigest()[:10]}"
    return folder / kind / f"{stem}.json"


# ---- splitting a batch into items, and joining items into a batch -------------------

def split_response(kind: str, items: list[str], data: Mapping[str, Any]) -> dict[str, Any]:
    """One single-item response per item, cut out of a batched response."""
    if kind in ("items", "labels"):
        entities = data.get("entities") or {}
        return {i: {"entities": {i: entities[i]}, "success": 1} for i in items if i in entities}
    if kind == "search":
        return {items[0]: data}
    query = data.get("query") or {}
    normalized = {n["from"]: n["to"] for n in query.get("normalized", ())}
    redirects = {r["from"]: r for r in query.get("redirects", ())}
    pages = {p.get("title"): p for p in query.get("pages", ())}
    out = {}
    for title in items:
        part: dict[str, Any] = {}
        current = title
        if current in normalized:
            part.setdefault("normalized", []).append({"from": current, "to": normalized[current]})
            current = normalized[current]
        seen = set()
        while current in redirects and current not in seen:
            seen.add(current)
            part.setdefault("redirects", []).append(redirects[current])
            current = redirects[current]["to"]
        if current in pages:
            part["pages"] = [pages[current]]
            out[title] = {"batchcomplete": True, "query": part}
    return out


def join_responses(kind: str, parts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """One batched response made of single-item responses."""
    parts = list(parts)
    if kind in ("items", "labels"):
        entities: dict[str, Any] = {}
        for part in parts:
            entities.update(part.get("entities") or {})
        return {"entities": entities, "success": 1}
    if kind == "search":
        return dict(parts[0])
    query: dict[str, list] = {"normalized": [], "redirects": [], "pages": []}
    for part in parts:
        for key in query:
            for row in (part.get("query") or {}).get(key, ()):
                if row not in query[key]:
                    query[key].append(row)
    return {"batchcomplete": True, "query": {k: v for k, v in query.items() if v}}


# ---- the two transports --------------------------------------------------------------

class ReplayTransport(httpx.BaseTransport):
    """Answers reference requests from a recorded folder; never opens a connection."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.fetched: dict[str, str] = {}  # item file -> when it was recorded

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        found = request_kind(params)
        if found is None:
            raise NotRecorded(f"{request.url}: not a request sitegen records")
        kind, items = found
        parts, recorded = [], []
        for item in items:
            path = item_file(self.folder, kind, item)
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except (OSError, ValueError) as exc:
                raise NotRecorded(f"{path}: unreadable recording ({exc})") from exc
            parts.append(stored["response"])
            if stored.get("fetched"):
                recorded.append(str(stored["fetched"]))
        if not parts:
            raise NotRecorded(f"no recording for {kind} {', '.join(items)[:200]}")
        # The oldest recording time stands for the batch: a replayed build shows when the
        # data was really fetched, and stays the same from one replay to the next.
        headers = {"x-sitegen-recorded": min(recorded)} if recorded else {}
        return httpx.Response(200, json=join_responses(kind, parts), headers=headers, request=request)


class RecordingTransport(httpx.BaseTransport):
    """Passes requests on and saves every good reference answer, one file per item."""

    def __init__(self, inner: httpx.BaseTransport, folder: Path, clock=None):
        self.inner = inner
        self.folder = Path(folder)
        self._clock = clock or (lambda: _dt.datetime.now(_dt.timezone.utc))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        params = dict(request.url.params)
        found = request_kind(params)
        if found is None or response.status_code != 200:
            return response
        body = response.read()
        try:
            data = json.loads(body)
        except ValueError:
            return httpx.Response(200, content=body, headers=response.headers, request=request)
        if isinstance(data, dict) and "error" not in data:
            kind, items = found
            fetched = self._clock().isoformat(timespec="seconds")
            for item, part in split_response(kind, items, data).items():
                single = {**params, _item_param(kind): item}
                path = item_file(self.folder, kind, item)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"request": single, "fetched": fetched, "response": part},
                                          ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                tmp.replace(path)
        return httpx.Response(200, content=body, headers=response.headers, request=request)

    def close(self) -> None:
        self.inner.close()


def _item_param(kind: str) -> str:
    return {"items": "ids", "labels": "ids", "search": "srsearch"}.get(kind, "titles")
