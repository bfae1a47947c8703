"""The incremental layer's store and digests: keyed by content, pruned per build, kept on disk."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from sitegen.incremental import digest
from sitegen.incremental import Entry, Memo

PAGES = Entry[bytes]("pages", persist=True)
GROUPS = Entry[tuple]("groups")


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    y: str


@dataclasses.dataclass(frozen=True)
class Other:
    x: int
    y: str


def test_digest_is_by_content_not_identity():
    a, b = Point(1, "a"), Point(1, "a")
    assert a is not b and digest(a) == digest(b)
    assert digest(Point(1, "a")) != digest(Other(1, "a")), "the type is part of the value"
    assert digest(("ab", "c")) != digest(("a", "bc"))
    assert digest(1) != digest("1") != digest(b"1") and digest(True) != digest(1)
    assert digest(frozenset({"a", "b"})) == digest(frozenset({"b", "a"}))
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})
    assert digest((1, 2)) != digest([1, 2])


def test_a_mentions_digest_says_every_field_and_is_made_once():
    """Mentions digest by one hash of their fields (``Mention.__digest__``), not field by
    field: each field still moves the digest, whichever object holds the value."""
    from sitegen.incremental.digest import own_digest
    from sitegen.model import Mention

    base = Mention("a/1", 4, 9, "Paris", "In Paris, rain.", 0, "places/paris")
    same = Mention("a/1", 4, 9, "Paris", "In Paris, rain.", 0, "places/paris")
    assert digest(base) == digest(same) and own_digest(base) == own_digest(same)
    others = [dataclasses.replace(base, **{field.name: value}) for field, value in zip(
        dataclasses.fields(Mention), ("a/2", 5, 10, "Pari", "In Paris, sun.", 1, "places/paris-2"))]
    assert len({digest(m) for m in [base, *others]}) == 1 + len(dataclasses.fields(Mention))
    # "4" + "9" and "49" + "" must not meet: the fields are said apart
    assert digest(Mention("a", 4, 9, "x", "s", 0, "e")) != digest(Mention("a", 49, 9, "x", "s", 0, "e"))
    assert digest(Mention("a b", 1, 2, "x", "s", 0, "e")) != digest(Mention("a", 1, 2, "b x", "s", 0, "e"))
    assert digest((base,)) != digest((base.__digest__(),)), "a mention is not the string of its digest"


def test_an_article_links_digest_says_every_field_and_is_made_once():
    """Article links digest by one hash of their fields (``ArticleLink.__digest__``): each
    field still moves the digest, and a list of them digests the same once made."""
    import datetime

    from sitegen.site.view import ArticleLink

    base = ArticleLink("a/1", "Talks", datetime.date(2025, 5, 1), "Wire", "https://x.test/1", "Ann", ("eu",), "S")
    same = ArticleLink("a/1", "Talks", datetime.date(2025, 5, 1), "Wire", "https://x.test/1", "Ann", ("eu",), "S")
    assert digest(base) == digest(same)
    others = [dataclasses.replace(base, **{field.name: value}) for field, value in zip(
        dataclasses.fields(ArticleLink),
        ("a/2", "Talk", datetime.date(2025, 5, 2), None, "https://x.test/2", "Bo", ("eu", "un"), None))]
    assert len({digest(a) for a in [base, *others]}) == 1 + len(dataclasses.fields(ArticleLink))
    assert digest(dataclasses.replace(base, title="a b", author="c")) != \
        digest(dataclasses.replace(base, title="a", author="b c"))
    fresh = [dataclasses.replace(base, id=f"a/{n}") for n in range(3)]
    assert digest(tuple(fresh)) == digest(tuple(dataclasses.replace(a) for a in fresh))


def test_long_sequences_digest_in_one_piece_and_still_by_content():
    """Sequences of plain records and of mentions are fed whole (one repr, or their own
    digests joined): still by content, and never equal to another kind of sequence."""
    from sitegen.model import Mention

    pairs = (("people/ada", 3), ("places/paris", 12))
    assert digest(pairs) == digest(tuple(tuple(p) for p in pairs))
    assert digest((("a", 1),)) != digest((("a", "1"),)) != digest((("a", 1.0),))
    assert digest(("a, 'b'",)) != digest(("a", "b")), "strings are quoted and escaped"
    assert digest((None, True)) != digest(("None", "True"))

    class Label(str):  # a subclass's repr may say less than its value: fed item by item
        def __repr__(self) -> str:
            return "label"

    assert digest((Label("x"),)) != digest((Label("y"),))
    assert digest((Point(1, "a"), "b")) == digest((Point(1, "a"), "b")) != digest((Point(2, "a"), "b"))
    one = Mention("a/1", 4, 9, "Paris", "In Paris, rain.", 0, "places/paris")
    two = Mention("a/1", 10, 15, "Lyons", "In Paris, rain.", 0, "places/lyon")
    assert digest((one, two)) == digest((dataclasses.replace(one), dataclasses.replace(two)))
    assert digest((one, two)) != digest((two, one)) != digest((one,))
    assert digest((one, two)) != digest([one, two])
    assert digest((one, "x")) != digest((one, "y")), "a mixed sequence is fed item by item"
    assert digest(({"a": 1},)) != digest((one,))


def test_a_sequence_of_mentions_digests_the_same_whether_or_not_they_kept_their_digests():
    """Mentions that kept their digest are fed from it in C; some that have not yet made
    theirs must not change the sequence's digest."""
    from sitegen.model import Mention

    def mentions():
        return tuple(Mention("a/1", i, i + 3, "Ada", "Ada spoke.", 0, "people/ada") for i in range(5))

    fresh, made, some = mentions(), mentions(), mentions()
    for mention in made:
        mention.__digest__()
    some[2].__digest__()
    assert "_digest" not in vars(fresh[0]) and "_digest" in vars(made[0])
    assert digest(fresh) == digest(made) == digest(some)
    assert digest(made) != digest(made[:4])


