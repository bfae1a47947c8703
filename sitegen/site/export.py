"""The site's data for scripts, scorers and spreadsheets.

``data/entities.json`` (every entity and mention), ``data/graph.json`` (who is mentioned
with whom, each entity's strongest ties), ``data/entities/<entity id>.json`` (one entity
with all its co-mention counts and its newest mentions) and ``data/entities.csv`` (one
row per entity). The shapes are a public contract, documented in the README.

Every entry of a large file is encoded by one function of the values it is made from
(``Encoders``): a caller that kept the bytes of an earlier build may hand them back for
the same values (see ``sitegen.incremental.exports``); the bytes are the same either way.
The files of one entity or article (``entity_file_inputs``, ``text_file_inputs``) are
listed with the values they are made from, so that such a caller can also leave a file
the output folder already holds as it is.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import Callable, Iterator, Mapping, Sequence

import orjson

from ..model import Article, Entity, Mention, Site, named_entities
from ..names import name_key
from ..urls import check_entity_id
from .structured import short_description, wikidata_url

FORMAT_VERSION = 1
# Version 2: each node keeps only its strongest edges (version 1 had every pair).
GRAPH_VERSION = 2
ENTITY_FILES = "data/entities/"
# Bounds of one entity's file: a hub of a large archive shares articles with tens of
# thousands of names and is mentioned as often; every mention is in data/entities.json.
MAX_FILE_MENTIONS = 1000
MAX_FILE_RELATED = 5000


@dataclass(frozen=True)
class Encoders:
    """How each entry is encoded, from exactly the values named in its signature.

    An entry that comes to read more must take it as an argument, so that the caller
    keeping encoded entries (``incremental.exports``) keys it by that too.
    """

    entity: Callable[[Entity, bool, "str | None"], bytes]  # (entity, has a page, page reason)
    # (article, its mentions, the ids of the entities it names that have a page, sorted)
    article: Callable[[Article, Sequence[Mention], tuple[str, ...]], bytes]
    row: Callable[[Entity, str, str], bytes]  # (entity, first seen, last seen)
    entity_file: Callable[[Entity, "str | None", Mapping[str, int]], bytes]  # (entity, reason, co-mentions)
    node: Callable[[Entity, int], bytes]  # (entity, how many it shares an article with)
    edges: Callable[[str, tuple], bytes]  # (source id, ((target id, weight), ...)), "" if none


def export_files(site: Site, encoders: Encoders | None = None) -> dict[str, bytes]:
    """Every file under ``data/``, by path."""
    encoders = encoders or PLAIN
    files = {"data/entities.json": entities_json(site, encoders),
             "data/graph.json": graph_json(site, encoders),
             "data/entities.csv": entities_csv(site, encoders)}
    files.update(entity_files(site, encoders))
    files.update(article_texts(site))
    return files


def entities_json(site: Site, encoders: Encoders | None = None) -> bytes:
    """The export, as compact JSON."""
    encoders = encoders or PLAIN
    # Names without a page are listed too ("page": false, "url": null); their mentions are
    # in each article's "other_names", apart from the mentions of dossier pages.
    everyone = [(e, True) for e in site.entities] + [(e, False) for e in site.without_page]
    everyone.sort(key=lambda pair: (name_key(pair[0].name), pair[0].id))
    reasons = site.page_reasons
    entities = [encoders.entity(e, page, reasons.get(e.id)) for e, page in everyone]
    paged = {e.id for e in site.entities}.__contains__
    articles = []
    for a in site.articles:
        mentions = site.mentions_by_article.get(a.id, ())
        # Which of the entities it names have a page, not which of its mentions do: a
        # large site has hundreds of thousands of mentions, and its entries are mostly
        # kept (see Encoders) from lists that need not even be read.
        articles.append(encoders.article(a, mentions, tuple(filter(paged, sorted(named_entities(mentions))))))
    head = _dumps({"version": FORMAT_VERSION, "offsets": "unicode code points in data/text/<article id>.txt"})
    # No indentation: the C encoder then serialises a large site's export several times faster.
    # Pieces are joined as bytes: a large site's export is megabytes, not encoded again whole.
    return b"".join([head[:-1].encode(), b',"entities":[', b",".join(entities), b'],"articles":[',
                     b",".join(articles), b"]}\n"])


_ENTITY_ID = attrgetter("entity_id")


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _encoded(value) -> bytes:
    # orjson writes the JSON ``_dumps`` does (compact, UTF-8 unescaped; only a float under
    # 1e-4 is spelt without an exponent), several times faster.
    return orjson.dumps(value)


def encoded_entity(e: Entity, page: bool = True, page_reason: str | None = None) -> bytes:
    return _encoded(_entity_entry(e, page, page_reason))


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


def encoded_article(a: Article, mentions: Sequence[Mention], paged: tuple[str, ...]) -> bytes:
    return _encoded(_article_entry(a, mentions, paged))


def _article_entry(a: Article, mentions: Sequence[Mention], paged: tuple[str, ...]) -> dict:
    """``mentions`` lists the names the article page links to a dossier; ``other_names`` the
    names it only highlights (no page of their own), so that a script reading ``mentions``
    counts dossier pages, and every highlighted name is still listed."""
    def entry(m: Mention) -> dict:
        return {"entity": m.entity_id, "text": m.text, "start": m.start, "end": m.end}

    has_page = tuple(map(frozenset(paged).__contains__, map(_ENTITY_ID, mentions)))

    return {
        "id": a.id,
        "title": a.title,
        "date": a.date.isoformat(),
        "url": f"articles/{a.id}/",
        "mentions": [entry(m) for m, page in zip(mentions, has_page) if page],
        "other_names": [entry(m) for m, page in zip(mentions, has_page) if not page],
    }


def article_texts(site: Site) -> dict[str, bytes]:
    """The plain text each article's offsets count in, so any offset can be checked."""
    return {path: encoded_text(a) for path, a in text_file_inputs(site)}


