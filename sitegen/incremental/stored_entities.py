"""Resolving for ``sitegen build``: merged blocks and entities kept on disk, by digest.

A preview keeps the last build's values in memory and compares them (see
``incremental.entities``); a build on disk starts from nothing but its memo file, so it
keeps there what reads back cheaper than it is made:

- each merge block's groups, as places in the block's lists of clusters and notes
  (``merge.MergedGroup``), under a digest of the names of its clusters, in site order,
  and of its notes. A cluster is named by a digest of all merging reads of it (its
  summary, its article's id among it: ``cluster_names``), so that a block none of whose
  clusters an edit changed keeps its groups, though the article's text moved (a block
  is merged from its clusters' summaries and notes alone, in that order);
- each entity, under a digest of its id, of what its group was merged from (the block's
  digest and the group's place in it: its clusters, name, type, reasons and note) and of
  its articles' clusters keys in the site's order: all ``resolve.entity_of`` reads (an
  article's id and text, and the articles' order), its mentions packed (see
  ``packed_mentions``: an edit reads back every entity, and the mentions of a few);
- each article's list of mentions, packed too, under a digest of its clusters key and the
  keys of the entities naming it, and kept from build to build while those entities'
  mentions there are the same (``by_article``);
- the whole result, under a digest of all resolving reads (``resolving_key``): a new
  title or tag merges nothing and keys no entity.

An entity made again (a new sentence in one of its articles) keeps the last build's
mentions in its other articles: each entity's clusters per article are kept beside it, by
name, and read back only for the entities made again. Each article's clusters' blocking
keys are kept under its clusters key, and so are their summaries (``merge.ClusterSummary``:
all merging and making an entity read but the mentions): a block merged again, and an
entity made again, read the summaries of the articles they span and the clusters of the
edited ones only. An entity whose clusters (by their names), id, name, type, reasons,
note and articles' order are all as when it was last made reads no summary at all: only
its mentions in the edited articles are cut again (``mentions_made_again``). The blocks
themselves are the last build's, blocked again only around the edited articles
(``stored_blocks``); an article added, removed or redated blocks the site afresh.
Slugs are handed out afresh whenever an article's text or date changed.
"""
from __future__ import annotations

import hashlib
from dataclasses import replace
from itertools import groupby
from operator import attrgetter
from typing import Hashable, Iterable, Mapping, Sequence

from ..content.judgements import Judgement
from ..entities.merge import ClusterSummary, Group, MergedGroup, block_groups, canonical_key, merged_block
from ..entities.merge_blocks import Picked, Position, blocking_keys, blocks, in_site_order, merge_by_block
from ..entities.resolve import MentionRuns, article_mentions, cluster_mentions, entity_of, same_mentions_as
from ..model import Article, Entity, Mention, Site
from ..nlp.chains import Cluster
from .digest import joined_digest, keep_digest, own_digest
from .memo import Entry, Memo
from .packed_mentions import PackedMentions
from .stored_blocks import BlockRecord, RecordedBlock, region

MERGED_BLOCK = Entry[tuple[MergedGroup, ...]]("merged block", persist=True)
# an article's clusters' blocking keys, and their names (see ``cluster_names``), under
# its clusters key
# (lazy: a build that keeps the last build's blocks reads only the edited articles')
BLOCKING_KEYS = Entry[tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]]("blocking keys and names", persist=True,
                                                                          lazy=True)
# what merging reads of an article's clusters (``merge.ClusterSummary``), under its
# clusters key: a block merged again reads these, not the clusters of its every article
SUMMARIES = Entry[tuple[ClusterSummary, ...]]("cluster summaries", persist=True, lazy=True)
# each group of a merged block: a digest of its clusters (their clusters keys and places
# in their articles, in the group's order), under the block's key
GROUP_CLUSTERS = Entry[tuple[str, ...]]("merged block's groups' clusters", persist=True)
# The summaries of a large block's clusters, with each cluster's name (its article's
# clusters key and its place there), under the block's key; and each large block's
# smallest blocking key -> the key it was last merged under. A large block merged again
# for one new sentence (a capital's, a head of state's) takes the summaries of the
# clusters it had from there, one row, not from every article it spans: each article's
# row holds the summaries of all its clusters, two dozen for the one the block needs.
BLOCK_SUMMARIES = Entry[tuple[tuple[str, ...], tuple[ClusterSummary, ...]]](
    "large block's summaries", persist=True, lazy=True)
