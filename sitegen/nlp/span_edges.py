"""Spans that are not names as written: handles, photo credits, names cut short.

Modern news pages carry text the model reads as prose: a photo credit under a picture
("Credit Alessandro Grassani for The New York Times", "WPA Pool/Getty Images"), a social
media handle ("@JDRF"). And the model sometimes starts a name too late, after the
particle of a surname ("Brian de | Palma") or the "of" of an institution ("Library of |
Congress"). Each rule works on the shape of the text, for any name.
"""
from __future__ import annotations

import re

from .evidence import ORGANISATION_WORDS
from ..names import NAME_PARTICLES, TITLES

# A caption's credit line: "Credit Name", "Credits: ...", "Photo by ...", "Courtesy of ...".
_CREDIT_LINE = re.compile(
    r"\s*(?:Credits?\b:?|(?:Photo(?:graph)?s?|Pictures?|Images?|Illustrations?|Video)\s+by\b|Courtesy\s+of\b)")
# "Pool/Getty Images", "Reuters/Stringer": two credits joined by a slash.
_SLASHED = re.compile(r"\w/[A-Z]")
# Before a surname particle or an institution's "of", the name's first part.
_CUT_PERSON = re.compile(r"\b([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?\s+(?:%s))\s+$" % "|".join(
    sorted((p for p in NAME_PARTICLES if p not in {"of", "the", "y", "e"}), key=len, reverse=True)))
_CUT_OF = re.compile(r"\b([A-Z][\w'’-]+\s+of(?:\s+the)?)\s+$")

# Kinds of institution named "X of Y": "Library of Congress", "Bank of England".
INSTITUTION_WORDS = ORGANISATION_WORDS | {"library", "museum", "gallery", "academy", "house", "chamber",
                                          "church", "order", "society", "federation", "institution"}


def is_handle(text: str, start: int) -> bool:
    """A social media handle or hashtag: "@JDRF", "#MeToo"."""
    return start > 0 and text[start - 1] in "@#"


def is_credit(text: str, start: int, end: int, sentence_start: int) -> bool:
    """A name inside a photo credit: the credit line of a caption, or "X/Y" agency credits."""
    if _SLASHED.search(text, start, end):
        return True
    line_start = max(sentence_start, text.rfind("\n", 0, start) + 1)
    return bool(_CREDIT_LINE.match(text, line_start, end))


def extend_left(text: str, start: int, kind: str) -> int:
    """Where a name the model started too late really starts: "Brian de Palma", not
    "Palma"; "Library of Congress", not "Congress"."""
    before = text[max(0, start - 40):start]
    pattern = _CUT_PERSON if kind == "person" else _CUT_OF if kind == "organisation" else None
    match = pattern.search(before) if pattern else None
    if not match:
        return start
    head = match.group(1).split()[0].casefold().rstrip(".")
    if head in TITLES:
        return start  # "President of | France": a role, not part of the name
    if kind == "organisation" and head not in INSTITUTION_WORDS:
        return start  # "Leaders of | NATO": only a kind of institution takes the "of"
    return start - len(before) + match.start(1)