def test_a_sequence_of_a_kind_never_digested_before_digests_as_it_does_later():
    """How a sequence is fed must not hang on what this process digested before: the
    first digest of a kind's values is made, and kept on disk, as every later one."""

    class Fresh:  # a kind no digest has seen yet in this process
        def __init__(self, n: int):
            self.n = n

        def __digest__(self) -> str:
            return f"fresh {self.n}"

    first = digest((Fresh(1), Fresh(2)))
    assert digest((Fresh(1), Fresh(2))) == first
    assert digest(Fresh(1)) and digest((Fresh(1), Fresh(2))) == first


def test_a_value_without_a_content_digest_is_refused():
    with pytest.raises(TypeError, match="cannot digest"):
        digest(object())


def test_a_build_keeps_only_what_it_used():
    memo = Memo()
    memo.begin()
    memo.put(GROUPS, "k1", (1,))
    memo.put(GROUPS, "k2", (2,))
    memo.end()
    memo.begin()
    assert memo.reuse(GROUPS, "k1", lambda: pytest.fail("k1 is kept")) == (1,)
    memo.end()
    assert memo.get(GROUPS, "k2") is None and memo.size(GROUPS) == 1


def test_persisted_entries_survive_a_new_process_and_a_new_version_empties_them(tmp_path: Path):
    path = tmp_path / "memo.sqlite"
    first = Memo("v1", path)
    first.begin()
    first.put(PAGES, "a", b"<p>a</p>")
    first.put(GROUPS, "g", (1,))
    first.end()
    first.save()
    first.close()

    second = Memo("v1", path)
    second.begin()
    assert second.get(PAGES, "a") == b"<p>a</p>"
    assert second.get(GROUPS, "g") is None, "an entry not marked persist stays in memory"
    second.put(PAGES, "b", b"<p>b</p>")
    second.end()  # "a" was used, so both stay
    second.save()
    second.close()

    third = Memo("v1", path)
    third.begin()
    assert third.get_many(PAGES, ["a", "b", "c"]) == {"a": b"<p>a</p>", "b": b"<p>b</p>"}
    third.end()
    third.close()

    upgraded = Memo("v2", path)
    upgraded.begin()
    assert upgraded.get(PAGES, "a") is None, "results of other code are not reused"
    upgraded.close()


def test_a_store_pruned_by_a_build_is_pruned_on_disk(tmp_path: Path):
    path = tmp_path / "memo.sqlite"
    memo = Memo("v", path)
    memo.begin()
    memo.put(PAGES, "old", b"1")
    memo.end()
    memo.save()
    memo.begin()
    memo.put(PAGES, "new", b"2")
    memo.end()
    memo.save()
    memo.close()
    again = Memo("v", path)
    again.begin()
    assert again.get(PAGES, "old") is None and again.get(PAGES, "new") == b"2"
    again.close()


def _saved(memo: Memo, values: dict[str, bytes]) -> None:
    memo.begin()
    for key, value in values.items():
        memo.put(PAGES, key, value)
    memo.end()
    memo.save()


