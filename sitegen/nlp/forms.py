"""A name form: one spelling of a name in an article, with the mentions written that way."""
from __future__ import annotations

from collections import Counter

from ..model import RawMention


class NameForm:
    """One spelling of a name (its key) and the mentions written that way.

    Votes and the usual spelling are asked for many times while chains are followed,
    so they are computed once and recomputed only when a mention is added.
    """

    __slots__ = ("key", "tokens", "mentions", "_votes", "_surface")

    def __init__(self, key: str):
        self.key = key
        self.tokens = key.split()
        self.mentions: list[RawMention] = []
        self._votes: Counter | None = None
        self._surface: str | None = None

    def add(self, mention: RawMention) -> None:
        self.mentions.append(mention)
        self._votes = self._surface = None

    @property
    def votes(self) -> Counter:
        if self._votes is None:
            self._votes = Counter(m.label for m in self.mentions)
        return self._votes

    @property
    def surface(self) -> str:
        """The spelling the article uses most for this form."""
        if self._surface is None:
            self._surface = Counter(m.text for m in self.mentions).most_common(1)[0][0]
        return self._surface


def surface(form: NameForm) -> str:
    return form.surface
