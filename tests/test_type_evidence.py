"""Type evidence the model lacks: given names, sports results, known towns, other readings.

Each test hands the rules the very (wrong) reading the small model gives on real news,
as an Extraction, so the check does not depend on what the model happens to find.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.nlp.chains import OTHER, cluster_article
from sitegen.nlp.clean import clean_mentions, other_readings
from sitegen.nlp.evidence import is_personal_name, sports_context
from sitegen.nlp.extract import Extraction
from sitegen.model import Article
from sitegen.entities.resolve import resolve
from sitegen.nlp.sentences import SentenceBounds


def _clusters(text: str, *spans: tuple[str, str, int]) -> dict[str, str]:
    """Name -> type of each cluster, from (surface, label, occurrence) spans."""
    found = []
    for surface, label, nth in spans:
        start = -1
        for _ in range(nth + 1):
            start = text.index(surface, start + 1)
        found.append((start, start + len(surface), label))
    starts = (0,) + tuple(i + 2 for i, c in enumerate(text) if c == "." and i + 2 < len(text))
    extraction = Extraction(tuple(sorted(found)), starts)
    bounds = SentenceBounds(text, starts)
    mentions = clean_mentions(text, extraction, bounds=bounds)
    clusters = cluster_article("a", text, mentions, bounds, other_readings(text, extraction))
    return {c.name: c.type for c in clusters}


def test_a_given_name_makes_a_person_of_a_name_read_as_an_organisation():
    text = "Irina Privalova won the 400 metres in a season's best time."
    assert _clusters(text, ("Irina Privalova", "ORG", 0)) == {"Irina Privalova": "person"}


@pytest.mark.parametrize("name", ["Georgia Power", "West Germany", "General Motors", "London Stock Exchange",
                                  "Santiago de Cuba", "Victoria Hotel", "IRINA PRIVALOVA", "Irina"])
def test_company_and_place_names_starting_like_a_given_name_are_not_personal(name):
    assert not is_personal_name(name)


def test_a_town_in_a_sports_result_is_its_team_but_the_venue_is_a_place():
    text = "At Wigan, Wigan beat Leeds 3-1 on Saturday."
    found = _clusters(text, ("Wigan", "GPE", 0), ("Wigan", "PERSON", 1), ("Leeds", "GPE", 0))
    assert found["Leeds"] == "organisation"
    mentions = clean_mentions(text, Extraction(((3, 8, "GPE"), (10, 15, "PERSON")), (0,)))
    assert [m.label for m in mentions] == ["place", "organisation"]


def test_a_big_city_read_as_an_organisation_outside_sport_is_a_place():
    text = "Rebels shelled Volgograd overnight, officials said."
    assert _clusters(text, ("Volgograd", "ORG", 0)) == {"Volgograd": "place"}


def test_a_company_sharing_a_small_town_name_stays_a_company():
    text = "Shares of Sterling rose after the results."
    assert _clusters(text, ("Sterling", "ORG", 0)) == {"Sterling": "organisation"}


def test_sports_context_is_a_result_not_a_market_move():
    assert sports_context("Derbyshire beat Worcestershire by nine wickets.")
    assert sports_context("Everton v Arsenal")
    assert not sports_context("The index lost 20 points to 3,410 on 1996-08-30.")


def test_a_name_mostly_read_as_a_nationality_gets_no_page():
    text = "Welsh fans sang. The Welsh team played. Welsh scored."
    found = _clusters(text, ("Welsh", "NORP", 0), ("Welsh", "NORP", 1), ("Welsh", "PERSON", 2))
    assert found == {"Welsh": OTHER}
    article = Article("a", Path("a.md"), "A", dt.date(2024, 1, 1), text, text)
    bounds = SentenceBounds(text, (0,))
    clusters = cluster_article("a", text, clean_mentions(text, Extraction(((44, 49, "PERSON"),), (0,)), bounds=bounds),
                               bounds, {"welsh": 2})
    site = resolve([article], {"a": clusters})
    assert site.entities == ()


def test_one_other_reading_against_one_entity_reading_keeps_the_entity():
    text = "The Welsh team played. Welsh scored."
    assert _clusters(text, ("Welsh", "NORP", 0), ("Welsh", "PERSON", 1)) == {"Welsh": "person"}


def test_a_particle_inside_a_personal_name_keeps_the_given_name_rule():
    text = "Ronald de Boer signed for two more seasons."
    assert _clusters(text, ("Ronald de Boer", "ORG", 0)) == {"Ronald de Boer": "person"}


@pytest.mark.parametrize("name,label", [("Hong Kong Open", "GPE"), ("Glastonbury Festival", "ORG"),
                                        ("Coral Hurdle", "PERSON"), ("New York Toy Fair", "ORG")])
def test_a_name_ending_in_an_event_word_gets_no_page(name, label):
    text = f"Crowds came to the {name} on Saturday."
    assert _clusters(text, (name, label, 0)) == {name: OTHER}


@pytest.mark.parametrize("name,expected", [("Pirelli Cables", "organisation"), ("Cofinec S.A.", "organisation"),
                                           ("Changi Prison", "place")])
def test_a_thing_word_in_a_name_read_as_a_person_corrects_the_type(name, expected):
    text = f"Officials of {name} said nothing on Monday."
    assert _clusters(text, (name, "PERSON", 0)) == {name: expected}


def test_a_dateline_the_model_read_as_an_organisation_is_a_place():
    text = "KHASAVYURT, Russia 1996-08-31\nRebels and troops agreed a truce on Saturday."
    extraction = Extraction(((0, 10, "ORG"),), (0, 30))
    assert [(m.text, m.label) for m in clean_mentions(text, extraction)] == [("KHASAVYURT", "place")]


def _spans(text: str, span: str, label: str) -> list[tuple[str, str]]:
    start = text.index(span)
    return [(m.text, m.label) for m in clean_mentions(text, Extraction(((start, start + len(span), label),), (0,)))]


@pytest.mark.parametrize("text,span,label,expected", [
    # A byline run into a dateline in capitals: the person, then the place.
    ("By Rolf Soderlind LONGYEAR, Norway", "Rolf Soderlind LONGYEAR", "PERSON",
     [("Rolf Soderlind", "person"), ("LONGYEAR", "place")]),
    ("OSLO World leaders met.", "OSLO World", "ORG", [("OSLO", "place"), ("World", "organisation")]),
    ("The NASDAQ Composite fell.", "NASDAQ Composite", "ORG", [("NASDAQ Composite", "organisation")]),
    # An ordinal after a name is the minute of a goal, not part of the name.
    ("Robert Pires 46th scored.", "Robert Pires 46th", "PERSON", [("Robert Pires", "person")]),
    # A nationality or job before a given name and a surname describes the person.
    ("Australian Rodney Eyles won.", "Australian Rodney Eyles", "PERSON", [("Rodney Eyles", "person")]),
    # The model stopped before the bracket closed: the name ends before it.
    ("The World Health Organization (WHO) sent doctors.", "The World Health Organization (WHO", "ORG",
     [("World Health Organization", "organisation")]),
    # A surname that a small town shares stays the person's.
    ("Mary Ann Evans wrote it.", "Mary Ann Evans", "PERSON", [("Mary Ann Evans", "person")]),
])
def test_broken_spans_are_mended(text, span, label, expected):
    assert _spans(text, span, label) == expected


def test_clubs_in_a_results_table_are_teams():
    # The last lines carry no sports word; the report around them does.
    text = ("Glamorgan beat Durham by 141 runs. Kent drew with Essex. Surrey beat Sussex 2-1. "
            "Glamorgan 259 and 207, Durham 114 and 211. Glamorgan 22 points, Durham 4.")
    found = _clusters(text, ("Durham", "GPE", 0), ("Durham", "PERSON", 1), ("Durham", "PERSON", 2))
    assert found == {"Durham": "organisation"}


def test_a_county_read_as_a_person_outside_sport_is_a_place():
    text = "Floods hit Yorkshire overnight, and roads were closed."
    assert _clusters(text, ("Yorkshire", "PERSON", 0)) == {"Yorkshire": "place"}


def test_a_town_and_a_club_word_in_a_sports_report_is_a_team():
    text = "Norwich City beat Leeds 2-0 on Saturday."
    assert _clusters(text, ("Norwich City", "GPE", 0)) == {"Norwich City": "organisation"}


def test_a_kind_of_place_before_a_name_makes_it_a_place():
    text = "Tanks advanced on the Kurdish city of Arbil on Saturday."
    assert _clusters(text, ("Arbil", "ORG", 0)) == {"Arbil": "place"}


def test_a_dateline_after_a_headline_is_a_place():
    text = "Miners fail to report for work. JOHANNESBURG 1996-08-30 Workers stayed home."
    start = text.index("JOHANNESBURG")
    extraction = Extraction(((start, start + 12, "ORG"),), (0,))
    assert [(m.text, m.label) for m in clean_mentions(text, extraction)] == [("JOHANNESBURG", "place")]


@pytest.mark.parametrize("word", ["Ukrainian", "Kuwaiti", "Tajik", "Chinese", "Germans"])
def test_a_people_named_after_a_country_gets_no_page(word):
    text = f"The {word} delegation left early."
    assert _clusters(text, (word, "PERSON", 0)) == {word: OTHER}


@pytest.mark.parametrize("word", ["Jordan", "Morgan", "Syria", "Indiana", "Chinn"])
def test_names_that_look_like_a_people_are_not_one(word):
    from sitegen.nlp.evidence import is_demonym

    assert not is_demonym(word)


def test_a_name_quoted_whole_is_a_title():
    text = 'The court ruled that “Blurred Lines” copied the song.'
    assert _clusters(text, ("Blurred Lines", "PERSON", 0)) == {"Blurred Lines": OTHER}


def test_scare_quotes_and_quoted_speech_leave_a_name_alone():
    text = "Talks with 'Israel' stalled. \"Syria is ready,\" Maria Lopez said."
    found = _clusters(text, ("Israel", "GPE", 0), ("Syria", "GPE", 0), ("Maria Lopez", "PERSON", 0))
    assert found == {"Israel": "place", "Syria": "place", "Maria Lopez": "person"}


def test_a_compass_initial_before_a_countrys_word_is_a_place():
    text = "Talks between N. Korea and Japan resumed."
    assert _clusters(text, ("N. Korea", "PERSON", 0)) == {"N. Korea": "place"}


def test_an_unknown_one_word_place_in_a_sports_report_is_a_club():
    text = ("Atalanta beat Lazio 2-1. Roma drew with Milan 0-0. Parma beat Bari 3-0. "
            "Atalanta are third in the league.")
    assert _clusters(text, ("Atalanta", "GPE", 0), ("Atalanta", "GPE", 1))["Atalanta"] == "organisation"


@pytest.mark.parametrize("text,span,expected", [
    ("Computer Systems Inc Q2 results rose.", "Computer Systems Inc Q2", "Computer Systems Inc"),
    ("Business : Company news", "Business : Company", "Business"),
])
def test_table_words_after_a_company_name_are_cut(text, span, expected):
    assert [t for t, _ in _spans(text, span, "ORG")] == [expected]


def test_a_full_name_with_a_country_in_brackets_is_a_competitor():
    text = "Florian Rousseau ( France ) beat Ainars Kiksis ( Latvia ) 2-0."
    assert _clusters(text, ("Ainars Kiksis", "ORG", 0))["Ainars Kiksis"] == "person"
    # A club is one word; a company's name is no person's either.
    assert _clusters("Benetton ( Italy ) 92 Dinamo ( Russia ) 81.", ("Benetton", "ORG", 0)) == \
        {"Benetton": "organisation"}
