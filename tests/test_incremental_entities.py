"""Resolving with the last build's results gives what resolving afresh gives, and an edit
re-cuts only the mention lists of the articles it changed."""
from __future__ import annotations

import dataclasses
import datetime
import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

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
        if name.startswith("~"):  # words that name nothing: the text moves, no cluster changes
            text += name[1:] + " "
            continue
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
    for change in random_edits(rng, named):
        assert resolved_site(named, memo) == resolved_site(named, None), change


def random_edits(rng: random.Random, named: dict[int, list[str]], count: int = 20):
    """Edit ``named`` in place ``count`` times, saying each time what changed."""
    for step in range(count):
        change = rng.choice(["more", "reorder", "rewrite", "add", "delete", "words"])
        n = rng.choice(sorted(named))
        if change == "more":  # one more mention of a much-mentioned name
            named[n] = named[n] + ["Paris"]
        elif change == "words":  # a word added ahead of the names: every mention moves, no name changes
            named[n] = ["~Meanwhile,"] + named[n]
        elif change == "reorder":  # the same names, moved: the same clusters, their mentions elsewhere
            named[n] = named[n][::-1]
        elif change == "rewrite":
            named[n] = rng.sample(NAMES, 4)
        elif change == "add":
            named[100 + step] = ["Paris"] + rng.sample(NAMES, 2)
        elif len(named) > 2:
            del named[n]
        yield change


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


@pytest.mark.parametrize("kept_by", ["preview", "memo file"])
def test_a_hub_remade_for_one_new_mention_makes_the_mentions_of_that_article_only(kept_by, tmp_path, monkeypatch):
    """Paris, named in all 40 articles, is remade when one of them names it once more: its
    mentions in the other 39 are last build's, not cut from their texts again."""
    from sitegen.entities import resolve as resolving

    named = make_site(random.Random(8), 40)
    memo = Memo()
    again = (lambda: resolved_site(named, memo)) if kept_by == "preview" else \
        (lambda: stored_resolved(named, tmp_path / "memo.sqlite"))
    again()
    made = []
    real = resolving.cluster_mentions
    monkeypatch.setattr(resolving, "cluster_mentions",
                        lambda cluster, *rest: made.append(cluster.article_id) or real(cluster, *rest))
    named[7] = named[7] + ["Paris"]
    site = again()
    monkeypatch.undo()
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


def test_a_preview_decides_again_only_the_pages_of_the_entities_an_edit_changed(monkeypatch):
    """In memory, each page decision is kept with what it read, compared by value."""
    from sitegen.entities.publication import publish

    named = make_site(random.Random(6), 30)
    memo = Memo()

    def built():  # one build: resolving, then publication
        made = {n: make_article(n, names, n % 27) for n, names in named.items()}
        articles = sorted((a for a, _ in made.values()), key=lambda a: (-a.date.toordinal(), a.id))
        memo.begin()
        site = kept_entities.resolved(memo, articles, {a.id: cs for a, cs in made.values()}, (),
                                      ("person", "place", "organisation"), 1)
        keyed.clear()
        publishing.append(True)
        shown = kept_entities.published(memo, site, (), 0.6)
        publishing.clear()
        memo.end()
        return site, shown

    keyed, publishing = [], []  # the page decisions keyed (digested) while publishing
    real_digest = kept_entities.joined_digest
    monkeypatch.setattr(kept_entities, "joined_digest",
                        lambda *parts: (keyed.append(parts) if publishing else None) or real_digest(*parts))
    built()
    asked = []
    real = kept_entities.page_reason
    monkeypatch.setattr(kept_entities, "page_reason", lambda entity, *rest: asked.append(entity.id) or real(entity, *rest))
    named[3] = named[3] + ["Oslo"]
    site, shown = built()
    # Only entities whose articles' texts changed (those the edited article names) are asked about.
    assert "places/oslo" in asked and set(asked) <= {e.id for e in site.entities if "a003" in e.articles}
    assert shown == publish(site, (), 0.6)
    asked.clear()
    assert built()[1] == shown and asked == [] and keyed == []  # nothing keyed when nothing changed


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


# ---- `sitegen build`: merged blocks and entities kept in the memo file --------------------


