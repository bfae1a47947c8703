"""The one co-mention count: counted from nothing, or brought up to date from the last build's."""
from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from sitegen.entities import comentions
from sitegen.entities.comentions import CoMentions, count
from sitegen.site.export import graph_json
from sitegen.incremental import Memo
from sitegen.incremental.comentions import CO_MENTIONS_ON_DISK, counting, counting_around_linking, updated
from sitegen.incremental.digest import digest
from sitegen.model import Entity, Site

ARTICLES = [f"a{k}" for k in range(6)]
# entity number -> (name, the articles naming it); few names, so ties and renames are common
SITES = st.dictionaries(st.integers(0, 12), st.tuples(st.sampled_from(["Ann", "Bo", "Cy", "Di"]),
                                                      st.lists(st.sampled_from(ARTICLES), min_size=1, max_size=4,
                                                               unique=True)), max_size=10)


def _entities(site: dict) -> list[Entity]:
    return [Entity(f"people/p{n}", name, "person", (), (), tuple(articles))
            for n, (name, articles) in sorted(site.items())]


def _equal(a: CoMentions, b: CoMentions) -> None:
    assert dict(a.members) == dict(b.members)
    assert {k: dict(v) for k, v in a.pairs.items()} == {k: dict(v) for k, v in b.pairs.items()}
    assert dict(a.related) == dict(b.related)
    assert dict(a.keys) == dict(b.keys)


@settings(max_examples=300, deadline=None)
@given(st.lists(SITES, min_size=1, max_size=8))
def test_counts_brought_up_to_date_equal_counting_afresh(sites):
    last = CoMentions()
    for site in sites:
        entities = _entities(site)
        last = updated(last, entities)
        _equal(last, count(entities))


@settings(max_examples=200, deadline=None)
@given(st.lists(SITES, min_size=1, max_size=8))
def test_counts_brought_up_to_date_equal_counting_afresh_when_articles_name_more_than_are_counted(sites):
    # Only the first few entities of an article (in rank order) are counted: an edit that
    # renames one, or adds one ranked before others, changes which are.
    from unittest.mock import patch

    with patch.object(comentions, "MAX_PER_ARTICLE", 2):
        last = CoMentions()
        for site in sites:
            entities = _entities(site)
            last = updated(last, entities)
            _equal(last, count(entities))
            assert dict(last.named) == dict(count(entities).named)


@settings(max_examples=100, deadline=None)
@given(st.lists(SITES, min_size=1, max_size=6))
def test_a_preview_memo_counts_as_the_command_line_does(sites):
    memo = Memo()
    for site in sites:
        memo.begin()
        entities = _entities(site)
        _equal(counting(memo, "linked")(entities), counting(None, "linked")(entities))
        memo.end()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(SITES, SITES), min_size=1, max_size=5), st.booleans())
def test_counts_after_linking_equal_counting_afresh(builds, with_memo):
    # Each build counts its entities before linking, then the entities linking left
    # (which may be others altogether), the second count made from the first.
    memo = Memo() if with_memo else None
    for before, after in builds:
        if memo:
            memo.begin()
        count_before, count_after = counting_around_linking(memo)
        _equal(count_before(_entities(before)), count(_entities(before)))
        _equal(count_after(_entities(after)), count(_entities(after)))
        if memo:
            memo.end()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(SITES, SITES), min_size=1, max_size=5))
def test_counts_kept_in_the_memo_file_equal_counting_afresh(tmp_path_factory, builds):
    # As `sitegen build` runs: each build a new memo read from the file the last one saved.
    memo_file = tmp_path_factory.mktemp("memo") / "memo.sqlite"
    for before, after in builds:
        memo = Memo("test", memo_file)
        memo.begin()
        count_before, count_after = counting_around_linking(memo)
        _equal(count_before(_entities(before)), count(_entities(before)))
        _equal(count_after(_entities(after)), count(_entities(after)))
        memo.end()
        memo.save()
        memo.close()


def _named_in_three_articles() -> list[Entity]:
    return [Entity(f"people/p{n}", f"P{n}", "person", (), (), tuple(f"a{k}" for k in range(n, n + 3)))
            for n in range(20)]