def text_file_inputs(site: Site) -> Iterator[tuple[str, Article]]:
    """(path, article) of each article's text file."""
    return ((f"data/text/{a.id}.txt", a) for a in site.articles)


def encoded_text(a: Article) -> bytes:
    return a.text.encode("utf-8")


# ---- data/graph.json: each entity's strongest ties --------------------------------------

def graph_json(site: Site, encoders: Encoders | None = None) -> bytes:
    """Nodes (entities with a page) and undirected edges weighted by the articles two share.

    A node keeps the edges of its "often mentioned with" list (``Site.related``: its
    strongest co-mentions, ties by name, those with a page); an edge is in the graph if
    either end keeps it. The full counts are in each entity's own file (``entity_files``).
    """
    encoders = encoders or PLAIN
    paged = {e.id for e in site.entities}
    nodes = [encoders.node(e, len(site.shared.get(e.id, ()))) for e in site.entities]
    kept: dict[str, dict[str, int]] = {}  # source -> target -> weight, source < target
    for e in site.entities:
        for other, weight in site.related.get(e.id, ()):
            if other in paged:
                a, b = (e.id, other) if e.id < other else (other, e.id)
                kept.setdefault(a, {})[b] = weight
    edges = [encoders.edges(a, tuple(sorted(kept[a].items()))) for a in sorted(kept)]
    head = _dumps({"version": GRAPH_VERSION, "weight": "articles the two entities are both mentioned in",
                   "edges_kept": "each node's strongest co-mentions with a page (see its data file for all)"})
    return b"".join([head[:-1].encode(), b',"nodes":[', b",".join(nodes), b'],"edges":[', b",".join(edges),
                     b"]}\n"])


