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
from dataclasses import replace
from typing import Callable, Mapping, Sequence

from ..entities.comentions import CoMentions, add_article, count, counted, ranked, ranks, remove_article, strongest
from ..model import Entity
from .digest import digest
from .memo import Entry, Memo
from .packed_counts import packed_pairs

# The counts of the last build, one per point of the pipeline that counts (before linking,
# for its evidence; after it, for the pages). Kept under the name of that point: the value
# is the base the next build's counts are brought up to date from, compared by content.
CO_MENTIONS = Entry[CoMentions]("co-mentions")
# The counts as the last `sitegen build` left them, on disk, before linking and after it:
# reading them back and bringing them up to date costs a fraction of counting every article
# again. Linking merges and renames entities, so the counts after it are brought up to date
# from the last build's counts after it, not from this build's before it (a few hundred
# articles again at 1,000 linked articles: 0.2-0.3 s of every edit).
CO_MENTIONS_ON_DISK = Entry[CoMentions]("co-mentions before linking", persist=True)
CO_MENTIONS_LINKED_ON_DISK = Entry[CoMentions]("co-mentions after linking", persist=True)


def counting_around_linking(memo: Memo | None) -> tuple[Callable[[Sequence[Entity]], CoMentions],
                                                          Callable[[Sequence[Entity]], CoMentions]]:
    """How to count before linking and after it, each brought up to date from its own last
    counts (a preview's in memory, `sitegen build`'s in its file): an edit changes few
    articles. With no last counts after linking (a first build), those are brought up to
    date from the counts before it instead of counted from nothing (4.7 s of a profiled
    10,000-article build).
    """
    on_disk = memo is not None and not memo.remembers(CO_MENTIONS)
    first = counting(memo, "before linking", CO_MENTIONS_ON_DISK if on_disk else CO_MENTIONS)
    made: list[CoMentions] = []  # this build's counts before linking

    def before(entities: Sequence[Entity]) -> CoMentions:
        made.append(first(entities))
        return made[-1]

    # On disk, counts after linking equal to those before it (linking merged and renamed
    # nothing, as offline) are not kept twice: the next build brings them up to date from
    # its own counts before linking, which an unchanged linking leaves as they are (writing
    # and reading back the second copy cost 0.35 s of a sentence edit at 10,000 articles).
    after = counting(memo, "linked", CO_MENTIONS_LINKED_ON_DISK if on_disk else CO_MENTIONS,
                     start=lambda entities: updated(made[-1], entities) if made else count(entities),
                     same_as=(lambda: made[-1] if made else None) if on_disk else None)
    return before, after


def counting(memo: Memo | None, point: str, entry: Entry[CoMentions] = CO_MENTIONS,
             start: Callable[[Sequence[Entity]], CoMentions] = count,
             same_as: Callable[[], CoMentions | None] | None = None) -> Callable[[Sequence[Entity]], CoMentions]:
    """How to count at ``point``: from nothing, or with a memo from its last counts (kept in
    ``entry``); ``start`` counts when there are none. Counts equal to ``same_as()``'s are
    handed back as those and not kept (the next build starts from ``start``)."""
    if memo is None or not memo.remembers(entry):
        return start
    key = digest("co-mentions", point)

    def kept(counted: CoMentions) -> CoMentions:
        twin = same_as() if same_as is not None else None
        if twin is not None and counted == twin:
            memo.take(entry, key)  # what an earlier build kept goes: the next starts from ``start``
            return twin
        # On disk each entity's counts are packed (see ``packed_counts``): an edit reads back
        # and writes again only the counts it touched. The site holds them packed too: as
        # dictionaries they are the largest part of it (4.3 million pairs at 10,000
        # articles, 120 MB, against a tenth of that packed), and only the exports read them
        # all, once each.
        if memo.on_disk:
            counted = replace(counted, pairs=packed_pairs(counted.pairs))
        memo.put(entry, key, counted)
        return counted

    def kept_count(entities: Sequence[Entity]) -> CoMentions:
        last = memo.get(entry, key)
        if last is None:
            return kept(start(entities))
        now = updated(last, entities)
        # An edit that names no entity otherwise (a title, a date, a word) leaves the counts
        # as they were: kept as read, not written to the memo file again (a third of a
        # second at 10,000 articles). Unchanged parts are the very values read, so
        # comparing them costs next to nothing.
        return last if now == last else kept(now)
    return kept_count


def updated(last: CoMentions, entities: Sequence[Entity]) -> CoMentions:
    """``count(entities)``, worked out from ``last`` (the counts of other entities)."""
    order, keys = ranked(entities)
    rank = ranks(order)
    members, named, touched = _members_updated(last, entities, keys, rank)
    changed = [a for a in touched if last.members.get(a) != members.get(a)]
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
    related = {}
    for entity in entities:
        before = last.related.get(entity.id)
        if before is not None and entity.id not in dirty:
            related[entity.id] = before
        else:
            found = strongest(pairs.get(entity.id), rank, order)
            related[entity.id] = before if before == found else found
    return CoMentions(members, pairs, related, keys, named, {e.id: e.articles for e in entities})


def _members_updated(last: CoMentions, entities: Sequence[Entity], keys: Mapping[str, str],
                     rank: Mapping[str, int]) -> tuple[dict, dict, set[str]]:
    """Each article's entities (all, and those counted) brought up to date from ``last``'s,
    and the articles whose lists may differ: those of the entities whose articles or name
    key changed, or that came or went. An entity's articles are compared by value (an
    unchanged entity's tuple compares item by item, each the same string, in C)."""
    named = dict(last.named)
    touched: set[str] = set()
    now = {e.id: e.articles for e in entities}
    for entity_id, articles in now.items():
        before = last.articles.get(entity_id)
        if before == articles and last.keys.get(entity_id) == keys[entity_id]:
            continue
        # Its articles now and before: in each, it came, went or moved in the rank order.
        before = before or ()
        touched.update(before)
        touched.update(articles)
        for article_id in set(before) - set(articles):
            named[article_id] = tuple(i for i in named[article_id] if i != entity_id)
        for article_id in set(articles) - set(before):
            named[article_id] = named.get(article_id, ()) + (entity_id,)
    for entity_id in last.articles.keys() - now.keys():  # gone (or known by another id now)
        for article_id in last.articles[entity_id]:
            touched.add(article_id)
            named[article_id] = tuple(i for i in named[article_id] if i != entity_id)
    members = dict(last.members)
    for article_id in touched:
        ids = named.get(article_id)
        if ids:
            ids = named[article_id] = tuple(sorted(ids, key=rank.__getitem__))
            members[article_id] = counted(ids)
        else:
            named.pop(article_id, None)
            members.pop(article_id, None)
    return members, named, touched
