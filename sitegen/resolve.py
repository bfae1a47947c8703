"""Mentions to entities: per-article chains, cross-article merging, then the final values.

``resolve()`` is the whole stage: it reads every article's clusters (see ``analysis``)
and returns the immutable ``Site`` the renderer and the exporter work from.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Mapping, Sequence

from .chains import Cluster
from .curation import Judgement
from .merge import Group, merge_articles
from .merge_blocks import MergeMemo
from .model import TYPE_FOLDERS, Article, Entity, Mention, Site
from .names import name_key
from .slugs import SlugRegistry



def resolve(
    articles: Sequence[Article],
    clusters_by_article: Mapping[str, Sequence[Cluster]],
    judgements: Sequence[Judgement] = (),
    entity_types: Sequence[str] = ("person", "place", "organisation"),
    min_mentions: int = 1,
    memo: dict | None = None,
    merge_memo: MergeMemo | None = None,
) -> Site:
    """Merge every article's clusters into entities and build the Site the pages show.

    ``memo`` (kept by a long-running caller) hands back the very Entity and Mention
    values of the last call where what they are made of is the same objects again, so
    that comparing this Site's values with the last one's is quick where nothing changed;
    ``merge_memo`` re-merges only the clusters an edit touched. Co-mentions are counted
    later, once (see ``comentions``).
    """
    groups = merge_articles([(place, clusters_by_article.get(a.id, ())) for place, a in zip(_places(articles), articles)],
                            judgements, merge_memo)
    by_id = {a.id: a for a in articles}
    order = {a.id: i for i, a in enumerate(articles)}  # articles come newest first
    last = memo if memo is not None else {}
    # Where the articles are in the same order as last time, what is worked out from the
    # very same group (see merge_blocks) is the same again.
    same_order = last.get(_ORDER) == tuple(order)
    made: dict = {_ORDER: tuple(order), _GROUPS: {}}
    facts = [_group_facts(g, order, entity_types, min_mentions, last.get(_GROUPS, {}) if same_order else {},
                          made[_GROUPS]) for g in groups]
    # Slugs are handed out in a stable order so URLs do not move between builds.
    ranked = [(sort_key, g) for g, (keep, sort_key) in zip(groups, facts) if keep]
    ranked.sort(key=lambda pair: pair[0])  # stable: ties stay in merge order
    groups = [g for _, g in ranked]
    slugs = {t: SlugRegistry() for t in TYPE_FOLDERS}
    entities = []
    for group in groups:
        entity_id = f"{TYPE_FOLDERS[group.type]}/{slugs[group.type].claim(group.name)}"
        entities.append(_entity_once(entity_id, group, by_id, order, last, made, same_order))
    entities.sort(key=lambda e: (name_key(e.name), e.id))
    made[_BY_ARTICLE] = by_article = _mentions_by_article(entities, last.get(_BY_ARTICLE))
    if memo is not None:
        memo.clear()
        memo.update(made)
    return Site(
        articles=tuple(articles),
        entities=tuple(entities),
        mentions_by_article=dict(by_article.tuples),
    )


def _places(articles: Sequence[Article]) -> list:
    """Where each article is in the site's order, in values that stay put when an article
    is added or removed (see merge_blocks): its date and id, as articles are sorted."""
    places = [(-a.date.toordinal(), a.id) for a in articles]
    if any(a >= b for a, b in zip(places, places[1:])):
        return list(enumerate(a.id for a in articles))  # a caller's own order
    return places


_ORDER = ("article order",)  # memo keys beside the entity ids
_GROUPS = ("group facts",)
_BY_ARTICLE = ("mentions by article",)


class EntitiesByArticle:
    """Which entities name each article, kept up to date from one call to the next by
    looking only at the entities that are not the very same objects as last time (a
    long-running caller's unchanged entities are; a rename is a new object too)."""

    def __init__(self) -> None:
        self.entities: dict[str, Entity] = {}  # entity id -> the entity as of the last update
        self.ids: dict[str, set[str]] = defaultdict(set)  # article id -> ids of the entities naming it

    def update(self, entities: Sequence[Entity]) -> list[tuple[Entity | None, Entity | None]]:
        """Take in this call's entities; (before, after) for each that changed, None where
        it did not exist. Articles no entity names any more are dropped from ``ids``."""
        now = {e.id: e for e in entities}
        last = self.entities
        changes = [(last.get(i), e) for i, e in now.items() if last.get(i) is not e]
        changes += [(e, None) for i, e in last.items() if i not in now]
        for before, after in changes:
            entity_id = (before or after).id
            for article_id in before.articles if before else ():
                self.ids[article_id].discard(entity_id)
            for article_id in after.articles if after else ():
                self.ids[article_id].add(entity_id)
            for article_id in before.articles if before else ():
                if not self.ids.get(article_id, True):
                    del self.ids[article_id]
        self.entities = now
        return changes


class _ByArticle:
    """Each article's mentions in text order, and the entities they are of."""

    def __init__(self) -> None:
        self.index = EntitiesByArticle()
        self.tuples: dict[str, tuple[Mention, ...]] = {}
        self.split: dict[str, tuple[Entity, dict[str, list[Mention]]]] = {}  # id -> (entity, its mentions by article)

    def of(self, entity: Entity) -> dict[str, list[Mention]]:
        """``entity``'s mentions by article."""
        kept = self.split.get(entity.id)
        if kept is None or kept[0] is not entity:
            by_article: dict[str, list[Mention]] = defaultdict(list)
            for m in entity.mentions:
                by_article[m.article_id].append(m)
            kept = self.split[entity.id] = (entity, by_article)
        return kept[1]


def _mentions_by_article(entities: Sequence[Entity], last: _ByArticle | None) -> _ByArticle:
    """Every article's mentions; with ``last``, recounted only for the articles where an
    entity that is not the very same object as last time gained or lost a mention."""
    out = last or _ByArticle()
    touched: set[str] = set()
    for before, after in out.index.update(entities):
        old = out.of(before) if before else {}
        new = out.of(after) if after else {}
        touched.update(a for a in old.keys() | new.keys() if old.get(a) != new.get(a))
        if after is None:
            del out.split[before.id]
    now = out.index.entities
    for article_id in touched:
        found = [m for entity_id in out.index.ids.get(article_id, ()) for m in out.of(now[entity_id]).get(article_id, ())]
        if found:
            out.tuples[article_id] = tuple(sorted(found, key=lambda m: (m.start, m.end, m.entity_id)))
        else:
            out.tuples.pop(article_id, None)
    return out


def _group_facts(group: Group, order: Mapping[str, int], entity_types: Sequence[str], min_mentions: int,
                 last: Mapping, made: dict) -> tuple[bool, tuple]:
    """Whether ``group`` becomes an entity, and its place in the order slugs are handed out in."""
    kept = last.get(id(group))
    if kept is None or kept[0] is not group:  # the entry keeps the group: its id is not reused
        first_seen = -max(order.get(c.article_id, 0) for c in group.clusters)
        kept = (group, (_keep(group, entity_types, min_mentions),
                        (group.type, name_key(group.name), group.name, first_seen)))
    made[id(group)] = kept
    return kept[1]


def _keep(group: Group, entity_types: Sequence[str], min_mentions: int) -> bool:
    if group.judgement and group.judgement.ignore:
        return False
    if group.type not in entity_types:
        return False
    return sum(len(c.mentions) for c in group.clusters) >= min_mentions


def _entity_once(entity_id: str, group: Group, articles: Mapping[str, Article], order: Mapping[str, int],
                 memo: Mapping, made: dict, same_order: bool) -> Entity:
    """``_entity``, or the Entity the last call made if every part of it is the same again."""
    kept = memo.get(entity_id)
    if kept is not None and same_order and kept[1] is group:
        made[entity_id] = kept
        return kept[3]
    sources = [articles[c.article_id] for c in group.clusters]
    # Object ids stand for the clusters and articles: the entry keeps them, so no id is reused.
    key = (group.name, group.type, tuple(group.reasons), group.judgement, tuple(map(id, group.clusters)),
           tuple(map(id, sources)), tuple(order[c.article_id] for c in group.clusters))
    if kept is not None and kept[0] == key:
        kept = (key, group, kept[2], kept[3])
    else:
        parts: dict = {}  # the mentions made from each (cluster, article), kept beside them
        entity = _entity(entity_id, group, articles, order, kept[2] if kept is not None else {}, parts)
        if kept is not None and kept[3] == entity:
            # Remade from new clusters but equal (an edit elsewhere in its article): the
            # same object, so that what is worked out from it downstream is kept too.
            entity = kept[3]
        kept = (key, group, parts, entity)
    made[entity_id] = kept
    return kept[3]


def _entity(entity_id: str, group: Group, articles: Mapping[str, Article], order: Mapping[str, int],
            memo: Mapping, made: dict) -> Entity:
    mentions = []
    surfaces: Counter = Counter()
    for cluster in group.clusters:
        article = articles[cluster.article_id]
        key = (id(cluster), id(article))
        kept = memo.get(key)
        # The cluster and article are kept in the entry: their ids cannot be reused while it lives.
        if kept is None or kept[0] is not cluster or kept[1] is not article:
            text = article.text
            kept = (cluster, article, tuple(Mention(cluster.article_id, m.start, m.end, m.text,
                                                    text[m.sentence_start:m.sentence_end], m.sentence_start,
                                                    entity_id) for m in cluster.mentions))
        made[key] = kept
        for m in cluster.mentions:
            surfaces[m.text] += 1
        mentions.extend(kept[2])
    mentions.sort(key=lambda m: (order[m.article_id], m.start))
    name_k = name_key(group.name)
    aliases, seen = [], {name_k}
    for surface, _ in sorted(surfaces.items(), key=lambda kv: (-kv[1], kv[0])):
        key = name_key(surface)
        if key not in seen:
            seen.add(key)
            aliases.append(surface)
    judgement = group.judgement
    if judgement:
        for alias in judgement.aliases:
            if name_key(alias) not in seen:
                seen.add(name_key(alias))
                aliases.append(alias)
    reasons = [r for c in group.clusters for r in c.reasons] + group.reasons
    return Entity(
        id=entity_id,
        name=group.name,
        type=group.type,
        aliases=tuple(aliases),
        mentions=tuple(mentions),
        articles=tuple(dict.fromkeys(m.article_id for m in mentions)),
        merge_reasons=tuple(dict.fromkeys(reasons)),
        note_html=judgement.note_html if judgement else None,
        note_path=judgement.path if judgement else None,
        pinned_wikipedia=judgement.wikipedia if judgement else None,
    )

