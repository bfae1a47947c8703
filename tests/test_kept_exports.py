"""`sitegen build` encodes again only the data/* entries an edit touched: the others come
from .sitegen/memo.sqlite (the large files' entries) or stay in the output folder unread
(each entity's and article's file), and the result is byte for byte a clean build's."""
from __future__ import annotations

import json
import pickle
import sqlite3
from contextlib import closing

import pytest

from conftest import SiteFolder, kept_reads
from sitegen.entities.comentions import MAX_PER_ARTICLE, count
from sitegen.incremental import Memo
from sitegen.incremental import exports as kept_exports
from sitegen.model import Entity, Mention, Site
from sitegen.site import export
from test_kept_pages import _clean_build, _snapshot

MERKEL = "data/entities/people/angela-merkel.json"


@pytest.fixture
def encoded(monkeypatch) -> list[str]:
    """Each entry or file the exports encode, as "kind id" (cleared by the test as it goes)."""
    calls: list[str] = []
    plain = export.PLAIN

    def counted(kind):
        def encode(*args):
            calls.append(f"{kind} {getattr(args[0], 'id', args[0])}")
            return getattr(plain, kind)(*args)
        return encode

    monkeypatch.setattr(kept_exports, "PLAIN", export.Encoders(
        **{kind: counted(kind) for kind in ("entity", "article", "row", "entity_file", "node", "edges")}))
    real_text = kept_exports.encoded_text
    monkeypatch.setattr(kept_exports, "encoded_text", lambda a: calls.append(f"text {a.id}") or real_text(a))
    # Counted in this process: not made in a forked copy alongside the pages (see
    # test_exports_made_alongside_the_pages for that copy)
    monkeypatch.setattr(kept_exports, "alongside", lambda *args, **kwargs: None)
    return calls


def _site(make_site) -> SiteFolder:
    site = make_site()
    site.write_config("search = false\n")
    site.add_article("berlin", title="Berlin talks", date="2025-05-01",
                     body="Angela Merkel met Trump in Berlin on Tuesday. Merkel said the talks went well.")
    site.add_article("award", title="Chemistry award", date="2025-05-02",
                     body="Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues.")
    return site


def test_a_title_edit_encodes_one_article_entry_and_its_text_and_reads_no_kept_file(
        make_site, build_site, tmp_path, encoded, monkeypatch):
    site = _site(make_site)
    assert build_site(site).ok
    assert "entity_file people/angela-merkel" in encoded and "text award" in encoded
    encoded.clear()
    site.add_article("berlin", title="Talks in Berlin", date="2025-05-01",
                     body="Angela Merkel met Trump in Berlin on Tuesday. Merkel said the talks went well.")
    read_back = kept_reads(monkeypatch)
    assert build_site(site).ok
    assert sorted(encoded) == ["article berlin", "text berlin"]
    assert read_back == []  # the other data files stayed in the folder, unread
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)
    assert json.loads(site.output.joinpath("data/entities.json").read_bytes())["articles"][1]["title"] == \
        "Talks in Berlin"


def test_another_article_that_renames_a_co_mentioned_entity_changes_the_entity_file(
        make_site, build_site, tmp_path, encoded):
    """Merkel's article and Merkel stay as they were; "Trump", named with her, becomes
    Donald Trump once another article gives his full name: her file's counts follow."""
    site = _site(make_site)
    assert build_site(site).ok
    assert json.loads((site.output / MERKEL).read_bytes())["related"] == [["people/trump", 1], ["places/berlin", 1]]
    encoded.clear()
    site.add_article("paris", title="Paris visit", date="2025-05-03",
                     body="Donald Trump visited Paris on Monday. Trump met Emmanuel Macron.")
    assert build_site(site).ok
    assert "entity_file people/angela-merkel" in encoded
    assert "entity_file people/anna-berg" not in encoded and "text award" not in encoded
    assert json.loads((site.output / MERKEL).read_bytes())["related"] == \
        [["people/donald-trump", 1], ["places/berlin", 1]]
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)