def _builds_on_disk(memo_file, builds: int):
    """A memo for each of ``builds`` builds, read from the file the last one saved, as `sitegen build` runs."""
    for edit in range(builds):
        memo = Memo("test", memo_file)
        memo.begin()
        yield edit, memo
        memo.end()
        memo.save()
        memo.close()


def test_a_build_from_the_memo_file_counts_only_the_articles_it_changed(tmp_path, monkeypatch):
    entities = _named_in_three_articles()
    for edit, memo in _builds_on_disk(tmp_path / "memo.sqlite", 2):
        counted = []
        real = comentions.add_article
        monkeypatch.setattr(comentions, "add_article", lambda pairs, ids: counted.append(ids) or real(pairs, ids))
        import sitegen.incremental.comentions as kept
        monkeypatch.setattr(kept, "add_article", comentions.add_article)
        count_before, _ = counting_around_linking(memo)
        made = count_before(entities)
        monkeypatch.undo()
        _equal(made, count(entities))
        if edit == 0:
            assert len(counted) == 22, "the first build counts every article"
            entities[5] = Entity("people/p5", "P5", "person", (), (), ("a5", "a6", "a30"))
        else:
            assert 0 < len(counted) <= 4, counted


def test_counts_after_linking_are_brought_up_to_date_from_the_last_builds_after_linking(tmp_path, monkeypatch):
    """Linking merges and renames entities: the counts after it differ from those before
    in every article of a merged entity. Each build on disk brings them up to date from
    the last build's counts after linking, so an edit that changes nothing linking made
    counts no article again (it counted the merged entities' articles at every edit)."""
    import sitegen.incremental.comentions as kept

    before = _named_in_three_articles()
    merged = Entity("people/p0", "P0", "person", (), (), ("a0", "a1", "a2", "a3"))  # p1 linked to p0's item
    after = [merged] + before[2:]
    for edit, memo in _builds_on_disk(tmp_path / "memo.sqlite", 3):
        counting_before, counting_after = counting_around_linking(memo)
        _equal(counting_before(before), count(before))
        counted = []
        real = comentions.add_article
        monkeypatch.setattr(kept, "add_article", lambda pairs, ids: counted.append(ids) or real(pairs, ids))
        _equal(counting_after(after), count(after))
        monkeypatch.undo()
        if edit == 0:
            assert counted, "the first build brings the counts before linking up to date"
        else:
            assert counted == [], f"build {edit}: nothing linking made changed"


def test_counts_an_edit_left_as_they_were_are_not_written_to_the_memo_file_again(tmp_path):
    """A title edit changes no count: the row stays as the last build wrote it, and the
    build after still counts from it right."""
    import sqlite3
    from contextlib import closing

    entities = [Entity(f"people/p{n}", f"P{n}", "person", (), (), tuple(f"a{k}" for k in range(n, n + 3)))
                for n in range(20)]
    memo_file = tmp_path / "memo.sqlite"

    def build(entities):
        memo = Memo("test", memo_file)
        memo.begin()
        made = counting_around_linking(memo)[0](entities)
        memo.end()
        memo.save()
        memo.close()
        _equal(made, count(entities))

    def row() -> tuple[int, bytes]:
        with closing(sqlite3.connect(memo_file)) as db:
            return db.execute("SELECT rowid, value FROM results WHERE entry = ?", (CO_MENTIONS_ON_DISK.name,)).fetchone()

    build(entities)
    first = row()
    build(list(entities))  # the same entities: nothing to count again
    assert row() == first, "the same row, not one written again (a new rowid)"
    entities[5] = Entity("people/p5", "P5", "person", (), (), ("a5", "a6", "a30"))
    build(entities)
    assert row() != first


def test_pairs_and_related_lists_agree_with_a_hand_count():
    ann = Entity("people/ann", "Ann", "person", (), (), ("a1", "a2", "a3"))
    bo = Entity("people/bo", "Bo", "person", (), (), ("a1", "a2"))
    cy = Entity("people/cy", "Cy", "person", (), (), ("a3",))
    counted = count([ann, bo, cy])
    assert counted.pairs == {"people/ann": {"people/bo": 2, "people/cy": 1}, "people/bo": {"people/ann": 2},
                             "people/cy": {"people/ann": 1}}
    assert counted.related["people/ann"] == (("people/bo", 2), ("people/cy", 1))
    assert counted.related["people/bo"] == (("people/ann", 2),)


