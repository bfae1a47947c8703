"""The known name a mistyped key most likely meant, for "did you mean" hints."""
from __future__ import annotations

import difflib
from typing import Iterable


def nearest(key: str, known: Iterable[str]) -> str | None:
    """The known key closest to ``key`` ('titel' -> 'title', 'same-as' -> 'same_as'), if any is close."""
    plain = key.strip().lower().replace("-", "_").replace(" ", "_")
    close = difflib.get_close_matches(plain, list(known), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(key: str, known: Iterable[str]) -> str:
    """A hint naming the nearest known key, else all of them."""
    known = list(known)
    match = nearest(key, known)
    return f"did you mean '{match}'?" if match else f"the keys are: {', '.join(known)}"
