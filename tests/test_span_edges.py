"""Spans that are not names as written: handles, photo credits, names the model cut short."""
from __future__ import annotations

import pytest

from sitegen.nlp.clean import clean_mentions
from sitegen.nlp.extract import Extraction


def _found(text: str, span: str, label: str) -> list[tuple[str, str]]:
    start = text.index(span)
    return [(m.text, m.label) for m in clean_mentions(text, Extraction(((start, start + len(span), label),), (0,)))]


@pytest.mark.parametrize("text,span,label", [
    ("Credit Alessandro Grassani for The New York Times", "Credit Alessandro Grassani", "PERSON"),
    ("Credit Alessandro Grassani for The New York Times", "The New York Times", "ORG"),
    ("Credits: Maria Lopez", "Maria Lopez", "PERSON"),
    ("Photo by Maria Lopez", "Maria Lopez", "PERSON"),
    ("The prince smiled. WPA Pool/Getty Images", "WPA Pool/Getty Images", "ORG"),
    ("Donations to @JDRF doubled.", "JDRF", "ORG"),
    ("Join us at #MeToo events.", "MeToo", "ORG"),
])
def test_credits_and_handles_are_not_names_in_the_news(text, span, label):
    assert _found(text, span, label) == []


@pytest.mark.parametrize("text,span,label,expected", [
    ("A film by Brian de Palma opened.", "Palma", "PERSON", [("Brian de Palma", "person")]),
    ("Books at the Library of Congress were moved.", "Congress", "ORG", [("Library of Congress", "organisation")]),
    # Not a role, and not any capitalised word before "of".
    ("The President of France spoke.", "France", "GPE", [("France", "place")]),
    ("Leaders of NATO met.", "NATO", "ORG", [("NATO", "organisation")]),
    # A caption that describes the picture still names the people in it.
    ("Photo: Donald Trump at a rally.", "Donald Trump", "PERSON", [("Donald Trump", "person")]),
])
def test_a_name_the_model_started_too_late_is_whole_again(text, span, label, expected):
    assert _found(text, span, label) == expected
