"""``data/entities.json``: the site's entities and every mention, for scripts and scorers.

The shape is a public contract, documented in the README.
"""
from __future__ import annotations

import json

from .model import Site

FORMAT_VERSION = 1


def entities_json(site: Site) -> bytes:
    entities = []
    for e in site.entities:
        ref = e.reference
        entities.append({
            "id": e.id,
            "name": e.name,
            "type": e.type,
            "aliases": list(e.aliases),
            "url": e.url,
            "wikipedia": {"title": ref.wikipedia_title, "url": ref.wikipedia_url} if ref else None,
            "wikidata": ref.wikidata_id if ref else None,
            "description": ref.description if ref else None,
            "link_confidence": ref.confidence if ref else None,
            "coordinates": list(e.coordinates) if e.coordinates else None,
            "mention_count": len(e.mentions),
            "articles": list(e.articles),
            "merge_reasons": list(e.merge_reasons),
        })
    articles = []
    for a in site.articles:
        articles.append({
            "id": a.id,
            "title": a.title,
            "date": a.date.isoformat(),
            "url": f"articles/{a.id}/",
            "mentions": [
                {"entity": m.entity_id, "text": m.text, "start": m.start, "end": m.end}
                for m in site.mentions_by_article.get(a.id, ())
            ],
        })
    data = {"version": FORMAT_VERSION, "offsets": "unicode code points in data/text/<article id>.txt",
            "entities": entities, "articles": articles}
    # No indentation: the C encoder then serialises a large site's export several times faster.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def article_texts(site: Site) -> dict[str, bytes]:
    """The plain text each article's offsets count in, so any offset can be checked."""
    return {f"data/text/{a.id}.txt": a.text.encode("utf-8") for a in site.articles}
