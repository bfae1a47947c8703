"""The review queue: what it suggests from which evidence, and the judgement files that
accepting a suggestion writes (minimal diffs, undo, never outside content/entities)."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.content.judgements import Judgement
from sitegen.model import Article, Entity, Mention, Reference, Site
from sitegen.review import suggest
from sitegen.review.judgements import JudgementError, JudgementFiles, accept
from sitegen.review.page import render_page
from sitegen.review.yamledit import EditError, add_to_list, scalar, set_field
from sitegen.slugs import SlugRegistry

from conftest import SiteFolder


# ---- a Site made by hand: each entity named in the articles given ----------------------

def _site(*entities: tuple, text: str = "") -> Site:
    """Entities as (name, type, [article ids], mentions per article); every article holds
    ``text`` (for the common-word test) and names its entities once each."""
    articles = sorted({a for _, _, ids, *_ in entities for a in ids})
    made, slugs = [], SlugRegistry()
    for name, kind, ids, *more in entities:
        per = more[0] if more else 1
        folder = {"person": "people", "place": "places", "organisation": "organisations"}[kind]
        entity_id = f"{folder}/{slugs.claim(name)}"  # "West-Germany" after "West Germany": west-germany-2
        mentions = tuple(Mention(a, i * 10, i * 10 + len(name), name, f"{name} said something ({a}).", 0, entity_id)
                         for a in ids for i in range(per))
        made.append(Entity(entity_id, name, kind, (), mentions, tuple(ids)))
    arts = tuple(Article(a, Path(f"{a}.md"), a, dt.date(2025, 1, 1), text, text) for a in articles)
    return Site(arts, tuple(sorted(made, key=lambda e: e.name)))


def _same_pairs(site: Site) -> dict[frozenset, float]:
    return {frozenset(s.entities): s.confidence for s in suggest(site) if s.kind == "same"}


def test_spelling_variants_of_one_name_are_one_suggestion():
    site = _site(("West Germany", "place", ["a", "b"]), ("West-Germany", "place", ["c"]),
                 ("West Germanys", "place", ["d"]))
    same = [s for s in suggest(site) if s.kind == "same"]
    assert len(same) == 1
    assert same[0].entities[0] == "places/west-germany"  # the most mentioned keeps its name
    assert sorted(same[0].entities[1:]) == ["places/west-germany-2", "places/west-germanys"]
    assert same[0].affected == 2  # the mentions that move
    assert same[0].accept == {"entity": "places/west-germany", "same_as": list(same[0].entities[1:])}


def test_a_typo_in_one_word_is_suggested_the_same():
    site = _site(("Western Digital Corp", "organisation", ["a"]), ("Western Digtial Corp", "organisation", ["b"]))
    assert frozenset({"organisations/western-digital-corp", "organisations/western-digtial-corp"}) in _same_pairs(site)


def test_names_that_differ_only_by_their_country_are_not_the_same():
    site = _site(("U.S. Government", "organisation", ["a"]), ("U.K. Government", "organisation", ["b"]))
    assert _same_pairs(site) == {}


def test_a_place_alone_is_no_short_form_of_an_organisation_named_after_it():
    site = _site(("Colorado", "place", ["a"]), ("Colorado House of Representatives", "organisation", ["a"]))
    assert _same_pairs(site) == {}


def test_a_full_company_name_is_no_short_form_of_another_company():
    site = _site(("General Motors Corp", "organisation", ["a"]),
                 ("General Motors Acceptance Corp", "organisation", ["a"]))
    assert _same_pairs(site) == {}


def test_the_last_word_of_a_phrase_name_is_something_else():
    site = _site(("Daesh", "organisation", ["a"]), ("Global Coalition to Defeat Daesh", "organisation", ["a"]))
    assert _same_pairs(site) == {}


def test_an_acronym_of_a_company_name_with_its_forms():
    site = _site(("GEC", "organisation", ["a"]), ("General Electric Co Plc", "organisation", ["a"]))
    assert frozenset({"organisations/gec", "organisations/general-electric-co-plc"}) in _same_pairs(site)


def test_a_title_word_inside_a_name_is_part_of_it():
    site = _site(("John Major", "person", ["a"]), ("John", "person", ["b"]), ("President Yeltsin", "person", ["c"]),
                 ("Boris Yeltsin", "person", ["d"]))
    assert set(_same_pairs(site)) == {frozenset({"people/president-yeltsin", "people/boris-yeltsin"})}


def test_a_surname_two_people_carry_shares_its_confidence():
    one = _site(("Baker", "person", ["a"]), ("James Baker", "person", ["b"]))
    two = _site(("Baker", "person", ["a"]), ("James Baker", "person", ["b"]), ("Anna Baker", "person", ["c"]))
    alone = _same_pairs(one)[frozenset({"people/baker", "people/james-baker"})]
    shared = _same_pairs(two)[frozenset({"people/baker", "people/james-baker"})]
    assert shared == pytest.approx(alone / 2)


def test_shared_neighbours_raise_the_confidence():
    apart = _site(("Baker", "person", ["a"]), ("James Baker", "person", ["b"]),
                  ("Treasury", "organisation", ["b"]), ("Bonn", "place", ["a"]))
    together = _site(("Baker", "person", ["a"]), ("James Baker", "person", ["b"]),
                     ("Treasury", "organisation", ["a", "b"]))
    pair = frozenset({"people/baker", "people/james-baker"})
    assert _same_pairs(together)[pair] > _same_pairs(apart)[pair]


def test_a_one_word_short_form_the_articles_use_as_a_word_is_doubted():
    plain = _site(("Harbor", "organisation", ["a"]), ("Harbor Freight Tools", "organisation", ["a"]))
    worded = _site(("Harbor", "organisation", ["a"]), ("Harbor Freight Tools", "organisation", ["a"]),
                   text="The ship left the harbor at dawn.")
    pair = frozenset({"organisations/harbor", "organisations/harbor-freight-tools"})
    assert _same_pairs(worded)[pair] == pytest.approx(_same_pairs(plain)[pair] / 2)


def test_pages_linked_to_different_items_are_hardly_the_same():
    site = _site(("Western Digital Corp", "organisation", ["a"]), ("Western Digtial Corp", "organisation", ["b"]))
    ref = lambda q: Reference("T", "u", wikidata_id=q)  # noqa: E731
    linked = Site(site.articles, tuple(e.__class__(**{**e.__dict__, "reference": ref(f"Q{i}")})
                                       for i, e in enumerate(site.entities)))
    assert max(_same_pairs(linked).values(), default=0.0) < 0.3


def _without_page(site: Site, *names: str) -> Site:
    """``site`` with the entities called ``names`` left without a page, as publication
    leaves a name met once with nothing to confirm it."""
    return replace(site, entities=tuple(e for e in site.entities if e.name not in names),
                   without_page=tuple(e for e in site.entities if e.name in names))


def test_a_name_without_a_page_is_suggested_with_the_page_it_belongs_to():
    site = _without_page(_site(("Treasury", "organisation", ["a", "b"]), ("U.S. Treasury", "organisation", ["c"])),
                         "U.S. Treasury")
    same = [s for s in suggest(site) if s.kind == "same"]
    assert [s.entities for s in same] == [("organisations/treasury", "organisations/u-s-treasury")]
    assert same[0].accept == {"entity": "organisations/treasury", "same_as": "organisations/u-s-treasury"}


def test_two_names_without_a_page_are_left_alone():
    site = _without_page(_site(("Treasury", "organisation", ["a"]), ("U.S. Treasury", "organisation", ["c"])),
                         "Treasury", "U.S. Treasury")
    assert _same_pairs(site) == {}


def test_a_short_form_stands_for_the_long_name_its_own_articles_use():
    site = _site(("Fed", "organisation", ["a", "b"]), ("Federal Reserve", "organisation", ["a"]),
                 ("Federal Trade Commission", "organisation", ["c"]), ("Federal Paper Board", "organisation", ["d"]),
                 ("Federal Realty", "organisation", ["e"]))
    pairs = _same_pairs(site)
    assert pairs[frozenset({"organisations/fed", "organisations/federal-reserve"})] >= 0.5
    assert set(pairs) == {frozenset({"organisations/fed", "organisations/federal-reserve"})}


def test_a_surname_goes_to_the_person_whose_company_it_keeps():
    # "Yeltsin" stayed apart from "Naina Yeltsin" in the one article naming both: the
    # article's own chaining would have joined them, were she the Yeltsin it means.
    site = _site(("Yeltsin", "person", ["d", "e"]), ("Boris Yeltsin", "person", ["a", "b"]),
                 ("Naina Yeltsin", "person", ["d"]), ("Kremlin", "organisation", ["a", "b", "e"]))
    pairs = _same_pairs(site)
    assert pairs[frozenset({"people/yeltsin", "people/boris-yeltsin"})] >= 0.6
    assert frozenset({"people/yeltsin", "people/naina-yeltsin"}) not in pairs


def test_a_guess_among_many_long_names_is_not_queued():
    site = _site(("Ministry", "organisation", ["a"]), *((f"{w} Ministry", "organisation", [w])
                                                        for w in ("Finance", "Economics", "Defence", "Labour")))
    assert _same_pairs(site) == {}


def test_the_first_words_of_a_committee_name_name_the_body_not_the_committee():
    site = _site(("Senate", "organisation", ["a", "b"]), ("Senate Budget Committee", "organisation", ["a"]))
    assert _same_pairs(site) == {}
    shortened = _site(("Fed", "organisation", ["a", "b"]), ("Federal Open Market Committee", "organisation", ["a"]))
    assert _same_pairs(shortened) == {}
    company = _site(("Spear", "organisation", ["a", "b"]), ("Spear Securities Inc", "organisation", ["a"]))
    assert frozenset({"organisations/spear", "organisations/spear-securities-inc"}) in _same_pairs(company)


def test_the_review_page_names_an_entity_without_a_page_without_a_link():
    site = _without_page(_site(("Treasury", "organisation", ["a", "b"]), ("U.S. Treasury", "organisation", ["c"])),
                         "U.S. Treasury")
    html = render_page(site, suggest(site), "token", False)
    assert "U.S. Treasury <small>(no page)</small>" in html and 'href="/None"' not in html


def test_the_queue_is_ranked_by_mentions_affected_times_confidence():
    site = _site(("Western Digital Corp", "organisation", ["a"], 3), ("Western Digtial Corp", "organisation", ["b"], 3),
                 ("Datron Corp", "person", ["c"]), ("acme", "organisation", ["d"]))
    queue = suggest(site)
    assert [s.score for s in queue] == sorted((s.score for s in queue), reverse=True)
    assert queue[0].kind == "same" and queue[0].score == pytest.approx(3 * queue[0].confidence, abs=0.001)
    kinds = {s.kind: s for s in queue}
    assert kinds["type"].accept == {"entity": "people/datron-corp", "type": "organisation"}
    assert kinds["ignore"].entities == ("organisations/acme",)  # only ever in lower case


def test_an_entity_whose_names_come_from_unrelated_articles_is_suggested_apart():
    site = _site(("Acme Industries", "organisation", ["a", "b"]), ("Bonn", "place", ["a", "b"]),
                 ("Leeds", "place", ["c"]))
    burl = site.entity("organisations/acme-industries")
    # "Acme" the town, in article c, next to Leeds only
    extra = Mention("c", 0, 4, "Acme", "Acme is a town near Leeds.", 0, burl.id)
    site = Site(site.articles + (Article("c", Path("c.md"), "c", dt.date(2025, 1, 1), "", ""),),
                tuple(Entity(**{**e.__dict__, "mentions": e.mentions + (extra,), "articles": e.articles + ("c",)})
                      if e.id == burl.id else e for e in site.entities))
    apart = [s for s in suggest(site) if s.kind == "apart"]
    assert [(s.entities, s.accept) for s in apart] == [((burl.id,), {"entity": burl.id, "not_same": "Acme"})]


def test_links_to_check_only_on_a_site_with_reference_data():
    site = _site(("Treasury", "organisation", ["a", "b", "c", "d", "e"]), ("Fed", "organisation", ["a"]),
                 ("Bonn", "place", ["b"]))
    assert [s for s in suggest(site) if s.kind == "link"] == []  # offline: nothing is linked, nothing to check
    weak = Reference("Federal Reserve", "u", "Q53536", confidence=0.55, reason="close second")
    linked = Site(site.articles, tuple(Entity(**{**e.__dict__, "reference": weak}) if e.name == "Fed" else e
                                       for e in site.entities))
    links = {s.entities[0]: s for s in suggest(linked) if s.kind == "link"}
    assert set(links) == {"organisations/fed", "organisations/treasury"}  # low confidence; prominent, unlinked
    assert links["organisations/fed"].confidence == pytest.approx(0.45)
    assert all(s.accept is None for s in links.values())  # the editor supplies the title


def test_a_name_with_a_lower_case_particle_is_no_junk():
    site = _site(("al-Aqsa", "place", ["a"]), ("van Schalkwyk", "person", ["b"]), ("the company", "organisation", ["c"]))
    assert [s.entities for s in suggest(site) if s.kind == "ignore"] == [("organisations/the-company",)]


def test_what_the_editor_decided_is_not_asked_again(tmp_path):
    site = _site(("Baker", "person", ["a"]), ("James Baker", "person", ["b"]), ("Datron Corp", "person", ["c"]))
    note = tmp_path / "james-baker.md"
    decided = Entity(**{**site.entity("people/james-baker").__dict__, "note_path": note})
    site = Site(site.articles, tuple(decided if e.id == decided.id else e for e in site.entities))
    judged = [Judgement(note, "James Baker", not_same=("Baker",)),
              Judgement(tmp_path / "d.md", "Datron Corp", type="person")]
    kinds = {s.kind for s in suggest(site)}
    assert {"same", "type"} <= kinds
    assert [s for s in suggest(site, judged) if s.kind == "same"] == []


# ---- the judgement files -----------------------------------------------------------------

NOTE = """---
name: Islamic State   # as the group calls itself
aliases:
  - ISIS
