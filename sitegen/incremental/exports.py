"""The data/* exports with the entries of the last build's: each looked up by a digest of its inputs.

Each entry of ``data/entities.json``, ``data/graph.json`` and ``data/entities.csv``, and
each file ``data/entities/<id>.json`` and ``data/text/<id>.txt``, is encoded by one
function of a few values (see ``site.export.Encoders``). Here each is kept under a digest
of those values, made from digests the earlier stages already hold, never by digesting
the values again (that would cost about what encoding them does):

- an entity's and an article's own digest (made once per value, see ``digest.own_digest``:
  the pages' ``source_digests`` of a `sitegen build`, a preview's publication stage);
- an article's mention list's digest: the one ``source_digests`` made for the pages (a
  `sitegen build`), else made here;
- an entity's co-mention counts, from the mention lists of the articles it is named in
  (``_counted_digests``): those lists name every entity counted with it.

A preview keeps the entries in memory, the files' bytes with them. `sitegen build` keeps
in ``.sitegen/memo.sqlite`` only where each entry of the three large files lies in the
file the output folder holds (``FileSpans``): an entry whose key is there is copied from
that file, read whole once, which costs a fraction of reading every entry back as a row
(45 MB in 41,000 rows at 10,000 articles: 0.3 s an edit). Of each per-entity or
per-article file only the digest of its bytes is kept: an unchanged file the output
folder still holds as written (``WrittenOutput.holds``) is kept there, neither encoded
nor read (``SiteFiles.keep``). A large file the folder no longer holds as written has
all its entries encoded again. ``--force`` encodes every entry afresh.

A preview may make its exports after the build that made the site has ended (see
``incremental.preview``), so these entries are kept and dropped by rounds of their own:
each export keeps what it used and nothing else.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Callable, Mapping, MutableMapping, NamedTuple, Sequence

from ..apart import Apart, ApartFailed, can_run_apart, cores
from ..entities.comentions import MAX_PER_ARTICLE
from ..model import Article, Entity, Mention, Site, named_entities
from ..names import name_key
from ..site.export import (PLAIN, Encoders, encoded_text, entities_csv, entities_json, entity_file_inputs,
                           export_files, graph_json, text_file_inputs)
from ..site.files import SiteFiles, file_digest
from .digest import digest, joined_digest, own_digest
from .memo import Entry, Memo
from .output_files import WrittenOutput
from .pages import made_digests


class KeptFile:
    """A data file as a preview keeps it in memory: the digest of its bytes, and the bytes.
    On disk a data file is kept as the digest alone (a str, read back without a call into
    Python: there are as many as articles and entities): the output folder holds the bytes."""

    __slots__ = ("digest", "data")

    def __init__(self, digest: str, data: bytes):
        self.digest = digest
        self.data = data


# The entries of the large files, in a preview's memory
ENTITY_ENTRY = Entry[bytes]("entities.json entity", own_rounds=True)
ARTICLE_ENTRY = Entry[bytes]("entities.json article", own_rounds=True)
CSV_ROW = Entry[bytes]("entities.csv row", own_rounds=True)
GRAPH_NODE = Entry[bytes]("graph.json node", own_rounds=True)
GRAPH_EDGES = Entry[bytes]("graph.json edges of a source", own_rounds=True)
DATA_FILE = Entry["KeptFile | str"]("data file", persist=True, own_rounds=True)  # an entity's or an article's file
ENTRIES = (ENTITY_ENTRY, ARTICLE_ENTRY, CSV_ROW, GRAPH_NODE, GRAPH_EDGES, DATA_FILE)
# Where the entries lie in the large files `sitegen build` wrote, under each file's path
SPANS = Entry["FileSpans"]("export file spans", persist=True, own_rounds=True)
LARGE_FILES = ("data/entities.json", "data/graph.json", "data/entities.csv")


def data_files(site: Site, memo: Memo | None = None, written: WrittenOutput | None = None,
               force: bool = False, spool: Path | None = None) -> MutableMapping[str, bytes]:
    """``export.export_files``, encoding again only the entries whose inputs changed.

    ``written``: the output folder as the last build left it (`sitegen build`); a file it
    holds unchanged is kept there (the mapping is then a ``SiteFiles`` of that folder).
    ``force``: encode every entry afresh (and keep them for the next build).
    ``spool``: the build's spool, into which each file made is written at once rather
    than held (a cold build's exports at 10,000 articles are 400 MB in memory).
    """
    if memo is None or not memo.remembers(DATA_FILE):
        return export_files(site)
    spliced = memo.on_disk
    entries = (SPANS, DATA_FILE) if spliced else (*ENTRIES, LIST_DIGESTS)
    with memo.round(entries):
        lists = _mention_list_digests(site, memo)
        files: MutableMapping[str, bytes] = \
            SiteFiles(written.folder, spool=spool, spool_prefix="data-") if written is not None else {}
        if spliced:
            splices = {path: _Splice.of(memo, path, written, force) for path in LARGE_FILES}
            encoders = splicing(splices, lists)
        else:
            encoders = reusing(memo, lists, force)
        for path, made in (("data/entities.json", entities_json), ("data/graph.json", graph_json),
                           ("data/entities.csv", entities_csv)):
            files[path] = data = made(site, encoders)
            if spliced:
                splices[path].keep_spans(memo, path, data)
        keep = _keeper(memo, files, written, force)
        counted = _counted_digests(site, lists)
        for path, e, reason, shared in entity_file_inputs(site):
            key = f"entity file {own_digest(e)} {joined_digest(*map(counted.__getitem__, e.articles))} {reason!r}"
            keep(path, key, lambda: encoders.entity_file(e, reason, shared))
        for path, a in text_file_inputs(site):
            keep(path, f"text {own_digest(a)}", lambda: encoded_text(a))
        return files


Reuse = Callable[[str, Callable[[], bytes]], bytes]  # (an entry's key, how to encode it) -> its bytes


def reusing(memo: Memo, lists: Mapping[str, str] | None = None, force: bool = False) -> Encoders:
    """Encoders handing back what ``memo`` kept in memory for the same inputs (``force``: none).

    ``lists``: each article's mention list's digest (``_mention_list_digests``)."""

    def reuser(entry: Entry[bytes]) -> Reuse:
        find = memo.finder(entry)

        def reuse(key: str, make: Callable[[], bytes]) -> bytes:
            found = None if force else find(key)
            return found if found is not None else memo.put(entry, key, make())
        return reuse

    return _keyed(reuser(ENTITY_ENTRY), reuser(ARTICLE_ENTRY), reuser(CSV_ROW), reuser(GRAPH_NODE),
                  reuser(GRAPH_EDGES), lists)


def splicing(splices: Mapping[str, "_Splice"], lists: Mapping[str, str] | None = None) -> Encoders:
    """Encoders copying each entry the last build's large file holds under the same key from there."""
    json_entry = splices["data/entities.json"].reuse
    graph_entry = splices["data/graph.json"].reuse
    return _keyed(json_entry, json_entry, splices["data/entities.csv"].reuse, graph_entry, graph_entry, lists)


def _keyed(entity_entry: Reuse, article_entry: Reuse, csv_row: Reuse, graph_node: Reuse, graph_edges: Reuse,
           lists: Mapping[str, str] | None) -> Encoders:
    """Encoders asking each ``Reuse`` for its entries, by a key made from what each is encoded from."""
    # Keys are the digests and values an entry is made from, each in a form that cannot
    # run into the next (a digest's hex, a number, a date, a repr): thousands are asked for.
    # Each kind's keys start with a word of its own: the entries of one file share its spans.

    def entity(e: Entity, page: bool, reason: str | None) -> bytes:
        return entity_entry(f"entity {own_digest(e)} {page:d} {reason!r}", lambda: PLAIN.entity(e, page, reason))

    def article(a: Article, mentions: Sequence[Mention], paged: tuple[str, ...]) -> bytes:
        listed = lists.get(a.id) if lists is not None else None
        # Which list a mention goes in (mentions or other_names) is its entity's page.
        return article_entry(f"article {own_digest(a)} {listed or digest(tuple(mentions))} {_key(paged)}",
                             lambda: PLAIN.article(a, mentions, paged))

    def row(e: Entity, first: str, last: str) -> bytes:
        return csv_row(f"row {own_digest(e)} {first} {last}", lambda: PLAIN.row(e, first, last))

    def entity_file(e: Entity, reason: str | None, shared: Mapping[str, int]) -> bytes:
        return PLAIN.entity_file(e, reason, shared)  # kept as a file, see data_files

    def node(e: Entity, related_count: int) -> bytes:
        return graph_node(f"node {own_digest(e)} {related_count}", lambda: PLAIN.node(e, related_count))

    def edges(source: str, targets: tuple) -> bytes:
        # A source's kept edges are a short tuple of ids and counts: said by its repr in
        # the key (see _key), not digested.
        return graph_edges("edges " + _key(source, targets), lambda: PLAIN.edges(source, targets))

    return Encoders(entity=entity, article=article, row=row, entity_file=entity_file, node=node, edges=edges)


class FileSpans(NamedTuple):
    """Where each entry lies in a large export file: its key -> (start, end) in the file's
    bytes, and the file's size (a file of another size is not the one described)."""

    size: int
    spans: Mapping[str, tuple[int, int]]


class _Splice:
    """One large export file as this build makes it: each entry whose key the last build's
    file holds is copied from there, the others encoded; each entry's key is noted, so
    that where it lies in the file made can be kept for the next build."""

    def __init__(self, old: bytes, spans: Mapping[str, tuple[int, int]]):
        self._old, self._spans = old, spans
        self._made: list[tuple[str, bytes]] = []  # each entry asked for, in the order asked

    @classmethod
    def of(cls, memo: Memo, path: str, written: WrittenOutput | None, force: bool) -> "_Splice":
        kept = memo.get(SPANS, path)
        if force or kept is None or written is None or not written.holds(path):
            return cls(b"", {})
        try:
            old = (written.folder / path).read_bytes()
        except OSError:
            return cls(b"", {})
        return cls(old, kept.spans) if len(old) == kept.size else cls(b"", {})

    def reuse(self, key: str, make: Callable[[], bytes]) -> bytes:
        span = self._spans.get(key)
        piece = self._old[span[0]:span[1]] if span is not None else make()
        self._made.append((key, piece))
        return piece

    def keep_spans(self, memo: Memo, path: str, data: bytes) -> None:
        """Keep where each entry lies in ``data``, the file made from them. The entries are
        found in the order they were asked for, each after the one before: each span kept
        holds exactly its entry's bytes, wherever the file put what lies between them."""
        spans: dict[str, tuple[int, int]] = {}
        at = 0
        for key, piece in self._made:
            # Entries are mostly joined by a comma, or by nothing: looked for there first
            # (a search sets itself up for each entry, megabytes of them in all).
            found = at if data.startswith(piece, at) else at + 1 if data.startswith(piece, at + 1) \
                else data.find(piece, at)
            if found < 0:  # not laid out in the order asked: each entry is encoded next time
                spans = {}
                break
            at = found + len(piece)
            spans[key] = (found, at)
        memo.put(SPANS, path, FileSpans(len(data), spans))
        self._old, self._made = b"", []


def _keeper(memo: Memo, files: MutableMapping[str, bytes], written: WrittenOutput | None,
            force: bool) -> Callable[[str, str, Callable[[], bytes]], None]:
    """How to put one data file into ``files``: kept in the output folder where the memo
    knows its bytes under the same key and the folder holds them as written, else encoded."""

    find = memo.finder(DATA_FILE)

    def keep(path: str, key: str, make: Callable[[], bytes]) -> None:
        kept = None if force else find(key)
        if isinstance(kept, KeptFile):  # a preview's, in memory
            files[path] = kept.data
            return
        if kept is not None and written is not None and written.holds(path):
            files.keep(path, kept)  # type: ignore[attr-defined]: a SiteFiles of that folder
            return
        data = make()
        found = file_digest(data)
        # In memory, a preview keeps the bytes to publish them next time; `sitegen build`
        # (whose folder holds them) keeps only their digest, not a large site's files at once.
        memo.put(DATA_FILE, key, found if memo.on_disk else KeptFile(found, data))
        if isinstance(files, SiteFiles):
            files.add(path, data, found)
        else:
            files[path] = data

    return keep


# A preview's last digests of the articles' mention lists, with the lists: article id ->
# (its list, the list's digest)
LIST_DIGESTS = Entry[dict[str, tuple[Sequence[Mention], str]]]("mention list digests", own_rounds=True)
LIST_DIGESTS_KEY = "the last export's mention lists"


def _mention_list_digests(site: Site, memo: Memo) -> Mapping[str, str]:
    """Each article's mention list's digest, as the pages' ``source_digests`` made it for
    this build (`sitegen build`), else made here by the same function. In memory, a list
    equal to the last export's has its digest: a preview's save changes a few lists, and
    comparing an unchanged one (the very tuple, its very mentions) costs next to nothing."""
    made = made_digests(memo)
    if made is not None and "mentions" in made:
        return made["mentions"]
    if not memo.remembers(LIST_DIGESTS):
        return {article_id: digest(mentions) for article_id, mentions in site.mentions_by_article.items()}
    last = memo.get(LIST_DIGESTS, LIST_DIGESTS_KEY) or {}
    now = {}
    for article_id, mentions in site.mentions_by_article.items():
        kept = last.get(article_id)
        now[article_id] = kept if kept is not None and kept[0] == mentions else (mentions, digest(mentions))
    memo.put(LIST_DIGESTS, LIST_DIGESTS_KEY, now)
    return {article_id: kept[1] for article_id, kept in now.items()}


def _counted_digests(site: Site, lists: Mapping[str, str]) -> defaultdict[str, str]:
    """Article id -> a digest of the entities its co-mentions are counted among.

    An entity's counts (``Site.shared``) add up, over the articles it is named in, the
    other entities counted for each (``comentions.counted``): those naming the
    article, which its mention list names by id, the first ``MAX_PER_ARTICLE`` of them by
    name. So an entity's counts are the same whenever its articles and their lists are; a
    list that names more than that many entities adds the names that choose which count.
    """
    counted = defaultdict(str, lists)  # an article with no mentions: ""
    by_id: dict[str, Entity] | None = None
    for article_id, mentions in site.mentions_by_article.items():
        if len(mentions) <= MAX_PER_ARTICLE:
            continue
        ids = named_entities(mentions)
        if len(ids) <= MAX_PER_ARTICLE:
            continue
        if by_id is None:
            by_id = {e.id: e for e in (*site.entities, *site.without_page)}
        named = sorted((name_key(by_id[i].name), i) for i in ids if i in by_id)
        counted[article_id] = joined_digest(lists[article_id], *(i for _, i in named[:MAX_PER_ARTICLE]))
    return counted


@lru_cache(maxsize=1 << 16)  # the same ids with a page, article after article and save after save
def _key(*parts: str | tuple | None) -> str:
    """Values of any length said unambiguously by their tuple's repr (made in C), hashed:
    far cheaper than digesting them, and short to keep on disk."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).hexdigest()  # a repr escapes lone surrogates


class DataFilesAlongside:
    """``data_files`` made in a forked copy of the build's process, on a core of its own,
    while the build renders its pages (see ``alongside``): ``start()`` forks the copy, once
    the pages have made the digests the exports' keys are made from (a copy forked before
    would make them again: 8 s at 10,000 articles); ``result()`` takes its files over."""

    def __init__(self, site: Site, memo: Memo, written: WrittenOutput, spool: Path, folder: Path):
        self._args = site, memo, written, spool
        self._folder = folder
        self._apart: Apart | None = None

    def start(self) -> None:
        if self._apart is not None or not can_run_apart():
            return
        site, memo, written, spool = self._args

        def apart() -> tuple:
            said: list[str] = []
            memo.read_apart(said.append)
            made = data_files(site, memo, written, False, spool)
            return made, memo.entries_state((SPANS, DATA_FILE)), said

        self._apart = Apart(apart, self._folder)

    @property
    def started(self) -> bool:
        return self._apart is not None

    def result(self, warn: Callable[[str], None]) -> MutableMapping[str, bytes]:
        """The files (those spooled taken over unread), the memo's entries as the copy left
        them; made here if no copy was started. A copy that died (out of memory, killed)
        leaves them to be made here, in memory."""
        site, memo, written, spool = self._args
        if self._apart is None:
            return data_files(site, memo, written, False, spool)
        try:
            made, states, said = self._apart.result()
        except ApartFailed as exc:
            warn(f"{exc}; the data/ exports are made again in the build's own process")
            return data_files(site, memo, written, False, None)
        memo.adopt_entries(states)
        for message in said:
            warn(message)
        return made

    def close(self) -> None:
        if self._apart is not None:
            self._apart.close()


def alongside(site: Site, memo: Memo, written: WrittenOutput | None, spool: Path | None, folder: Path,
              force: bool = False, jobs: int | None = None) -> DataFilesAlongside | None:
    """``data_files`` to be made in a forked copy of this process, if that pays: for a `sitegen
    build` that splices the last build's large files (an edit: a few entries encoded, the
    rest copied; 1.1 s of a one-word edit at 10,000 articles, as long as its pages take),
    on two cores or more, where this process can fork, unless asked for one process
    (``jobs`` 1, `--jobs 1`). Not for a first or forced build, which encodes every entry:
    that copy would come to hold as much again as the build."""
    if force or jobs == 1 or written is None or spool is None or not memo.on_disk or cores() < 2 \
            or not can_run_apart():
        return None
    if not memo.has(SPANS, LARGE_FILES[0]):
        return None
    # Read here, from the build's connection, for the copy to find read: once the build
    # has written into its transaction (entries released while linking), another
    # connection to the file may wait out its busy timeout and find it locked.
    memo.size(DATA_FILE)
    return DataFilesAlongside(site, memo, written, spool, folder)
