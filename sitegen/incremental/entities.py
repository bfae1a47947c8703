"""The entity stages with the last build's results: each looked up by a digest of its inputs.

- publication: each entity's page decision under the digest of the entity, its note, the
  threshold and the articles whose text it reads; and the related lists of the last build
  handed back where equal, the very tuples (pages find an unchanged list at once).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from ..curation import Judgement
from ..model import Entity, Site
from ..publication import page_reason, publish
from .digest import digest
from .memo import Entry, Memo

PAGE_DECISION = Entry[tuple[bool, str]]("page decision")
SHOWN_RELATED = Entry[Mapping[str, tuple]]("related lists shown")


def published(memo: Memo | None, site: Site, judgements: Sequence[Judgement], link_threshold: float) -> Site:
    """``publication.publish``, deciding again only for entities whose inputs changed."""
    if memo is None:
        return publish(site, judgements, link_threshold)
    articles = {a.id: a for a in site.articles}

    def decide(entity: Entity, judgement: Judgement | None, threshold: float,
               texts: Mapping[str, str]) -> tuple[bool, str]:
        # page_reason reads the texts of the entity's own articles, no others
        key = digest(entity, judgement, threshold, tuple(articles.get(a) for a in entity.articles))
        return memo.reuse(PAGE_DECISION, key, lambda: page_reason(entity, judgement, threshold, texts))

    site = publish(site, judgements, link_threshold, decide)
    return _same_lists_as_last(memo, site)


def _same_lists_as_last(memo: Memo, site: Site) -> Site:
    key = digest("related lists shown")
    last = memo.get(SHOWN_RELATED, key) or {}
    related = {}
    for entity_id, pairs in site.related.items():
        before = last.get(entity_id)
        related[entity_id] = before if before is not None and before == pairs else pairs
    memo.put(SHOWN_RELATED, key, related)
    return replace(site, related=related)
