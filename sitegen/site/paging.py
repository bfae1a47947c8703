"""Where each mention of a large dossier lives: its paged mention lists and their addresses.

A dossier with more mentions than one page can carry shows a selection on its own page
(see ``pages.entity_page``) and every mention on numbered pages, ``<dossier>/mentions/2/``,
``.../mentions/3/`` and so on. Pages are filled from the **oldest** mention on: page 2
holds the first mentions ever made of the entity and the last page the newest. An archive
grows at its newest end, so a new article only adds to the last page (or opens a new one).

Where one page ends is decided by the articles themselves, not by a count from the
oldest mention: a page ends before an article whose id is a *mark* (one article in
``ARTICLES_A_MARK``, by a hash of its id) once it holds ``MIN_PAGE`` mentions, from
``FALLBACK_FROM`` on before a fallback mark too, and before an article that would take
it past ``MAX_PAGE`` (an article longer than a page is cut within). A mention added to
(or taken from) an older article then changes the page that holds it and, now and then,
the next: the pages after them keep their mentions, so the addresses of their mentions,
saved or cited anywhere, still land. Cut by count, every later page would have moved by
one mention. Only when a page is split or two are joined do the numbers after it move.
(Content-defined boundaries, as in chunking for deduplication.)

The order is the entity's own (``Entity.mentions``: its articles newest first, by date then
article id, each article's mentions in text order), read backwards article by article, so
a page's contents are worked out from the entity alone, and where pages start from its
articles and how many mentions each has (``article_runs``); the memo keeps that with an
entity's packed mentions, so planning every dossier's pages reads none of them.

Readers go the other way, from new to old: the dossier leads to the last page, each page
to the one before it (``rel="next"``), and each page lists its mentions newest first.

This module is the one place that knows which page holds a mention: any page, export or
index that links to a mention on a dossier asks ``mention_address``.
"""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress, groupby
from operator import attrgetter, ne, sub
from typing import Mapping, Sequence

from .. import urls
from ..model import Entity, Mention

# A page holds at least MIN_PAGE mentions (but the newest) and at most MAX_PAGE: at about
# a kilobyte a quoted mention, the largest page stays well under the 200 KB every page
# keeps to. Pages hold 75 mentions on average for an entity named once an article, 90 for
# one named four times.
MIN_PAGE = 50
MAX_PAGE = 120
ARTICLES_A_MARK = 24  # one article in this many ends a page before it (see the docstring)
# A page holding FALLBACK_FROM mentions ends before an article of one in this many (a
# fallback mark) too, so that few pages end where the next article would overfill them:
# a page cut by count moves what follows it, up to the next mark, when it grows.
FALLBACK_FROM = 90
ARTICLES_A_FALLBACK = 4
# A dossier with at most this many mentions lists them all on its own page, as before
# paging: only the few names a large archive mentions thousands of times are paged.
UNPAGED_LIMIT = 60
FIRST_NUMBER = 2  # the dossier itself is page 1
NAV_SPAN = 2  # pages listed on either side of the current one in the page navigation
MENTIONS_FOLDER = "mentions"
_ARTICLE_OF = attrgetter("article_id")


def is_paged(mention_count: int) -> bool:
    return mention_count > UNPAGED_LIMIT


@dataclass(frozen=True)
class Layout:
    """Where a dossier's numbered pages start: positions in paging order (``oldest_first``)."""

    starts: tuple[int, ...]  # each page's first mention, the first page's at 0; () if not paged
    total: int  # the entity's mentions
    made_with: tuple[int, ...] = ()  # the settings it was cut with (see ``_settings``)

    @property
    def count(self) -> int:
        """How many numbered pages there are (0: none, the dossier lists every mention)."""
        return len(self.starts)

    def numbers(self) -> range:
        """The pages' numbers, oldest first."""
        return range(FIRST_NUMBER, FIRST_NUMBER + len(self.starts))

    def number_at(self, position: int) -> int:
        """The page holding the mention at ``position`` (0-based, oldest first); 1 if not paged."""
        if not self.starts:
            return 1
        return FIRST_NUMBER - 1 + bisect_right(self.starts, position)

    def bounds(self, number: int) -> tuple[int, int]:
        """Where page ``number``'s mentions start and end in paging order."""
        index = number - FIRST_NUMBER
        return self.starts[index], self.starts[index + 1] if index + 1 < len(self.starts) else self.total


