"""A small disjoint-set structure: the merging of names into entities is a union of sets."""
from __future__ import annotations

from typing import Hashable, Iterable


class UnionFind:
    def __init__(self, items: Iterable[Hashable] = ()):
        self._parent: dict = {}
        for item in items:
            self.add(item)

    def add(self, item: Hashable) -> None:
        self._parent.setdefault(item, item)

    def find(self, item: Hashable):
        parent = self._parent
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    def union(self, keep: Hashable, other: Hashable) -> None:
        """Join the sets of ``keep`` and ``other``; ``keep``'s root stays the root."""
        a, b = self.find(keep), self.find(other)
        if a != b:
            self._parent[b] = a

    def groups(self) -> dict:
        out: dict = {}
        for item in self._parent:
            out.setdefault(self.find(item), []).append(item)
        return out
