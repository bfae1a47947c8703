"""English Wikipedia: page properties in batches, lead summaries, title search.

Each function returns plain records (dicts fit for JSON and the cache), keyed by what
was asked. Titles the answer says nothing about are left out: "no answer" is not
"missing", and only what the API really said is ever cached.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable
from urllib.parse import quote

from .api import WIKIPEDIA_API

if TYPE_CHECKING:  # made by the build that sends requests (see api)
    from .http import ApiClient

PAGES_BATCH = 50  # the API's limit of titles per query for anonymous clients
EXTRACTS_BATCH = 20  # TextExtracts gives at most 20 lead sections per request
SEARCH_LIMIT = 5


def page_url(title: str) -> str:
    return "https://en.wikipedia.org/wiki/" + quote(title.replace(" ", "_"), safe="()_,'-.:")


def fetch_pages(client: ApiClient, titles: list[str]) -> tuple[dict[str, dict], str | None]:
    """Page records for up to 50 titles: final title, Wikidata id, disambiguation, revision."""
    data, recorded = client.get(WIKIPEDIA_API, {
        "action": "query", "prop": "pageprops|info", "ppprop": "wikibase_item|disambiguation",
        "inprop": "url", "titles": "|".join(titles), "redirects": "1", "formatversion": "2"})
    return parse_pages(titles, data), recorded


def parse_pages(titles: Iterable[str], data: dict) -> dict[str, dict]:
    query = data.get("query") or {}
    normalized = {n.get("from"): n.get("to") for n in query.get("normalized", ()) if isinstance(n, dict)}
    redirects = {r.get("from"): r.get("to") for r in query.get("redirects", ()) if isinstance(r, dict)}
    pages = {p.get("title"): p for p in query.get("pages", ()) if isinstance(p, dict)}
    records = {}
    for asked in titles:
        title = normalized.get(asked, asked)
        via = None
        hops = 0
        while title in redirects and hops < 5:
            via = via or title
            title = redirects[title]
            hops += 1
        page = pages.get(title)
        if page is None:
            continue
        if page.get("missing") or page.get("invalid"):
            records[asked] = {"title": title, "missing": True}
            continue
        props = page.get("pageprops") or {}
        records[asked] = {
            "title": title,
            "missing": False,
            "disambiguation": "disambiguation" in props,
            "qid": props.get("wikibase_item"),
            "revid": page.get("lastrevid"),
            "url": page.get("fullurl") or page_url(title),
            "redirected_from": via,
            "namespace": page.get("ns", 0),
        }
    return records


def fetch_extracts(client: ApiClient, titles: list[str]) -> tuple[dict[str, dict], str | None]:
    """The plain-text lead section of up to 20 pages, by title."""
    data, recorded = client.get(WIKIPEDIA_API, {
        "action": "query", "prop": "extracts", "exintro": "1", "explaintext": "1",
        "exlimit": str(EXTRACTS_BATCH), "titles": "|".join(titles), "redirects": "1", "formatversion": "2"})
    records = {}
    for title, page in parse_raw_pages(titles, data).items():
        text = page.get("extract")
        if isinstance(text, str):
            records[title] = {"extract": text.strip()}
    return records, recorded


def parse_raw_pages(titles: Iterable[str], data: dict) -> dict[str, dict]:
    query = data.get("query") or {}
    normalized = {n.get("from"): n.get("to") for n in query.get("normalized", ()) if isinstance(n, dict)}
    pages = {p.get("title"): p for p in query.get("pages", ()) if isinstance(p, dict)}
    return {t: pages[normalized.get(t, t)] for t in titles if normalized.get(t, t) in pages}


def search_titles(wiki, query: str, limit: int = SEARCH_LIMIT) -> list[str]:
    """Article titles Wikipedia's search ranks for a name, best first.

    ``wiki`` is a ``wikipediaapi.Wikipedia`` sharing the guarded transport.
    """
    results = wiki.search(query, limit=limit)
    return [title for title in results.pages.keys()][:limit]