@pytest.mark.parametrize("how", ["results dropped", "new version"])
def test_the_file_shrinks_to_what_the_last_build_kept(tmp_path: Path, how: str):
    import os
    import sqlite3

    path = tmp_path / "memo.sqlite"
    if how == "new version":
        # a file made before the space was given back: no auto_vacuum yet
        sqlite3.connect(path).close()
    memo = Memo("v1", path)
    _saved(memo, {f"page {i}": os.urandom(20_000) for i in range(200)})  # about 4 MB
    memo.close()
    big = path.stat().st_size
    assert big > 4_000_000
    memo = Memo("v1" if how == "results dropped" else "v2", path)
    _saved(memo, {"one page": b"x"})
    memo.close()
    assert path.stat().st_size < big / 10


def test_an_unreadable_state_file_is_set_aside_and_the_build_goes_on(tmp_path: Path):
    path = tmp_path / "memo.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    warnings: list[str] = []
    memo = Memo("v", path, warnings.append)
    memo.begin()
    assert memo.get(PAGES, "a") is None
    memo.put(PAGES, "a", b"x")
    memo.end()
    memo.save()
    memo.close()
    assert any("unreadable" in w for w in warnings)
    assert (tmp_path / "memo.sqlite.broken").exists() or any(p.name.startswith("memo.sqlite.broken") for p in tmp_path.iterdir())
    assert Memo("v", path).get(PAGES, "a") == b"x"


def test_a_result_put_again_under_its_key_is_saved_as_put(tmp_path: Path):
    """An entry whose result for a key is remade (a page rendered again under its file's
    key) is written as it is now, not left as the first build wrote it."""
    path = tmp_path / "memo.sqlite"
    first = Memo("v1", path)
    first.begin()
    first.put(PAGES, "k", b"old")
    first.end()
    first.save()
    first.close()
    second = Memo("v1", path)
    second.begin()
    assert second.get(PAGES, "k") == b"old"
    second.put(PAGES, "k", b"new")
    second.end()
    second.save()
    second.close()
    third = Memo("v1", path)
    third.begin()
    assert third.get(PAGES, "k") == b"new"
    third.close()


def test_a_memo_on_disk_remembers_only_persisted_entries(tmp_path: Path):
    """What `sitegen build` cannot find next time is not worth a key's digest now."""
    on_disk = Memo("v", tmp_path / "memo.sqlite")
    assert on_disk.remembers(PAGES) and not on_disk.remembers(GROUPS)
    in_memory = Memo()
    assert in_memory.remembers(PAGES) and in_memory.remembers(GROUPS)
    on_disk.close()


def test_entries_of_their_own_rounds_outlive_builds_and_only_their_round_drops_them():
    # A preview writes its exports after the build's round has ended (see incremental.exports).
    memo = Memo()
    late = Entry("made after the build", own_rounds=True)
    with memo.round([late]):
        memo.put(late, "a", 1)
        memo.put(late, "b", 2)
    memo.begin()
    memo.end()  # a build that did not make them
    assert memo.size(late) == 2
    with memo.round([late]):
        assert memo.get(late, "a") == 1
    assert memo.size(late) == 1  # the round used "a" only
    with pytest.raises(RuntimeError), memo.round([late]):
        raise RuntimeError("a failed export")
    assert memo.size(late) == 1  # a failed round forgets nothing


def test_a_finder_marks_what_it_finds_as_used_and_a_taken_result_is_found_once():
    memo = Memo()
    late = Entry("kept by rounds", own_rounds=True)
    with memo.round([late]):
        memo.put(late, "a", 1)
        memo.put(late, "b", 2)
    with memo.round([late]):
        find = memo.finder(late)
        assert find("a") == 1 and find("missing") is None
    assert memo.size(late) == 1  # "b" was not asked for: dropped with the round
    memo.begin()
    memo.put(GROUPS, "handed on", (1,))
    assert memo.take(GROUPS, "handed on") == (1,)
    assert memo.take(GROUPS, "handed on") is None and memo.get(GROUPS, "handed on") is None
    memo.end()


