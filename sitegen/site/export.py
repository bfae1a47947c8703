"""The site's data for scripts, scorers and spreadsheets.

``data/entities.json`` (every entity and mention), ``data/graph.json`` (who is mentioned
with whom) and ``data/entities.csv`` (one row per entity). The shapes are a public
contract, documented in the README.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Callable, Sequence

from ..model import Article, Entity, Mention, Site
from ..names import name_key
from .structured import short_description, wikidata_url

FORMAT_VERSION = 1


def entities_json(site: Site, memo: dict | None = None) -> bytes:
    """The export, as compact JSON.

    ``memo`` (kept by a long-running caller) holds each entity's and article's encoded
    entry with the value it was encoded from: an unchanged one is not encoded again. The
    bytes are those of encoding the whole at once.
    """
    entries = _Entries(memo)
    # Names without a page are listed too ("page": false, "url": null); their mentions are
    # in each article's "other_names", apart from the mentions of dossier pages.
    everyone = [(e, True) for e in site.entities] + [(e, False) for e in site.without_page]
    everyone.sort(key=lambda pair: (name_key(pair[0].name), pair[0].id))
    reasons = site.page_reasons
    entities = [entries.text(("entity", e.id), (e, page, reasons.get(e.id)),
                             lambda e=e, page=page: _encoded(_entity_entry(e, page, reasons.get(e.id))))
                for e, page in everyone]
    paged = {e.id for e in site.entities}
    articles = []
    for a in site.articles:
        mentions = site.mentions_by_article.get(a.id, ())
        # Which list a mention goes in depends on its entity's page, so that is part of the source.
        has_page = tuple(m.entity_id in paged for m in mentions)
        articles.append(entries.text(("article", a.id), (a, mentions, has_page),
                                     lambda a=a, mentions=mentions, has_page=has_page:
                                     _encoded(_article_entry(a, mentions, has_page))))
    entries.keep()
    head = _dumps({"version": FORMAT_VERSION, "offsets": "unicode code points in data/text/<article id>.txt"})
    # No indentation: the C encoder then serialises a large site's export several times faster.
    # Pieces are joined as bytes: a large site's export is megabytes, not encoded again whole.
    return b"".join([head[:-1].encode(), b',"entities":[', b",".join(entities), b'],"articles":[',
                     b",".join(articles), b"]}\n"])


class _Entries:
    """Encoded pieces of an export by key, each with the value it was encoded from."""

    def __init__(self, memo: dict | None) -> None:
        self.memo = memo
        self.fresh: dict = {}

    def text(self, key, source, encode: Callable[[], bytes]) -> bytes:
        """The piece for ``key``: kept if made from an equal ``source``, else ``encode()``."""
        kept = self.memo.get(key) if self.memo is not None else None
        if kept is None or (kept[0] is not source and kept[0] != source):
            kept = (source, encode())
        self.fresh[key] = kept
        return kept[1]

    def kept(self, key):
        """The last call's piece for ``key``, kept again without a comparison (the caller
        knows its source did not change), or None if there is none."""
        kept = self.memo.get(key) if self.memo is not None else None
        if kept is not None:
            self.fresh[key] = kept
            return kept[1]
        return None

    def keep(self) -> None:
        """Keep only this call's pieces for the next call."""
        if self.memo is not None:
            self.memo.clear()
            self.memo.update(self.fresh)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _encoded(value) -> bytes:
    return _dumps(value).encode("utf-8")


def _entity_entry(e: Entity, page: bool = True, page_reason: str | None = None) -> dict:
    ref = e.reference
    return {
        "id": e.id,
        "name": e.name,
        "type": e.type,
        "aliases": list(e.aliases),
        "url": e.url if page else None,
        "page": page,
        "page_reason": page_reason,
        "wikipedia": {"title": ref.wikipedia_title, "url": ref.wikipedia_url} if ref else None,
        "wikidata": ref.wikidata_id if ref else None,
        "description": ref.description if ref else None,
        "link_confidence": ref.confidence if ref else None,
        "coordinates": list(e.coordinates) if e.coordinates else None,
        "mention_count": len(e.mentions),
        "articles": list(e.articles),
        "merge_reasons": list(e.merge_reasons),
    }


