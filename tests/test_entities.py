"""Entity quality on small hand-written articles, and the editor's judgements.

The sentences are written so that the small English model finds the names in them; each
test checks what sitegen makes of those names: one page per real-world entity, never two
people on one page.
"""
from __future__ import annotations

import pytest

from sitegen.nlp.clean import clean_mentions
from sitegen.nlp.extract import Extraction

from conftest import SiteFolder


def _by_name(site: SiteFolder) -> dict[str, dict]:
    entities = site.entities()
    names = [e["name"] for e in entities]
    assert len(names) == len(set(names)), f"two entities share a name: {sorted(names)}"
    return {e["name"]: e for e in entities}


def _owners(site: SiteFolder, surface: str) -> list[dict]:
    """Entities whose name or aliases hold ``surface``."""
    return [e for e in site.entities() if e["name"] == surface or surface in e["aliases"]]


def _built(site: SiteFolder, build_site) -> SiteFolder:
    result = build_site(site)
    assert result.ok, [str(e) for e in result.errors]
    return site


# ---- within one article ---------------------------------------------------------------


def test_surname_joins_the_full_name_in_an_article(site, build_site):
    site.add_article("library", title="New library", body=(
        "Maria Lopez visited a school in Denver on Tuesday. "
        "Speaking to teachers, Lopez said the school needed more money."
    ))
    _built(site, build_site)
    entities = _by_name(site)
    lopez = entities["Maria Lopez"]
    assert lopez["type"] == "person"
    assert lopez["aliases"] == ["Lopez"]
    assert lopez["mention_count"] == 2
    assert "Lopez" not in entities
    assert [e["name"] for e in _owners(site, "Lopez")] == ["Maria Lopez"]
    assert any("Lopez" in reason for reason in lopez["merge_reasons"])
    # Both mentions link to the one dossier.
    mentions = next(a for a in site.entities_json()["articles"] if a["id"] == "library")["mentions"]
    assert {m["entity"] for m in mentions if "Lopez" in m["text"]} == {lopez["id"]}


def test_surname_read_as_an_organisation_still_joins_the_person(site, build_site):
    # The model reads the bare "Novak" after the full name as an organisation; it is
    # still the Prime Minister, not an organisation of that name.
    site.add_article("fuel", title="Fuel prices", body=(
        "Prime Minister Jan Novak met farmers in Prague on Friday. "
        "Novak told them that fuel would become cheaper."
    ))
    _built(site, build_site)
    entities = _by_name(site)
    assert "Jan Novak" in entities
    assert entities["Jan Novak"]["type"] == "person"
    assert "Novak" not in entities, f"the surname became an entity of its own: {entities.get('Novak')}"
    assert entities["Jan Novak"]["mention_count"] == 2


def test_defined_acronym_is_an_alias(site, build_site):
    site.add_article("rules", title="New rules", body=(
        "The Federal Agency for Things (FAT) published new rules on Monday. "
        "A spokesman for FAT said the rules would take effect in March.\n\n"
        "Critics of FAT were not convinced."
    ))
    _built(site, build_site)
    entities = _by_name(site)
    agency = entities["Federal Agency for Things"]  # "The" is not part of the name
    assert agency["type"] == "organisation"
    assert "FAT" in agency["aliases"]
    assert "FAT" not in entities
    assert [e["name"] for e in _owners(site, "FAT")] == ["Federal Agency for Things"]
    # The long form and every later use of the acronym.
    assert agency["mention_count"] >= 3
    assert any("FAT" in reason for reason in agency["merge_reasons"])


def test_titles_are_not_part_of_a_name(site, build_site):
    site.add_article("budget", title="Budget", body=(
        "Prime Minister Jan Novak presented the budget in Prague on Friday.\n\n"
        "Governor Ellen Marsh signed the bill in Denver. Marsh thanked the voters."
    ))
    _built(site, build_site)
    entities = _by_name(site)
    assert entities["Jan Novak"]["type"] == "person"
    assert entities["Ellen Marsh"]["type"] == "person"
    for name in entities:
        words = set(name.casefold().split())
        assert not words & {"prime", "minister", "governor"}, f"a title stayed in {name!r}"