same_as: [Daesh]
---
The note, with a line that looks like front matter:

name: not a field
"""


def test_adding_a_name_changes_one_line_and_keeps_every_other_byte():
    after = add_to_list(NOTE, "same_as", "ISIL")
    assert after == NOTE.replace("same_as: [Daesh]", "same_as: [Daesh, ISIL]")
    after = add_to_list(NOTE, "aliases", "IS")
    assert after == NOTE.replace("  - ISIS\n", "  - ISIS\n  - IS\n")
    after = set_field(NOTE, "type", "organisation")
    assert after == NOTE.replace("---\nThe note", "type: organisation\n---\nThe note")
    assert set_field(NOTE, "name", "IS") == NOTE.replace("name: Islamic State", "name: IS")  # comment kept
    assert add_to_list(NOTE, "same_as", "daesh") == NOTE  # already there


def test_windows_line_endings_are_kept():
    crlf = NOTE.replace("\n", "\r\n")
    assert add_to_list(crlf, "not_same", "Islamic State of Iraq") == \
        crlf.replace("---\r\nThe note", "not_same: [Islamic State of Iraq]\r\n---\r\nThe note")


@pytest.mark.parametrize("name", ["Al: Sharaa", "yes", "Smith, John", "[Daesh]", "#1 Group", "O'Brien", "2025",
                                  "  padded", "Ahmed al-Sharaa", "Zoë Müller", 'say "hi"'])
def test_any_name_reads_back_as_written(name):
    import yaml

    assert yaml.safe_load(scalar(name)) == name.strip() or yaml.safe_load(scalar(name)) == name
    assert add_to_list("---\nname: X\n---\n", "same_as", name).count("\n") == 4
    assert yaml.safe_load(add_to_list("---\nname: X\n---\n", "same_as", name).split("---")[1])["same_as"] == [name]


def test_a_field_that_is_not_a_plain_list_is_refused():
    with pytest.raises(EditError):
        add_to_list("---\nname: X\nsame_as: {a: b}\n---\n", "same_as", "Y")


def _files(site: SiteFolder) -> JudgementFiles:
    return JudgementFiles(load_config(site.root))


def test_a_decision_writes_a_new_file_and_undo_removes_it(site):
    files = _files(site)
    written = files.decide("same", "Western Digital Corp", "Western Digtial Corp")
    path = site.root / written.file
    assert written.created and written.file == "content/entities/western-digital-corp.md"
    assert path.read_text() == "---\nname: Western Digital Corp\nsame_as: [Western Digtial Corp]\n---\n"
    assert (site.state_dir / "review-undo.jsonl").is_file()
    assert not list(site.entities_dir.glob(".*"))  # no temporary file left behind
    assert files.undo().file == written.file
    assert not path.exists()
    assert files.undo() is None


def test_a_decision_goes_into_the_file_that_already_names_the_entity(site):
    note = site.add_note("isis", body="Kept note.", name="Islamic State", aliases=["ISIS"])
    before = note.read_bytes()
    written = _files(site).decide("ignore", "ISIS")
    assert written.file == "content/entities/isis.md"
    assert note.read_bytes() == before.replace(b"---\n\nKept", b"ignore: true\n---\n\nKept")
    _files(site).undo()
    assert note.read_bytes() == before


def test_undo_leaves_a_file_edited_by_hand_since(site):
    files = _files(site)
    written = files.decide("type", "Datron Corp", "organisation")
    path = site.root / written.file
    path.write_text(path.read_text() + "A note added by hand.\n")
    with pytest.raises(JudgementError, match="changed since"):
        files.undo()
    assert "by hand" in path.read_text()


def test_rename_keeps_the_old_name_so_the_file_still_finds_its_entity(site):
    files = _files(site)
    files.decide("rename", "Fed", "Federal Reserve")
    text = (site.entities_dir / "fed.md").read_text()
    assert text == "---\nname: Federal Reserve\naliases: [Fed]\n---\n"


@pytest.mark.parametrize("name", ["../../outside", "/etc/passwd", "..", "a/../../b"])
def test_a_name_never_leads_out_of_content_entities(site, name):
    written = _files(site).decide("ignore", name)
    path = (site.root / written.file).resolve()
    assert path.parent == site.entities_dir.resolve()
    assert not (site.root / "outside.md").exists() and not (site.root.parent / "outside.md").exists()


def test_a_judgement_file_that_links_out_of_the_folder_is_not_written(site, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("---\nname: Outside\n---\n")
    site.entities_dir.mkdir(parents=True)
    (site.entities_dir / "outside.md").symlink_to(outside)
    with pytest.raises(JudgementError, match="not a judgement file"):
        _files(site).decide("ignore", "Outside")
    assert outside.read_text() == "---\nname: Outside\n---\n"


def test_bad_decisions_are_refused_with_a_reason(site):
    files = _files(site)
    with pytest.raises(JudgementError, match="type must be"):
        files.decide("type", "Datron Corp", "planet")
    with pytest.raises(JudgementError, match="unknown action"):
        files.decide("delete", "Datron Corp")
    with pytest.raises(JudgementError, match="other entity"):
        files.decide("same", "Datron Corp", "")
    assert not site.entities_dir.exists()


# ---- end to end: accepting a suggestion changes the built site ---------------------------

def test_accepting_a_suggestion_makes_one_page(site, build_site, analyse_site):
    site.add_article("a", title="Results", date="2025-03-01", body=(
        "Western Digital Corp said on Monday that its profit rose. The company, based in Irvine, "
        "California, sells disk drives to Apple Inc."))
    site.add_article("b", title="Shares", date="2025-03-02", body=(
        "Shares of Western Digtial Corp rose sharply after the results. Analysts at Merrill Lynch "
        "said Apple Inc would buy more drives."))
    model, _ = analyse_site(site)
    [same] = [s for s in suggest(model) if s.kind == "same"]
    accept(_files(site), {e.id: e.name for e in model.entities}, same.accept)
    assert build_site(site).ok
    names = site.names()
    assert "Western Digital Corp" in names and "Western Digtial Corp" not in names
    assert site.entity_named("Western Digital Corp")["mention_count"] == 2


def test_entities_review_lists_the_queue_as_json(site, cli):
    site.add_article("a", title="Results", date="2025-03-01", body=(
        "Western Digital Corp said on Monday that its profit rose, and Datron Corp agreed."))
    site.add_article("b", title="Shares", date="2025-03-02", body="Shares of Western Digtial Corp rose sharply.")
    result = cli("entities", site.root, "--review", "--format", "json")
    assert result.returncode == 0, result.stderr
    queue = json.loads(result.stdout)["suggestions"]
    assert queue and all({"kind", "entities", "score", "evidence"} <= set(s) for s in queue)
    assert any(s["kind"] == "same" and len(s["entities"]) == 2 for s in queue)
    table = cli("entities", site.root, "--review")
    assert table.returncode == 0 and table.stdout.splitlines()[0].split()[:3] == ["kind", "score", "entities"]
    assert "Western Digtial Corp" in table.stdout
    site.add_note("western", name="Western Digital Corp", not_same=["Western Digtial Corp"])
    decided = cli("entities", site.root, "--review")
    assert decided.returncode == 0 and "Western Digtial Corp" not in decided.stdout  # not asked again