def test_an_unchanged_entity_keeps_its_very_list_when_another_article_changes():
    ann = Entity("people/ann", "Ann", "person", (), (), ("a1",))
    bo = Entity("people/bo", "Bo", "person", (), (), ("a1",))
    cy = Entity("people/cy", "Cy", "person", (), (), ("a2",))
    first = count([ann, bo, cy])
    dee = Entity("people/dee", "Dee", "person", (), (), ("a2",))
    second = updated(first, [ann, bo, cy, dee])
    assert second.related["people/ann"] is first.related["people/ann"]  # pages find it unchanged at once
    assert second.related["people/cy"] == (("people/dee", 1),)


def test_a_directory_like_article_counts_its_first_entities_by_name():
    many = [Entity(f"people/p{k:04d}", f"Name {k:04d}", "person", (), (), ("big",))
            for k in range(comentions.MAX_PER_ARTICLE + 5)]
    counted = count(many)
    assert len(counted.members["big"]) == comentions.MAX_PER_ARTICLE
    assert "people/p0404" not in counted.pairs


def test_graph_edges_are_the_co_mentions_between_entities_with_a_page():
    ann = Entity("people/ann", "Ann", "person", (), (), ("a1", "a2"))
    bo = Entity("people/bo", "Bo", "person", (), (), ("a1", "a2"))
    cy = Entity("people/cy", "Cy", "person", (), (), ("a1",))
    counted = count([ann, bo, cy])
    site = Site((), (ann, bo), related=counted.related, shared=counted.pairs, without_page=(cy,))
    graph = json.loads(graph_json(site))
    assert graph["edges"] == [{"source": "people/ann", "target": "people/bo", "weight": 2}]


_COUNTS = st.dictionaries(st.sampled_from([f"people/p{n}" for n in range(40)]), st.integers(1, 70_000), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.lists(_COUNTS, min_size=1, max_size=6), _COUNTS)
def test_packed_counts_read_compare_and_pickle_as_their_dict(pairs_list, other):
    import pickle

    from sitegen.incremental.packed_counts import PackedCounts, packed_pairs

    pairs = {f"e{i}": counts for i, counts in enumerate(pairs_list)}
    packed = pickle.loads(pickle.dumps(packed_pairs(pairs), pickle.HIGHEST_PROTOCOL))
    tables = {id(c._names) for c in packed.values()}
    assert len(tables) == 1, "the ids are pickled once for every entity's counts"
    for entity_id, counts in pairs.items():
        found = packed[entity_id]
        assert isinstance(found, PackedCounts) and len(found) == len(counts) and not found.is_read
        assert found == counts and counts == found and dict(found) == counts
        assert (found == other) == (counts == other) and (found != other) == (counts != other)
        assert sorted(found.items()) == sorted(counts.items())
        assert all(found.get(k) == v and k in found for k, v in counts.items()) and found.get("x") is None
    # packed again with one entity's counts changed: the others are kept as they are, unread
    packed = pickle.loads(pickle.dumps(packed_pairs(pairs), pickle.HIGHEST_PROTOCOL))
    changed = dict(packed, e0={**pairs["e0"], "people/new": 3})
    again = packed_pairs(changed)
    assert dict(again["e0"]) == changed["e0"]
    assert all(again[k] is packed[k] and not packed[k].is_read for k in packed if k != "e0")


def test_packed_counts_start_a_new_list_of_ids_once_most_are_gone():
    from sitegen.incremental.packed_counts import packed_pairs

    first = packed_pairs({f"e{i}": {f"people/p{i}-{k}": 1 for k in range(60)} for i in range(40)})
    names = first["e0"]._names
    assert len(names) == 2400
    kept = packed_pairs({"e0": first["e0"], "e1": {"people/x": 2}})
    assert kept["e0"]._names is not names and len(kept["e0"]._names) == 61
    assert dict(kept["e0"]) == {f"people/p0-{k}": 1 for k in range(60)} and dict(kept["e1"]) == {"people/x": 2}