def stored_resolved(named: dict[int, list[str]], memo_file: Path, judgements=(), stoplist: str = "", title: str = ""):
    """Resolve as a `sitegen build` does: a memo read from ``memo_file``, saved after
    (``title``: added to every article's title)."""
    made = {n: make_article(n, names, n % 27) for n, names in named.items()}
    made = {n: (dataclasses.replace(a, title=a.title + title), cs) for n, (a, cs) in made.items()}
    articles = sorted((a for a, _ in made.values()), key=lambda a: (-a.date.toordinal(), a.id))
    clusters = {a.id: cs for a, cs in made.values()}
    # as clusters_reusing names them: by all they are made from (here, the text and a stoplist)
    keys = {a.id: f"{a.id}:{hash((a.text, stoplist))}" for a in articles}
    memo = Memo("test", memo_file)
    memo.begin()
    site = kept_entities.resolved(memo, articles, clusters, judgements, ("person", "place", "organisation"), 1, keys)
    memo.end()
    memo.save()
    memo.close()
    return site


@pytest.mark.parametrize("seed, count", [(0, 30), (1, 30), (2, 30), (3, 70), (4, 70)])
def test_resolving_from_the_memo_file_equals_resolving_afresh_after_edits(seed, count, tmp_path, monkeypatch):
    """At 70 articles, with blocks of 50 clusters counted large, the blocks of Paris and of
    the most named people are merged again from the summaries kept of them."""
    from sitegen.incremental import stored_entities

    if count > 30:
        monkeypatch.setattr(stored_entities, "LARGE_BLOCK", 50)
    rng = random.Random(seed)
    named = make_site(rng, count)
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    for change in random_edits(rng, named):
        assert stored_resolved(named, memo_file) == resolved_site(named, None), change


def _watch_merges(monkeypatch) -> tuple[list[set[str]], list[str]]:
    """The names of each block merged again, and the id of each entity made again."""
    from sitegen.incremental import stored_entities

    merged, made = [], []
    real_merge, real_make = stored_entities.merged_block, stored_entities.entity_of
    real_again = stored_entities.mentions_made_again
    monkeypatch.setattr(stored_entities, "merged_block",
                        lambda clusters, notes: merged.append({c.name for c in clusters}) or real_merge(clusters, notes))
    monkeypatch.setattr(stored_entities, "entity_of", lambda entity_id, *rest: made.append(entity_id)
                        or real_make(entity_id, *rest))
    monkeypatch.setattr(stored_entities, "mentions_made_again", lambda before, clusters: made.append(before.id)
                        or real_again(before, clusters))
    return merged, made


def test_a_build_from_the_memo_file_merges_and_makes_only_what_an_edit_touched(tmp_path, monkeypatch):
    named = make_site(random.Random(6), 40)
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    merged, made = _watch_merges(monkeypatch)
    assert stored_resolved(named, memo_file) == resolved_site(named, None)
    assert merged == [] and made == [], "an unchanged site merges and makes nothing again"

    stored_resolved(named, memo_file, title=" (edited)")
    assert merged == [] and made == [], "a new title changes no group or entity"

    edited = set(named[7]) | {"Paris", "Oslo"}  # the names it held and holds
    held = list(named[7])
    named[7] = ["Paris", "Oslo", "Oslo"]
    site = stored_resolved(named, memo_file)
    assert site == resolved_site(named, None)
    assert merged and all(names & edited for names in merged), merged
    assert len(merged) < len({name for names in named.values() for name in names})
    before = resolved_site({**named, 7: held}, None)
    assert set(made) <= {e.id for e in (*before.entities, *site.entities) if "a007" in e.articles}
    assert "places/rome" not in made


def test_an_edit_merges_again_only_the_blocks_whose_clusters_it_changed(tmp_path, monkeypatch):
    """Clusters are named in their blocks by what merging reads of them, not by their
    article's text: an article naming the same things in another order merges no block
    again (the entities whose mentions moved are made again), and a name it gains merges
    that name's block alone."""
    named = make_site(random.Random(6), 40)
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    merged, made = _watch_merges(monkeypatch)
    n = next(n for n, names in sorted(named.items()) if "Berlin" not in names and len(set(names)) == len(names)
             and not {"Mary Smith", "Smith"} <= set(names))  # two clusters of one block would swap places
    named[n] = [named[n][0], *reversed(named[n][1:])]
    assert stored_resolved(named, memo_file) == resolved_site(named, None)
    assert merged == [], merged
    assert len(made) >= 2, "the entities whose mentions moved were not made again"
    named[n] = named[n] + ["Berlin"]
    assert stored_resolved(named, memo_file) == resolved_site(named, None)
    assert merged == [{"Berlin"}], merged


