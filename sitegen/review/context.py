"""What surrounds an entity: the entities named in the same articles.

Two pages of one real entity tend to keep the same company ("Fed" and "Federal Reserve"
beside "Treasury" and "Greenspan"); two people sharing a name do not.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

from ..model import Site
from .suggestion import site_entities


class Neighbourhoods:
    """Entity id -> the ids of the entities named in the same articles."""

    def __init__(self, site: Site) -> None:
        self.by_article: Mapping[str, set[str]] = _entities_by_article(site)
        self.articles: dict[str, frozenset[str]] = {e.id: frozenset(e.articles) for e in site_entities(site)}
        self._of: dict[str, frozenset[str]] = {}

    def of(self, entity_id: str, articles: Iterable[str] | None = None) -> frozenset[str]:
        """The entities named beside ``entity_id`` (in ``articles`` only, if given)."""
        if articles is None:
            if entity_id not in self._of:
                self._of[entity_id] = self._around(entity_id, self.articles.get(entity_id, ()))
            return self._of[entity_id]
        return self._around(entity_id, articles)

    def _around(self, entity_id: str, articles: Iterable[str]) -> frozenset[str]:
        out: set[str] = set()
        for article in articles:
            out |= self.by_article.get(article, set())
        out.discard(entity_id)
        return frozenset(out)

    def overlap(self, a: str, b: str) -> float:
        """Jaccard overlap of two entities' neighbours, each other left out (0..1), counted
        in the articles only one of them is named in: one article shared says nothing more
        than that (see ``share_article``)."""
        only_a = self.articles.get(a, frozenset()) - self.articles.get(b, frozenset())
        only_b = self.articles.get(b, frozenset()) - self.articles.get(a, frozenset())
        na, nb = self.of(a, only_a) - {b}, self.of(b, only_b) - {a}
        if not na or not nb:
            return 0.0
        return len(na & nb) / len(na | nb)

    def share_article(self, a: str, b: str) -> bool:
        return bool(self.articles.get(a, frozenset()) & self.articles.get(b, frozenset()))


def _entities_by_article(site: Site) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for entity in site_entities(site):
        for article in entity.articles:
            out[article].add(entity.id)
    return out
