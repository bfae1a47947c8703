"""Merging block by block, and incrementally, gives what merging everything at once gives."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from sitegen.entities import merge
from sitegen.nlp.chains import Cluster
from sitegen.content.judgements import Judgement
from sitegen.incremental.merge_blocks import MergeMemo, merge_kept
from sitegen.model import RawMention
from sitegen.names import name_key

# Names chosen to collide: shared surnames (two Bushes), a surname alone, acronyms defined
# in some articles only, one word as a person and as a company, places with two spellings.
PEOPLE = ["George Bush", "George W. Bush", "Jeb Bush", "Bush", "Donald Trump", "Trump", "Donald J. Trump",
          "Ahmed al-Sharaa", "Sharaa", "al-Sharaa", "Henry Ford", "Ford", "Mary Smith", "Smith", "John Smith"]
PLACES = ["United States", "U.S.", "US", "Syria", "Syrian Arab Republic", "Damascus", "Ford"]
ORGS = ["Ford", "Ford Motor Co", "International Monetary Fund", "IMF", "Islamic State", "ISIS", "Daesh",
        "U.S. Securities and Exchange Commission", "Securities and Exchange Commission", "SEC"]
ACRONYMS = {"IMF": "International Monetary Fund", "SEC": "Securities and Exchange Commission",
            "ISIS": "Islamic State"}


def make_cluster(article: str, kind: str, name: str, rng: random.Random) -> Cluster:
    mentions = [RawMention(0, len(name), name, kind, 0, len(name)) for _ in range(rng.randint(1, 3))]
    strong = {name_key(name)} if " " in name else set()
    acronyms = set()
    for short, full in ACRONYMS.items():
        if name in (short, full) and rng.random() < 0.5:  # this article defines the acronym
            strong |= {name_key(short), name_key(full)}
            acronyms.add(short)
    return Cluster(article, mentions, kind, name, name_key(name), {name_key(name): name}, strong, acronyms)


def make_article(article: str, rng: random.Random) -> list[Cluster]:
    picks = [("person", n) for n in rng.sample(PEOPLE, 3)] + [("place", n) for n in rng.sample(PLACES, 2)] + \
            [("organisation", n) for n in rng.sample(ORGS, 2)]
    return [make_cluster(article, kind, name, rng) for kind, name in picks]


JUDGEMENTS = (
    Judgement(Path("isis.md"), "Islamic State", aliases=("Daesh",)),
    Judgement(Path("bush.md"), "George W. Bush", not_same=("George Bush",)),
    Judgement(Path("trump.md"), "Donald Trump", same_as=("Donald J. Trump",)),
)


# Besides JUDGEMENTS: a note that joins two blocks, one that names nothing, and one
# note's second version (an editor's edit) under the same file name.
EXTRA_JUDGEMENTS = JUDGEMENTS + (
    Judgement(Path("imf.md"), "International Monetary Fund", same_as=("Syria",)),
    Judgement(Path("nobody.md"), "Nobody Known"),
    Judgement(Path("isis.md"), "Islamic State", aliases=("Daesh", "ISIS"), not_same=("Islamic State of Iraq",)),
    Judgement(Path("ford.md"), "Ford Motor Co", not_same=("Henry Ford",), type="organisation"),
)


def at_once(clusters, judgements):
    """The merge over every cluster as one block: what merging was before blocks."""
    return [group for _, group in sorted(merge.merge_block(clusters, judgements), key=lambda pair: pair[0])]


def kept(articles, judgements, memo):
    """Merging as a preview does, with the blocks and groups of the last call."""
    return merge_kept(memo, articles, judgements, merge.canonical_key, lambda cs, js: merge.merge_block(cs, js))


def shape(groups):
    # Clusters by value: a kept memo hands back an equal cluster it already holds.
    return [(list(g.clusters), g.type, g.name, g.reasons, g.judgement) for g in groups]


@pytest.mark.parametrize("seed", range(6))
def test_blocks_give_the_groups_of_merging_everything_at_once(seed):
    rng = random.Random(seed)
    clusters = [c for i in range(40) for c in make_article(f"a{i}", rng)]
    judgements = JUDGEMENTS if seed % 2 else ()
    groups = merge.merge_clusters(clusters, judgements)
    assert shape(groups) == shape(at_once(clusters, judgements))
    assert any(len(g.clusters) > 3 for g in groups)  # the names did collide


@pytest.mark.parametrize("seed", range(6))
def test_a_kept_memo_gives_the_groups_of_a_fresh_merge_after_any_edits(seed):
    rng = random.Random(seed)
    # article name -> (its place in the site's order, its clusters)
    articles = {f"a{i}": (rng.random(), make_article(f"a{i}", rng)) for i in range(30)}
    memo = MergeMemo()
    judgements = JUDGEMENTS
    for step in range(30):
        change = rng.choice(["edit", "add", "delete", "move", "relist", "notes"])
        name = rng.choice(sorted(articles))
        if change == "edit":
            articles[name] = (articles[name][0], make_article(name, rng))
        elif change == "add":  # anywhere in the order: the others keep their places
            articles[f"n{step}"] = (rng.random(), make_article(f"n{step}", rng))
        elif change == "delete" and len(articles) > 2:
            del articles[name]
        elif change == "move":  # a new date: the same clusters somewhere else
            articles[name] = (rng.random(), articles[name][1])
        elif change == "relist":  # the same clusters in a new list
            articles[name] = (articles[name][0], list(articles[name][1]))
        else:  # notes added, removed and changed, in any order
            judgements = tuple(rng.sample(EXTRA_JUDGEMENTS, rng.randint(0, len(EXTRA_JUDGEMENTS))))
            judgements = tuple(sorted(judgements, key=lambda j: str(j.path)))
        ordered = sorted(((place, name), clusters) for name, (place, clusters) in articles.items())
        incremental = kept(ordered, judgements, memo)
        everything = [c for _, clusters in ordered for c in clusters]
        assert shape(incremental) == shape(at_once(everything, judgements)), change
        assert shape(incremental) == shape(merge.merge_articles(ordered, judgements)), change


def test_an_edit_re_merges_only_the_blocks_it_touches(monkeypatch):
    rng = random.Random(9)
    articles = [((i, f"a{i}"), make_article(f"a{i}", rng)) for i in range(20)]
    articles.append(((20, "z"), [make_cluster("z", "person", "Quentin Zed", rng)]))  # a block of its own
    memo = MergeMemo()
    first = kept(articles, JUDGEMENTS, memo)
    assert kept(articles, JUDGEMENTS, memo) == first
    merged = []
    real = merge.merge_block
    monkeypatch.setattr(merge, "merge_block", lambda cs, js: merged.append(len(cs)) or real(cs, js))
    assert all(a is b for a, b in zip(kept(articles, JUDGEMENTS, memo), first))
    assert merged == []  # nothing changed: nothing merged again
    articles[-1] = ((20, "z"), [make_cluster("z", "person", "Quentin Zed", rng)])
    again = kept(articles, JUDGEMENTS, memo)
    assert merged == [1]  # the edited article's block, and only it
    assert shape(again) == shape(at_once([c for _, cs in articles for c in cs], JUDGEMENTS))


def test_a_new_judgement_re_merges_only_the_blocks_it_names(monkeypatch):
    rng = random.Random(9)
    articles = [((i, f"a{i}"), make_article(f"a{i}", rng)) for i in range(20)]
    articles.append(((20, "z"), [make_cluster("z", "person", "Quentin Zed", rng)]))  # a block of its own
    articles.append(((21, "y"), [make_cluster("y", "person", "Yvonne Zed", rng)]))  # and another
    memo = MergeMemo()
    kept(articles, JUDGEMENTS, memo)
    merged = []
    real = merge.merge_block
    monkeypatch.setattr(merge, "merge_block", lambda cs, js: merged.append(len(cs)) or real(cs, js))
    joined = JUDGEMENTS + (Judgement(Path("zed.md"), "Quentin Zed", same_as=("Yvonne Zed",)),)
    groups = kept(articles, joined, memo)
    assert merged == [2]  # the block of the two names the note joins; nothing else
    everything = [c for _, cs in articles for c in cs]
    assert shape(groups) == shape(at_once(everything, joined))
    merged.clear()
    apart = kept(articles, JUDGEMENTS, memo)
    assert merged == [2]  # taken back: that block again (the two share a surname key), nothing else
    assert shape(apart) == shape(at_once(everything, JUDGEMENTS))


def _named(article: str, kind: str, name: str, *short: str) -> Cluster:
    """A cluster as chains makes it: its full name strong, and the one-word short forms
    the article used for it (an organisation's: "Ford" for "Ford Motor Co")."""
    key = name_key(name)
    strong = ({key} if " " in name else set()) | set(short)
    return Cluster(article, [RawMention(0, len(name), name, kind, 0, len(name))], kind, name, key, {key: name},
                   strong)


def test_a_citys_name_used_as_an_organisations_short_form_in_one_article_stays_the_citys():
    """One article shortened the London International Financial Futures Exchange to
    "London"; every other article's "London" is the city, read as a place, and must not
    be filed under the exchange (a 1,000-article archive got one page for both, named for
    the exchange, with 379 mentions of the city). A short form still names the same kind
    of thing elsewhere: "Ford" read as a company joins Ford Motor Co."""
    exchange = "London International Financial Futures Exchange"
    # One article's model read the city as an organisation ("London commodities"): the
    # city's group, read as a place by most of its mentions, still stays apart.
    clusters = [_named("a1", "organisation", exchange, "london"),
                _named("a2", "place", "London"), _named("a3", "place", "London"),
                _named("a6", "place", "London"), _named("a7", "organisation", "London"),
                _named("a4", "organisation", "Ford Motor Co", "ford"), _named("a5", "organisation", "Ford")]
    groups = [sorted(c.article_id for c in group.clusters) for _, group in merge.merge_block(clusters, [])]
    assert sorted(groups) == [["a1"], ["a2", "a3", "a6", "a7"], ["a4", "a5"]]