def test_a_block_merged_again_remakes_only_the_entities_whose_clusters_changed(tmp_path, monkeypatch):
    """Mary Smith and Anna Smith share a block (the surname): a new mention of Mary merges
    it again, and makes again the entities the edited article names, not Anna, whose
    clusters are as they were."""
    named = {n: ["Paris", "Mary Smith" if n % 2 else "Anna Smith", "Oslo"] for n in range(12)}
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    merged, made = _watch_merges(monkeypatch)
    named[3] = named[3] + ["Mary Smith"]
    site = stored_resolved(named, memo_file)
    assert site == resolved_site(named, None)
    assert {"Mary Smith", "Anna Smith"} in merged, "the surname's block was merged again"
    assert sorted(made) == ["people/mary-smith", "places/oslo", "places/paris"], made


def test_a_block_merged_again_reads_its_articles_summaries_together(tmp_path, monkeypatch):
    """Paris is named in every article: one new sentence merges its block again from the
    summaries of all of them, read back a batch of rows at a time, not a query each."""
    from sitegen.incremental.memo import Memo as MemoFile
    from sitegen.incremental.stored_entities import SUMMARIES

    named = make_site(random.Random(3), 40)
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    alone, together = [], []
    real_one, real_many = MemoFile._read_one, MemoFile._read_many
    monkeypatch.setattr(MemoFile, "_read_one", lambda self, entry, key: alone.append(entry.name)
                        or real_one(self, entry, key))
    monkeypatch.setattr(MemoFile, "_read_many", lambda self, entry, keys: together.append((entry.name, len(keys)))
                        or real_many(self, entry, keys))
    named[5] = named[5] + ["Paris"]
    assert stored_resolved(named, memo_file) == resolved_site(named, None)
    assert SUMMARIES.name not in alone
    assert sum(n for name, n in together if name == SUMMARIES.name) >= 39  # every other article's


def test_a_large_block_merged_again_reads_only_the_edited_articles_summaries(tmp_path, monkeypatch):
    """Paris is named in all 60 articles, its block counted large: merged again for one new
    mention, it takes the summaries of its other clusters from the one row kept of the
    block, not from the rows of the 59 other articles (each holding the summaries of all
    its clusters)."""
    from sitegen.incremental import stored_entities
    from sitegen.incremental.memo import Memo as MemoFile
    from sitegen.incremental.stored_entities import BLOCK_SUMMARIES, SUMMARIES

    monkeypatch.setattr(stored_entities, "LARGE_BLOCK", 50)
    named = make_site(random.Random(5), 60)
    named[5], named[17] = ["Paris"], ["Paris"]  # naming only Paris: no other block is merged again
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    for step, edited in enumerate((5, 17)):
        read: dict[str, list[str]] = {}
        real_one, real_many = MemoFile._read_one, MemoFile._read_many

        def one(self, entry, key):
            read.setdefault(entry.name, []).append(key)
            return real_one(self, entry, key)

        def many(self, entry, keys):
            read.setdefault(entry.name, []).extend(keys)
            return real_many(self, entry, keys)

        named[edited] = named[edited] + ["Paris"]
        with pytest.MonkeyPatch.context() as counting:
            counting.setattr(MemoFile, "_read_one", one)
            counting.setattr(MemoFile, "_read_many", many)
            assert stored_resolved(named, memo_file) == resolved_site(named, None), step
        assert len(read.get(BLOCK_SUMMARIES.name, [])) == 1, read.get(BLOCK_SUMMARIES.name)
        assert len(read.get(SUMMARIES.name, [])) <= 1, read.get(SUMMARIES.name)  # the edited article's own