def test_possessive_is_not_part_of_a_name(site, build_site):
    site.add_article("speech", title="Speech", body=(
        "Hannah Schmidt's speech in Vienna was praised on Monday. "
        "Hannah Schmidt thanked the organisers."
    ))
    _built(site, build_site)
    entities = _by_name(site)
    schmidt = entities["Hannah Schmidt"]
    assert schmidt["mention_count"] == 2
    assert not any("'" in n or "\u2019" in n for n in entities), sorted(entities)
    assert not any("'" in a for e in entities.values() for a in e["aliases"])
    mentions = site.entities_json()["articles"][0]["mentions"]
    assert [m["text"] for m in mentions if m["entity"] == schmidt["id"]] == ["Hannah Schmidt"] * 2


def _clean(text: str, span_text: str, label: str) -> list:
    start = text.index(span_text)
    return clean_mentions(text, Extraction(((start, start + len(span_text), label),), (0,)))


@pytest.mark.parametrize(
    "text, span, label, expected",
    [
        ("Prime Minister Jan Novak met farmers.", "Prime Minister Jan Novak", "PERSON", "Jan Novak"),
        ("Then Vice President JD Vance spoke.", "Vice President JD Vance", "PERSON", "JD Vance"),
        ("Critics attacked Jan Novak's plan.", "Jan Novak's", "PERSON", "Jan Novak"),
        ("The Kremlin's reply came late.", "The Kremlin's", "ORG", "Kremlin"),
        ("The dispute with 'Norway' went on.", "'Norway'", "GPE", "Norway"),
        ("Voters cheered \u201cMaria Lopez\u201d loudly.", "\u201cMaria Lopez\u201d", "PERSON", "Maria Lopez"),
        ("He met Hannah Schmidt, then left.", "Hannah Schmidt,", "PERSON", "Hannah Schmidt"),
        ("They visited the United States.", "the United States", "GPE", "United States"),
        ("They met in Oslo.[^1] Later", "Oslo.[^1", "GPE", "Oslo"),
        ("Shown as text: <b>Maria Lopez</b> spoke.", "Maria Lopez</b", "PERSON", "Maria Lopez"),
        ("Paxar Corp PXR said sales rose.", "Paxar Corp PXR", "ORG", "Paxar Corp"),
        ("Lopez was fourth, A Smith 5-68 took the wicket.", "A Smith 5-68", "PERSON", "A Smith"),
    ],
)
def test_span_clean_up(text, span, label, expected):
    mentions = _clean(text, span, label)
    assert [m.text for m in mentions] == [expected]
    m = mentions[0]
    assert text[m.start:m.end] == expected  # offsets move with the text
    assert m.sentence_start <= m.start < m.end <= m.sentence_end


def test_span_clean_up_notes_what_it_removed():
    (title,) = _clean("Prime Minister Jan Novak met farmers.", "Prime Minister Jan Novak", "PERSON")
    assert "title" in title.note
    (possessive,) = _clean("Critics attacked Jan Novak's plan.", "Jan Novak's", "PERSON")
    assert "possessive" in possessive.note


def test_dates_and_other_labels_are_not_entities():
    text = "On Monday Maria Lopez paid 5 dollars."
    extraction = Extraction(((3, 9, "DATE"), (3, 9, "PERSON"), (10, 21, "PERSON"), (27, 36, "MONEY")), (0,))
    assert [m.text for m in clean_mentions(text, extraction)] == ["Maria Lopez"]


# ---- across articles ------------------------------------------------------------------


def test_people_sharing_a_surname_are_never_fused(site, build_site):
    site.add_article("award", title="Chemistry award", date="2025-03-01",
                     body="Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues.")
    site.add_article("match", title="Match report", date="2025-03-02",
                     body="Erik Berg, a footballer, scored twice in Oslo. Berg celebrated with the fans.")
    site.add_article("comment", title="No comment", date="2025-03-03",
                     body="Berg was not available for comment, a spokesman in London said.")
    _built(site, build_site)
    entities = _by_name(site)
    anna, erik = entities["Anna Berg"], entities["Erik Berg"]
    assert anna["id"] != erik["id"]
    assert anna["articles"] == ["award"]
    assert erik["articles"] == ["match"]
    # Whatever becomes of the lone "Berg", no page holds two different Bergs' articles.
    for entity in site.entities():
        if entity["type"] == "person":
            arts = set(entity["articles"])
            assert not ({"award", "match"} <= arts), entity
            assert not ({"award", "comment"} <= arts and {"match", "comment"} <= arts), entity
    # Each dossier lists only its own person's article.
    anna_page = site.page(anna["url"])
    assert "Chemistry award" in anna_page and "Match report" not in anna_page
    erik_page = site.page(erik["url"])
    assert "Match report" in erik_page and "Chemistry award" not in erik_page