def layout(mentions: Sequence[Mention]) -> Layout:
    """Where the numbered pages of a dossier with these mentions (an entity's, in its
    order) start. Mentions that know theirs without being read (the memo's packed ones,
    cut when they were kept) say so."""
    settings = _settings()
    if not is_paged(len(mentions)):
        return Layout((), len(mentions), settings)
    kept = getattr(mentions, "layout", None)
    if isinstance(kept, Layout) and kept.made_with == settings:
        return kept
    return _cut(*article_runs(mentions), settings)


def article_runs(mentions: Sequence[Mention]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The articles of ``mentions``, run by run in their order, and how many each run has."""
    ids = list(map(_ARTICLE_OF, mentions))
    if not ids:
        return (), ()
    # Where a run starts, found in C: a hub has tens of thousands of mentions.
    starts = [0, *compress(range(1, len(ids)), map(ne, ids[1:], ids[:-1]))]
    return tuple(map(ids.__getitem__, starts)), tuple(map(sub, starts[1:] + [len(ids)], starts))


def _settings() -> tuple[int, ...]:
    return (UNPAGED_LIMIT, MIN_PAGE, MAX_PAGE, ARTICLES_A_MARK, FALLBACK_FROM, ARTICLES_A_FALLBACK)


# Keyed by value: a build asks for one dossier's layout for its plan, its own page and
# each numbered page.
@lru_cache(maxsize=1 << 10)
def _cut(ids: tuple[str, ...], counts: tuple[int, ...], settings: tuple[int, ...]) -> Layout:
    """Pages cut from runs of articles (newest first, as an entity holds them), oldest on.

    Whether a page ends before an article depends on that article and the older ones
    only: a newer article never moves a mention already on a page."""
    _, least, most, every, fallback_from, fallback_every = settings
    starts, filled, position = [0], 0, 0
    for article_id, count in zip(reversed(ids), reversed(counts)):
        if filled >= least:
            mark = _mark_of(article_id)
            if mark % every == 0 or filled + count > most or (filled >= fallback_from and mark % fallback_every == 0):
                starts.append(position)
                filled = 0
        while filled + count > most:  # one article with more than a page holds: filled, the rest goes on
            taken = most - filled
            position, count = position + taken, count - taken
            starts.append(position)
            filled = 0
        filled += count
        position += count
    return Layout(tuple(starts), position, settings)


@lru_cache(maxsize=1 << 16)
def _mark_of(article_id: str) -> int:
    """A number made of the article's id alone: whether it is a mark (see the docstring)."""
    return int.from_bytes(hashlib.blake2b(article_id.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                          "little")


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
    return page_path(entity.id, layout(entity.mentions).number_at(position)), mention_anchor(mention)


def mention_addresses(entity: Entity) -> dict[Mention, tuple[str, str]]:
    """``mention_address`` of every mention of ``entity`` at once (for exports and indexes)."""
    pages = layout(entity.mentions)
    return {m: (page_path(entity.id, pages.number_at(i)), mention_anchor(m))
            for i, m in enumerate(oldest_first(entity.mentions))}


def article_numbers(entity: Entity, offsets: Mapping[str, int] | None = None,
                    pages: Layout | None = None) -> dict[str, int]:
    """Article id -> the page holding the first of its mentions of ``entity``
    (``offsets`` and ``pages``: its ``article_offsets`` and ``layout``, if worked out already)."""
    offsets = offsets if offsets is not None else article_offsets(entity.mentions)
    pages = pages if pages is not None else layout(entity.mentions)
    if offsets is not None:
        return {article_id: pages.number_at(at) for article_id, at in offsets.items()}
    numbers: dict[str, int] = {}
    for position, mention in enumerate(oldest_first(entity.mentions)):
        numbers.setdefault(mention.article_id, pages.number_at(position))
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


def page_nav(number: int, page_count: int) -> PageNav:
    last = FIRST_NUMBER + page_count - 1
    low, high = max(FIRST_NUMBER, number - NAV_SPAN), min(last, number + NAV_SPAN)
    return PageNav(number, tuple(range(high, low - 1, -1)),
                   newer=number + 1 if number < last else 1,
                   older=number - 1 if number > FIRST_NUMBER else None,
                   newest_shown=high == last)


def dossier_nav(page_count: int) -> PageNav:
    """The navigation on the dossier itself: the newest pages, and the oldest."""
    last = FIRST_NUMBER + page_count - 1
    newest = range(last, max(FIRST_NUMBER, last - 2 * NAV_SPAN) - 1, -1)
    numbers = tuple(newest) + ((FIRST_NUMBER,) if FIRST_NUMBER not in newest else ())
    return PageNav(1, numbers, newer=None, older=last)
