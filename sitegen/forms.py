"""A name form: one spelling of a name in an article, with the mentions written that way."""
from __future__ import annotations

import re
from collections import Counter

from .model import RawMention

_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?\s+(?=[\"'“‘(]?[A-Z])")


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


def sentence_around(text: str, s: int, e: int, existing) -> tuple[int, int]:
    """Sentence bounds for an added mention: those of a known mention around it, else its line."""
    for m in existing:
        if m.sentence_start <= s and e <= m.sentence_end:
            return m.sentence_start, m.sentence_end
    # No mention found there yet: cut the line at the sentence ends around the span.
    start = text.rfind("\n", 0, s) + 1
    end = text.find("\n", e)
    end = len(text) if end < 0 else end
    before = list(_SENTENCE_END.finditer(text, start, s))
    if before:
        start = before[-1].end()
    after = _SENTENCE_END.search(text, e, end)
    if after:
        end = after.start() + 1
    return start, end
