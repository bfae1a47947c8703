"""Choosing among candidates: the rules of ``sitegen.reference.link`` on small cases.

A stub stands in for the reference source (the cache or the network), so each case says
exactly what Wikipedia and Wikidata answer.
"""
from __future__ import annotations

from sitegen.model import Entity
from sitegen.reference.context import EntityContext
from sitegen.reference.link import link_entities


class Stub:
    """What the wikis answer: pages by title, items by id, leads, searches."""

    client = object()  # stands for the network: searches are capped as online

    def __init__(self, pages=None, items=None, extracts=None, searches=None):
        self._pages, self._items = pages or {}, items or {}
        self._extracts, self._searches = extracts or {}, searches or {}
        self.asked: list[tuple[str, tuple]] = []

    def pages(self, titles):
        self.asked.append(("pages", tuple(titles)))
        return {t: self._pages[t] for t in titles if t in self._pages}

    def items(self, ids):
        return {i: self._items[i] for i in ids if i in self._items}

    def extracts(self, titles):
        return {t: {"extract": self._extracts[t]} for t in titles if t in self._extracts}

    def search(self, queries):
        self.asked.append(("search", tuple(queries)))
        return {q: {"titles": self._searches[q]} for q in queries if q in self._searches}


def page(title, qid, disambiguation=False):
    return {"title": title, "missing": False, "disambiguation": disambiguation, "qid": qid, "revid": 1,
            "url": "https://en.wikipedia.org/wiki/" + title.replace(" ", "_"), "redirected_from": None,
            "namespace": 0}


def item(qid, description, classes, **claims):
    out = {"id": qid, "missing": False, "label": qid, "description": description,
           "claims": {"P31": [{"item": c} for c in classes]}, "related": []}
    for prop, values in claims.items():
        out["claims"][prop] = values
        out["related"] += [v["item"] for v in values if "item" in v]
    return out


def entity(eid, name, kind, aliases=()):
    return Entity(id=eid, name=name, type=kind, aliases=tuple(aliases), mentions=(), articles=("a",))


def ctx(words=(), neighbours=(), names=()):
    return EntityContext(frozenset(words), tuple(neighbours), frozenset(names))


WASHINGTON_WIKI = dict(
    pages={
        "Washington": page("Washington", "Q1223", disambiguation=True),
        "Washington (state)": page("Washington (state)", "Q1223s"),
        "Washington, D.C.": page("Washington, D.C.", "Q61"),
        "George Washington": page("George Washington", "Q23"),
        "White House": page("White House", "Q35525"),
        "United States": page("United States", "Q30"),
    },
    items={
        "Q1223s": item("Q1223s", "state of the United States of America", ["Q35657"], P17=[{"item": "Q30"}],
                       P625=[{"lat": 47.5, "lon": -120.5}]),
        "Q61": item("Q61", "capital city of the United States", ["Q5119"], P17=[{"item": "Q30"}],
                    P625=[{"lat": 38.9, "lon": -77.0}]),
        "Q23": item("Q23", "first president of the United States", ["Q5"], P27=[{"item": "Q30"}]),
        "Q35525": item("Q35525", "official residence of the US president", ["Q1574423"], P131=[{"item": "Q61"}],
                       P625=[{"lat": 38.89, "lon": -77.03}]),
        "Q30": item("Q30", "country in North America", ["Q6256"], P625=[{"lat": 39.8, "lon": -98.5}]),
    },
    extracts={
        "Washington (state)": "Washington is a state in the Pacific Northwest of the United States.",
        "Washington, D.C.": "Washington, D.C. is the capital of the United States, home to the White House.",
        "George Washington": "George Washington was the first president of the United States.",
    },
    searches={"Washington": ["George Washington", "Washington (state)", "Washington, D.C."]},
)


