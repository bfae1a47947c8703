"""A page needs evidence: which names earn a dossier, what the others become, and why."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sitegen.content.judgements import Judgement
from sitegen.model import Entity, Mention, Reference
from sitegen.entities.publication import (_CONJOINED, NO_EVIDENCE, ArticleTexts, _beside_a_conjunction,
                                          _counts_as_evidence, page_reason)
from hypothesis import given, settings, strategies as st


def _entity(name: str, kind: str, sentences: list[tuple[str, str]] = (), articles: int = 1,
            reference: Reference | None = None) -> Entity:
    """An entity with one mention per (sentence, surface) pair, spread over ``articles``."""
    mentions = []
    for i, (sentence, surface) in enumerate(sentences or [(f"They saw {name} there.", name)]):
        start = sentence.index(surface)
        mentions.append(Mention(f"a{i % articles}", start, start + len(surface), surface, sentence, 0, "x/y"))
    folder = {"person": "people", "place": "places", "organisation": "organisations"}[kind]
    return Entity(id=f"{folder}/x", name=name, type=kind, aliases=(), mentions=tuple(mentions),
                  articles=tuple(dict.fromkeys(m.article_id for m in mentions)), reference=reference)


def _link(confidence: float) -> Reference:
    return Reference("Libor", "https://en.wikipedia.org/wiki/Libor", "Q1", confidence=confidence)


@pytest.mark.parametrize("entity,has_page", [
    (_entity("Ahmed al-Sharaa", "person"), True),              # a full personal name
    (_entity("Frank", "person"), False),                       # one word, once: a character? a surname?
    (_entity("JOHN SMITH", "person"), False),                  # headline capitals are no full name
    (_entity("Libor", "organisation"), False),
    (_entity("Libor", "organisation", reference=_link(0.9)), True),   # a confident link
    (_entity("Libor", "organisation", reference=_link(0.3)), False),  # a doubtful one is not
    (_entity("Blurred Lines", "organisation",
             [("He sang Blurred Lines.", "Blurred Lines"), ("Blurred Lines won.", "Blurred Lines")]), True),
    (_entity("Zembla", "organisation", [("Zembla rose.", "Zembla"), ("Zembla fell.", "Zembla")], articles=2), True),
    (_entity("Saudi Arabia", "place"), True),                  # the offline gazetteer knows it
    (_entity("Zembla", "place"), False),
    (_entity("International Monetary Fund", "organisation"), True),  # its name says what it is
    (_entity("Golan Heights", "place"), True),
    (_entity("Fox", "organisation", [("interviewed by broadcaster Fox on Monday", "Fox")]), True),
    (_entity("Pentagon", "organisation", [("Pentagon chief Pete Hegseth", "Pentagon")]), True),
    (_entity("Qaeda", "organisation", [("formerly affiliated with Qaeda.", "Qaeda")]), True),
    (_entity("Der Spiegel", "person"), False),                 # two words, but no given name
    # An article is no given name, though given-name lists hold "Le" or "Al" too.
    (_entity("Le Parisien", "person"), False),
    (_entity("Les Murray", "person"), True),                   # "Les" is a given name in English
    (_entity("El Hadji Diouf", "person"), True),               # and "El" starts Arabic ones
    (_entity("Der Spiegel", "person", [("the news weekly Der Spiegel said", "Der Spiegel")]), False),
    (_entity("Al-Qassam Brigades", "person"), False),          # "al-" joined to a noun is the article
    (_entity("Al Gore", "person"), True),                      # "Al" on its own is a given name
    (_entity("Jean-Pierre Raffarin", "person"), True),
    (_entity("Danius Gleveckas", "person", [("said Danius Gleveckas on Monday", "Danius Gleveckas")]), True),
    (_entity("Kristalina Georgieva", "person", [("IMF chief Kristalina Georgieva", "Kristalina Georgieva")]), True),
    (_entity("Ainars Kiksis", "person", [("Rousseau beat Ainars Kiksis ( Latvia ) 2-0", "Ainars Kiksis")]), True),
])
def test_a_page_needs_evidence(entity, has_page):
    page, why = page_reason(entity, None, 0.6)
    assert page is has_page, why
    if not has_page:
        assert why == NO_EVIDENCE


def test_repeating_a_heading_or_a_common_word_is_no_evidence():
    table = _entity("W D L PCT", "organisation", [("W D L PCT", "W D L PCT"), ("W D L PCT", "W D L PCT")])
    assert page_reason(table, None, 0.6)[0] is False
    word = _entity("Standings", "organisation", [("Standings after", "Standings"), ("Standings now", "Standings")])
    texts = {"a0": "Standings after the games. The standings now: Standings now."}
    page, why = page_reason(word, None, 0.6, texts)
    assert page is False and "lower case" in why
    assert page_reason(word, None, 0.6, {"a0": "Standings after. Standings now."})[0] is True


def test_the_editor_decides_over_the_evidence():
    strong = _entity("Ahmed al-Sharaa", "person")
    weak = _entity("Libor", "organisation")
    no = Judgement(Path("content/entities/sharaa.md"), "Ahmed al-Sharaa", page=False)
    yes = Judgement(Path("content/entities/libor.md"), "Libor", page=True)
    assert page_reason(strong, no, 0.6) == (False, "editor: sharaa.md says page: false")
    assert page_reason(weak, yes, 0.6) == (True, "editor: libor.md says page: true")
    # A note without 'page:' is an editor's word that the name is real.
    assert page_reason(weak, Judgement(Path("libor.md"), "Libor"), 0.6)[0] is True


ARTICLE = ("Maria Lopez visited a school in Denver on Tuesday. "
           "Speaking to teachers, Lopez said the school needed more money.")


def test_a_name_without_a_page_stays_highlighted_listed_and_exported(site, build_site, cli):
    site.add_article("library", title="New library", body=ARTICLE)
    site.add_note("lopez", name="Maria Lopez", page=False)
    assert build_site(site).ok
    lopez = site.entity_named("Maria Lopez")
    assert lopez["page"] is False and lopez["url"] is None
    assert lopez["page_reason"] == "editor: lopez.md says page: false"
    assert site.entity_named("Denver")["page"] is True
    assert site.entity_named("Denver")["url"] == "places/denver/"
    # Its mentions are still the article's, at their exact places, listed apart from the
    # mentions of dossier pages: a script reading "mentions" meets only names with a page.
    article = next(a for a in site.entities_json()["articles"] if a["id"] == "library")
    assert [(m["entity"], m["text"], m["start"], m["end"]) for m in article["other_names"]] == [
        (lopez["id"], "Maria Lopez", 0, 11), (lopez["id"], "Lopez", 73, 78)]
    assert [m["entity"] for m in article["mentions"]] == [site.entity_named("Denver")["id"]]
    assert not (site.output / "people" / "maria-lopez").exists()
    html = (site.output / "articles" / "library" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<span class="mention-name" id="m[0-9a-f]{10}" title="Maria Lopez \(person, no page of its own\)">'
                     r'Maria Lopez</span>', html)
    assert "Other names" in html and "people/maria-lopez" not in html
    people = (site.output / "people" / "index.html").read_text(encoding="utf-8")
    assert "Maria Lopez" not in people and "About these pages" in people
    graph = json.loads((site.output / "data" / "graph.json").read_text(encoding="utf-8"))
    assert lopez["id"] not in {n["id"] for n in graph["nodes"]}
    assert cli("check", site.output).returncode == 0
    listed = cli("entities", site.root, "--format", "json")
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["Maria Lopez"]["page"] is False
    assert rows["Maria Lopez"]["page_reason"] == "editor: lopez.md says page: false"
    assert rows["Denver"]["page"] is True and rows["Denver"]["page_reason"] == "a known place (GeoNames)"
    table = cli("entities", site.root).stdout
    assert "no: editor: lopez.md says page: false" in table


def test_page_must_be_true_or_false(site, cli):
    site.add_article("library", title="New library", body=ARTICLE)
    note = site.add_note("lopez", name="Maria Lopez", page="maybe")
    result = cli("build", site.root, "--offline", "--quiet")
    assert result.returncode == 1, result.stderr
    assert f"{note}:" in result.stderr and "'page' must be true or false" in result.stderr


def test_a_preview_gives_a_name_its_page_once_the_evidence_comes(make_site, nlp):
    from sitegen.build import BuildOptions, build
    from sitegen.incremental.memory import BuildMemory

    site = make_site()
    site.add_article("library", title="New library", body=ARTICLE)
    site.add_note("lopez", name="Maria Lopez", page=False)
    options = BuildOptions(offline=True, jobs=1, nlp_loader=lambda: nlp, memory=BuildMemory())
    assert build(site.root, options).ok
    assert 'class="mention-name"' in site.article_page("library")
    site.add_note("lopez", name="Maria Lopez", page=True)  # the editor changes their mind
    assert build(site.root, options).ok
    assert site.entity_named("Maria Lopez")["url"] == "people/maria-lopez/"
    # The export kept from the last build moves her mentions to the dossier pages' list.
    (article,) = site.entities_json()["articles"]
    assert [m["text"] for m in article["mentions"]] == ["Maria Lopez", "Denver", "Lopez"]
    assert article["other_names"] == []
    assert (site.output / "people" / "maria-lopez" / "index.html").is_file()
    assert 'href="../../people/maria-lopez/"' in site.article_page("library")
    site.add_note("lopez", name="Maria Lopez", page=False)
    assert build(site.root, options).ok
    # Published once, the address now forwards to the article that names her.
    forward = (site.output / "people" / "maria-lopez" / "index.html").read_text(encoding="utf-8")
    assert "Maria Lopez has no dossier of its own" in forward and "../../articles/library/" in forward
    assert "people/maria-lopez" not in site.article_page("library")


def test_a_list_vouches_for_a_name_only_beside_its_like():
    import datetime as dt

    from sitegen.model import Article, Site
    from sitegen.entities.publication import publish

    text = "The ceasefire between Israel and Zorgon held, said Kehl and Freiburg."
    article = Article("a", Path("a.md"), "A", dt.date(2024, 1, 1), text, text)

    def named(name: str, kind: str, folder: str) -> Entity:
        start = text.index(name)
        mention = Mention("a", start, start + len(name), name, text, 0, f"{folder}/{name.lower()}")
        return Entity(f"{folder}/{name.lower()}", name, kind, (), (mention,), ("a",))

    israel, zorgon = named("Israel", "place", "places"), named("Zorgon", "organisation", "organisations")
    freiburg, kehl = named("Freiburg", "place", "places"), named("Kehl", "person", "people")
    everyone = (freiburg, israel, kehl, zorgon)
    mentions = tuple(sorted((e.mentions[0] for e in everyone), key=lambda m: m.start))
    site = publish(Site((article,), everyone, {"a": mentions}), (), 0.6)
    assert site.page_reasons[zorgon.id] == "listed with “Israel”, which has a page"
    assert kehl in site.without_page  # a person listed with places is more likely a misread place


_NAMES = ["Ab", "Éa", "A-b", "O'b", "A_b", "Ab1"]
_PIECES = ["ab", "éa", "a-b", "o'b", "a_b", "ab1", "Ab", "x", "-", "_", "'", " ", "\n", "."]


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(_NAMES),
       texts=st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join), min_size=1, max_size=3))
def test_a_common_word_is_found_by_words_as_by_scanning_each_text(name, texts):
    # The split-once words of ArticleTexts must say what the per-name scan says, for any
    # name and text: a word "written in lower case" is found on its own, not inside a
    # longer word or a hyphenated one.
    ids = [f"a{i}" for i in range(len(texts))]
    entity = Entity(id="places/x", name=name, type="place", aliases=(), mentions=(), articles=tuple(ids))
    plain = dict(zip(ids, texts))
    assert _counts_as_evidence(entity, ArticleTexts(plain)) == _counts_as_evidence(entity, plain)


@pytest.mark.parametrize("kept_by", ["preview", "memo file"])
def test_a_kept_decision_is_made_again_when_an_entitys_article_changes_around_its_mentions(kept_by, tmp_path):
    """A page decision reads the whole text of the entity's articles: an edit elsewhere in
    one of them (here, the name written in lower case) changes it though no mention did.
    A preview keeps decisions in memory, `sitegen build` in its memo file."""
    import datetime

    from sitegen.entities.publication import publish
    from sitegen.incremental import Memo
    from sitegen.incremental.entities import published
    from sitegen.model import Article, Site

    word = _entity("Standings", "organisation", [("Standings after", "Standings"), ("Standings now", "Standings")])
    other = _entity("Zembla", "organisation", [("Zembla rose.", "Zembla"), ("Zembla fell.", "Zembla")], articles=2)
    other = Entity(id="organisations/zembla", name=other.name, type=other.type, aliases=(),
                   mentions=other.mentions, articles=other.articles)

    def site(a0_text: str) -> Site:
        articles = tuple(Article(aid, Path(f"{aid}.md"), aid, datetime.date(2026, 1, 1), text, text)
                         for aid, text in (("a0", a0_text), ("a1", "Zembla fell.")))
        return Site(articles, (word, other))

    memo = Memo()
    texts = ["Standings after. Standings now.", "Standings after. The standings now: Standings now.",
             "Standings after. Standings now.", "Standings after. Standings now. Zembla, and standings."]
    for text in texts:
        if kept_by == "memo file":
            memo = Memo("v", tmp_path / "memo.sqlite")
        memo.begin()
        now = published(memo, site(text), [], 0.6)
        memo.end()
        memo.save()
        memo.close()
        fresh = publish(site(text), [], 0.6)
        assert now.page_reasons == fresh.page_reasons, text
        assert [e.id for e in now.entities] == [e.id for e in fresh.entities], text
    assert [e.name for e in now.entities] == ["Zembla"], "the last text writes the word in lower case"


@pytest.mark.parametrize("kept_by", ["preview", "memo file"])
def test_the_words_of_articles_are_kept_only_by_a_memo_that_lasts_to_the_next_build(kept_by, tmp_path):
    """A page decision may split the entity's articles into words; a preview keeps them for
    the next save, while `sitegen build`, whose memo in memory ends with it, held every
    article's to its end for nothing."""
    import datetime

    from sitegen.incremental import Memo
    from sitegen.incremental.entities import ARTICLE_WORDS, published
    from sitegen.model import Article, Site

    word = _entity("Standings", "organisation", [("Standings after", "Standings"), ("Standings now", "Standings")])
    text = "Standings after. The standings now: Standings now."
    site = Site((Article("a0", Path("a0.md"), "a0", datetime.date(2026, 1, 1), text, text),), (word,))
    memo = Memo() if kept_by == "preview" else Memo("v", tmp_path / "memo.sqlite")
    memo.begin()
    now = published(memo, site, [], 0.6)
    assert "lower case" in now.page_reasons["organisations/x"]  # found by the words of the text
    assert memo.size(ARTICLE_WORDS) == (1 if kept_by == "preview" else 0)
    memo.close()


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["and", "or", " ", "\u00a0", "\n", ",", "'", "’", "“", "\"", "Ab", "x", "-", "band",
                                 "oral"]), max_size=14),
       st.data())
def test_a_name_listed_with_another_is_always_found_beside_a_conjunction(pieces, data):
    """The cheap look for "and"/"or" beside a name never misses a pair ``_CONJOINED`` matches."""
    text = "".join(pieces)
    bounds = [sum(map(len, pieces[:i])) for i in range(len(pieces) + 1)]  # names start and end between pieces
    cuts = sorted(data.draw(st.lists(st.sampled_from(bounds), min_size=4, max_size=4)))
    for (m_start, m_end), (o_start, o_end) in (((cuts[2], cuts[3]), (cuts[0], cuts[1])),
                                               ((cuts[0], cuts[1]), (cuts[2], cuts[3]))):
        between = text[o_end:m_start] if o_end <= m_start else text[m_end:o_start]
        if between and _CONJOINED.fullmatch(between):
            assert _beside_a_conjunction(text, m_start, m_end), (text, m_start, m_end)
