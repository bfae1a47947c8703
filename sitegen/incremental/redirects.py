"""Redirects planned again only when what they are planned from changed.

``redirects.plan_redirects`` reads each entity's id, name and aliases (and an unpaged
one's newest article) and the site's address history. A preview keeps the last plan with
those values and compares them with now's: a save rarely renames anything, and comparing
them costs less than planning for every entity again. ``sitegen build`` plans afresh (keeping
the values on disk would cost more to read back than planning does).
"""
from __future__ import annotations

from typing import Mapping, NamedTuple, Sequence

from ..model import Entity
from ..site.redirects import Redirect, plan_redirects
from .digest import digest
from .memo import Entry, Memo


class _Planned(NamedTuple):
    made_from: tuple  # what planning read (see ``planned_redirects``)
    redirects: tuple[Redirect, ...]


LAST_PLANNED = Entry[_Planned]("redirects planned")


def planned_redirects(memo: Memo | None, entities: Sequence[Entity], history: Mapping[str, Sequence[str]],
                      unpaged: Sequence[Entity] = ()) -> tuple[Redirect, ...]:
    """``plan_redirects``, handed back from the last build where its inputs are equal."""
    if memo is None or not memo.remembers(LAST_PLANNED):
        return plan_redirects(entities, history, unpaged)
    made_from = (tuple((e.id, e.name, e.aliases) for e in entities),
                 tuple((e.id, e.name, e.aliases, e.articles[:1]) for e in unpaged),
                 {old: tuple(names) for old, names in history.items()})
    key = digest(LAST_PLANNED.name)
    last = memo.get(LAST_PLANNED, key)
    if last is None or last.made_from != made_from:
        last = _Planned(made_from, plan_redirects(entities, history, unpaged))
    memo.put(LAST_PLANNED, key, last)
    return last.redirects
