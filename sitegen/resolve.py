"""Mentions to entities: per-article chains, cross-article merging, then the final values.

``resolve()`` is the whole stage: it reads every article's clusters (see ``analysis``)
and returns the immutable ``Site`` the renderer and the exporter work from.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Mapping, Sequence

from .chains import Cluster
from .curation import Judgement
from .merge import Group, merge_clusters
from .merge_blocks import MergeMemo
from .model import TYPE_FOLDERS, Article, Entity, Mention, Site
from .names import name_key
from .related import RelatedIndex
from .slugs import SlugRegistry



def resolve(
    articles: Sequence[Article],
    clusters_by_article: Mapping[str, Sequence[Cluster]],
    judgements: Sequence[Judgement] = (),
    entity_types: Sequence[str] = ("person", "place", "organisation"),
    min_mentions: int = 1,
    memo: dict | None = None,
    related: RelatedIndex | None = None,
    merge_memo: MergeMemo | None = None,
) -> Site:
    """Merge every article's clusters into entities and build the Site the pages show.

    ``memo`` (kept by a long-running caller) hands back the very Entity and Mention
    values of the last call where what they are made of is the same objects again, so
    that comparing this Site's values with the last one's is quick where nothing changed;
    ``related``, likewise kept, recounts only the articles whose entities changed, and
    ``merge_memo`` re-merges only the clusters an edit touched.
    """
    clusters = [c for article in articles for c in clusters_by_article.get(article.id, ())]
    groups = merge_clusters(clusters, judgements, merge_memo)
    groups = [g for g in groups if _keep(g, entity_types, min_mentions)]
    by_id = {a.id: a for a in articles}
    order = {a.id: i for i, a in enumerate(articles)}  # articles come newest first
    # Slugs are handed out in a stable order so URLs do not move between builds.
    groups.sort(key=lambda g: (g.type, name_key(g.name), g.name, _first_seen(g, order)))
    slugs = {t: SlugRegistry() for t in TYPE_FOLDERS}
    entities = []
    made: dict = {}
    for group in groups:
        entity_id = f"{TYPE_FOLDERS[group.type]}/{slugs[group.type].claim(group.name)}"
        entities.append(_entity_once(entity_id, group, by_id, order, memo or {}, made))
    if memo is not None:
        memo.clear()
        memo.update(made)
    entities.sort(key=lambda e: (name_key(e.name), e.id))
    mentions_by_article: dict[str, list[Mention]] = defaultdict(list)
    for entity in entities:
        for m in entity.mentions:
            mentions_by_article[m.article_id].append(m)
    return Site(
        articles=tuple(articles),
        entities=tuple(entities),
        mentions_by_article={a: tuple(sorted(ms, key=lambda m: m.start)) for a, ms in mentions_by_article.items()},
        related=related_entities(entities, related),
    )


def _keep(group: Group, entity_types: Sequence[str], min_mentions: int) -> bool:
    if group.judgement and group.judgement.ignore:
        return False
    if group.type not in entity_types:
        return False
    return sum(len(c.mentions) for c in group.clusters) >= min_mentions


def _first_seen(group: Group, order: Mapping[str, int]) -> int:
    return -max(order.get(c.article_id, 0) for c in group.clusters)


def _entity_once(entity_id: str, group: Group, articles: Mapping[str, Article], order: Mapping[str, int],
                 memo: Mapping, made: dict) -> Entity:
    """``_entity``, or the Entity the last call made if every part of it is the same again."""
    sources = [articles[c.article_id] for c in group.clusters]
    # Object ids stand for the clusters and articles: the entry keeps them, so no id is reused.
    key = (group.name, group.type, tuple(group.reasons), group.judgement, tuple(map(id, group.clusters)),
           tuple(map(id, sources)), tuple(order[c.article_id] for c in group.clusters))
    kept = memo.get(entity_id)
    if kept is not None and kept[0] == key:
        for cluster, article in zip(group.clusters, sources):
            part = (id(cluster), id(article), entity_id)
            if part in memo:
                made[part] = memo[part]
    else:
        kept = (key, (list(group.clusters), sources), _entity(entity_id, group, articles, order, memo, made))
    made[entity_id] = kept
    return kept[2]


def _entity(entity_id: str, group: Group, articles: Mapping[str, Article], order: Mapping[str, int],
            memo: Mapping, made: dict) -> Entity:
    mentions = []
    surfaces: Counter = Counter()
    for cluster in group.clusters:
        article = articles[cluster.article_id]
        key = (id(cluster), id(article), entity_id)
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


def related_entities(entities: Sequence[Entity], index: RelatedIndex | None = None) -> dict[str, tuple[tuple[str, int], ...]]:
    """Entities that appear in the same articles, by the number of articles they share.

    ``index`` (kept by a long-running caller) recounts only what changed since its last use.
    """
    return (index or RelatedIndex()).update(entities)
