"""Co-mentions brought up to date from the last build's, by the articles whose entities changed.

An article's counted entities (``CoMentions.members``) are compared by value with last
time's; only the articles whose list differs are taken back and counted again, and only
the entities whose counts, or whose partners' names (the tie-break), moved get their
strongest list picked again. The others keep last build's list, the very tuple (pages
find an unchanged list at once). The values equal ``comentions.count``'s on the same
entities: ``tests/test_comentions.py`` checks it on random sequences of updates.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

from ..entities.comentions import CoMentions, add_article, article_members, count, ranked, ranks, remove_article, strongest
from ..model import Entity
from .digest import digest
from .memo import Entry, Memo

# The counts of the last build, one per point of the pipeline that counts (before linking,
# for its evidence; after it, for the pages). Kept under the name of that point: the value
# is the base the next build's counts are brought up to date from, compared by content.
CO_MENTIONS = Entry[CoMentions]("co-mentions")


def counting_around_linking(memo: Memo | None) -> tuple[Callable[[Sequence[Entity]], CoMentions],
                                                          Callable[[Sequence[Entity]], CoMentions]]:
    """How to count before linking and after it.

    A memo that remembers the last build's counts (a preview's) brings each point's up to
    date from its own last counts: an edit changes few articles. Without one (`sitegen
    build`), the counts after linking are brought up to date from those before it instead
    of counted from nothing (4.7 s of a profiled 10,000-article build): linking changes which
    entities some articles name, and renames some, so that is a few hundred articles
    again, not a few.
    """
    first = counting(memo, "before linking")
    if memo is not None and memo.remembers(CO_MENTIONS):
        return first, counting(memo, "linked")
    made: list[CoMentions] = []

    def before(entities: Sequence[Entity]) -> CoMentions:
        made.append(first(entities))
        return made[-1]

    def after(entities: Sequence[Entity]) -> CoMentions:
        return updated(made[-1], entities)
    return before, after


def counting(memo: Memo | None, point: str) -> Callable[[Sequence[Entity]], CoMentions]:
    """How to count at ``point``: from nothing, or with a memo from its last counts."""
    if memo is None or not memo.remembers(CO_MENTIONS):
        return count
    key = digest("co-mentions", point)

    def kept_count(entities: Sequence[Entity]) -> CoMentions:
        last = memo.get(CO_MENTIONS, key)
        return memo.put(CO_MENTIONS, key, count(entities) if last is None else updated(last, entities))
    return kept_count


def updated(last: CoMentions, entities: Sequence[Entity]) -> CoMentions:
    """``count(entities)``, worked out from ``last`` (the counts of other entities)."""
    order, keys = ranked(entities)
    members = article_members(order)
    changed = [a for a in members.keys() | last.members.keys() if last.members.get(a) != members.get(a)]
    pairs = dict(last.pairs)
    copied: set[str] = set()  # last build's counters are its own: change copies
    for article_id in changed:
        for ids, add in ((last.members.get(article_id, ()), False), (members.get(article_id, ()), True)):
            for a in ids:
                if a not in copied:
                    copied.add(a)
                    pairs[a] = Counter(pairs.get(a, ()))
            (add_article if add else remove_article)(pairs, ids)
    dirty = {a for a in copied if pairs[a] != last.pairs.get(a, {})}
    for a in copied:
        if not pairs[a]:
            del pairs[a]
    renamed = {i for i, key in keys.items() if last.keys.get(i) != key}  # new, or named otherwise
    for i in renamed:  # its place in the tie-break of every entity it is counted with
        dirty.update(pairs.get(i, ()))
    dirty |= renamed
    rank = ranks(order)
    related = {}
    for entity in entities:
        before = last.related.get(entity.id)
        if before is not None and entity.id not in dirty:
            related[entity.id] = before
        else:
            found = strongest(pairs.get(entity.id), rank, order)
            related[entity.id] = before if before == found else found
    return CoMentions(members, pairs, related, keys)
