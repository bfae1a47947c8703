"""The data/* exports with the entries of the last build's: each looked up by a digest of its inputs.

Each entry of ``data/entities.json``, ``data/graph.json`` and ``data/entities.csv``, and
each entity's file ``data/entities/<id>.json``, is encoded by one function of a few values (see
``site.export.Encoders``). Here each is kept under a digest of those values, made from
digests the earlier stages already hold: an entity's and an article's own digest (made
once per value, see ``digest.own_digest``; a preview's publication stage has made them by
now) and an article's mentions (each of which carries its own). Digesting the entries
afresh would cost about what encoding them does.

An entity's co-mention counts, and the edges graph.json keeps from a node, are the inputs
without a digest: digesting every count of every entity would cost what encoding does, so
the file and the edges are kept with the values they were made from, compared by value
(equal counts of an unchanged entity compare in C at once).

Kept in memory only (a preview's): ``sitegen build`` encodes the exports afresh. Its keys
would need every entity's and article's own digest, which ``sitegen build`` does not make
(it skips the entity stages' memo entries), and making them costs about what encoding
does (see bench/README.md).
A preview may make its exports after the build that made the site has ended (see
``incremental.preview``), so these entries are kept and dropped by rounds of their own:
each export keeps what it used and nothing else.
"""
from __future__ import annotations

import hashlib
from typing import Any, Mapping, NamedTuple, Sequence

from ..model import Article, Entity, Mention, Site
from ..site.export import PLAIN, Encoders, export_files
from .digest import own_digest
from .memo import Entry, Memo

ENTITY_ENTRY = Entry[bytes]("entities.json entity", own_rounds=True)
ARTICLE_ENTRY = Entry[bytes]("entities.json article", own_rounds=True)
CSV_ROW = Entry[bytes]("entities.csv row", own_rounds=True)
# (the co-mention counts it was made from, its bytes)
ENTITY_FILE = Entry["Encoded"]("entity data file", own_rounds=True)  # source: its co-mention counts
GRAPH_NODE = Entry[bytes]("graph.json node", own_rounds=True)
GRAPH_EDGES = Entry["Encoded"]("graph.json edges of a source", own_rounds=True)  # source: its edges
ENTRIES = (ENTITY_ENTRY, ARTICLE_ENTRY, CSV_ROW, ENTITY_FILE, GRAPH_NODE, GRAPH_EDGES)


def data_files(site: Site, memo: Memo | None = None) -> dict[str, bytes]:
    """``export.export_files``, encoding again only the entries whose inputs changed."""
    if memo is None or not all(memo.remembers(entry) for entry in ENTRIES):
        return export_files(site)
    with memo.round(ENTRIES):
        return export_files(site, reusing(memo))


class Encoded(NamedTuple):
    """An entry's bytes beside the value it was encoded from, where that value has no
    digest and is compared instead."""

    source: Any
    data: bytes


def reusing(memo: Memo) -> Encoders:
    """Encoders handing back what ``memo`` kept for the same inputs."""

    def entity(e: Entity, page: bool, reason: str | None) -> bytes:
        return memo.reuse(ENTITY_ENTRY, _key(own_digest(e), str(page), reason),
                          lambda: PLAIN.entity(e, page, reason))

    def article(a: Article, mentions: Sequence[Mention], has_page: Sequence[bool]) -> bytes:
        # Which list a mention goes in (mentions or other_names) is its entity's page.
        listed = hashlib.sha256("".join(own_digest(m) + ("+" if paged else "-")
                                        for m, paged in zip(mentions, has_page)).encode()).hexdigest()
        return memo.reuse(ARTICLE_ENTRY, _key(own_digest(a), listed), lambda: PLAIN.article(a, mentions, has_page))

    def row(e: Entity, first: str, last: str) -> bytes:
        return memo.reuse(CSV_ROW, _key(own_digest(e), first, last), lambda: PLAIN.row(e, first, last))

    def entity_file(e: Entity, reason: str | None, shared: Mapping[str, int]) -> bytes:
        key = _key(own_digest(e), reason)
        kept = memo.get(ENTITY_FILE, key)
        if kept is None or kept.source != shared:
            # a copy: the kept counts must not follow a later change made in place
            kept = memo.put(ENTITY_FILE, key, Encoded(dict(shared), PLAIN.entity_file(e, reason, shared)))
        return kept.data

    def node(e: Entity, related_count: int) -> bytes:
        return memo.reuse(GRAPH_NODE, _key(own_digest(e), str(related_count)), lambda: PLAIN.node(e, related_count))

    def edges(source: str, targets: tuple) -> bytes:
        # A source's kept edges are a short tuple of ids and counts: compared, not digested.
        key = _key(source)
        kept = memo.get(GRAPH_EDGES, key)
        if kept is None or kept.source != targets:
            kept = memo.put(GRAPH_EDGES, key, Encoded(targets, PLAIN.edges(source, targets)))
        return kept.data

    return Encoders(entity=entity, article=article, row=row, entity_file=entity_file, node=node, edges=edges)


def _key(*parts: str | None) -> str:
    """Digests and short texts joined, each after its length: as unambiguous as digesting
    them again, and far cheaper (thousands of keys are asked for after every save)."""
    return "".join("-" if part is None else f"{len(part)}:{part}" for part in parts)
