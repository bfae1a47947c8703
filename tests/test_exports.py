"""The data/* exports at scale: entities.json's documented shape, a compact graph, and one
bounded file per entity with its full co-mention counts (README "output/data/...")."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from sitegen.entities.comentions import MAX_RELATED, count
from sitegen.errors import SitegenError
from sitegen.incremental import Memo
from sitegen.incremental.exports import ENTRIES, data_files
from sitegen.incremental import exports as incremental_exports
from sitegen.model import Entity, Mention, Site
from sitegen.site import export
from sitegen.site.export import (MAX_FILE_MENTIONS, MAX_FILE_RELATED, encoded_entity_file, entity_files,
                                 export_files, graph_json)

REPO = Path(__file__).resolve().parent.parent

# The documented keys (README "output/data/entities.json"): scripts and the shared scorers read them.
ENTITY_KEYS = {"id", "name", "type", "aliases", "url", "page", "page_reason", "wikipedia", "wikidata",
               "description", "link_confidence", "coordinates", "mention_count", "articles", "merge_reasons"}
ARTICLE_KEYS = {"id", "title", "date", "url", "mentions", "other_names"}
MENTION_KEYS = {"entity", "text", "start", "end"}


@pytest.fixture(scope="module")
def sample_output(tmp_path_factory, nlp):
    from sitegen.build import BuildOptions, build

    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(REPO / "content", root / "content")
    result = build(root, BuildOptions(offline=True, nlp_loader=lambda: nlp))
    assert result.ok
    return root / "output"


def _json(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def test_entities_json_keeps_its_documented_shape(sample_output):
    data = _json(sample_output / "data" / "entities.json")
    assert data["version"] == 1 and data["entities"] and data["articles"]
    assert all(set(e) == ENTITY_KEYS for e in data["entities"])
    assert all(set(a) == ARTICLE_KEYS for a in data["articles"])
    assert all(set(m) == MENTION_KEYS for a in data["articles"] for m in a["mentions"] + a["other_names"])


def test_every_entity_with_a_page_has_its_data_file_and_its_dossier_links_it(sample_output):
    data = _json(sample_output / "data" / "entities.json")
    paged = [e for e in data["entities"] if e["page"]]
    assert paged
    files = sorted(p.relative_to(sample_output / "data" / "entities").as_posix()
                   for p in (sample_output / "data" / "entities").rglob("*.json"))
    assert files == sorted(e["id"] + ".json" for e in paged)
    for e in paged:
        own = _json(sample_output / "data" / "entities" / (e["id"] + ".json"))
        assert own["entity"] == e  # its entry exactly as in entities.json
        assert own["mentions_listed"] == min(e["mention_count"], MAX_FILE_MENTIONS)
        dossier = (sample_output / e["url"] / "index.html").read_text(encoding="utf-8")
        assert f'href="../../data/entities/{e["id"]}.json"' in dossier


def _clique(n: int) -> tuple[Entity, ...]:
    """``n`` people all named in one article, and each pair again in as many articles as
    the pair's distance apart: every pair shares a different number of articles."""
    ids = [f"people/p{i:02d}" for i in range(n)]
    articles: dict[str, list[str]] = {i: ["all"] for i in ids}
    for x in range(n):
        for y in range(x + 1, n):
            for k in range(y - x):
                articles[ids[x]].append(f"a{x}-{y}-{k}")
                articles[ids[y]].append(f"a{x}-{y}-{k}")
    return tuple(Entity(i, f"P{i[-2:]}", "person", (), (), tuple(articles[i])) for i in ids)


def _site_of(entities: tuple[Entity, ...]) -> Site:
    counted = count(entities)
    return Site((), entities, related=counted.related, shared=counted.pairs)


def test_graph_keeps_each_nodes_strongest_edges_and_says_so():
    n = 40
    site = _site_of(_clique(n))
    graph = json.loads(graph_json(site))
    assert graph["version"] == 2 and "edges_kept" in graph
    edges = {(e["source"], e["target"]): e["weight"] for e in graph["edges"]}
    assert len(edges) < n * (n - 1) // 2  # truncated: a full clique would have 780 edges
    for node in graph["nodes"]:
        assert node["related_count"] == n - 1  # what the node has in full
        assert node["data"] == f"data/entities/{node['id']}.json"
    for entity_id, top in site.related.items():
        assert len(top) == MAX_RELATED
        for other, weight in top:  # every node keeps its strongest, with the full count
            assert edges[min(entity_id, other), max(entity_id, other)] == weight
    for (a, b), weight in edges.items():  # and nothing else: an edge is kept by one of its ends
        assert a < b and ((b, weight) in site.related[a] or (a, weight) in site.related[b])
        assert weight == site.shared[a][b]
    reversed_input = json.loads(graph_json(_site_of(tuple(reversed(site.entities)))))
    assert reversed_input["edges"] == graph["edges"]  # ties are broken by name, not by the order met