def test_ambiguous_surname_in_one_article_joins_nobody(site, build_site):
    site.add_article("family", title="Family", body=(
        "Anna Berg won the award in Stockholm. Her brother Erik Berg scored twice in Oslo. "
        "Berg said the family was proud."
    ))
    _built(site, build_site)
    entities = _by_name(site)
    assert entities["Anna Berg"]["mention_count"] == 1
    assert entities["Erik Berg"]["mention_count"] == 1
    assert entities["Anna Berg"]["id"] != entities["Erik Berg"]["id"]
    assert "Berg" not in entities["Anna Berg"]["aliases"] + entities["Erik Berg"]["aliases"]


def test_lone_surname_joins_the_only_person_with_it(site, build_site):
    site.add_article("award", title="Chemistry award", date="2025-03-01",
                     body="Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues.")
    site.add_article("comment", title="No comment", date="2025-03-03",
                     body="Berg was not available for comment, a spokesman in London said.")
    _built(site, build_site)
    entities = _by_name(site)
    assert sorted(entities["Anna Berg"]["articles"]) == ["award", "comment"]
    assert "Berg" not in entities


def test_a_person_and_a_company_sharing_a_word_stay_apart(site, build_site):
    site.add_article("cars", title="Car sales", date="2025-03-01",
                     body="Ford Motor Co said sales rose in Detroit. Ford expects a strong year.")
    site.add_article("film", title="Film premiere", date="2025-03-02",
                     body="Harrison Ford arrived in London for the premiere. Ford thanked the crowd.")
    site.add_article("interview", title="Interview", date="2025-03-03",
                     body="Mr. Ford told reporters he would return next year.")
    _built(site, build_site)
    company = [e for e in _owners(site, "Ford") if e["type"] == "organisation"]
    actor = _by_name(site)["Harrison Ford"]
    assert actor["type"] == "person" and "cars" not in actor["articles"]
    assert "Ford" in actor["aliases"]
    assert company and all(e["articles"] == ["cars"] for e in company)


def test_same_full_name_in_two_articles_is_one_page(site, build_site):
    site.add_article("visit", title="School visit", date="2025-03-01",
                     body="Hannah Schmidt visited Berlin on Monday. Schmidt met students.")
    site.add_article("talk", title="Conference talk", date="2025-03-02",
                     body="Hannah Schmidt spoke at a conference in Vienna. Schmidt praised the organisers.")
    _built(site, build_site)
    people = [e for e in site.entities() if "Schmidt" in e["name"]]
    assert len(people) == 1
    schmidt = people[0]
    assert schmidt["name"] == "Hannah Schmidt"
    assert schmidt["articles"] == ["talk", "visit"]  # newest first
    assert schmidt["mention_count"] == 4
    page = site.page(schmidt["url"])
    assert "School visit" in page and "Conference talk" in page
    assert "../../articles/visit/" in page and "../../articles/talk/" in page
    # Both article pages link to the one dossier.
    for article_id in ("visit", "talk"):
        assert f'href="../../{schmidt["url"]}"' in site.article_page(article_id)


# ---- editor's judgements ----------------------------------------------------------------

HAYES_A = "Robert Hayes opened a bakery in Chicago. Hayes said business was good."
HAYES_B = "Bob Hayes opened a second bakery in Boston. Hayes hired ten bakers."