def _article_entry(a: Article, mentions: Sequence[Mention], has_page: Sequence[bool]) -> dict:
    """``mentions`` lists the names the article page links to a dossier; ``other_names`` the
    names it only highlights (no page of their own), so that a script reading ``mentions``
    counts dossier pages, and every highlighted name is still listed."""
    def entry(m: Mention) -> dict:
        return {"entity": m.entity_id, "text": m.text, "start": m.start, "end": m.end}

    return {
        "id": a.id,
        "title": a.title,
        "date": a.date.isoformat(),
        "url": f"articles/{a.id}/",
        "mentions": [entry(m) for m, paged in zip(mentions, has_page) if paged],
        "other_names": [entry(m) for m, paged in zip(mentions, has_page) if not paged],
    }


def article_texts(site: Site) -> dict[str, bytes]:
    """The plain text each article's offsets count in, so any offset can be checked."""
    return {f"data/text/{a.id}.txt": a.text.encode("utf-8") for a in site.articles}


def graph_json(site: Site, memo: dict | None = None) -> bytes:
    """Nodes (entities) and undirected edges weighted by the number of articles two entities share.

    The shared articles are the site's co-mentions (``Site.shared``, see ``comentions``),
    between entities that have a page. ``memo`` (kept by a long-running caller) holds each
    node's and each entity's edges' encoded text with what it was made from: an entity
    whose counts and the set of pages are the same again is not encoded again. The bytes
    are those of encoding it all afresh.
    """
    shared = site.shared
    paged = {e.id for e in site.entities}
    # The edges drawn depend on which entities have no page: one short value stands for them.
    hidden = hashlib.sha256("\0".join(sorted(e.id for e in site.without_page)).encode()).hexdigest()
    entries = _Entries(memo)
    nodes = []
    for e in site.entities:
        node = (e.id, e.name, e.type, e.url, len(e.mentions), len(e.articles))
        nodes.append(entries.text(("node", e.id), node, lambda node=node: _encoded(dict(zip(_NODE_KEYS, node)))))
    edges = []
    for a in sorted(paged & shared.keys()):  # edges in (source, target) order, source < target
        counts = shared[a]
        piece = entries.text(("edges", a), (counts, hidden), lambda counts=counts, a=a: b",".join(
            _encoded({"source": a, "target": b, "weight": n}) for b, n in sorted(counts.items())
            if b > a and b in paged))
        if piece:
            edges.append(piece)
    entries.keep()
    head = _dumps({"version": FORMAT_VERSION, "weight": "articles the two entities are both mentioned in"})
    return b"".join([head[:-1].encode(), b',"nodes":[', b",".join(nodes), b'],"edges":[', b",".join(edges), b"]}\n"])


_NODE_KEYS = ("id", "name", "type", "url", "mention_count", "article_count")


CSV_COLUMNS = ("id", "name", "type", "aliases", "url", "mention_count", "article_count",
               "first_seen", "last_seen", "wikidata", "wikipedia", "description")


def entities_csv(site: Site, memo: dict | None = None) -> bytes:
    """One row per entity (UTF-8 with a byte-order mark, so spreadsheet programs read it right).

    ``memo`` (kept by a long-running caller) holds each entity's row with what it was
    written from."""
    dates = {a.id: a.date.isoformat() for a in site.articles}
    entries = _Entries(memo)
    rows = [_csv_line(CSV_COLUMNS)]
    for e in site.entities:
        seen = [dates[a] for a in e.articles if a in dates]
        first, last = (min(seen), max(seen)) if seen else ("", "")
        rows.append(entries.text(("row", e.id), (e, first, last), lambda e=e, first=first, last=last: _csv_line((
            e.id, e.name, e.type, "; ".join(a for a in e.aliases if a != e.name), e.url, len(e.mentions),
            len(e.articles), first, last, (wikidata_url(e.reference) and e.reference.wikidata_id) if e.reference else "",
            e.reference.wikipedia_url if e.reference else "", short_description(e) or ""))))
    entries.keep()
    return "\ufeff".encode("utf-8") + b"".join(rows)


def _csv_line(values) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerow([_cell(v) for v in values])
    return out.getvalue().encode("utf-8")


def _cell(value) -> str:
    """Text a spreadsheet shows as text: a leading = + - @ would start a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
