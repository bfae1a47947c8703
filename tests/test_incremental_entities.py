"""Resolving with the last build's results gives what resolving afresh gives, and an edit
re-cuts only the mention lists of the articles it changed."""
from __future__ import annotations

import datetime
import random
from pathlib import Path

import pytest

from sitegen.entities.resolve import MentionRuns, article_mentions, resolve
from sitegen.incremental import Memo
from sitegen.incremental import entities as kept_entities
from sitegen.model import Article, RawMention
from sitegen.names import name_key
from sitegen.nlp.chains import Cluster

NAMES = ["Paris", "Rome", "Mary Smith", "Smith", "Acme Corp", "Oslo", "John Doe", "Berlin"]
KINDS = {"Paris": "place", "Rome": "place", "Oslo": "place", "Berlin": "place", "Acme Corp": "organisation"}


def make_article(number: int, names: list[str], day: int) -> tuple[Article, list[Cluster]]:
    """An article naming ``names`` in turn (a name may come back), and its clusters."""
    text, spans = "", {}
    for name in names:
        start = len(text)
        text += f"{name} spoke. "
        spans.setdefault(name, []).append((start, start + len(name), start, len(text) - 1))
    article_id = f"a{number:03d}"
    article = Article(article_id, Path(f"{article_id}.md"), f"Article {number}", datetime.date(2026, 1, 1 + day),
                      text, text)
    clusters = []
    for name, found in spans.items():
        kind = KINDS.get(name, "person")
        mentions = [RawMention(s, e, name, kind, ss, se) for s, e, ss, se in found]
        key = name_key(name)
        clusters.append(Cluster(article_id, mentions, kind, name, key, {key: name},
                                {key} if " " in name else set()))
    return article, clusters


def make_site(rng: random.Random, count: int) -> dict[int, list[str]]:
    return {n: ["Paris"] + rng.sample(NAMES, 3) for n in range(count)}  # Paris in every article


def resolved_site(named: dict[int, list[str]], memo: Memo | None):
    made = {n: make_article(n, names, n % 27) for n, names in named.items()}
    articles = sorted((a for a, _ in made.values()), key=lambda a: (-a.date.toordinal(), a.id))
    clusters = {a.id: cs for a, cs in made.values()}
    if memo is None:
        return resolve(articles, clusters)
    memo.begin()
    site = kept_entities.resolved(memo, articles, clusters, (), ("person", "place", "organisation"), 1)
    memo.end()
    return site


@pytest.mark.parametrize("seed", range(3))
def test_resolving_with_a_memo_equals_resolving_afresh_after_edits(seed):
    rng = random.Random(seed)
    named = make_site(rng, 30)
    memo = Memo()
    resolved_site(named, memo)
    for step in range(20):
        change = rng.choice(["more", "rewrite", "add", "delete"])
        n = rng.choice(sorted(named))
        if change == "more":  # one more mention of a much-mentioned name
            named[n] = named[n] + ["Paris"]
        elif change == "rewrite":
            named[n] = rng.sample(NAMES, 4)
        elif change == "add":
            named[100 + step] = ["Paris"] + rng.sample(NAMES, 2)
        elif len(named) > 2:
            del named[n]
        assert resolved_site(named, memo) == resolved_site(named, None), change


def test_a_new_mention_of_a_name_in_every_article_re_cuts_one_article_list(monkeypatch):
    named = make_site(random.Random(4), 40)
    memo = Memo()
    resolved_site(named, memo)
    cut = []
    real = kept_entities.article_mentions
    monkeypatch.setattr(kept_entities, "article_mentions",
                        lambda article_id, *rest: cut.append(article_id) or real(article_id, *rest))
    named[7] = named[7] + ["Paris"]  # Paris is remade; the other 39 articles naming it are not
    site = resolved_site(named, memo)
    assert cut == ["a007"]
    assert site == resolved_site(named, None)
    assert len(site.entity("places/paris").articles) == 40


def test_a_hub_remade_for_one_new_mention_makes_the_mentions_of_that_article_only(monkeypatch):
    """Paris, named in all 40 articles, is remade when one of them names it once more: its
    mentions in the other 39 are last build's, not cut from their texts again."""
    named = make_site(random.Random(8), 40)
    memo = Memo()
    resolved_site(named, memo)
    made = []
    real = kept_entities.cluster_mentions
    monkeypatch.setattr(kept_entities, "cluster_mentions",
                        lambda cluster, *rest: made.append(cluster.article_id) or real(cluster, *rest))
    named[7] = named[7] + ["Paris"]
    site = resolved_site(named, memo)
    assert site == resolved_site(named, None)
    assert set(made) == {"a007"}


def test_an_edit_makes_again_only_the_keys_of_the_entities_and_lists_it_touched(monkeypatch):
    """An entity whose group is unchanged and whose articles are unchanged is handed back
    without its key being made again (the key reads every one of its articles: Paris
    names all 40), and so is an article list none of whose entities changed."""
    named = make_site(random.Random(6), 40)
    memo = Memo()
    before = resolved_site(named, memo)
    keyed = []
    real = kept_entities.joined_digest
    monkeypatch.setattr(kept_entities, "joined_digest", lambda first, *rest: keyed.append(first) or real(first, *rest))
    named[7] = ["Paris", "Oslo", "John Doe"]  # a rewrite of one article
    site = resolved_site(named, memo)
    assert site == resolved_site(named, None)
    touched = {e.id for e in (*before.entities, *site.entities) if "a007" in e.articles}
    entity_keys = {k for k in keyed if "/" in k}  # entity keys start with its id; list keys with a digest
    assert entity_keys <= touched and "places/paris" in entity_keys
    assert len(keyed) - len(entity_keys) == 1  # the list of the article edited, no other
    untouched = next(e for e in site.entities if e.id not in touched)
    assert untouched is next(e for e in before.entities if e.id == untouched.id)  # the very value, its key unmade


def test_mention_runs_cut_each_article_from_one_reading():
    named = make_site(random.Random(5), 12)
    site = resolved_site(named, None)
    paris = site.entity("places/paris")
    runs = MentionRuns()
    for article_id in reversed(paris.articles):  # any order: what was read stays read
        assert runs.of(paris, article_id) == tuple(m for m in paris.mentions if m.article_id == article_id)
    assert article_mentions("a003", [paris], runs) == tuple(m for m in paris.mentions if m.article_id == "a003")
    with pytest.raises(KeyError):
        runs.of(paris, "no-such-article")
