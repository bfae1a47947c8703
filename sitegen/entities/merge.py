"""Across articles: the clusters that name one real-world entity become one group.

Merging is deliberately cautious, because a wrong merge (two people on one page) is
worse than a split: clusters merge on a full name or a defined acronym, never on a bare
surname that more than one known person carries. Editor's judgements are applied here,
and their ``not_same`` lists veto any merge.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Hashable, NamedTuple, Sequence

from ..nlp.chains import Cluster
from ..content.judgements import Judgement
from .merge_blocks import Picked, merge_by_block
from ..names import is_mixed_case, name_key, org_core, person_tokens, strip_particle
from ..nlp.places import gazetteer
from ..unionfind import UnionFind


@dataclass(frozen=True)
class Group:
    """The clusters of one entity, across the whole site. Frozen: the entity made from
    it is kept under its digest (see ``incremental.entities``)."""

    clusters: Sequence[Cluster]
    type: str
    name: str
    reasons: list[str] = field(default_factory=list)
    judgement: Judgement | None = None
    # A digest of what the group was merged from, where the merge that made it names one
    # (a build keeping its merges on disk: see ``incremental.stored_entities``); not part
    # of the group's value.
    merged_from: str = field(default="", compare=False, repr=False)
    # Worked out from the clusters once, when the group is made (unless given, by a merge
    # that knows them without reading the clusters): every build asks them of every
    # group, and a preview keeps the groups of the blocks an edit did not touch.
    articles: tuple[str, ...] = field(default=(), compare=False, repr=False)  # in the clusters' order
    mention_count: int = field(default=-1, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.mention_count < 0:
            object.__setattr__(self, "articles", tuple(dict.fromkeys(c.article_id for c in self.clusters)))
            object.__setattr__(self, "mention_count", sum(len(c.mentions) for c in self.clusters))


def canonical_key(cluster: Cluster) -> str:
    return _canonical_key(cluster.type, cluster.name, cluster.name_key)


@lru_cache(maxsize=65536)  # a site names the same few thousand things in every build
def _canonical_key(kind: str, name: str, key: str) -> str:
    if kind == "person":
        return key
    places = gazetteer()
    if kind == "place":
        canonical = places.canonical(name)  # "U.S." and "United States" are one
        return name_key(canonical) if canonical else key
    words = name.split()
    if len(words) >= 3 and places.canonical(words[0]):
        # "U.S. Securities and Exchange Commission" is the "Securities and Exchange Commission".
        return org_core(name_key(" ".join(words[1:])))
    return org_core(key)


def name_keys(clusters: Sequence[Cluster]) -> frozenset[str]:
    """Every name key some cluster of an article goes by: each form the article writes,
    and each key merging goes by (see ``_Merger.editor_judgements``)."""
    keys: set[str] = set()
    for c in clusters:
        keys.update(c.forms)
        keys.update(c.strong_keys)
        keys.add(c.name_key)
        keys.add(canonical_key(c))
    return frozenset(keys)


def merge_clusters(clusters: Sequence[Cluster], judgements: Sequence[Judgement] = ()) -> list[Group]:
    """The groups of ``clusters``, each one entity."""
    return merge_articles([(0, clusters)], judgements)


def merge_articles(articles: Sequence[tuple[Hashable, Sequence[Cluster]]], judgements: Sequence[Judgement] = ()
                   ) -> list[Group]:
    """The groups of every article's clusters, each one entity.

    ``articles`` are (place, clusters) pairs in site order, each place unique to its
    article and sorting in that order. Merged block by block (see ``merge_blocks``).
    """
    return merge_by_block(articles, judgements, canonical_key, lambda clusters, notes, _: merge_block(clusters, notes))


class ClusterSummary(NamedTuple):
    """What merging (``merged_block``) and making an entity (``resolve.entity_of``) read of
    a cluster but its mentions, which they only count. A large block's clusters come from
    thousands of articles; a build that keeps them on disk reads these instead (see
    ``incremental.stored_entities``)."""

    article_id: str
    type: str
    name: str
    name_key: str
    strong_keys: frozenset[str]
    mention_count: int
    surfaces: tuple[tuple[str, int], ...]  # each way its mentions are written, with how many
    reasons: tuple[str, ...]

    @classmethod
    def of(cls, cluster: Cluster) -> "ClusterSummary":
        return cls(cluster.article_id, cluster.type, cluster.name, cluster.name_key, frozenset(cluster.strong_keys),
                   len(cluster.mentions), cluster.surfaces, tuple(cluster.reasons))


class MergedGroup(NamedTuple):
    """A group as places in its block's lists: plain values, which a build can keep."""

    root: int  # its root cluster's index in the block's clusters
    members: tuple[int, ...]  # its clusters' indexes, in order
    type: str
    name: str
    reasons: tuple[str, ...]
    judgement: int | None  # its note's index in the block's judgements
    mention_count: int  # of its clusters, all told