@pytest.mark.parametrize("damage", ["edited", "same size", "deleted"])
def test_a_data_file_changed_by_hand_is_made_again_on_the_next_edit(make_site, build_site, tmp_path, damage):
    site = _site(make_site)
    assert build_site(site).ok
    for name in ("data/entities/people/anna-berg.json", "data/text/award.txt"):
        path = site.output / name
        if damage == "deleted":
            path.unlink()
        elif damage == "same size":
            data = path.read_bytes()
            path.write_bytes(data[:-2] + b"X\n")
        else:
            path.write_bytes(b"edited by hand\n")
    site.add_article("berlin", title="Talks in Berlin", date="2025-05-01",
                     body="Angela Merkel met Trump in Berlin on Tuesday. Merkel said the talks went well.")
    assert build_site(site).ok
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)


@pytest.mark.parametrize("name", ["data/entities.json", "data/graph.json", "data/entities.csv"])
@pytest.mark.parametrize("damage", ["inside an entry, same size", "deleted"])
def test_a_large_export_changed_by_hand_is_not_copied_from_on_the_next_edit(make_site, build_site, tmp_path,
                                                                            name, damage):
    """The entries an edit leaves alone are copied from the file the last build wrote:
    only while the folder holds that file as written."""
    site = _site(make_site)
    assert build_site(site).ok
    path = site.output / name
    if damage == "deleted":
        path.unlink()
    else:
        data = path.read_bytes()
        at = data.index(b"Anna Berg") if name != "data/graph.json" else data.index(b"Berg")
        path.write_bytes(data[:at] + b"X" + data[at + 1:])
    site.add_article("berlin", title="Talks in Berlin", date="2025-05-01",
                     body="Angela Merkel met Trump in Berlin on Tuesday. Merkel said the talks went well.")
    assert build_site(site).ok
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)


def test_force_encodes_every_export_and_the_next_edit_keeps_them(make_site, build_site, encoded):
    site = _site(make_site)
    assert build_site(site).ok
    first = sorted(encoded)
    encoded.clear()
    assert build_site(site, force=True).ok
    assert sorted(encoded) == first
    encoded.clear()
    site.add_article("berlin", title="Talks in Berlin", date="2025-05-01",
                     body="Angela Merkel met Trump in Berlin on Tuesday. Merkel said the talks went well.")
    assert build_site(site).ok
    assert sorted(encoded) == ["article berlin", "text berlin"]


def test_the_memo_keeps_the_exports_of_the_last_build_only(make_site, build_site):
    site = _site(make_site)
    for n in range(3):
        site.add_article("berlin", title=f"Berlin talks {n}", date="2025-05-01",
                         body=f"Angela Merkel met Trump in Berlin on Tuesday. Merkel said the talks went well. "
                              f"{'Anna Berg was there. ' * n}")
        assert build_site(site).ok
    with closing(sqlite3.connect(site.state_dir / "memo.sqlite")) as db:
        rows = dict(db.execute("SELECT entry, count(*) FROM results GROUP BY entry").fetchall())
        kept = [value for value, in db.execute("SELECT value FROM results WHERE entry = ?",
                                               (kept_exports.DATA_FILE.name,))]
    data = json.loads((site.output / "data/entities.json").read_bytes())
    files = [p for p in (site.output / "data").rglob("*") if p.is_file() and p.parent != site.output / "data"]
    # Of the large files, where each entry lies in the file the folder holds: no entry's bytes
    assert kept_exports.ENTITY_ENTRY.name not in rows and kept_exports.ARTICLE_ENTRY.name not in rows
    assert rows[kept_exports.SPANS.name] == len(kept_exports.LARGE_FILES)
    with closing(sqlite3.connect(site.state_dir / "memo.sqlite")) as db:
        spans = {key: pickle.loads(value) for key, value in db.execute(
            "SELECT key, value FROM results WHERE entry = ?", (kept_exports.SPANS.name,))}
    entities_json = (site.output / "data/entities.json").read_bytes()
    described = spans["data/entities.json"]
    assert described.size == len(entities_json)
    assert len(described.spans) == len(data["entities"]) + len(data["articles"])
    assert sorted(json.loads(entities_json[start:end])["id"] for start, end in described.spans.values()) == \
        sorted([e["id"] for e in data["entities"]] + ["award", "berlin"])
    assert rows[kept_exports.DATA_FILE.name] == len(files)  # each entity's and article's file, once
    assert all(b"Angela Merkel" not in value and b"Stockholm" not in value for value in kept)  # digests, not bytes


