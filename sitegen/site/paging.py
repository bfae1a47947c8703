"""Where each mention of a large dossier lives: its paged mention lists and their addresses.

A dossier with more mentions than one page can carry shows a selection on its own page
(see ``pages.entity_page``) and every mention on numbered pages, ``<dossier>/mentions/2/``,
``.../mentions/3/`` and so on. Pages are filled from the **oldest** mention on: page 2
holds the first ``MENTIONS_PER_PAGE`` mentions ever made of the entity, page 3 the next,
and the last page the newest ones. An archive grows at its newest end, so a new article
only adds to the last page (or opens a new one): every mention already published keeps
its address, and a link to it saved or cited anywhere keeps landing on it. Numbering
from the newest end would move every mention one place on with each new article.

The order is the entity's own (``Entity.mentions``: its articles newest first, by date then
article id, each article's mentions in text order), read backwards article by article, so
a page's contents are worked out from the entity alone.

Readers go the other way, from new to old: the dossier leads to the last page, each page
to the one before it (``rel="next"``), and each page lists its mentions newest first.

This module is the one place that knows which page holds a mention: any page, export or
index that links to a mention on a dossier asks ``mention_address``.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from operator import attrgetter
from typing import Mapping, Sequence

from .. import urls
from ..model import Entity, Mention

MENTIONS_PER_PAGE = 100
# A dossier with at most this many mentions lists them all on its own page, as before
# paging: only the few names a large archive mentions thousands of times are paged.
UNPAGED_LIMIT = 60
FIRST_NUMBER = 2  # the dossier itself is page 1
NAV_SPAN = 2  # pages listed on either side of the current one in the page navigation
MENTIONS_FOLDER = "mentions"
_ARTICLE_OF = attrgetter("article_id")


def is_paged(mention_count: int) -> bool:
    return mention_count > UNPAGED_LIMIT


def page_count(mention_count: int) -> int:
    """How many numbered mention pages a dossier with this many mentions has (0: none)."""
    if not is_paged(mention_count):
        return 0
    return -(-mention_count // MENTIONS_PER_PAGE)


def page_numbers(mention_count: int) -> range:
    """The numbers of a dossier's mention pages, oldest first."""
    return range(FIRST_NUMBER, FIRST_NUMBER + page_count(mention_count))


def page_path(entity_id: str, number: int) -> str:
    """Site path of mention page ``number`` of a dossier (1 is the dossier itself)."""
    if number < FIRST_NUMBER:
        return urls.entity_path(entity_id)
    return f"{urls.entity_path(entity_id)}{MENTIONS_FOLDER}/{number}/"


def oldest_first(mentions: Sequence[Mention]) -> list[Mention]:
    """An entity's mentions in paging order: its articles oldest first, each in text order."""
    blocks: list[list[Mention]] = []
    for mention in mentions:
        if not blocks or blocks[-1][0].article_id != mention.article_id:
            blocks.append([])
        blocks[-1].append(mention)
    return [m for block in reversed(blocks) for m in block]


def number_at(position: int, mention_count: int) -> int:
    """The page holding the mention at ``position`` (0-based, oldest first)."""
    if not is_paged(mention_count):
        return 1
    return FIRST_NUMBER + position // MENTIONS_PER_PAGE


def page_slice(ordered: Sequence[Mention], number: int) -> Sequence[Mention]:
    """The mentions on page ``number``, oldest first."""
    start = (number - FIRST_NUMBER) * MENTIONS_PER_PAGE
    return ordered[start:start + MENTIONS_PER_PAGE]


def mention_anchor(mention: Mention) -> str:
    """Element id of a mention on whichever dossier page lists it (``group_anchor`` is its article's)."""
    return f"{mention.anchor}-{group_anchor(mention.article_id)}"


def group_anchor(article_id: str) -> str:
    """Element id of an article's group of mentions on a dossier page."""
    return f"in-{article_id}"


def mention_address(entity: Entity, mention: Mention) -> tuple[str, str]:
    """(site path, element id) of the page that holds ``mention`` of ``entity``, and its spot there."""
    ordered = oldest_first(entity.mentions)
    position = next(i for i, m in enumerate(ordered) if m == mention)
    return page_path(entity.id, number_at(position, len(ordered))), mention_anchor(mention)


def mention_addresses(entity: Entity) -> dict[Mention, tuple[str, str]]:
    """``mention_address`` of every mention of ``entity`` at once (for exports and indexes)."""
    ordered = oldest_first(entity.mentions)
    return {m: (page_path(entity.id, number_at(i, len(ordered))), mention_anchor(m)) for i, m in enumerate(ordered)}


def article_numbers(entity: Entity, offsets: Mapping[str, int] | None = None) -> dict[str, int]:
    """Article id -> the page holding the first of its mentions of ``entity``
    (``offsets``: its ``article_offsets``, if worked out already)."""
    offsets = offsets if offsets is not None else article_offsets(entity.mentions)
    count = len(entity.mentions)
    if offsets is not None:
        return {article_id: number_at(at, count) for article_id, at in offsets.items()}
    ordered = oldest_first(entity.mentions)
    numbers: dict[str, int] = {}
    for position, mention in enumerate(ordered):
        numbers.setdefault(mention.article_id, number_at(position, count))
    return numbers


def article_offsets(mentions: Sequence[Mention]) -> dict[str, int] | None:
    """Article id -> where its first mention is in paging order (``oldest_first``), each
    article's mentions following it there; None if an article's mentions are not all
    together. Worked out article by article: a hub's dossier has thousands of articles
    and tens of thousands of mentions, each of which hashed cost more than the rest of it."""
    runs = [(article_id, sum(1 for _ in run)) for article_id, run in groupby(mentions, key=_ARTICLE_OF)]
    offsets: dict[str, int] = {}
    at = 0
    for article_id, count in reversed(runs):
        if article_id in offsets:
            return None
        offsets[article_id] = at
        at += count
    return offsets


@dataclass(frozen=True)
class PageNav:
    """The page navigation of one mention page: what it shows depends on the neighbours only.

    ``numbers`` lists the pages shown, newest first (the dossier is always linked apart);
    ``newer`` and ``older`` are the pages before and after this one in reading order (1:
    the dossier; None: none). The last page's number is not shown on every page, so a new
    page of mentions changes the navigation of its neighbours only.
    """

    current: int
    numbers: tuple[int, ...]
    newer: int | None
    older: int | None
    newest_shown: bool = True  # whether ``numbers`` starts with the newest page (no gap after the dossier)


def page_nav(number: int, mention_count: int) -> PageNav:
    last = FIRST_NUMBER + page_count(mention_count) - 1
    low, high = max(FIRST_NUMBER, number - NAV_SPAN), min(last, number + NAV_SPAN)
    return PageNav(number, tuple(range(high, low - 1, -1)),
                   newer=number + 1 if number < last else 1,
                   older=number - 1 if number > FIRST_NUMBER else None,
                   newest_shown=high == last)


def dossier_nav(mention_count: int) -> PageNav:
    """The navigation on the dossier itself: the newest pages, and the oldest."""
    last = FIRST_NUMBER + page_count(mention_count) - 1
    newest = range(last, max(FIRST_NUMBER, last - 2 * NAV_SPAN) - 1, -1)
    numbers = tuple(newest) + ((FIRST_NUMBER,) if FIRST_NUMBER not in newest else ())
    return PageNav(1, numbers, newer=None, older=last)