def test_ignore_removes_the_entity(site, build_site):
    site.add_article("bakery", title="Bakery", body=HAYES_A)
    site.add_note("chicago", name="Chicago", ignore=True)
    result = build_site(site)
    assert result.ok and not result.warnings
    entities = _by_name(site)
    assert "Chicago" not in entities and "Robert Hayes" in entities
    assert not (site.output / "places" / "chicago").exists()
    page = site.article_page("bakery")
    assert "Chicago" in page  # the text is still there, just not linked
    assert "places/chicago" not in page


def test_type_override(site, build_site):
    site.add_article("farmers", title="Farmers", body="Farmers in Burma protested on Monday.")
    site.add_note("burma", name="Burma", type="organisation")
    _built(site, build_site)
    burma = _by_name(site)["Burma"]
    assert burma["type"] == "organisation"
    assert burma["id"] == "organisations/burma"
    assert (site.output / "organisations" / "burma" / "index.html").is_file()
    assert not (site.output / "places" / "burma").exists()


def test_without_a_note_two_spellings_stay_apart(site, build_site):
    site.add_article("bakery", title="Bakery", date="2025-03-01", body=HAYES_A)
    site.add_article("second", title="Second bakery", date="2025-03-02", body=HAYES_B)
    _built(site, build_site)
    entities = _by_name(site)
    assert entities["Robert Hayes"]["articles"] == ["bakery"]
    assert entities["Bob Hayes"]["articles"] == ["second"]


def test_aliases_merge(site, build_site):
    site.add_article("bakery", title="Bakery", date="2025-03-01", body=HAYES_A)
    site.add_article("second", title="Second bakery", date="2025-03-02", body=HAYES_B)
    site.add_note("hayes", name="Robert Hayes", aliases=["Bob Hayes"])
    _built(site, build_site)
    entities = _by_name(site)
    assert "Bob Hayes" not in entities
    hayes = entities["Robert Hayes"]
    assert sorted(hayes["articles"]) == ["bakery", "second"]
    assert "Bob Hayes" in hayes["aliases"]
    assert hayes["mention_count"] == 4
    assert any("hayes.md" in reason for reason in hayes["merge_reasons"])


def test_same_as_merges(site, build_site):
    site.add_article("farmers", title="Farmers", date="2025-03-01", body="Farmers in Burma protested on Monday.")
    site.add_article("exports", title="Exports", date="2025-03-02", body="Exports from Myanmar rose sharply in May.")
    site.add_note("myanmar", name="Myanmar", same_as=["Burma"])
    _built(site, build_site)
    entities = _by_name(site)
    assert "Burma" not in entities
    myanmar = entities["Myanmar"]
    assert myanmar["type"] == "place"
    assert sorted(myanmar["articles"]) == ["exports", "farmers"]
    assert myanmar["aliases"] == ["Burma"]


def test_not_same_keeps_apart(site, build_site):
    site.add_article("award", title="Chemistry award", date="2025-03-01",
                     body="Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues.")
    site.add_article("comment", title="No comment", date="2025-03-03",
                     body="Berg was not available for comment, a spokesman in London said.")
    site.add_note("anna-berg", name="Anna Berg", not_same=["Berg"])
    _built(site, build_site)
    people = {e["name"]: e for e in site.entities() if e["type"] == "person"}
    assert people["Anna Berg"]["articles"] == ["award"]
    assert people["Berg"]["articles"] == ["comment"]


def test_note_body_shows_on_the_dossier(site, build_site):
    site.add_article("bakery", title="Bakery", body=HAYES_A)
    site.add_note("hayes", name="Robert Hayes", body="Runs **three** bakeries; see [the register](https://example.org/r).")
    _built(site, build_site)
    page = site.page("people/robert-hayes/")
    assert "<strong>three</strong>" in page
    assert 'href="https://example.org/r"' in page
    # Notes are for dossiers only: the article page does not show them.
    assert "three</strong>" not in site.article_page("bakery")


def test_pinned_wikipedia_title_is_kept(site, analyse_site):
    site.add_article("bakery", title="Bakery", body=HAYES_A)
    site.add_note("hayes", name="Robert Hayes", wikipedia="Robert Hayes (baker)")
    model, errors = analyse_site(site)
    assert not errors
    hayes = next(e for e in model.entities if e.name == "Robert Hayes")
    assert hayes.pinned_wikipedia == "Robert Hayes (baker)"
    assert hayes.note_path is not None and hayes.note_path.name == "hayes.md"
    others = [e for e in model.entities if e.name != "Robert Hayes"]
    assert others and all(e.pinned_wikipedia is None for e in others)