def test_a_hub_whose_clusters_an_edit_left_as_they_were_has_only_its_mentions_there_made_again(tmp_path,
                                                                                             monkeypatch):
    """An article names Paris and Oslo the other way round: no block is merged again, and
    Paris, named in all 60 articles (its block counted large), and Oslo have their mentions
    in that article made again, the rest of them as they were: no cluster's summary is
    read, neither from the articles' rows nor from the block's."""
    from sitegen.incremental import stored_entities
    from sitegen.incremental.memo import Memo as MemoFile
    from sitegen.incremental.stored_entities import BLOCK_SUMMARIES, SUMMARIES

    monkeypatch.setattr(stored_entities, "LARGE_BLOCK", 50)
    named = make_site(random.Random(5), 60)
    named[5] = ["Oslo", "Paris"]
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    merged, made = _watch_merges(monkeypatch)
    read: dict[str, list[str]] = {}
    real_one, real_many = MemoFile._read_one, MemoFile._read_many
    monkeypatch.setattr(MemoFile, "_read_one", lambda self, entry, key: read.setdefault(entry.name, []).append(key)
                        or real_one(self, entry, key))
    monkeypatch.setattr(MemoFile, "_read_many", lambda self, entry, keys: read.setdefault(entry.name, []).extend(keys)
                        or real_many(self, entry, keys))
    real_entity_of = stored_entities.entity_of
    monkeypatch.setattr(stored_entities, "entity_of", lambda *args: pytest.fail("an entity was made whole again")
                        or real_entity_of(*args))
    named[5] = ["Paris", "Oslo"]
    site = stored_resolved(named, memo_file)
    assert site == resolved_site(named, None)
    assert merged == [] and sorted(made) == ["places/oslo", "places/paris"]
    assert SUMMARIES.name not in read and BLOCK_SUMMARIES.name not in read, read.keys()
    paris = site.entity("places/paris")
    assert [m.start for m in paris.mentions if m.article_id == "a005"] == [0]


def test_a_note_or_a_stoplist_change_merges_its_block_again(tmp_path, monkeypatch):
    """A block is kept under its notes and its clusters' keys: a note naming two names as
    one, or clusters made with another stoplist, are not served the last merge."""
    from sitegen.content.judgements import Judgement
    from sitegen.incremental import stored_entities

    named = {n: ["Mary Smith", "Paris"] if n % 2 else ["John Doe", "Paris"] for n in range(6)}
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    retyped = Judgement(path=Path("entities/mary-smith.md"), name="Mary Smith", type="organisation")
    site = stored_resolved(named, memo_file, (retyped,))  # the same block's clusters, a note now
    assert site == resolve(*_inputs(named), (retyped,))
    assert [e.type for e in site.entities if e.name == "Mary Smith"] == ["organisation"]
    note = Judgement(path=Path("entities/mary-smith.md"), name="Mary Smith", same_as=("John Doe",))
    site = stored_resolved(named, memo_file, (note,))
    assert site == resolve(*_inputs(named), (note,))
    assert [e.name for e in site.entities if e.type == "person"] == ["Mary Smith"]
    merged = []
    real = stored_entities.merged_block
    monkeypatch.setattr(stored_entities, "merged_block", lambda *args: merged.append(1) or real(*args))
    assert stored_resolved(named, memo_file, (), stoplist="other") == resolve(*_inputs(named))
    assert merged, "clusters made with another stoplist were served the merge of the old ones"


