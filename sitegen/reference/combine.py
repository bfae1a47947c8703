"""Apply the links to the site: one dossier per Wikidata item, types corrected.

Entities the articles name differently but that link to the same item ("Daesh", "ISIS")
become one entity, named by the Wikipedia title, with every article form kept as an
alias and the reason recorded. An editor's ``not_same`` keeps two entities apart even
then, and an editor's name for an entity is kept. Entities keep their ids (and URLs)
where nothing about them changed.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from typing import Callable, Mapping, Sequence

from ..content.judgements import Judgement
from ..model import TYPE_FOLDERS, Entity, Mention, Site, named_entities
from ..names import name_key
from ..slugs import SlugRegistry
from ..unionfind import UnionFind
from .link import Link


Merge = Callable[[Sequence[Entity], Mapping[str, Link], Sequence[str], Mapping[str, SlugRegistry]], Entity]
Rename = Callable[[str, Sequence[Mention], Mapping[str, str]], tuple[Mention, ...]]


def combine(site: Site, links: Mapping[str, Link], judgements: Sequence[Judgement] = (),
            merge: Merge | None = None, rename: Rename | None = None) -> tuple[Site, dict[str, str]]:
    """The site with linked entities combined, and the new id of every entity whose id changed.

    Co-mentions are not counted here: the build counts them once linking is done (see
    ``comentions``). ``merge`` makes one group's entity (``merge_group``) and ``rename``
    gives one article's mentions their new entity ids (``renamed_mentions``).
    """
    merge, rename = merge or merge_group, rename or renamed_mentions
    groups = _groups(site.entities, links, judgements)
    changed = [g for g in groups if len(g) > 1 or (g[0].id in links and links[g[0].id].type != g[0].type)]
    if not changed:
        return site, {}
    touched = {e.id for g in changed for e in g}
    slugs = {t: SlugRegistry() for t in TYPE_FOLDERS}
    for e in site.entities:  # the untouched keep their URLs
        if e.id not in touched:
            slugs[e.type].take(e.slug)
    order = {a.id: i for i, a in enumerate(site.articles)}
    new_ids: dict[str, str] = {}
    entities = [e for e in site.entities if e.id not in touched]
    for group in sorted(changed, key=lambda g: min(e.id for e in g)):
        # The members' articles in site order (mentions are listed newest article first).
        articles = sorted({a for e in group for a in e.articles}, key=lambda a: order.get(a, 0))
        merged = merge(tuple(group), {e.id: links[e.id] for e in group if e.id in links}, articles, slugs)
        entities.append(merged)
        for e in group:
            new_ids[e.id] = merged.id
    entities.sort(key=lambda e: (name_key(e.name), e.id))
    mentions_by_article = {article: rename(article, mentions, new_ids)
                           for article, mentions in site.mentions_by_article.items()}
    return Site(site.articles, tuple(entities), mentions_by_article), new_ids


def renamed_mentions(article_id: str, mentions: Sequence[Mention], new_ids: Mapping[str, str]) -> tuple[Mention, ...]:
    """One article's mentions with their entities' new ids."""
    if new_ids.keys().isdisjoint(named_entities(mentions)):
        return mentions
    return tuple(m if m.entity_id not in new_ids else replace(m, entity_id=new_ids[m.entity_id]) for m in mentions)


def _groups(entities: Sequence[Entity], links: Mapping[str, Link], judgements: Sequence[Judgement]) -> list[list[Entity]]:
    """The entities in groups of those linked to one item (kept apart where an editor says
    so), each group where its first member is; most entities are a group of their own."""
    by_qid: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        link = links.get(e.id)
        if link is not None:
            by_qid[link.qid].append(e)
    # Only entities sharing an item are joined and checked against the notes: a preview
    # combines after every save, and a set of every entity's name keys and a union-find
    # over every entity were most of it.
    sharing = [members for members in by_qid.values() if len(members) > 1]
    if not sharing:
        return [[e] for e in entities]
    joined = [e for members in sharing for e in members]
    apart = _apart(joined, judgements)
    uf = UnionFind(e.id for e in joined)
    for members in sharing:
        for other in members[1:]:
            a, b = uf.find(members[0].id), uf.find(other.id)
            if a != b and not _kept_apart(uf, a, b, apart, joined):
                uf.union(a, b)
    in_joined = {e.id for e in joined}
    by_root: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        by_root[uf.find(e.id) if e.id in in_joined else e.id].append(e)
    return list(by_root.values())


def _apart(entities: Sequence[Entity], judgements: Sequence[Judgement]) -> set[frozenset[str]]:
    """Pairs of entity ids an editor said are different."""
    apart_notes = [j for j in judgements if j.apart_keys]
    if not apart_notes:
        return set()
    keys = {e.id: {name_key(f) for f in (e.name, *e.aliases)} for e in entities}
    pairs = set()
    for j in apart_notes:
        own = [e.id for e in entities if j.key in keys[e.id] or (e.note_path and e.note_path == j.path)]
        others = [e.id for e in entities if keys[e.id] & j.apart_keys]
        pairs |= {frozenset((a, b)) for a in own for b in others if a != b}
    return pairs


def _kept_apart(uf: UnionFind, a: str, b: str, apart: set[frozenset[str]], entities: Sequence[Entity]) -> bool:
    """Whether the groups of roots ``a`` and ``b`` hold a pair kept apart (``entities``:
    those ``uf`` holds)."""
    if not apart:
        return False
    left = [e.id for e in entities if uf.find(e.id) == a]
    right = [e.id for e in entities if uf.find(e.id) == b]
    return any(frozenset((x, y)) in apart for x in left for y in right)


def merge_group(group: Sequence[Entity], links: Mapping[str, Link], articles: Sequence[str],
                slugs: Mapping[str, SlugRegistry]) -> Entity:
    """One entity of a group of entities linked to one item (or retyped by its link):
    ``links`` are the members', ``articles`` their articles in site order; its address is
    claimed in ``slugs``."""
    order = {a: i for i, a in enumerate(articles)}
    main = max(group, key=lambda e: (e.note_path is not None, len(e.mentions), -len(e.id)))
    link = links.get(main.id) or next(links[e.id] for e in group if e.id in links)
    kind = link.type
    if main.note_path is not None or len(group) == 1:
        name = main.name  # an editor's name, or a lone entity's own name, stays
    else:
        name = re.sub(r"\s*\([^)]*\)$", "", link.title) or main.name
    entity_id = f"{TYPE_FOLDERS[kind]}/{slugs[kind].claim(name)}"
    forms, seen = [], {name_key(name)}
    for e in sorted(group, key=lambda e: -len(e.mentions)):
        for form in (e.name, *e.aliases):
            if name_key(form) not in seen:
                seen.add(name_key(form))
                forms.append(form)
    mentions = sorted((replace(m, entity_id=entity_id) for e in group for m in e.mentions),
                      key=lambda m: (order.get(m.article_id, 0), m.start))
    reasons = [r for e in group for r in e.merge_reasons]
    if len(group) > 1:
        reasons.append(f"{', '.join(sorted(e.name for e in group))} are the same Wikidata item {link.qid} "
                       f"(Wikipedia: {link.title})")
    if kind != group[0].type and len(group) == 1:
        reasons.append(f"filed as {TYPE_FOLDERS[kind][:-1] if kind != 'person' else 'person'} because Wikidata "
                       f"item {link.qid} says so (the articles' reading was {group[0].type})")
    return Entity(
        id=entity_id, name=name, type=kind, aliases=tuple(forms), mentions=tuple(mentions),
        articles=tuple(dict.fromkeys(m.article_id for m in mentions)),
        merge_reasons=tuple(dict.fromkeys(reasons)),
        note_html=main.note_html, note_path=main.note_path, pinned_wikipedia=main.pinned_wikipedia,
    )