def test_an_entity_file_has_every_count_and_stays_bounded():
    site = _site_of(_clique(30))
    own = json.loads(entity_files(site)["data/entities/people/p00.json"])
    assert own["related_count"] == 29
    assert dict(own["related"]) == dict(site.shared["people/p00"])
    assert [n for _, n in own["related"]] == sorted((n for _, n in own["related"]), reverse=True)

    # A hub of a large archive: more mentions and partners than a file lists.
    mentions = tuple(Mention(f"a{i:05d}", 10, 14, "Hubb", "Hubb met someone.", 10, "people/hub")
                     for i in range(MAX_FILE_MENTIONS + 500))
    hub = Entity("people/hub", "Hubb", "person", (), mentions, tuple(m.article_id for m in mentions))
    shared = {f"people/x{i:05d}": 1 + i % 7 for i in range(MAX_FILE_RELATED + 300)}
    data = encoded_entity_file(hub, "a full personal name", shared)
    own = json.loads(data)
    assert own["entity"]["mention_count"] == MAX_FILE_MENTIONS + 500
    assert own["mentions_listed"] == len(own["mentions"]) == MAX_FILE_MENTIONS
    assert [m["article"] for m in own["mentions"]] == [m.article_id for m in mentions[:MAX_FILE_MENTIONS]]
    assert own["related_count"] == MAX_FILE_RELATED + 300 and len(own["related"]) == MAX_FILE_RELATED
    kept = {other for other, _ in own["related"]}
    left_out = set(shared) - kept  # the weakest, ties by id
    assert {shared[i] for i in left_out} == {1}
    assert max(i for i in kept if shared[i] == 1) < min(left_out)
    assert own["mentions"][0]["sentence_start"] == 10 and own["mentions"][0]["sentence_end"] == 27
    assert len(data) < 300_000


@pytest.mark.parametrize("bad_id", ["people/../../../escape", "people/", "../people/x", "places/x"])
def test_an_entity_file_never_lands_outside_its_folder(bad_id):
    entity = Entity(bad_id, "X", "person", (), (), ())
    with pytest.raises(SitegenError, match="cannot be used as a page path"):
        entity_files(Site((), (entity,)))


def test_exports_kept_in_a_preview_memo_are_the_plain_bytes_and_only_changed_entries_are_encoded(monkeypatch):
    calls: list[str] = []
    plain = export.PLAIN

    def counted(name):
        def encode(*args):
            calls.append(f"{name} {args[0].id}")
            return getattr(plain, name)(*args)
        return encode

    monkeypatch.setattr(incremental_exports, "PLAIN", export.Encoders(
        **{name: counted(name) for name in ("entity", "article", "row", "entity_file")},
        node=plain.node, edges=plain.edges))
    memo = Memo()  # in memory, as a preview keeps it
    site = _site_of(_clique(6))
    memo.begin()
    assert data_files(site, memo) == export_files(site)
    memo.end()
    assert len(calls) == 6 * 3  # an entry, a row and a file per entity (no articles here)
    calls.clear()

    # One more article naming two of them: their entries and the counts of both change.
    entities = list(site.entities)
    for i in (1, 2):
        entities[i] = replace(entities[i], articles=entities[i].articles + ("new",))
    changed = _site_of(tuple(entities))
    memo.begin()
    memo.end()  # a build that left the exports for later (a preview's), as write_exports does
    assert data_files(changed, memo) == export_files(changed)
    assert sorted(calls) == sorted(f"{kind} people/p0{i}" for kind in ("entity", "row", "entity_file")
                                   for i in (1, 2))
    assert [memo.size(entry) for entry in ENTRIES] == [6, 0, 6, 6, 5, 6]  # what this export used, no more

    # One loses its page: its entry says so, its file goes; the others' counts are the same.
    lost = next(e for e in changed.entities if e.id == "people/p03")
    unpaged = replace(changed, entities=tuple(e for e in changed.entities if e is not lost), without_page=(lost,))
    assert data_files(unpaged, memo) == export_files(unpaged)
    assert "data/entities/people/p03.json" not in export_files(unpaged)


def test_a_script_can_follow_the_graph_to_each_entitys_counts_and_sentences(sample_output):
    script = textwrap.dedent('''
        import json, sys
        from pathlib import Path

        out = Path(sys.argv[1])
        graph = json.loads((out / "data/graph.json").read_text(encoding="utf-8"))
        checked = 0
        for node in graph["nodes"]:
            own = json.loads((out / node["data"]).read_text(encoding="utf-8"))
            assert own["entity"]["id"] == node["id"] and own["related_count"] == node["related_count"]
            counts = dict(own["related"])
            for edge in graph["edges"]:
                if node["id"] in (edge["source"], edge["target"]):
                    other = edge["target"] if edge["source"] == node["id"] else edge["source"]
                    assert counts[other] == edge["weight"], (node["id"], other)
            for m in own["mentions"]:
                text = (out / "data/text" / (m["article"] + ".txt")).read_text(encoding="utf-8")
                assert text[m["start"]:m["end"]] == m["text"]
                sentence = text[m["sentence_start"]:m["sentence_end"]]
                assert m["start"] >= m["sentence_start"] and m["end"] <= m["sentence_end"] and m["text"] in sentence
                checked += 1
        print(len(graph["nodes"]), checked)
    ''')
    done = subprocess.run([sys.executable, "-c", script, str(sample_output)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    nodes, mentions = map(int, done.stdout.split())
    assert nodes > 3 and mentions > nodes