def test_bare_washington_in_a_white_house_story_is_never_the_man_or_the_state():
    entities = [entity("places/washington", "Washington", "place"),
                entity("organisations/white-house", "White House", "organisation"),
                entity("places/united-states", "United States", "place")]
    contexts = {"places/washington": ctx({"talks", "president"}, ["organisations/white-house", "places/united-states"],
                                         ["white house", "united states"])}
    links = link_entities(entities, Stub(**WASHINGTON_WIKI), contexts)
    chosen = links.get("places/washington")
    assert chosen is None or chosen.title == "Washington, D.C."
    assert links["organisations/white-house"].title == "White House"


def test_washington_as_a_person_is_never_linked_to_the_city():
    entities = [entity("people/washington", "Washington", "person")]
    links = link_entities(entities, Stub(**WASHINGTON_WIKI), {})
    assert "people/washington" not in links  # a lone surname is not searched, the title is a disambiguation


def test_a_person_whose_page_has_nothing_to_do_with_the_story_stays_unlinked():
    stub = Stub(pages={"John Smith": page("John Smith", "Q9")},
                items={"Q9": item("Q9", "English footballer", ["Q5"], P27=[{"item": "Q145"}])},
                extracts={"John Smith": "John Smith is an English footballer who plays for Leeds."})
    entities = [entity("people/john-smith", "John Smith", "person"), entity("places/syria", "Syria", "place")]
    contexts = {"people/john-smith": ctx({"ministry", "damascus"}, ["places/syria"], ["syria"])}
    assert link_entities(entities, stub, contexts) == {}


def test_the_same_person_is_linked_when_the_story_vouches_for_him():
    stub = Stub(pages={"John Smith": page("John Smith", "Q9"), "Syria": page("Syria", "Q858")},
                items={"Q9": item("Q9", "British diplomat", ["Q5"], P27=[{"item": "Q145"}]),
                       "Q858": item("Q858", "country in West Asia", ["Q6256"])},
                extracts={"John Smith": "John Smith is a British diplomat who was ambassador to Syria."})
    entities = [entity("people/john-smith", "John Smith", "person"), entity("places/syria", "Syria", "place")]
    contexts = {"people/john-smith": ctx({"ambassador", "damascus"}, ["places/syria"], ["syria"])}
    link = link_entities(entities, stub, contexts)["people/john-smith"]
    assert link.title == "John Smith" and "syria" in link.reason


def test_type_clash_rules_a_candidate_out_and_the_next_look_finds_the_building():
    stub = Stub(pages={"Pentagon": page("Pentagon", "Q12827"), "The Pentagon": page("The Pentagon", "Q11208")},
                items={"Q12827": item("Q12827", "polygon with five sides", ["Q17278032"]),
                       "Q11208": item("Q11208", "headquarters of the US Department of Defense", ["Q41176"],
                                      P625=[{"lat": 38.87, "lon": -77.05}])})
    links = link_entities([entity("organisations/pentagon", "Pentagon", "organisation")], stub, {})
    assert links["organisations/pentagon"].title == "The Pentagon"


def test_a_person_is_never_linked_to_something_that_is_not_human():
    stub = Stub(pages={"Jordan Peele": page("Jordan Peele", "Q1")}, items={"Q1": item("Q1", "a film", ["Q11424"])})
    assert link_entities([entity("people/jordan-peele", "Jordan Peele", "person")], stub, {}) == {}


def test_search_results_must_look_like_the_name():
    stub = Stub(pages={"Acme Widgets Ltd": {"title": "Acme Widgets Ltd", "missing": True},
                       "Widget": page("Widget", "Q2")},
                items={"Q2": item("Q2", "small gadget maker", ["Q4830453"], P159=[{"item": "Q60"}])},
                searches={"Acme Widgets Ltd": ["Widget", "Economy of Acme"]})
    links = link_entities([entity("organisations/acme", "Acme Widgets Ltd", "organisation")], stub, {})
    assert links == {}