LARGE_BLOCKS = Entry[dict[str, str]]("large blocks' last keys", persist=True)
LARGE_BLOCKS_KEY = "the large blocks' last keys"
# The last build's blocks (see ``stored_blocks``)
LAST_BLOCKS = Entry[BlockRecord]("the last build's blocks", persist=True)
LAST_BLOCKS_KEY = "the last build's blocks"
LARGE_BLOCK = 500  # clusters: below that, reading their articles' rows costs little (10 ms for 500)
STORED_ENTITY = Entry[Entity]("stored entity", persist=True)
# Beside each entity, under its key: a digest of all its fields but its mentions are made
# of (its id, its group's clusters and name, type, reasons and note), and article id ->
# the names of its clusters there. Read only for the entities made again.
ENTITY_PARTS = Entry[tuple[str, dict[str, str]]]("stored entity's clusters", persist=True, lazy=True)
# entity id -> its key in the last build, to find what it was made of then (in the
# site's order: the order ``kept_site`` hands the entities back in)
LAST_KEYS = Entry[dict[str, str]]("stored entity keys", persist=True)
LAST_KEYS_KEY = "the last build's entities"
# entity id -> the digest of all but its articles its key was made of in the last build:
# where that is the same and none of its articles was edited, its key is the last one
# (see ``make_entity``).
LAST_GROUPED = Entry[dict[str, str]]("stored entity groupings", persist=True)
LAST_GROUPED_KEY = "the last build's entities' groupings"
# Each article's mentions, under a digest of its clusters key and the keys of the entities
# naming it (see ``StoredResolving.by_article``), and what each article's list was made
# from in the last build: article id -> (its key, its clusters key, the ids naming it).
ARTICLE_LIST = Entry[PackedMentions]("stored article mentions", persist=True)
LAST_LISTS = Entry[dict[str, tuple[str, str, tuple[str, ...]]]]("stored article lists", persist=True)
LAST_LISTS_KEY = "the last build's article lists"
# The digest of all the last build's resolving read (``resolving_key``): an edit that
# changes none of it (a title, a summary, a tag, a file saved unchanged) is handed back
# that build's entities (``LAST_KEYS``) and lists (``LAST_LISTS``) without a block merged
# or an entity keyed.
LAST_RESOLVED = Entry[str]("stored resolving", persist=True)
LAST_RESOLVED_KEY = "the last build's resolving"
_ARTICLE_OF = attrgetter("article_id")
_START = attrgetter("start")
# What only resolving reads: let go once it is done (``articles.clusters_done``)
RESOLVING_ONLY = (MERGED_BLOCK, GROUP_CLUSTERS, BLOCKING_KEYS, SUMMARIES, ENTITY_PARTS, BLOCK_SUMMARIES,
                  LARGE_BLOCKS, LAST_BLOCKS)


def resolving_key(articles: Sequence[Article], cluster_keys: Mapping[str, str], judgements: Sequence[Judgement],
                  entity_types: Sequence[str], min_mentions: int) -> str:
    """A digest of everything ``resolve.resolve`` reads: the settings, the notes, and each
    article's date, id and clusters key (its id and text, the model, the stoplist) in
    the site's order. Titles, summaries and tags are not among them."""
    return joined_digest("resolving", repr(tuple(entity_types)), repr(min_mentions),
                         *[f"{a.date.toordinal()} {a.id} {cluster_keys[a.id]}" for a in articles],
                         "notes", *[own_digest(j) for j in judgements])


