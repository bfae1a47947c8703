"""The entity stages with the last build's results: each looked up by a digest of its inputs.

- resolving: each entity under the digest of its id, its group (its clusters, name, type,
  reasons and note) and the articles it quotes sentences from (an entity made again keeps
  its last build's equal mentions); each article's mentions under the digest of the
  article and of its clusters with their entities' ids. Merging keeps its blocks and
  groups by the clusters' digests (see ``incremental.merge_blocks``). `sitegen build`
  keeps its merges and entities on disk instead (see ``stored_entities``).
- publication (`sitegen build` too, its decisions kept on disk): each entity's page
  decision under the digest of the entity, its note, the threshold and the articles
  whose text it reads (that last part kept from the last build for an entity none of
  whose articles changed), each article's words under its digest (a preview also keeps
  each decision with those inputs themselves, compared by value: see ``published``;
  `sitegen build` keeps the last build's decisions by entity, each with a digest of what
  it read but the texts, with the digests of the articles then: see ``_published_on_disk``);
  and the related lists of the last build handed back where equal, the very tuples (pages
  find an unchanged list at once).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, NamedTuple, Sequence

from ..nlp.chains import Cluster
from ..content.judgements import Judgement
from ..entities.merge import Group, canonical_key, merge_block
from ..model import Article, Entity, Mention, Site
from ..entities.publication import ArticleTexts, page_reason, publish
from ..entities.resolve import MentionRuns, article_mentions, entity_of, resolve, same_mentions_as
from .digest import digest, joined_digest, own_digest
from .memo import Entry, Memo
from .merge_blocks import MERGE_BLOCKS, MergeMemo, merge_kept
from .packed_mentions import PackedMentions
from .stored_entities import StoredResolving, resolving_key

ENTITY = Entry[Entity]("entity")
ARTICLE_MENTIONS = Entry[tuple[Mention, ...]]("mentions of an article")
# Kept on disk too: deciding reads the texts of an entity's articles, a hub's by the
# thousand, while the key is made from digests the build has at hand. Read from disk one
# at a time: `sitegen build` finds most decisions in ``LAST_DECIDED``.
PAGE_DECISION = Entry[tuple[bool, str]]("page decision", persist=True, lazy=True)
SHOWN_RELATED = Entry[Mapping[str, tuple]]("related lists shown")
# entity id -> (what its page decision read, the decision), as the last build in memory made it
LAST_PAGE_DECISIONS = Entry[dict[str, tuple[tuple, tuple[bool, str]]]]("page decisions made")


@dataclass
class _Resolved:
    """What the last build resolved, and what each entity and article list was made from."""

    article_keys: dict[str, str] = field(default_factory=dict)  # article id -> its digest
    groups: dict[str, str] = field(default_factory=dict)  # entity id -> digest of its group
    entities: dict[str, Entity] = field(default_factory=dict)
    entity_keys: dict[str, str] = field(default_factory=dict)  # entity id -> its ENTITY key
    # entity id -> article id -> what its mentions there are made of: the clusters of it
    # the entity took in, each with the entity's id
    parts: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    naming: dict[str, list[str]] = field(default_factory=dict)  # article id -> ids of the entities naming it
    lists: dict[str, tuple[Mention, ...]] = field(default_factory=dict)  # article id -> its mentions
    list_keys: dict[str, str] = field(default_factory=dict)  # article id -> its ARTICLE_MENTIONS key


# The last build's entities and lists: an entity whose group and articles are unchanged is
# handed back without even its key being made again, and so is an article list none of
# whose entities changed (an edit costs what it touched, not the size of the site).
LAST_RESOLVED = Entry[_Resolved]("last resolved")


def resolved(memo: Memo | None, articles: Sequence[Article], clusters_by_article: Mapping[str, Sequence[Cluster]],
             judgements: Sequence[Judgement], entity_types: Sequence[str], min_mentions: int,
             cluster_keys: Mapping[str, str] | None = None) -> Site:
    """``resolve.resolve``, making again only the entities and article lists whose inputs changed.

    ``cluster_keys``: each article's clusters key (see ``articles.clusters_reusing``), by
    which a build on disk names the clusters whose merges it keeps (``stored_entities``).
    """
    if memo is not None and memo.on_disk and cluster_keys is not None:
        stored = StoredResolving(memo, cluster_keys)
        inputs_key = resolving_key(articles, cluster_keys, judgements, entity_types, min_mentions)
        site = stored.kept_site(articles, inputs_key)
        if site is None:
            site = resolve(articles, clusters_by_article, judgements, entity_types, min_mentions, stored.merge,
                           stored.make_entity, stored.by_article)
            stored.done(site, inputs_key)
        return site
    if memo is None or not memo.remembers(ENTITY):
        return resolve(articles, clusters_by_article, judgements, entity_types, min_mentions)
    merge_memo = memo.reuse(MERGE_BLOCKS, digest("merge blocks"), MergeMemo)
    last_key = digest("last resolved")
    last = memo.get(LAST_RESOLVED, last_key) or _Resolved()
    now = _Resolved(article_keys={a.id: own_digest(a) for a in articles})
    article_keys = now.article_keys
    changed = {a for a, key in article_keys.items() if last.article_keys.get(a) != key}
    changed |= last.article_keys.keys() - article_keys.keys()
    # Entities that named a changed article last time: their sentences may differ. An
    # entity whose group is unchanged names the articles it named then.
    touched = {entity_id for a in changed for entity_id in last.naming.get(a, ())}
    remade: set[str] = set()

    def listing(place: tuple, clusters: Sequence[Cluster]) -> str:
        # An article's clusters are made from its id and text alone (settings and model
        # stay within one memo): its kept digest stands for them.
        return f"{article_keys[place[1]]} {len(clusters)}"

    def merge(places: list, notes: Sequence[Judgement]) -> list[Group]:
        return merge_kept(merge_memo, places, notes, canonical_key, merge_block, listing)

    def make_entity(entity_id: str, group: Group, by_id: Mapping[str, Article], order: Mapping[str, int]) -> Entity:
        group_key = own_digest(group)
        now.groups[entity_id] = group_key
        if last.groups.get(entity_id) == group_key and entity_id not in touched:
            found = memo.get(ENTITY, last.entity_keys[entity_id])
            if found is not None:
                now.entity_keys[entity_id], now.parts[entity_id] = last.entity_keys[entity_id], last.parts[entity_id]
                now.entities[entity_id] = found
                return found
        remade.add(entity_id)
        # entity_of reads the texts of its clusters' articles, and their order among
        # themselves: their digests in that order say both
        key = joined_digest(entity_id, group_key,
                            *[article_keys[a] for a in sorted(group.articles, key=order.__getitem__)])
        parts: dict[str, list[str]] = {}
        for cluster in group.clusters:
            parts.setdefault(cluster.article_id, []).append(f"{entity_id} {own_digest(cluster)}")
        found = memo.get(ENTITY, key)
        if found is None:
            before = last.entities.get(entity_id)
            # Articles whose text and clusters of this entity are as last time: its mentions
            # there are last time's (a hub remade for one new sentence keeps the rest).
            was = last.parts.get(entity_id, {})
            same = {a for a, made_of in parts.items() if a not in changed and was.get(a) == made_of}
            found = entity_of(entity_id, group, by_id, order, same_mentions_as(before, same))
            # Its mentions with their page layout (see ``packed_mentions``): worked out once
            # for the entity made, not for every paged dossier at every save.
            found = replace(found, mentions=PackedMentions.of(found.mentions))
            found = memo.put(ENTITY, key, before if before == found else found)
        now.entity_keys[entity_id], now.parts[entity_id], now.entities[entity_id] = key, parts, found
        return found

    def by_article(entities: Sequence[Entity]) -> dict[str, tuple[Mention, ...]]:
        # Article lists to make again: those of changed articles, and those where an entity
        # made again, or gone, took in other clusters than last time. The others are the
        # last build's (a new mention of a name every article holds re-cuts one list).
        dirty = set(changed)
        naming = {a: list(ids) for a, ids in last.naming.items()}
        for entity_id in last.entities.keys() - now.entities.keys():
            for a in last.parts[entity_id]:
                naming[a].remove(entity_id)
                dirty.add(a)
        for entity_id in remade:
            was, now_parts = last.parts.get(entity_id, {}), now.parts[entity_id]
            for a in was.keys() - now_parts.keys():
                naming[a].remove(entity_id)
                dirty.add(a)
            for a, parts in now_parts.items():
                then = was.get(a)
                if then is None:
                    naming.setdefault(a, []).append(entity_id)
                    dirty.add(a)
                elif then != parts:
                    dirty.add(a)
        runs = MentionRuns()
        for a in list(naming):
            ids = naming[a]
            if not ids:
                del naming[a]
            elif a in dirty:
                # An article's mentions are those its clusters give the entities naming
                # it, cut from its text (see ``cluster_mentions``): their digests stand for them.
                key = joined_digest(article_keys[a], *sorted(part for i in ids for part in now.parts[i][a]))
                found = memo.get(ARTICLE_MENTIONS, key)
                if found is None:
                    found = article_mentions(a, [now.entities[i] for i in ids], runs)
                    before = last.lists.get(a)
                    found = memo.put(ARTICLE_MENTIONS, key, before if before == found else found)
                now.lists[a], now.list_keys[a] = found, key
            else:
                key = now.list_keys[a] = last.list_keys[a]
                memo.get(ARTICLE_MENTIONS, key)  # still in use
                now.lists[a] = last.lists[a]
        now.naming = naming
        return dict(now.lists)

    site = resolve(articles, clusters_by_article, judgements, entity_types, min_mentions, merge, make_entity,
                   by_article)
    memo.put(LAST_RESOLVED, last_key, now)
    return site


def published(memo: Memo | None, site: Site, judgements: Sequence[Judgement], link_threshold: float) -> Site:
    """``publication.publish``, deciding again only for entities whose inputs changed."""
    if memo is None or not memo.remembers(PAGE_DECISION):
        return publish(site, judgements, link_threshold)
    article_keys = {a.id: own_digest(a) for a in site.articles}
    if memo.on_disk:
        return _published_on_disk(memo, site, judgements, link_threshold, article_keys)
    last_key = digest("texts publication read")
    last = memo.get(LAST_READ_TEXTS, last_key) or _ReadTexts()
    edited = _edited(last.article_keys, article_keys)
    now = _ReadTexts(article_keys)

    def texts_read(entity: Entity) -> str:
        # The digest of the texts of the entity's articles: last build's where neither
        # its articles nor any of their texts changed (a hub is named in thousands).
        kept = last.parts.get(entity.id)
        if kept is not None and kept.articles == entity.articles and edited.isdisjoint(entity.articles):
            part = kept.digest
        else:
            part = joined_digest(*[article_keys[a] for a in entity.articles])
        now.parts[entity.id] = _TextsOf(entity.articles, part)
        return part

    # In memory, each decision is also kept with what it was made from, compared by value
    # with the last build's: an entity handed back unchanged is the very value, which
    # ``==`` sees at once, where its key would be digested again.
    in_memory = memo.remembers(LAST_PAGE_DECISIONS)
    decided_key = digest(LAST_PAGE_DECISIONS.name)
    decided_before = (memo.get(LAST_PAGE_DECISIONS, decided_key) or {}) if in_memory else {}
    decided_now: dict[str, tuple[tuple, tuple[bool, str]]] = {}

    def decide(entity: Entity, judgement: Judgement | None, threshold: float,
               texts: Mapping[str, str]) -> tuple[bool, str]:
        # page_reason reads the texts of the entity's own articles, no others
        read = texts_read(entity)
        if in_memory:
            made_from = (entity, judgement, threshold, read)
            kept = decided_before.get(entity.id)
            if kept is None or kept[0] != made_from:
                kept = (made_from, decided(entity, judgement, threshold, texts, read))
            decided_now[entity.id] = kept
            return kept[1]
        return decided(entity, judgement, threshold, texts, read)

    def decided(entity: Entity, judgement: Judgement | None, threshold: float, texts: Mapping[str, str],
                read: str) -> tuple[bool, str]:
        key = joined_digest(own_digest(entity), own_digest(judgement) if judgement else "-", repr(threshold), read)
        return memo.reuse(PAGE_DECISION, key, lambda: page_reason(entity, judgement, threshold, texts))

    # The words of each text, kept for the next build only where there is one in this
    # process (a preview's): `sitegen build` would hold them to its end for nothing (30 MB
    # at 10,000 articles), where split for this decision they go with it.
    texts = _KeptWords(memo, {a.id: a.text for a in site.articles}, article_keys) \
        if memo.remembers(ARTICLE_WORDS) else ArticleTexts({a.id: a.text for a in site.articles})
    site = publish(site, judgements, link_threshold, decide, texts)
    memo.put(LAST_READ_TEXTS, last_key, now)
    if in_memory:
        memo.put(LAST_PAGE_DECISIONS, decided_key, decided_now)
    return _same_lists_as_last(memo, site)


def _edited(before: Mapping[str, str], now: Mapping[str, str]) -> set[str]:
    """The articles whose digest differs between two builds' (article id -> digest), or
    that only one of them has."""
    edited = {a for a, key in now.items() if before.get(a) != key}
    edited.update(before.keys() - now.keys())
    return edited


class _Decided(NamedTuple):
    """A page decision as `sitegen build` keeps it for the next: what it was made from
    but the texts (the entity, its note and the threshold), and the decision."""

    made_from: str
    decision: tuple[bool, str]


@dataclass
class _LastDecided:
    """The page decisions of the last `sitegen build`, and the digests of the articles then."""

    article_keys: dict[str, str] = field(default_factory=dict)  # article id -> its digest
    decisions: dict[str, _Decided] = field(default_factory=dict)  # entity id -> its decision


LAST_DECIDED = Entry[_LastDecided]("page decisions of the last build", persist=True)


def _published_on_disk(memo: Memo, site: Site, judgements: Sequence[Judgement], link_threshold: float,
                       article_keys: dict[str, str]) -> Site:
    """``published`` for `sitegen build`: an entity, note and threshold as the last build
    had them, none of whose articles' texts changed since, has the last build's decision,
    found without a digest of its articles' texts (a hub has thousands) or a row read."""
    last_key = digest(LAST_DECIDED.name)
    last = memo.get(LAST_DECIDED, last_key) or _LastDecided()
    edited = _edited(last.article_keys, article_keys)
    now = _LastDecided(article_keys)
    threshold_part = repr(link_threshold)

    def decide(entity: Entity, judgement: Judgement | None, threshold: float,
               texts: Mapping[str, str]) -> tuple[bool, str]:
        made_from = joined_digest(own_digest(entity), own_digest(judgement) if judgement else "-", threshold_part)
        kept = last.decisions.get(entity.id)
        if kept is None or kept.made_from != made_from or not edited.isdisjoint(entity.articles):
            # page_reason reads the texts of the entity's own articles, no others
            read = joined_digest(*[article_keys[a] for a in entity.articles])
            kept = _Decided(made_from, memo.reuse(PAGE_DECISION, joined_digest(made_from, read),
                                                  lambda: page_reason(entity, judgement, threshold, texts)))
        now.decisions[entity.id] = kept
        return kept.decision

    site = publish(site, judgements, link_threshold, decide, ArticleTexts({a.id: a.text for a in site.articles}))
    memo.put(LAST_DECIDED, last_key, now)
    return _same_lists_as_last(memo, site)


