"""The sentence around a span: what a dossier shows beside each mention."""
from __future__ import annotations

from bisect import bisect_right
from typing import Sequence

from ..content.markup import text_blocks


class SentenceBounds:
    """Sentences as the model split them, never running past the end of a text block."""

    def __init__(self, text: str, sentence_starts: Sequence[int]):
        self.text = text
        blocks = text_blocks(text)
        starts = set(sentence_starts) | {b[0] for b in blocks}
        self.starts = sorted(starts) or [0]
        self.block_ends = sorted(b[1] for b in blocks)

    def around(self, s: int, e: int) -> tuple[int, int]:
        i = max(0, bisect_right(self.starts, s) - 1)
        start = self.starts[i]
        end = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
        j = bisect_right(self.block_ends, s)
        if j < len(self.block_ends):
            end = min(end, self.block_ends[j])
        end = max(end, e)
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return start, end
