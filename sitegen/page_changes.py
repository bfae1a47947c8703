"""What changed since the last build, for a long-running caller's kept page inputs.

A preview keeps each page's inputs (see ``SiteIndex.entity_inputs`` and
``SiteIndex.article_inputs``) with the ids they were worked out from. ``Changes`` lists,
once per build, the ids whose values differ from the last build's: a kept input that
reads none of them is current, without looking at its parts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping

from . import structured
from .model import Article, Entity

if TYPE_CHECKING:
    from .pages import ArticleLink, EntityLink, SiteIndex


LAST_BUILD = ("the build the kept inputs are from",)  # a key of the inputs memo beside entity ids


@dataclass(frozen=True)
class BuildValues:
    """What a kept page's inputs were worked out from, besides the page's own entity or article."""

    articles: Mapping[str, tuple[Article, ArticleLink]]  # id -> the article and how lists show it
    related: Mapping[str, tuple]  # entity id -> its related pairs
    links: Mapping[str, "EntityLink"]  # entity id -> how pages link to it
    entities: Mapping[str, Entity]

    @classmethod
    def of(cls, index: "SiteIndex") -> "BuildValues":
        return cls(index._article_pairs, index.site.related, index.links, index.entity_by_id)


@dataclass(frozen=True)
class Changes:
    """Ids whose values differ from the last build's: a kept input that reads none is current."""

    articles: frozenset[str]  # articles that lists show differently
    links: frozenset[str]  # entities linked to differently (name, type; a dossier lists its related)
    related: frozenset[str]  # entities whose related list differs (a dossier's network reads them)
    shown: frozenset[str]  # entities an article page would show differently
    # of each entity in ``related``: the others whose count on its list differs (None: any)
    moved: Mapping[str, frozenset[str] | None] = field(default_factory=dict)

    def redraws(self, drawn: frozenset[str]) -> bool:
        """Whether a network of these neighbours has a line of another width now: whether
        the count of some pair of them differs on one of their related lists."""
        for a in self.related & drawn:
            moved = self.moved.get(a)
            if moved is None or not moved.isdisjoint(drawn):
                return True
        return False

    @classmethod
    def between(cls, last: BuildValues | None, index: "SiteIndex") -> "Changes":
        if last is None:
            everything = frozenset(index.article_by_id) | frozenset(index.links)
            return cls(everything, everything, everything, everything)  # ``moved`` empty: any
        now_articles, now_related, now_links = index.article_links, index.site.related, index.links
        articles = {a for a, link in now_articles.items() if last.articles.get(a, (None, None))[1] != link}
        articles |= last.articles.keys() - now_articles.keys()
        related = {e for e, pairs in now_related.items() if last.related.get(e) is not pairs}
        moved = {e: moved_between(last.related.get(e), now_related[e]) for e in related}
        related |= last.related.keys() - now_related.keys()
        links = {e for e, link in now_links.items() if last.links.get(e) != link}
        links |= last.links.keys() - now_links.keys()
        shown = {e for e, entity in index.entity_by_id.items() if last.entities.get(e) is not entity
                 and (e not in last.entities or index._shown_of(e) != shown_of(last.entities[e]))}
        shown |= last.entities.keys() - index.entity_by_id.keys()
        return cls(frozenset(articles), frozenset(links), frozenset(related), frozenset(shown), moved)


def moved_between(before: tuple | None, now: tuple) -> frozenset[str] | None:
    """The ids whose count differs between two related lists; None if there was none before."""
    if before is None:
        return None
    old, new = dict(before), dict(now)
    return frozenset(e for e in old.keys() | new.keys() if old.get(e) != new.get(e))


def shown_of(entity: Entity) -> tuple:
    """What an article page shows of an entity it names (its link and preview)."""
    return (entity.id, entity.name, entity.type, structured.short_description(entity),
            tuple(structured.same_as(entity.reference)))