def test_two_close_candidates_leave_the_entity_unlinked():
    stub = Stub(pages={"Springfield": page("Springfield", "Q0", disambiguation=True),
                       "Springfield, Illinois": page("Springfield, Illinois", "Q1"),
                       "Springfield, Massachusetts": page("Springfield, Massachusetts", "Q2")},
                items={"Q1": item("Q1", "capital of Illinois", ["Q515"]),
                       "Q2": item("Q2", "city in Massachusetts", ["Q515"])},
                searches={"Springfield": ["Springfield, Illinois", "Springfield, Massachusetts"]})
    links = link_entities([entity("places/springfield", "Springfield", "place")], stub, {})
    assert links == {}


def test_bare_surnames_are_not_searched():
    stub = Stub(pages={"Smith": page("Smith", "Q0", disambiguation=True)})
    link_entities([entity("people/smith", "Smith", "person")], stub, {})
    assert not any(kind == "search" for kind, _ in stub.asked)


def test_a_club_named_after_its_city_is_not_linked_to_the_city():
    stub = Stub(pages={"Liverpool": page("Liverpool", "Q24826"), "Liverpool F.C.": page("Liverpool F.C.", "Q1130849")},
                items={"Q24826": item("Q24826", "city in Merseyside, England", ["Q515"], P625=[{"lat": 53.4, "lon": -3.0}]),
                       "Q1130849": item("Q1130849", "association football club in Liverpool, England", ["Q476028"],
                                        P159=[{"item": "Q24826"}])},
                extracts={"Liverpool F.C.": "Liverpool Football Club is a football club that plays in the "
                                            "Premier League against clubs such as Arsenal."},
                searches={"Liverpool": ["Liverpool", "Liverpool F.C.", "Liverpool Street station"]})
    entities = [entity("organisations/liverpool", "Liverpool", "organisation"),
                entity("organisations/arsenal", "Arsenal", "organisation")]
    contexts = {"organisations/liverpool": ctx({"football", "league", "goals"}, ["organisations/arsenal"], ["arsenal"])}
    link = link_entities(entities, stub, contexts).get("organisations/liverpool")
    assert link is None or link.title == "Liverpool F.C."


def test_a_candidate_is_read_back_as_it_was_kept():
    """Every entity's candidates are read back at each `sitegen build` (stored linking):
    pickled as a call of the constructor, each field comes back as it was."""
    import pickle
    import pickletools

    from sitegen.reference.link import Candidate

    for candidate in (Candidate("Q1", "Berlin", "name", "Berlin"),
                      Candidate("Q2", "Islamic State", "search", "Daesh", rank=3, redirected_from="ISIS")):
        blob = pickle.dumps(candidate, pickle.HIGHEST_PROTOCOL)
        # no state set on a bare object afterwards (the dataclass default, three times slower)
        assert "BUILD" not in {op.name for op, _, _ in pickletools.genops(blob)}
        assert pickle.loads(blob) == candidate
        assert pickle.loads(blob).redirected_from == candidate.redirected_from


# ---- entities linked to one item ---------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from sitegen.reference.combine import _groups  # noqa: E402
from sitegen.reference.link import Link  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["Q1", "Q2", "Q3", "Q4"])), max_size=12))
def test_entities_are_grouped_by_the_item_they_link_to_each_group_where_its_first_member_is(qids):
    """What combining joins, with no editor's note: every entity linked to one item, an
    unlinked entity on its own; groups in the order of their first members."""
    entities = [entity(f"people/p{i}", f"Person {i}", "person") for i in range(len(qids))]
    links = {e.id: Link(e.id, qid, qid, 0.9, "test", "person") for e, qid in zip(entities, qids) if qid}
    expected: dict[object, list] = {}
    for i, (e, qid) in enumerate(zip(entities, qids)):
        expected.setdefault(qid or i, []).append(e)
    assert _groups(entities, links, ()) == list(expected.values())