def _crowd(names: dict[str, str]) -> Site:
    """One article naming every entity of ``names`` (id -> name) once, and a second naming
    only the first: more than ``MAX_PER_ARTICLE``, so the names decide which are counted."""
    mentions, entities = [], []
    for i, (entity_id, name) in enumerate(names.items()):
        m = Mention("crowd", i * 10, i * 10 + 5, "Them", "A crowd of names.", 0, entity_id)
        mentions.append(m)
        entities.append(Entity(entity_id, name, "person", (), (m,), ("crowd",)))
    first = entities[0]
    alone = Mention("alone", 0, 5, "Aaron", "Aaron alone.", 0, first.id)
    entities[0] = Entity(first.id, first.name, "person", (), (alone, *first.mentions), ("alone", "crowd"))
    counted = count(entities)
    return Site((), tuple(entities), {"crowd": tuple(mentions), "alone": (alone,)}, counted.related, counted.pairs)


def test_an_entity_file_follows_the_names_that_decide_which_of_a_crowded_articles_entities_count():
    """Renaming one entity of an article naming more than MAX_PER_ARTICLE (its id, the
    article's mentions and the first entity all unchanged) moves which are counted, and
    so the first one's counts: its file is made again."""
    names = {"people/p-aaron": "Aaron Aaronson"}
    names.update({f"people/p{i:03d}": f"Person {i:03d}" for i in range(MAX_PER_ARTICLE + 1)})
    memo = Memo()
    site = _crowd(names)
    assert kept_exports.data_files(site, memo) == export.export_files(site)
    last = f"people/p{MAX_PER_ARTICLE:03d}"
    assert last not in site.shared["people/p-aaron"]  # beyond the first MAX_PER_ARTICLE by name
    renamed = _crowd({**names, last: "Abel Abelson"})
    assert last in renamed.shared["people/p-aaron"]
    assert kept_exports.data_files(renamed, memo) == export.export_files(renamed)


def test_a_preview_digests_again_only_the_mention_lists_that_changed(monkeypatch):
    """In memory, each article's mention list is kept with its digest and compared by value."""
    import dataclasses

    names = {f"people/p{i}": f"Person {i}" for i in range(5)}
    site = _crowd(names)
    memo = Memo()
    assert kept_exports.data_files(site, memo) == export.export_files(site)
    digested = []
    real = kept_exports.digest
    monkeypatch.setattr(kept_exports, "digest", lambda value, *rest: digested.append(value) or real(value, *rest))
    assert kept_exports.data_files(site, memo) == export.export_files(site) and digested == []
    # "alone" gets a second mention: its list alone is digested again, and the files follow
    alone = site.mentions_by_article["alone"][0]
    again = dataclasses.replace(alone, start=20, end=25)
    first = dataclasses.replace(site.entities[0], mentions=(alone, again, *site.entities[0].mentions[1:]))
    edited = dataclasses.replace(site, entities=(first, *site.entities[1:]),
                                 mentions_by_article={**site.mentions_by_article, "alone": (alone, again)})
    assert kept_exports.data_files(edited, memo) == export.export_files(edited)
    assert digested == [(alone, again)]


@pytest.fixture
def alongside_made(monkeypatch) -> list:
    """For each build, the forked copy it made its exports in alongside its pages, or None."""
    made: list = []
    real = kept_exports.alongside

    def recorded(*args, **kwargs):
        found = real(*args, **kwargs)
        made.append(found)
        return found

    monkeypatch.setattr(kept_exports, "alongside", recorded)
    return made


