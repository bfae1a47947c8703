"""A name form: one spelling of a name in an article, with the mentions written that way."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .model import RawMention

_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?\s+(?=[\"'“‘(]?[A-Z])")


@dataclass
class NameForm:
    key: str
    mentions: list[RawMention] = field(default_factory=list)

    @property
    def votes(self) -> Counter:
        return Counter(m.label for m in self.mentions)

    @property
    def tokens(self) -> list[str]:
        return self.key.split()


def surface(form: NameForm) -> str:
    """The spelling the article uses most for this form."""
    return Counter(m.text for m in form.mentions).most_common(1)[0][0]


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