def test_saving_pickles_a_batch_at_a_time_not_every_result_at_once(tmp_path: Path, monkeypatch):
    """memo.save() held the pickles of every new result in one list: on a large site, as
    much memory again as the results themselves, at the build's end."""
    import tracemalloc

    from sitegen.incremental import memo as memo_module

    monkeypatch.setattr(memo_module, "SAVE_BATCH_BYTES", 256 * 1024)
    memo = Memo("v", tmp_path / "memo.sqlite")
    memo.begin()
    values = {f"k{i}": bytes([i]) * 100_000 for i in range(40)}  # 4 MB of results
    for key, value in values.items():
        memo.put(PAGES, key, value)
    memo.end()
    tracemalloc.start()
    try:
        memo.save()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    memo.close()
    assert peak < 1_000_000, f"saving 4 MB of results held {peak:,} bytes at once"
    again = Memo("v", tmp_path / "memo.sqlite")
    again.begin()
    assert again.get_many(PAGES, values) == values
    again.close()


def test_a_released_entry_is_forgotten_in_memory_and_saved_with_the_build(tmp_path: Path):
    path = tmp_path / "memo.sqlite"
    first = Memo("v", path)
    first.begin()
    first.put(PAGES, "stale", b"0")
    first.end()
    first.save()
    first.close()

    memo = Memo("v", path)
    memo.begin()
    assert memo.get(PAGES, "stale") == b"0"
    memo.end()
    memo.begin()  # a build that no longer asks for "stale"
    memo.put(PAGES, "a", b"1")
    memo.release(PAGES)
    assert PAGES.name not in memo._tables, "released: not held in memory any more"
    assert memo.get(PAGES, "a") == b"1", "asked again, it is read back from the file"
    memo.end()
    memo.save()
    memo.close()
    again = Memo("v", path)
    again.begin()
    assert again.get_many(PAGES, ["a", "stale"]) == {"a": b"1"}, "what the build did not use is gone"
    again.close()


def test_a_released_entry_of_a_build_that_fails_is_not_saved(tmp_path: Path):
    path = tmp_path / "memo.sqlite"
    memo = Memo("v", path)
    memo.begin()
    memo.put(PAGES, "a", b"1")
    memo.release(PAGES)
    memo.close()  # no save(): the build failed
    again = Memo("v", path)
    assert again.get(PAGES, "a") is None
    again.close()


def test_a_memo_in_memory_keeps_a_released_entry():
    memo = Memo()
    memo.begin()
    memo.put(PAGES, "a", b"1")
    memo.release(PAGES)
    memo.end()
    assert memo.get(PAGES, "a") == b"1"


def test_mentions_kept_on_disk_come_back_field_for_field(tmp_path: Path):
    """RawMention pickles as a call of its constructor (see its ``__reduce__``): every
    field, the last one with a default too, survives the memo file."""
    import pickle

    from sitegen.model import RawMention

    kept = Entry[list]("raw mentions", persist=True)
    mentions = [RawMention(3, 8, "Paris", "place", 0, 20, "stripped title"), RawMention(0, 4, "Rome", "place", 0, 9)]
    memo = Memo("v1", tmp_path / "memo.sqlite")
    memo.begin()
    memo.put(kept, "k", mentions)
    memo.end()
    memo.save()
    memo.close()
    again = Memo("v1", tmp_path / "memo.sqlite")
    again.begin()
    back = again.get(kept, "k")
    assert back == mentions and [m.note for m in back] == ["stripped title", ""]
    assert all(type(m) is RawMention for m in back)
    assert len(pickle.dumps(mentions[0])) < 100  # no field names or state dict in the pickle


LAZY = Entry[bytes]("lazy results", persist=True, lazy=True)


def _new_build(path: Path) -> Memo:
    memo = Memo("v", path)
    memo.begin()
    return memo


def _end_build(memo: Memo) -> None:
    memo.end()
    memo.save()
    memo.close()


def test_a_lazy_entry_reads_only_what_is_asked_and_keeps_what_is_touched(tmp_path: Path, monkeypatch):
    path = tmp_path / "memo.sqlite"
    memo = _new_build(path)
    for key in "abcd":
        memo.put(LAZY, key, key.encode())
    _end_build(memo)

    memo = _new_build(path)
    loads = []
    from sitegen.incremental import memo as memo_module
    real_loads = memo_module.pickle.loads
    monkeypatch.setattr(memo_module.pickle, "loads", lambda blob: loads.append(1) or real_loads(blob))
    assert memo.get(LAZY, "a") == b"a"
    memo.touch(LAZY, "b")  # kept unread
    memo.touch(LAZY, "zz")  # never stored: nothing to keep
    memo.put(LAZY, "e", b"e")
    assert len(loads) == 1, "only the result asked for was read"
    monkeypatch.undo()
    _end_build(memo)

    memo = _new_build(path)
    assert memo.get_many(LAZY, "abcde") == {"a": b"a", "b": b"b", "e": b"e"}  # c and d were not used
    memo.close()