def _started(made: list) -> list[bool]:
    return [found is not None and found.started for found in made]


def _spans_of(site: SiteFolder, path: str):
    with closing(sqlite3.connect(site.state_dir / "memo.sqlite")) as db:
        [(blob,)] = db.execute("SELECT value FROM results WHERE entry = ? AND key = ?",
                               (kept_exports.SPANS.name, path)).fetchall()
    return pickle.loads(blob)


@pytest.mark.skipif(not kept_exports.can_run_apart() or kept_exports.cores() < 2,
                    reason="exports are made alongside the pages only on two cores, where the build can fork")
def test_exports_made_alongside_the_pages_are_a_clean_builds_and_kept_for_the_next(
        make_site, build_site, tmp_path, alongside_made, monkeypatch):
    import os

    site = _site(make_site)
    assert build_site(site).ok
    assert _started(alongside_made) == [False], "a first build encodes every entry: in its own process"
    # The copy reads nothing from the memo file: the build has written into its transaction
    # by then, and another connection may wait out its busy timeout and find it locked (a
    # one-word edit at 10,000 articles took 15 s, every entity file encoded again).
    build_process, real_read = os.getpid(), Memo._read

    def read(self, entry):
        if os.getpid() != build_process:
            raise AssertionError(f"the copy read {entry.name} from the memo file")
        return real_read(self, entry)

    monkeypatch.setattr(Memo, "_read", read)
    site.add_article("berlin", title="Talks in Berlin", date="2025-05-01",
                     body="Angela Merkel met Trump in Berlin on Tuesday. Olaf Scholz joined them.")
    result = build_site(site)
    assert result.ok and result.warnings == ()
    assert _started(alongside_made) == [False, True]
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)
    # What the copy kept in the memo reached the file: the spans of the file it made
    spans = _spans_of(site, "data/entities.json")
    assert spans.size == (site.output / "data" / "entities.json").stat().st_size and spans.spans

    site.add_article("award", title="Chemistry prize", date="2025-05-02",
                     body="Anna Berg, a chemist, won the award in Stockholm. Berg thanked her colleagues.")
    assert build_site(site).ok and _started(alongside_made)[-1]
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)


@pytest.mark.skipif(not kept_exports.can_run_apart() or kept_exports.cores() < 2,
                    reason="exports are made alongside the pages only on two cores, where the build can fork")
def test_a_copy_that_dies_leaves_the_exports_to_the_build(make_site, build_site, tmp_path, alongside_made,
                                                          monkeypatch):
    import os
    import signal

    site = _site(make_site)
    assert build_site(site).ok
    build_process, real = os.getpid(), kept_exports.data_files

    def killed_in_the_copy(*args, **kwargs):
        if os.getpid() != build_process:
            os.kill(os.getpid(), signal.SIGKILL)  # as the system's out-of-memory killer would
        return real(*args, **kwargs)

    monkeypatch.setattr(kept_exports, "data_files", killed_in_the_copy)
    site.add_article("berlin", title="Talks in Berlin", date="2025-05-01",
                     body="Angela Merkel met Trump in Berlin on Tuesday. Olaf Scholz joined them.")
    result = build_site(site)
    assert result.ok and _started(alongside_made) == [False, True]
    [warning] = result.warnings
    assert "killed by signal 9" in warning and "made again in the build's own process" in warning
    monkeypatch.undo()
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)


def test_one_process_asked_for_makes_the_exports_in_the_build(make_site, build_site, tmp_path, alongside_made):
    """`--jobs 1`: no copy forked for the exports either."""
    site = _site(make_site)
    assert build_site(site, jobs=1).ok
    site.add_article("berlin", title="Talks in Berlin", date="2025-05-01",
                     body="Angela Merkel met Trump in Berlin on Tuesday. Olaf Scholz joined them.")
    assert build_site(site, jobs=1).ok
    assert _started(alongside_made) == [False, False]
    assert _snapshot(site.output) == _clean_build(site, build_site, tmp_path)