def merge_block(clusters: Sequence[Cluster], judgements: Sequence[Judgement]) -> list[tuple[int, Group]]:
    """The groups of one block's ``clusters``: (root cluster's index, group), in the roots' order."""
    return block_groups(merged_block(clusters, judgements), clusters, judgements)


def merged_block(clusters: Sequence[Cluster | ClusterSummary], judgements: Sequence[Judgement]) -> list[MergedGroup]:
    """``merge_block``'s groups as places in ``clusters`` (or their summaries: the same
    groups) and ``judgements``."""
    merger = _Merger(clusters, judgements)
    merger.same_name()
    merger.known_alias()
    merger.editor_judgements()
    merger.surname_only()
    return merger.groups()


def block_groups(merged: Sequence[MergedGroup], clusters: Sequence[Cluster], judgements: Sequence[Judgement],
                 merged_from: Sequence[str] = (), article_ids: Sequence[str] = ()) -> list[tuple[int, Group]]:
    """The groups ``merged`` names in ``clusters`` and ``judgements``, with their roots;
    ``merged_from``: each one's ``Group.merged_from``. With ``article_ids`` (each cluster's
    article), the groups are made without reading a cluster: each holds a view of its
    clusters in ``clusters``, read only if the group's clusters are asked for."""
    ids = article_ids or [c.article_id for c in clusters]
    return [(g.root, Group(Picked(clusters.__getitem__, g.members) if article_ids else [clusters[i] for i in g.members],
                           g.type, g.name, list(g.reasons),
                           judgements[g.judgement] if g.judgement is not None else None,
                           merged_from[n] if merged_from else "",
                           tuple(dict.fromkeys(ids[i] for i in g.members)), g.mention_count))
            for n, g in enumerate(merged)]