def mentions_made_again(before: Entity, clusters: Sequence[tuple[Cluster, Article]]) -> Entity:
    """``before``, its mentions in the articles of ``clusters`` (those of its clusters there,
    each with its article, in the entity's order of its clusters) made again from them, as
    ``resolve.entity_of`` makes them: each article's run in the clusters' order, sorted by
    where they start; the mentions in its other articles as they were."""
    runs: dict[str, list[Mention]] = {}
    for cluster, article in clusters:
        runs.setdefault(article.id, []).extend(cluster_mentions(cluster, article, before.id))
    mentions: list[Mention] = []
    for article_id, run in groupby(before.mentions, key=_ARTICLE_OF):
        made = runs.pop(article_id, None)
        if made is None:
            mentions.extend(run)
        else:
            made.sort(key=_START)
            mentions.extend(made)
    if runs:
        raise ValueError(f"{before.id} has no mentions in {sorted(runs)} to make again")
    return replace(before, mentions=tuple(mentions))


def cluster_names(summaries: Sequence[ClusterSummary]) -> tuple[str, ...]:
    """What names each of an article's clusters (given their summaries) in a merge block:
    a digest of all merging reads of it (its summary, its article's id included), and how
    many of the article's clusters before it have the same. An edit elsewhere in the
    article (a new sentence, a word mended) leaves the names of the clusters it did not
    change as they were, and so the blocks that hold them are not merged again."""
    seen: dict[str, int] = {}
    names = []
    for s in summaries:
        read = repr((s.article_id, s.type, s.name, s.name_key, sorted(s.strong_keys), s.mention_count, s.surfaces,
                     s.reasons))
        name = hashlib.blake2b(read.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
        seen[name] = seen.get(name, -1) + 1
        names.append(f"{name} {seen[name]}")
    return tuple(names)


class StoredResolving:
    """``merge`` and ``make_entity`` for ``resolve.resolve``, reusing what ``memo`` kept.

    ``cluster_keys``: each article's clusters key, by which its clusters are named.
    Call ``done()`` once ``resolve`` returned.
    """

    def __init__(self, memo: Memo, cluster_keys: Mapping[str, str]):
        self._memo, self._cluster_keys = memo, cluster_keys
        # a group's ``merged_from`` -> the places of its clusters (their article id and
        # index), for an entity made again
        self._merged: dict[str, tuple[Sequence[Position], tuple[int, ...]]] = {}
        self._group_clusters: dict[str, str] = {}  # a group's ``merged_from`` -> the digest of its clusters
        self._last_keys = memo.get(LAST_KEYS, LAST_KEYS_KEY) or {}
        self._keys: dict[str, str] = {}
        self._last_grouped = memo.get(LAST_GROUPED, LAST_GROUPED_KEY) or {}
        self._grouped: dict[str, str] = {}
        # The articles whose clusters key moved since the last build, where every article
        # kept its place (None: not known, every entity is keyed from its articles).
        self._edited: frozenset[str] | None = None
        self._lists: dict[Hashable, Sequence[Cluster]] = {}  # each article's clusters, by its place
        self._names: dict[Hashable, tuple[str, ...]] = {}  # each article's clusters' names, by its place
        self._summaries: dict[Hashable, tuple[ClusterSummary, ...]] = {}  # read in this build, by place
        self._taken: dict[Position, ClusterSummary] = {}  # single summaries taken from a large block's
        self._large_blocks: dict[str, str] | None = None  # see LARGE_BLOCKS; read when a large block is merged
        self._large_keys: set[str] = set()  # the large blocks of this build, by key
        # entity made again -> the articles where its mentions are the last build's
        self._same: dict[str, set[str]] = {}
        self._recorded: list[RecordedBlock] = []  # this build's blocks, for the next (see ``stored_blocks``)
        self._numbers: dict[Hashable, int] = {}  # each article's place -> its number in the site's order

    def kept_site(self, articles: Sequence[Article], inputs_key: str) -> Site | None:
        """The last build's entities and lists, if it resolved from the same inputs
        (``resolving_key``) and the memo still holds them all."""
        memo = self._memo
        listed = memo.get(LAST_LISTS, LAST_LISTS_KEY)
        if memo.get(LAST_RESOLVED, LAST_RESOLVED_KEY) != inputs_key or listed is None:
            return None
        entities = [memo.get(STORED_ENTITY, key) for key in self._last_keys.values()]
        lists = {article_id: memo.get(ARTICLE_LIST, made[0]) for article_id, made in listed.items()}
        if any(e is None for e in entities) or any(found is None for found in lists.values()):
            return None
        return Site(articles=tuple(articles), entities=tuple(entities), mentions_by_article=lists)

    def merge(self, articles: list, judgements: Sequence[Judgement]) -> list[Group]:
        """``merge.merge_articles``: the last build's blocks, blocked again only around the
        edited articles (see ``stored_blocks``); only the blocks the memo has not kept are
        merged."""
        memo, cluster_keys = self._memo, self._cluster_keys
        self._lists = dict(articles)
        self._numbers = {place: n for n, (place, _) in enumerate(articles)}
        judgements = tuple(judgements)
        notes = tuple(map(own_digest, judgements))
        record = memo.get(LAST_BLOCKS, LAST_BLOCKS_KEY)
        groups = self._merge_as_last(record, articles, judgements, notes) if record is not None else None
        if groups is None:
            self._edited = None
            self._recorded, blocked = [], []
            memo.get_many(BLOCKING_KEYS, [cluster_keys[place[-1]] for place, _ in articles])  # read together
            groups = merge_by_block(articles, judgements, canonical_key, self._recording_merge, self._blocking_keys,
                                    blocked)
            self._recorded = [made._replace(keys=tuple(block.keys)) for made, block in zip(self._recorded, blocked)]
        memo.put(LAST_BLOCKS, LAST_BLOCKS_KEY, BlockRecord(
            notes, tuple(self._numbers), tuple(cluster_keys[place[-1]] for place in self._numbers), tuple(self._recorded)))
        return groups

    def _merge_as_last(self, record: BlockRecord, articles: list, judgements: tuple[Judgement, ...],
                       notes: tuple[str, ...]) -> list[Group] | None:
        """``merge``'s groups from the blocks of ``record`` (the last build's), if this
        build has the same places and notes (None if not). Where an edited article's
        clusters have other blocking keys than before, the blocks around them are blocked
        again (``stored_blocks.region``); a block that kept its members but holds a cluster
        whose name changed is named again (and merged again if new)."""
        if record.notes != notes or record.places != tuple(self._numbers):
            return None
        memo, cluster_keys = self._memo, self._cluster_keys
        edited = {n: was for n, (was, place) in enumerate(zip(record.cluster_keys, record.places))
                  if was != cluster_keys[place[-1]]}
        self._edited = frozenset(record.places[n][-1] for n in edited)
        rows = memo.get_many(BLOCKING_KEYS, list(edited.values()))
        renamed: set[Position] = set()  # clusters of the edited articles whose names changed
        touched: set[str] = set()  # every blocking key of the edited articles' clusters, before and after
        rekeyed = False
        for n, was in edited.items():
            place, clusters = articles[n]
            row = rows.get(was)
            if row is None:
                return None
            keys = self._blocking_keys(place, clusters)
            rekeyed = rekeyed or keys != row[0]
            touched.update(*row[0], *keys)
            renamed.update((place, i) for i, (old, new) in enumerate(zip(row[1], self._names[place])) if old != new)
        for place in record.places:  # kept for the next build, unread
            key = cluster_keys[place[-1]]
            memo.touch(BLOCKING_KEYS, key)
            memo.touch(SUMMARIES, key)
        moved, joining = region(record, touched, judgements) if rekeyed else (set(), [])
        by_digest = dict(zip(notes, judgements))
        edited_numbers = set(edited)
        placed = []
        self._recorded = []
        for number, block in enumerate(record.blocks):
            if number in moved:
                continue
            positions = block.positions(record.places)
            again = renamed and block.holds_any(edited_numbers) and not renamed.isdisjoint(positions)
            key, groups = self._merge_block(Picked(self._cluster_at, positions), [by_digest[d] for d in block.notes],
                                            positions, None if again else block.key)
            self._recorded.append(block if key == block.key else block._replace(key=key))
            placed.extend((positions[root], group) for root, group in groups)
        if moved:
            placed.extend(self._block_again([record.blocks[number] for number in moved], record.places,
                                            [articles[n] for n in edited], [(n, judgements[n]) for n in joining]))
        return in_site_order(placed)

    def _block_again(self, moved: Sequence[RecordedBlock], places: Sequence[Hashable], edited: Sequence[tuple],
                     notes: Sequence[tuple[int, Judgement]]) -> list[tuple[Position, Group]]:
        """Block and merge again the members of the ``moved`` blocks but the clusters of the ``edited``
        articles, those articles' clusters as they are now, and ``notes``; each new block
        recorded. Returns the groups with their roots' positions."""
        edited_places = {place for place, _ in edited}
        members = [position for block in moved for position in block.positions(places)
                   if position[0] not in edited_places]
        members += [(place, index) for place, clusters in edited for index in range(len(clusters))]
        self._named(members)  # every member's article's row read, together
        rows, cluster_keys = self._memo.finder(BLOCKING_KEYS), self._cluster_keys
        keyed = [(position, rows(cluster_keys[position[0][-1]])[0][position[1]]) for position in members]
        note_at = dict(notes)
        placed = []
        for block in blocks(keyed, notes):
            if not block.members:
                continue
            block.members.sort()
            block_notes = [note_at[n] for n in block.notes]
            key, groups = self._merge_block(Picked(self._cluster_at, block.members), block_notes, block.members)
            self._recorded.append(RecordedBlock.of(key, [own_digest(j) for j in block_notes], block.members,
                                                   self._numbers, block.keys))
            placed.extend((block.members[root], group) for root, group in groups)
        return placed

    def _cluster_at(self, position: Position) -> Cluster:
        place, index = position
        return self._lists[place][index]

    def _recording_merge(self, clusters: Sequence[Cluster], notes: Sequence[Judgement], positions: Sequence[Position]
                         ) -> list[tuple[int, Group]]:
        """``_merge_block`` for ``merge_by_block``, the block recorded for the next build
        (its keys given once ``merge_by_block`` is done)."""
        key, groups = self._merge_block(clusters, notes, positions)
        self._recorded.append(RecordedBlock.of(key, [own_digest(j) for j in notes], positions, self._numbers, ()))
        return groups

    def _blocking_keys(self, place: Hashable, clusters: Sequence[Cluster]) -> tuple[tuple[str, ...], ...]:
        memo, key = self._memo, self._cluster_keys[place[-1]]
        found = memo.get(BLOCKING_KEYS, key)
        if found is None:  # new clusters: their summaries are made now, once, for their names
            summaries = self._summaries[place] = memo.put(SUMMARIES, key, tuple(map(ClusterSummary.of, clusters)))
            found = memo.put(BLOCKING_KEYS, key, (tuple(blocking_keys(c, canonical_key(c)) for c in clusters),
                                                  cluster_names(summaries)))
        else:
            memo.touch(SUMMARIES, key)  # kept for the next build, read or not
        keys, self._names[place] = found
        return keys

    def _summary(self, position: Position) -> ClusterSummary:
        taken = self._taken.get(position)
        if taken is not None:
            return taken
        place, index = position
        found = self._summaries.get(place)
        if found is None:
            found = self._summaries[place] = self._memo.reuse(
                SUMMARIES, self._cluster_keys[place[-1]],
                lambda: tuple(ClusterSummary.of(c) for c in self._lists[place]))
        return found[index]

    def _read_summaries(self, positions: Iterable[Position]) -> None:
        """The summaries of the articles of ``positions`` not read yet, read together (a
        block merged again, a hub made again, spans thousands of articles)."""
        unread: dict[str, list[Hashable]] = {}
        for position in positions:
            place = position[0]
            if place not in self._summaries and position not in self._taken:
                unread.setdefault(self._cluster_keys[place[-1]], []).append(place)
        if len(unread) < 2:
            return
        for key, found in self._memo.get_many(SUMMARIES, unread).items():
            for place in unread[key]:
                self._summaries[place] = found

    def _merge_block(self, clusters: Sequence[Cluster], notes: Sequence[Judgement], positions: Sequence[Position],
                     key: str | None = None) -> tuple[str, list[tuple[int, Group]]]:
        """The block's key and groups (``key``: its key, if known to be the same as in the
        last build)."""
        # A position is (the article's place, the cluster's index); a place ends with the article's id.
        # The block is named by what merging reads of its clusters, in order, and its notes:
        # a block whose clusters an edit left as they were keeps its groups.
        named: list[str] = []

        def names() -> list[str]:
            if not named:
                named.extend(self._named(positions))
            return named

        if key is None:
            key = joined_digest(*names(), "notes", *[own_digest(j) for j in notes])
        found = self._memo.get(MERGED_BLOCK, key)
        large = len(positions) >= LARGE_BLOCK
        if large:
            self._large_keys.add(key)
        if found is None:
            block_name = self._take_summaries(positions, names()) if large else ""
            self._read_summaries(positions)
            # merged from its clusters' summaries: the same groups, without reading the
            # mentions of every article a large block (a capital, a head of state) spans
            found = self._memo.put(MERGED_BLOCK, key, tuple(merged_block(Picked(self._summary, positions), notes)))
            if large:
                self._memo.put(BLOCK_SUMMARIES, key, (tuple(names()), tuple(map(self._summary, positions))))
                self._large_blocks[block_name] = key  # type: ignore[index]: read by _take_summaries
        elif large:
            self._memo.touch(BLOCK_SUMMARIES, key)
        group_names = [f"{key} {n}" for n in range(len(found))]
        made_of = self._memo.reuse(GROUP_CLUSTERS, key, lambda: tuple(
            joined_digest(*[names()[m] for m in group.members]) for group in found))
        for name, group, clusters_digest in zip(group_names, found, made_of):
            self._merged[name] = (positions, group.members)
            self._group_clusters[name] = clusters_digest
        # made without reading a cluster: an entity kept never reads its group's
        return key, block_groups(found, clusters, notes, group_names, [place[-1] for place, _ in positions])

    def _named(self, positions: Sequence[Position]) -> list[str]:
        """The names of the clusters at ``positions`` (see ``cluster_names``), their articles'
        rows read together where this build has not read them."""
        names, cluster_keys = self._names, self._cluster_keys
        unread = {cluster_keys[place[-1]]: place for place, _ in positions if place not in names}
        if unread:
            for key, (_, found) in self._memo.get_many(BLOCKING_KEYS, list(unread)).items():
                names[unread[key]] = found
            for place in unread.values():
                if place not in names:  # not kept after all: made again
                    self._blocking_keys(place, self._lists[place])
        return [names[place][index] for place, index in positions]

    def _take_summaries(self, positions: Sequence[Position], named: Sequence[str]) -> str:
        """The summaries of the clusters of a large block about to be merged again that it
        had when last merged, taken from what was kept of it then (each found by its
        cluster's name, so a block that is no longer the same takes only its own).
        Returns what names the block from one build to the next (``_smallest_key``)."""
        if self._large_blocks is None:
            self._large_blocks = dict(self._memo.get(LARGE_BLOCKS, LARGE_BLOCKS_KEY) or {})
        block_name = self._smallest_key(positions)
        last_key = self._large_blocks.get(block_name)
        kept = self._memo.get(BLOCK_SUMMARIES, last_key) if last_key is not None else None
        if kept is None:
            return block_name
        by_name = dict(zip(*kept))
        for position, name in zip(positions, named):
            summary = by_name.get(name)
            if summary is not None:
                self._taken[position] = summary
        return block_name

    def _smallest_key(self, positions: Sequence[Position]) -> str:
        """What names a large block from one build to the next: the least of its clusters'
        blocking keys (the same block of a capital or a head of state has the same)."""
        keys_of, cluster_keys = self._memo.finder(BLOCKING_KEYS), self._cluster_keys
        return min(min(keys_of(cluster_keys[place[-1]])[0][index]) for place, index in positions)

    def make_entity(self, entity_id: str, group: Group, by_id: Mapping[str, Article], order: Mapping[str, int]
                    ) -> Entity:
        """``resolve.entity_of``, making only the entities the memo has not kept."""
        if group.merged_from not in self._merged:
            raise ValueError(f"the group of {entity_id} was not merged by this build")
        memo, cluster_keys = self._memo, self._cluster_keys
        # entity_of reads the group's clusters, its name, type, reasons and note, and of
        # its articles the id and text (the sentences it quotes) and their order among
        # themselves: their clusters keys in that order say all of it, so an edit to an
        # article's title or date remakes no entity. The group is named by its clusters,
        # not by its block: a block merged again for a new sentence remakes only the
        # entities whose clusters changed, not every one it holds.
        judgement = group.judgement
        # all but the articles' texts and order: what the entity's fields but its mentions are made of
        grouped = self._grouped[entity_id] = joined_digest(
            entity_id, self._group_clusters[group.merged_from], group.type, group.name, repr(tuple(group.reasons)),
            own_digest(judgement) if judgement is not None else "no note")
        last_key, edited = self._last_keys.get(entity_id), self._edited
        if last_key is not None and edited is not None and self._last_grouped.get(entity_id) == grouped \
                and edited.isdisjoint(group.articles):
            # Its clusters as then, and its articles' clusters keys and order: the key it
            # had, without a sort and a digest of a hub's thousands of articles per build.
            key = self._keys[entity_id] = last_key
        else:
            key = self._keys[entity_id] = joined_digest(
                grouped, *[cluster_keys[a] for a in sorted(group.articles, key=order.__getitem__)])
        found = memo.get(STORED_ENTITY, key)
        if found is not None:
            memo.touch(ENTITY_PARTS, key)
            return found
        self._same[entity_id] = set()
        parts = self._parts(group.merged_from)
        in_order = sorted(group.articles, key=order.__getitem__)
        before = memo.take(STORED_ENTITY, last_key) if last_key else None
        was_grouped, was = (memo.get(ENTITY_PARTS, last_key) or ("", {})) if before is not None else ("", {})
        # Articles whose text and clusters of this entity are as when ``before`` was made:
        # its mentions there are ``before``'s (a hub made again for one new sentence).
        same = {a for a, made_of in parts.items() if was.get(a) == made_of}
        if last_key is not None and before is not None:
            self._same[entity_id] = same
        positions, members = self._merged[group.merged_from]
        if before is not None and was_grouped == grouped and before.articles == tuple(in_order):
            # Its clusters (all merging and making it read of them but their mentions) and
            # the order of its articles are as then: only its mentions in the edited
            # articles are made again, the rest of it is ``before``'s.
            edited = [positions[member] for member in members if positions[member][0][-1] not in same]
            made = mentions_made_again(before, [(self._lists[place][index], by_id[place[-1]])
                                                for place, index in edited])
        else:
            self._read_summaries(positions[member] for member in members)
            summaries = [self._summary(positions[member]) for member in members]
            made = entity_of(entity_id, group, by_id, order, same_mentions_as(before, same), summaries)
        memo.put(ENTITY_PARTS, key, (grouped, parts))
        # Kept with its mentions packed: the next build reads them only if it uses them;
        # and with its digest, the same as the made entity's (see ``packed_mentions``),
        # which every build asks for and would otherwise make again.
        packed = replace(made, mentions=PackedMentions.of(made.mentions))
        keep_digest(packed, own_digest(made))
        memo.put(STORED_ENTITY, key, packed)
        return made

    def _parts(self, merged_from: str) -> dict[str, str]:
        """Article id -> the names of the group's clusters there."""
        positions, members = self._merged[merged_from]
        indexes: dict[str, list[str]] = {}
        for member in members:
            place, index = positions[member]
            indexes.setdefault(place[-1], []).append(str(index))
        return {a: f"{self._cluster_keys[a]} {' '.join(found)}" for a, found in indexes.items()}

    def by_article(self, entities: Sequence[Entity]) -> dict[str, Sequence[Mention]]:
        """``resolve.mentions_by_article``, cutting again only the lists an edit reached.

        An article's list is the last build's where its clusters, and the entities naming
        it, are as then, and each of those is the last build's entity or one made again
        whose mentions there are the last build's. The others are cut afresh from the
        entities' mentions and kept under their clusters key and entities' keys.
        """
        memo, cluster_keys, keys = self._memo, self._cluster_keys, self._keys
        last = memo.get(LAST_LISTS, LAST_LISTS_KEY)
        by_id = {e.id: e for e in entities}
        # Entities made again, new, or gone: an entity kept as it was names the articles it
        # named, so only the articles these name now or named then, and those whose
        # clusters changed, are looked at one by one. Without the last build's lists
        # (none kept, or unreadable), every entity's articles are.
        changed = {i for i, key in keys.items() if key != self._last_keys.get(i)}
        stale = changed | (self._last_keys.keys() - keys.keys())
        if last is None:
            last, reaching = {}, keys.keys()
        else:
            reaching = changed
        naming_now: dict[str, list[str]] = {}
        for entity_id in reaching:
            for article_id in by_id[entity_id].articles:
                naming_now.setdefault(article_id, []).append(entity_id)
        runs = MentionRuns()
        now: dict[str, tuple[str, str, tuple[str, ...]]] = {}
        lists: dict[str, Sequence[Mention]] = {}

        def cut(article_id: str, ids: Sequence[str], was: tuple | None) -> None:
            named = tuple(sorted(ids))
            clusters_key = cluster_keys[article_id]
            found = None
            if was is not None and was[1] == clusters_key and was[2] == named \
                    and all(i not in changed or article_id in self._same.get(i, ()) for i in named):
                key = was[0]
                found = memo.get(ARTICLE_LIST, key)
            if found is None:
                key = joined_digest(clusters_key, *[f"{i} {keys[i]}" for i in named])
                found = memo.get(ARTICLE_LIST, key)
            if found is None:
                found = memo.put(ARTICLE_LIST, key,
                                 PackedMentions.of(article_mentions(article_id, [by_id[i] for i in ids], runs)))
            now[article_id] = (key, clusters_key, named)
            lists[article_id] = found

        for article_id, was in last.items():
            if article_id in naming_now or was[1] != cluster_keys.get(article_id) or not stale.isdisjoint(was[2]):
                ids = [i for i in was[2] if i not in stale] + naming_now.pop(article_id, [])
                if ids:
                    cut(article_id, ids, was)
                continue
            found = memo.get(ARTICLE_LIST, was[0])
            if found is None:  # not kept after all: cut again from the same entities
                cut(article_id, was[2], None)
            else:
                now[article_id], lists[article_id] = was, found
        for article_id, ids in naming_now.items():  # named now, by no entity then
            cut(article_id, ids, None)
        memo.put(LAST_LISTS, LAST_LISTS_KEY, now)
        return lists

    def done(self, site: Site, inputs_key: str) -> None:
        """``site`` was resolved from inputs whose digest is ``inputs_key``: kept for the next build."""
        large = self._large_blocks
        if large is None:
            self._memo.touch(LARGE_BLOCKS, LARGE_BLOCKS_KEY)
        else:  # but the blocks of this build
            self._memo.put(LARGE_BLOCKS, LARGE_BLOCKS_KEY, {k: v for k, v in large.items() if v in self._large_keys})
        self._memo.put(LAST_KEYS, LAST_KEYS_KEY, {e.id: self._keys[e.id] for e in site.entities})
        self._memo.put(LAST_GROUPED, LAST_GROUPED_KEY, {e.id: self._grouped[e.id] for e in site.entities})
        self._memo.put(LAST_RESOLVED, LAST_RESOLVED_KEY, inputs_key)
