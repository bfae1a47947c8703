"""Mentions to entities: per-article chains, cross-article merging, then the final values.

``resolve()`` is the whole stage: it reads every article's clusters (see ``analysis``)
and returns the immutable ``Site`` the renderer and the exporter work from. It is pure:
what a preview reuses between builds is looked up around its parts, in
``incremental.entities``.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from functools import partial
from itertools import chain, groupby, repeat
from operator import attrgetter
from typing import Callable, Mapping, Sequence

from ..nlp.chains import Cluster
from ..content.judgements import Judgement
from .merge import ClusterSummary, Group, merge_articles
from ..model import TYPE_FOLDERS, Article, Entity, Mention, Site
from ..names import name_key
from ..slugs import SlugRegistry



def resolve(
    articles: Sequence[Article],
    clusters_by_article: Mapping[str, Sequence[Cluster]],
    judgements: Sequence[Judgement] = (),
    entity_types: Sequence[str] = ("person", "place", "organisation"),
    min_mentions: int = 1,
    merge: Callable[[list, Sequence[Judgement]], list[Group]] = merge_articles,
    make_entity: Callable[[str, Group, Mapping[str, Article], Mapping[str, int]], Entity] | None = None,
    by_article: Callable[[Sequence[Entity]], Mapping[str, Sequence[Mention]]] | None = None,
) -> Site:
    """Merge every article's clusters into entities and build the Site the pages show.

    ``merge``, ``make_entity`` (``entity_of``) and ``by_article`` (``mentions_by_article``)
    are the parts of the work: a preview passes ones that hand back what the last build
    made from the same inputs (see ``incremental.entities``). Co-mentions are counted
    later, once (see ``comentions``).
    """
    groups = merge([(place, clusters_by_article.get(a.id, ())) for place, a in zip(_places(articles), articles)],
                   judgements)
    by_id = {a.id: a for a in articles}
    order = {a.id: i for i, a in enumerate(articles)}  # articles come newest first
    facts = [_group_facts(g, order, entity_types, min_mentions) for g in groups]
    # Slugs are handed out in a stable order so URLs do not move between builds.
    ranked = [(sort_key, g) for g, (keep, sort_key) in zip(groups, facts) if keep]
    ranked.sort(key=lambda pair: pair[0])  # stable: ties stay in merge order
    slugs = {t: SlugRegistry() for t in TYPE_FOLDERS}
    entities = []
    for _, group in ranked:
        entity_id = f"{TYPE_FOLDERS[group.type]}/{slugs[group.type].claim(group.name)}"
        entities.append((make_entity or entity_of)(entity_id, group, by_id, order))
    entities.sort(key=lambda e: (name_key(e.name), e.id))
    return Site(
        articles=tuple(articles),
        entities=tuple(entities),
        mentions_by_article=(by_article or mentions_by_article)(entities),
    )


def _places(articles: Sequence[Article]) -> list:
    """Where each article is in the site's order, in values that stay put when an article
    is added or removed (see merge_blocks): its date and id, as articles are sorted."""
    places = [(-a.date.toordinal(), a.id) for a in articles]
    if any(a >= b for a, b in zip(places, places[1:])):
        return list(enumerate(a.id for a in articles))  # a caller's own order
    return places


def mentions_by_article(entities: Sequence[Entity]) -> dict[str, tuple[Mention, ...]]:
    """Every article's mentions in text order (articles in the order the entities name them)."""
    found: dict[str, list[Mention]] = defaultdict(list)
    for entity in entities:
        # An entity's mentions come article by article: each run goes in at once, in C.
        for article_id, run in groupby(entity.mentions, key=_ARTICLE_OF):
            found[article_id].extend(run)
    for mentions in found.values():
        # By start alone first: a key of one number makes no tuple per mention (a large
        # site's lists hold hundreds of thousands). Two mentions rarely start together;
        # where some do, the full order decides.
        mentions.sort(key=_START)
        starts = list(map(_START, mentions))
        if len(set(starts)) < len(starts):
            mentions.sort(key=_TEXT_ORDER)
    return {article_id: tuple(mentions) for article_id, mentions in found.items()}


_ARTICLE_OF = attrgetter("article_id")
_REASONS = attrgetter("reasons")
_START = attrgetter("start")
_TEXT_ORDER = attrgetter("start", "end", "entity_id")


def _runs(mentions: Sequence[Mention]) -> list[Sequence[Mention]]:
    """``mentions`` cut where the article changes."""
    return [tuple(run) for _, run in groupby(mentions, key=_ARTICLE_OF)]


class MentionRuns:
    """Each entity's mentions in one article, for the articles' lists of one build.

    An entity's mentions come article by article (newest first), each in text order. A
    much-mentioned entity is named in hundreds of articles: its mentions are read once
    per build, as far as the articles asked for need, not once per article.
    """

    def __init__(self) -> None:
        # entity id -> (article id -> its run of mentions, as far as read; where reading
        # stopped; its mentions as a tuple, indexed below item by item)
        self._read: dict[str, tuple[dict[str, tuple[Mention, ...]], list[int], tuple[Mention, ...]]] = {}

    def of(self, entity: Entity, article_id: str) -> tuple[Mention, ...]:
        read = self._read.get(entity.id)
        if read is None:
            read = self._read[entity.id] = ({}, [0], tuple(entity.mentions))
        runs, stopped, mentions = read
        found = runs.get(article_id)
        end, i = len(mentions), stopped[0]
        while found is None and i < end:
            current, j = mentions[i].article_id, i + 1
            while j < end and mentions[j].article_id == current:
                j += 1
            runs[current] = mentions[i:j]
            found = runs[current] if current == article_id else None
            i = j
        stopped[0] = i
        if found is None:
            raise KeyError(f"{entity.id} has no mention in {article_id}")
        return found