class _Merger:
    def __init__(self, clusters: Sequence[Cluster | ClusterSummary], judgements: Sequence[Judgement]):
        self.clusters = list(clusters)
        self.judgements = list(judgements)
        self.uf = UnionFind(range(len(self.clusters)))
        self.canonical = [canonical_key(c) for c in self.clusters]
        # Each group's keys, for the notes' vetoes and for finding a group's note: none
        # without notes (a large block's 25,000 sets, made and joined for nothing).
        self.keys = {i: {self.canonical[i]} | c.strong_keys for i, c in enumerate(self.clusters)} \
            if self.judgements else None
        self.reasons: dict[int, list[str]] = defaultdict(list)

    # -- the merge steps, in order of confidence --------------------------------------
    def same_name(self) -> None:
        """One full name, one entity, whatever type each article's model read it as.

        A one-word name is weaker evidence: "Ford" the person and "Ford" the company
        stay apart, so only clusters of the same family (person or not) merge on it.
        """
        by_key: dict[tuple, list[int]] = defaultdict(list)
        for i, c in enumerate(self.clusters):
            key = self.canonical[i]
            family = _family(c.type) if " " not in key else None
            by_key[(key, family)].append(i)
        for members in by_key.values():
            for i in members[1:]:
                self.union(members[0], i, None)

    def known_alias(self) -> None:
        """A cluster named only 'IMF' joins the one group that defined 'IMF' elsewhere."""
        alias_owner: dict[str, set[int]] = defaultdict(set)
        for i, c in enumerate(self.clusters):
            for key in c.strong_keys - {self.canonical[i]}:
                alias_owner[key].add(self.uf.find(i))
        places = gazetteer()
        groups: dict[int, list[int]] = {}
        group_types: dict[int, str] = {}

        def group_type(i: int) -> str:
            """What ``i``'s group is read as, by its mentions (as its entity will be typed)."""
            root = self.uf.find(i)
            if root not in group_types:
                if not groups:
                    groups.update(self._current_groups())
                group_types[root] = self._vote(groups.get(root, [i]))
            return group_types[root]

        for i, c in enumerate(self.clusters):
            key = self.canonical[i]
            owners = {self.uf.find(o) for o in alias_owner.get(key, ())
                      if _family(self.clusters[o].type) == _family(c.type)} - {self.uf.find(i)}
            # A place's one-word name ("London") that one article used as an organisation's
            # short form (of the London International Financial Futures Exchange) still
            # names the place wherever it is read as one: a group read as that place takes
            # the alias only from another place.
            if owners and " " not in key and places.is_place(key) and group_type(i) == "place":
                owners = {o for o in owners if group_type(o) == "place"}
            if len(owners) == 1:
                owner = owners.pop()
                self.union(owner, i, f"“{c.name}” ({c.article_id}) is another name of "
                                     f"“{self.clusters[owner].name}” in another article")

    def editor_judgements(self) -> None:
        for j in self.judgements:
            wanted = j.merge_keys
            members = [i for i, c in enumerate(self.clusters)
                       if self.canonical[i] in wanted or c.name_key in wanted or (c.strong_keys & wanted)]
            for i in members[1:]:
                self.union(members[0], i, f"editor: {j.path.name} names “{self.clusters[i].name}” as this entity",
                           force=True)

    def surname_only(self) -> None:
        """'Trump' alone joins the one known 'Donald Trump'; with two Bushes it joins none."""
        groups = self._current_groups()
        types = {root: self._vote(members) for root, members in groups.items()}
        full_by_last: dict[str, set[int]] = defaultdict(set)
        full_by_first_last: dict[tuple[str, str], set[int]] = defaultdict(set)
        for root, members in groups.items():
            if types[root] != "person":
                continue
            for i in members:
                tokens = person_tokens(self.clusters[i].name_key)
                if len(tokens) >= 2:
                    full_by_last[strip_particle(tokens[-1])].add(root)
                    if len(tokens) >= 3:
                        full_by_first_last[(tokens[0], strip_particle(tokens[-1]))].add(root)
        for root, members in groups.items():
            if types[root] != "person":
                continue
            tokens = person_tokens(self.clusters[members[0]].name_key)
            if any(len(person_tokens(self.clusters[i].name_key)) > len(tokens) for i in members):
                continue
            if len(tokens) == 1:
                candidates = full_by_last.get(strip_particle(tokens[0]), set()) - {root}
            elif len(tokens) == 2:
                candidates = full_by_first_last.get((tokens[0], strip_particle(tokens[-1])), set()) - {root}
            else:
                continue
            candidates = {self.uf.find(c) for c in candidates}
            if len(candidates) == 1:
                target = candidates.pop()
                self.union(target, root, f"“{self.clusters[target].name}” is the only known person "
                                         f"called “{self.clusters[root].name}” ({self.clusters[root].article_id})")

    # -- machinery ----------------------------------------------------------------------
    def union(self, keep: int, other: int, reason: str | None, force: bool = False) -> None:
        a, b = self.uf.find(keep), self.uf.find(other)
        if a == b or (not force and self._vetoed(a, b)):
            return
        self.uf.union(a, b)
        if self.keys is not None:
            self.keys[a] |= self.keys.pop(b)
        self.reasons[a].extend(self.reasons.pop(b, []))
        if reason:
            self.reasons[a].append(reason)

    def _vetoed(self, a: int, b: int) -> bool:
        for j in self.judgements:
            if not j.not_same:
                continue
            if (self.keys[a] & j.merge_keys and self.keys[b] & j.apart_keys) or \
                    (self.keys[b] & j.merge_keys and self.keys[a] & j.apart_keys):
                return True
        return False

    def _current_groups(self) -> dict[int, list[int]]:
        return self.uf.groups()

    def _vote(self, members: list[int]) -> str:
        votes: Counter = Counter()
        for i in members:
            votes[self.clusters[i].type] += self.clusters[i].mention_count
        return max(sorted(votes), key=lambda t: votes[t])

    def groups(self) -> list[MergedGroup]:
        """The groups, in the order of their roots."""
        out = []
        for root, members in sorted(self._current_groups().items()):
            members = sorted(members)
            at = self._judgement_for(root, members) if self.judgements else None
            judgement = self.judgements[at] if at is not None else None
            kind = (judgement.type if judgement and judgement.type else None) or self._vote(members)
            name = judgement.name if judgement else _best_name([self.clusters[i] for i in members])
            out.append(MergedGroup(root, tuple(members), kind, name, tuple(self.reasons.get(root, ())), at,
                                   sum(self.clusters[i].mention_count for i in members)))
        return out

    def _judgement_for(self, root: int, members: list[int]) -> int | None:
        """The index of the first note naming a key of the group."""
        keys = self.keys[root] | {self.clusters[i].name_key for i in members}
        for at, j in enumerate(self.judgements):
            if j.merge_keys & keys:
                return at
        return None


def _family(kind: str) -> str:
    """People are never merged with places or organisations on a one-word name."""
    return "person" if kind == "person" else "other"


def _best_name(clusters: list[Cluster | ClusterSummary]) -> str:
    """The fullest, most used spelling; headline capitals only when nothing else exists."""
    counts = Counter(c.name for c in clusters)
    return max(counts, key=lambda n: (is_mixed_case(n), len(name_key(n).split()) > 1 and not _is_acronym(n),
                                      counts[n], len(n), n))


def _is_acronym(name: str) -> bool:
    return name.isupper() and " " not in name