def encoded_node(e: Entity, related_count: int) -> bytes:
    return _encoded({"id": e.id, "name": e.name, "type": e.type, "url": e.url, "mention_count": len(e.mentions),
                     "article_count": len(e.articles), "related_count": related_count,
                     "data": entity_file_path(e.id)})


def encoded_edges(source: str, targets: tuple) -> bytes:
    return b",".join(_encoded({"source": source, "target": b, "weight": n}) for b, n in targets)


# ---- data/entities/<id>.json: one entity, every co-mention count ---------------------------

def entity_file_path(entity_id: str) -> str:
    return f"{ENTITY_FILES}{entity_id}.json"


def entity_files(site: Site, encoders: Encoders | None = None) -> dict[str, bytes]:
    """One file per entity with a page (ids are checked: the path stays in data/entities/)."""
    encoders = encoders or PLAIN
    return {path: encoders.entity_file(e, reason, shared) for path, e, reason, shared in entity_file_inputs(site)}


def entity_file_inputs(site: Site) -> Iterator[tuple[str, Entity, "str | None", Mapping[str, int]]]:
    """(path, entity, page reason, co-mention counts) of each entity file."""
    for e in site.entities:
        check_entity_id(e.id, e.type)
        yield entity_file_path(e.id), e, site.page_reasons.get(e.id), site.shared.get(e.id, {})


def encoded_entity_file(e: Entity, page_reason: str | None, shared: Mapping[str, int]) -> bytes:
    """The entity's entry as in entities.json, every entity it shares articles with (most
    shared first, ties by id; with or without a page, as in entities.json) and its newest
    mentions, each list capped and counted."""
    related = sorted(shared.items())  # by id, then by count: a stable sort keeps ties by id
    related.sort(key=itemgetter(1), reverse=True)
    del related[MAX_FILE_RELATED:]
    mentions = e.mentions[:MAX_FILE_MENTIONS]  # newest article first, each article's in text order
    value = {
        "version": FORMAT_VERSION,
        "entity": _entity_entry(e, True, page_reason),
        "related_count": len(shared),
        "related": related,  # (id, count) pairs, written as arrays: a hub has thousands
        "mentions_listed": len(mentions),
        # The sentence by its offsets in data/text/<article>.txt: its text would be most of the file.
        "mentions": [{"article": m.article_id, "text": m.text, "start": m.start, "end": m.end,
                      "sentence_start": m.sentence_start, "sentence_end": m.sentence_start + len(m.sentence)}
                     for m in mentions],
    }
    return _encoded(value) + b"\n"


# ---- data/entities.csv ----------------------------------------------------------------

CSV_COLUMNS = ("id", "name", "type", "aliases", "url", "mention_count", "article_count",
               "first_seen", "last_seen", "wikidata", "wikipedia", "description")


def entities_csv(site: Site, encoders: Encoders | None = None) -> bytes:
    """One row per entity (UTF-8 with a byte-order mark, so spreadsheet programs read it right)."""
    encoders = encoders or PLAIN
    dates = {a.id: a.date.isoformat() for a in site.articles}
    rows = [_csv_line(CSV_COLUMNS)]
    for e in site.entities:
        seen = [dates[a] for a in e.articles if a in dates]
        first, last = (min(seen), max(seen)) if seen else ("", "")
        rows.append(encoders.row(e, first, last))
    return "\ufeff".encode("utf-8") + b"".join(rows)


def csv_row(e: Entity, first: str, last: str) -> bytes:
    return _csv_line((
        e.id, e.name, e.type, "; ".join(a for a in e.aliases if a != e.name), e.url, len(e.mentions),
        len(e.articles), first, last, (wikidata_url(e.reference) and e.reference.wikidata_id) if e.reference else "",
        e.reference.wikipedia_url if e.reference else "", short_description(e) or ""))


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


PLAIN = Encoders(entity=encoded_entity, article=encoded_article, row=csv_row, entity_file=encoded_entity_file,
                 node=encoded_node, edges=encoded_edges)