def test_a_title_edit_reads_back_no_entitys_counts(tmp_path):
    """The counts kept in the memo file are read only where an edit changed them."""
    from sitegen.incremental.packed_counts import PackedCounts

    entities = _named_in_three_articles()
    for edit, memo in _builds_on_disk(tmp_path / "memo.sqlite", 3):
        count_before, _ = counting_around_linking(memo)
        read = memo.get(CO_MENTIONS_ON_DISK, digest("co-mentions", "before linking"))  # what counting reads back
        made = count_before(entities)
        if edit == 1:  # nothing changed: the counts are the ones read, none unpacked
            assert all(isinstance(c, PackedCounts) and not c.is_read for c in made.pairs.values())
            assert all(c is read.pairs[e] for e, c in made.pairs.items())
        if edit == 2:  # p5 moved: its counts and its partners' were made again, the others kept unread
            kept = {e for e, c in made.pairs.items() if c is read.pairs.get(e)}
            assert all(not made.pairs[e].is_read for e in kept)
            assert "people/p15" in kept and "people/p5" not in kept and "people/p6" not in kept
        _equal(made, count(entities))
        if edit == 1:
            entities[5] = Entity("people/p5", "P5", "person", (), (), ("a5", "a6", "a30"))


def test_a_build_on_disk_holds_every_count_packed_and_a_walk_through_them_keeps_none_unpacked(tmp_path):
    """Packed, the counts are a tenth of their size as dictionaries (the largest part of a
    large site's memory); the exports go through each entity's once and let it go."""
    from sitegen.incremental.packed_counts import PackedCounts

    entities = _named_in_three_articles()
    for edit, memo in _builds_on_disk(tmp_path / "memo.sqlite", 2):
        before, after = counting_around_linking(memo)
        made = before(entities)
        linked = after(entities)
        for counts in (made, linked):
            assert counts.pairs and all(isinstance(c, PackedCounts) for c in counts.pairs.values())
            _equal(counts, count(entities))
        for c in linked.pairs.values():
            if not c.is_read:
                assert dict(c.items()) == dict(zip(c.keys(), c.values())) and list(c) == list(c.keys())
                assert not c.is_read
        if edit == 0:
            entities[5] = Entity("people/p5", "P5", "person", (), (), ("a5", "a6", "a30"))


def test_counts_linking_left_as_they_were_are_kept_once_on_disk(tmp_path):
    """Offline, linking merges nothing: the counts after it equal those before, and the
    memo file keeps them once. A build whose linking merges keeps its own; the next that
    merges nothing drops them again. Every count equals counting afresh."""
    import sqlite3
    from contextlib import closing

    from sitegen.incremental.comentions import CO_MENTIONS_LINKED_ON_DISK

    def rows() -> set[str]:
        with closing(sqlite3.connect(tmp_path / "memo.sqlite")) as db:
            return {entry for entry, in db.execute("SELECT entry FROM results")}

    before = _named_in_three_articles()
    merged = [Entity("people/p0", "P0", "person", (), (), ("a0", "a1", "a2", "a3"))] + before[2:]
    for edit, memo in _builds_on_disk(tmp_path / "memo.sqlite", 5):
        if edit == 3:
            before[5] = Entity("people/p5", "P5", "person", (), (), ("a5", "a6", "a30"))
        after = merged if edit == 2 else list(before)
        counting_before, counting_after = counting_around_linking(memo)
        made_before = counting_before(before)
        _equal(made_before, count(before))
        made_after = counting_after(after)
        _equal(made_after, count(after))
        if after is not merged:
            assert made_after is made_before, "the very counts, not a copy"
        if edit >= 1:  # what the build before saved
            assert CO_MENTIONS_ON_DISK.name in rows()
            assert (CO_MENTIONS_LINKED_ON_DISK.name in rows()) == (edit - 1 == 2), edit
    assert CO_MENTIONS_LINKED_ON_DISK.name not in rows()