def test_note_matching_nothing_warns(site, build_site):
    site.add_article("bakery", title="Bakery", body=HAYES_A)
    site.add_note("nobody", name="Somebody Else")
    result = build_site(site)
    assert result.ok
    assert any("nobody.md" in w and "Somebody Else" in w for w in result.warnings), result.warnings


def test_stoplist_name_never_becomes_an_entity(site, build_site):
    site.write_config('stoplist = ["Boston", "the Bakers Guild"]\n')
    site.add_article("second", title="Second bakery", body=HAYES_B + " The Bakers Guild welcomed the news.")
    _built(site, build_site)
    entities = _by_name(site)
    assert "Bob Hayes" in entities
    assert not any(e["name"] == "Boston" or "Boston" in e["aliases"] for e in site.entities())
    assert not any("Bakers Guild" in e["name"] for e in site.entities())
    (article,) = site.entities_json()["articles"]
    assert not any("Boston" in m["text"] for m in article["mentions"] + article["other_names"])
    assert not (site.output / "places" / "boston").exists()


def test_entity_types_setting_limits_the_pages(site, build_site):
    site.write_config('entity_types = ["person"]\n')
    site.add_article("bakery", title="Bakery", body=HAYES_A)
    _built(site, build_site)
    assert {e["type"] for e in site.entities()} == {"person"}
    assert not (site.output / "places").exists()
    assert "places/chicago" not in site.article_page("bakery")


def test_min_mentions_setting(site, build_site):
    site.write_config("min_mentions = 2\n")
    site.add_article("visit", title="Visit", body="Hannah Schmidt visited Berlin on Monday. Schmidt met students in Vienna.")
    _built(site, build_site)
    assert site.names() == ["Hannah Schmidt"]
    page = site.article_page("visit")
    assert "Berlin" in page and "places/berlin" not in page


def test_a_person_whose_surname_is_a_country_stays_a_person(site, build_site):
    site.add_article("game", title="Game", body=(
        "Michael Jordan scored 40 points for Chicago. Jordan said the team played well."))
    _built(site, build_site)
    jordan = _by_name(site)["Michael Jordan"]
    assert jordan["type"] == "person"
    assert "Jordan" in jordan["aliases"]
    assert not [e for e in site.entities() if e["name"] == "Jordan"]


def test_a_text_written_all_in_capitals_keeps_its_names(site, build_site):
    site.add_article("wire", title="Wire", body=(
        "GOLDMAN SACHS HIRED JOHN SMITH. THE BANK SAID SMITH WOULD LEAD THE LONDON OFFICE. "
        "SMITH JOINED FROM BARCLAYS."))
    _built(site, build_site)
    names = {e["name"].casefold(): e["type"] for e in site.entities()}
    assert names.get("barclays") == "organisation"
    assert names.get("london") == "place"


def test_a_name_before_a_noun_is_not_read_as_where_something_is(site, build_site):
    site.add_article("deal", title="Deal", body=(
        "Analysts saw gains in the Microsoft deal. Microsoft rose."))
    _built(site, build_site)
    assert _by_name(site)["Microsoft"]["type"] == "organisation"


def test_a_missed_surname_is_still_linked_but_not_a_common_word(site, build_site):
    # The model misses the bare "Shearer" at the start of a sentence; it is still his.
    site.add_article("match", title="Match", body=(
        "Alan Shearer signed a new contract on Monday. Shearer scored twice in the second half."))
    # "Green" opening a sentence is the adjective here: the article writes "green" too.
    site.add_article("park", title="Park", body=(
        "Anna Green opened the new park on Monday. Green spaces are rare in the city, "
        "and the green areas are busy."))
    _built(site, build_site)
    entities = _by_name(site)
    assert entities["Alan Shearer"]["mention_count"] == 2
    assert entities["Anna Green"]["mention_count"] == 1
    mentions = {a["id"]: a["mentions"] for a in site.entities_json()["articles"]}
    assert [m["text"] for m in mentions["park"]] == ["Anna Green"]