def test_a_lazy_entry_reads_many_results_a_batch_a_query(tmp_path: Path, monkeypatch):
    """A large merge block asks for thousands of results at once: they are read a batch of
    rows per query, not a query each, and a row that cannot be read is only work to redo."""
    from sitegen.incremental import memo as memo_module

    path = tmp_path / "memo.sqlite"
    memo = _new_build(path)
    for n in range(1200):
        memo.put(LAZY, f"k{n}", str(n).encode())
    _end_build(memo)
    import sqlite3

    with sqlite3.connect(path) as db:  # one row damaged
        db.execute("UPDATE results SET value = ? WHERE entry = ? AND key = ?", (b"not a pickle", LAZY.name, "k7"))
    db.close()

    warnings: list[str] = []
    memo = Memo("v", path, warnings.append)
    memo.begin()
    queries = []
    monkeypatch.setattr(memo_module, "_ROWS_A_QUERY", 500)
    connection = memo._connect()
    memo._db = _Counting(connection, queries)
    assert memo.get(LAZY, "k3") == b"3"  # one read alone
    asked = [f"k{n}" for n in range(1200)] + ["k3", "never"]
    found = memo.get_many(LAZY, asked)
    assert found == {f"k{n}": str(n).encode() for n in range(1200) if n != 7}
    assert len([q for q in queries if " IN (" in q]) == 3, "1,198 unread keys in batches of 500"
    assert len(warnings) == 1 and "unreadable" in warnings[0] and LAZY.name in warnings[0]
    assert memo.get_many(LAZY, ["k1", "k2"]) == {"k1": b"1", "k2": b"2"}
    assert len([q for q in queries if " IN (" in q]) == 3, "what was read is not read again"
    memo._db = connection
    _end_build(memo)

    memo = _new_build(path)  # what the build used is kept; the damaged row is not
    assert memo.get(LAZY, "k1199") == b"1199" and memo.get(LAZY, "k7") is None
    memo.close()


class _Counting:
    """A connection that notes each statement it runs."""

    def __init__(self, connection, queries: list[str]):
        self._connection, self._queries = connection, queries

    def execute(self, sql, *args):
        self._queries.append(sql)
        return self._connection.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._connection, name)
def test_an_article_read_back_is_equal_and_shares_the_listings_path():
    """Articles are pickled with their path as a string, made back into the Path the
    articles folder's listing made (a Path parsed again per article cost a quarter of a
    second per 10,000)."""
    import datetime
    import pickle

    from sitegen.incremental.digest import own_digest
    from sitegen.model import Article, ArticleError, shared_path

    path = shared_path("/site/content/articles/2025/visit.md")
    article = Article("2025/visit", Path("/site/content/articles/2025/visit.md"), "Visit", datetime.date(2025, 5, 1),
                      "Body *here*.", "Body here.", source="Agency", tags=("school",), caption="A school",
                      caption_start=11, warnings=(ArticleError(path, 3, "odd key"),))
    known = own_digest(article)
    again = pickle.loads(pickle.dumps(article, pickle.HIGHEST_PROTOCOL))
    assert again == article and again.warnings == article.warnings
    assert again.path is path, "the path was parsed again"
    assert own_digest(again) == known and again.__dict__.get("_content_digest") == known


def test_results_written_ahead_count_only_once_saved(tmp_path: Path):
    """A build writes what it kept while it waits for its search index; a build that fails
    before it saves leaves the file as the last build left it, and one that saves writes
    what changed since too."""
    path = tmp_path / "memo.sqlite"
    memo = _new_build(path)
    memo.put(PAGES, "old", b"1")
    _end_build(memo)

    memo = _new_build(path)
    memo.put(PAGES, "new", b"2")
    memo.end()
    memo.write_ahead()
    memo.close()  # failed before saving
    memo = _new_build(path)
    assert memo.get(PAGES, "old") == b"1" and memo.get(PAGES, "new") is None

    memo.put(PAGES, "new", b"2")
    memo.end()
    memo.write_ahead()
    memo.put(PAGES, "old", b"1 again")  # put again after writing ahead
    memo.put(PAGES, "later", b"3")
    _end_build(memo)
    memo = _new_build(path)
    assert memo.get_many(PAGES, ["old", "new", "later"]) == {"old": b"1 again", "new": b"2", "later": b"3"}
    memo.close()