class _TextsOf(NamedTuple):
    """An entity's articles, and the digest of their texts."""

    articles: tuple[str, ...]
    digest: str


@dataclass
class _ReadTexts:
    """The articles' digests publication last read, and each entity's digest of its articles' texts."""

    article_keys: dict[str, str] = field(default_factory=dict)
    parts: dict[str, _TextsOf] = field(default_factory=dict)  # entity id -> its articles' texts


LAST_READ_TEXTS = Entry[_ReadTexts]("texts publication read")
ARTICLE_WORDS = Entry[frozenset]("words of an article")  # by the article's own digest


class _KeptWords(ArticleTexts):
    """The article texts, with each one's words kept from build to build by its digest."""

    def __init__(self, memo: Memo, texts: Mapping[str, str], keys: Mapping[str, str]):
        super().__init__(texts)
        self._memo, self._keys = memo, keys

    def words(self, article_id: str) -> frozenset[str]:
        key = self._keys.get(article_id)
        if key is None:
            return super().words(article_id)
        return self._memo.reuse(ARTICLE_WORDS, key, lambda: super(_KeptWords, self).words(article_id))


def _same_lists_as_last(memo: Memo, site: Site) -> Site:
    key = digest("related lists shown")
    last = memo.get(SHOWN_RELATED, key) or {}
    related = {}
    for entity_id, pairs in site.related.items():
        before = last.get(entity_id)
        related[entity_id] = before if before is not None and before == pairs else pairs
    memo.put(SHOWN_RELATED, key, related)
    return replace(site, related=related)