def test_an_edit_that_moves_no_block_takes_the_last_builds_blocks(tmp_path, monkeypatch):
    """A word added moves every mention of its article but no block: nothing is blocked or
    merged again. One more mention of Paris renames its cluster: Paris's block alone is
    named and merged again. A name new to an article blocks again only the blocks around
    its keys, old and new; an article added or removed blocks the whole site. Each build
    equals a clean one."""
    from sitegen.entities import merge_blocks
    from sitegen.incremental import stored_entities

    named = make_site(random.Random(8), 40)
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file)
    merged, _ = _watch_merges(monkeypatch)
    blocked = []  # how many clusters each blocking was given
    real_blocks = merge_blocks.blocks

    def blocks(members, notes=()):
        members = list(members)
        blocked.append(len(members))
        return real_blocks(members, notes)
    monkeypatch.setattr(merge_blocks, "blocks", blocks)
    monkeypatch.setattr(stored_entities, "blocks", blocks)

    def build() -> tuple[list[int], list]:
        """(the clusters each blocking was given, the blocks merged) in a build; the site as a clean build's."""
        clean = resolved_site(named, None)
        blocked.clear(), merged.clear()
        assert stored_resolved(named, memo_file) == clean
        return list(blocked), list(merged)

    def clusters() -> int:
        return sum(len({name for name in names if not name.startswith("~")}) for names in named.values())

    named[4] = ["~Meanwhile,"] + named[4]
    assert build() == ([], [])
    named[9] = named[9] + ["Paris"]
    assert build() == ([], [{"Paris"}])
    new_name = next(name for name in ("Oslo", "Rome", "Berlin", "Acme Corp") if name not in named[12])
    named[12] = named[12] + [new_name]
    counted, merged_again = build()
    # The blocks of its names (Mary Smith and Smith share one, on the surname), no other
    around = set(named[12]) | ({"Mary Smith", "Smith"} if {"Mary Smith", "Smith"} & set(named[12]) else set())
    assert counted == [sum(len(around & set(names)) for names in named.values())] and counted[0] < clusters()
    assert {new_name} <= set().union(*merged_again)
    named[200] = ["Paris", "Rome"]
    assert build()[0] == [clusters()]
    named[200] = ["~Later,", "Paris", "Rome"]
    assert build() == ([], [])
    del named[200]
    assert build()[0] == [clusters()]


@pytest.mark.parametrize("seed", range(4))
def test_blocking_again_around_an_edit_gives_what_blocking_the_site_gives(seed, tmp_path):
    """Edits that move blocks, with editor's notes joining names across them: each build
    from the last build's blocks equals a clean one."""
    from sitegen.content.judgements import Judgement

    rng = random.Random(seed)
    named = make_site(rng, 30)
    notes = (Judgement(path=Path("entities/acme.md"), name="Acme Corp", same_as=("Oslo",)),
             Judgement(path=Path("entities/doe.md"), name="John Doe", same_as=("Mary Smith",)))
    memo_file = tmp_path / "memo.sqlite"
    stored_resolved(named, memo_file, notes)
    for _ in range(12):
        n = rng.choice(sorted(named))
        named[n] = rng.choice([named[n] + [rng.choice(NAMES)], ["Paris", *rng.sample(NAMES, 2)],
                               [name for name in named[n] if name != rng.choice(NAMES)] or ["Paris"]])
        assert stored_resolved(named, memo_file, notes) == resolve(*_inputs(named), notes)


def _inputs(named: dict[int, list[str]]):
    made = {n: make_article(n, names, n % 27) for n, names in named.items()}
    articles = sorted((a for a, _ in made.values()), key=lambda a: (-a.date.toordinal(), a.id))
    return articles, {a.id: cs for a, cs in made.values()}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a1", "a2", "a3"]), st.integers(0, 6), st.integers(1, 3),
                          st.sampled_from(["people/x", "people/y", "places/z"])), max_size=30))
def test_every_articles_mentions_come_in_text_order_ties_included(spans):
    """Mentions sorted by their start alone, then by the full order where two share a
    start, as the full order alone would sort them."""
    from sitegen.entities.resolve import mentions_by_article
    from sitegen.model import Entity, Mention

    by_entity: dict[str, list[Mention]] = {}
    for article_id, start, length, entity_id in spans:
        by_entity.setdefault(entity_id, []).append(
            Mention(article_id, start, start + length, "x" * length, "A sentence.", 0, entity_id))
    entities = []
    for entity_id, mentions in by_entity.items():
        # as an entity holds them: article by article, each in text order
        mentions.sort(key=lambda m: (m.article_id, m.start, m.end))
        entities.append(Entity(entity_id, entity_id, "person" if entity_id.startswith("people") else "place", tuple(mentions),
                               (), tuple(dict.fromkeys(m.article_id for m in mentions))))
    found = mentions_by_article(entities)
    every = [m for e in entities for m in e.mentions]
    assert set(found) == {m.article_id for m in every}
    for article_id, mentions in found.items():
        assert mentions == tuple(sorted((m for m in every if m.article_id == article_id),
                                        key=lambda m: (m.start, m.end, m.entity_id)))