def article_mentions(article_id: str, entities: Sequence[Entity], runs: MentionRuns | None = None
                     ) -> tuple[Mention, ...]:
    """The mentions ``entities`` have in one article, in text order."""
    runs = runs if runs is not None else MentionRuns()
    found = []
    for entity in entities:
        found.extend(runs.of(entity, article_id))
    return tuple(sorted(found, key=_TEXT_ORDER))


def _group_facts(group: Group, order: Mapping[str, int], entity_types: Sequence[str],
                 min_mentions: int) -> tuple[bool, tuple]:
    """Whether ``group`` becomes an entity, and its place in the order slugs are handed out in."""
    first_seen = -max(map(order.get, group.articles, repeat(0)))  # in C: a hub is named in thousands
    return (_keep(group, entity_types, min_mentions), (group.type, name_key(group.name), group.name, first_seen))


def _keep(group: Group, entity_types: Sequence[str], min_mentions: int) -> bool:
    if group.judgement and group.judgement.ignore:
        return False
    if group.type not in entity_types:
        return False
    return group.mention_count >= min_mentions


def cluster_mentions(cluster: Cluster, article: Article, entity_id: str) -> tuple[Mention, ...]:
    """One cluster's mentions, as mentions of ``entity_id`` with their sentences."""
    text = article.text
    return tuple(Mention(cluster.article_id, m.start, m.end, m.text, text[m.sentence_start:m.sentence_end],
                         m.sentence_start, entity_id) for m in cluster.mentions)


# How ``entity_of`` gets a cluster's mentions: given how to read the cluster, its article
# and the entity's id (the cluster is read only where its mentions must be made)
MentionsOf = Callable[[Callable[[], Cluster], Article, str], tuple[Mention, ...]]


def made_mentions(cluster: Callable[[], Cluster], article: Article, entity_id: str) -> tuple[Mention, ...]:
    return cluster_mentions(cluster(), article, entity_id)


def same_mentions_as(before: Entity | None, same: set[str]) -> MentionsOf:
    """``cluster_mentions``, handing back ``before``'s mentions where equal ones would be
    made: a large entity remade for one new mention keeps the rest, and their digests.

    In an article of ``same`` (its text, and the clusters of the entity in it, as when
    ``before`` was made) the mentions are ``before``'s there, all of them: handed back
    with the article's first cluster, and none with the others (``entity_of`` sorts
    them). Elsewhere each mention is made, and ``before``'s equal one kept in its place.
    """
    runs: dict[str, list[Mention]] = {}
    prior: dict[tuple, Mention] = {}
    for m in before.mentions if before is not None else ():
        if m.article_id in same:
            runs.setdefault(m.article_id, []).append(m)
        else:
            prior[(m.article_id, m.start, m.end)] = m
    handed: set[str] = set()

    def mentions_of(cluster: Callable[[], Cluster], article: Article, entity_id: str) -> tuple[Mention, ...]:
        run = runs.get(article.id)
        if run is not None:  # the cluster is not read
            if article.id in handed:
                return ()
            handed.add(article.id)
            return tuple(run)
        made = cluster_mentions(cluster(), article, entity_id)
        if not prior:
            return made
        kept = [prior.get((m.article_id, m.start, m.end)) for m in made]
        return tuple(k if k is not None and k == m else m for k, m in zip(kept, made))
    return mentions_of


def entity_of(entity_id: str, group: Group, articles: Mapping[str, Article], order: Mapping[str, int],
              mentions_of: MentionsOf = made_mentions, parts: Sequence[ClusterSummary] | None = None) -> Entity:
    """The entity ``group`` names, with its mentions in ``articles`` (in the site's ``order``).

    ``parts``: the summaries of the group's clusters, in their order, where the caller has
    them without reading the clusters; a cluster is then read only if ``mentions_of``
    makes its mentions (a large entity made again for one new mention reads one article's).
    """
    # Each article's mentions apart, then the articles in the site's order, each's mentions
    # by where they start (a stable sort, as one sort by both would be): a hub remade for
    # one new sentence has tens of thousands, which a key per mention made in Python cost
    # a tenth of a second at every save of a preview at 10,000 articles.
    by_article: dict[str, list[Mention]] = {}
    surfaces: Counter = Counter()
    clusters = group.clusters
    for i, part in enumerate(clusters if parts is None else parts):
        for text, count in part.surfaces:
            surfaces[text] += count
        made = mentions_of(partial(clusters.__getitem__, i), articles[part.article_id], entity_id)
        if made and made[0].article_id == made[-1].article_id:  # a cluster's: one article
            by_article.setdefault(made[0].article_id, []).extend(made)
        else:
            for run in _runs(made):
                by_article.setdefault(run[0].article_id, []).extend(run)
    mentions: list[Mention] = []
    in_order = sorted(by_article, key=order.__getitem__)
    for article_id in in_order:
        run = by_article[article_id]
        run.sort(key=_START)
        mentions.extend(run)
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
    reasons = [*chain.from_iterable(map(_REASONS, clusters if parts is None else parts)), *group.reasons]
    return Entity(
        id=entity_id,
        name=group.name,
        type=group.type,
        aliases=tuple(aliases),
        mentions=tuple(mentions),
        articles=tuple(in_order),
        merge_reasons=tuple(dict.fromkeys(reasons)),
        note_html=judgement.note_html if judgement else None,
        note_path=judgement.path if judgement else None,
        pinned_wikipedia=judgement.wikipedia if judgement else None,
    )

