"""The repository's sample site, built offline, gives exactly the expected entities.

Only what an editor would call a change in the entities is compared: each entity's id,
name, type, aliases, mention count and articles. URLs, merge reasons, reference data and
mention offsets are left out, and lists are sorted, so the golden file changes when the
entities do and not otherwise.

After an intended change, regenerate it and review the diff:

    .venv/bin/python -m pytest tests/test_golden.py --update-golden
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import REPO

SAMPLE_CONTENT = REPO / "content"
GOLDEN = Path(__file__).parent / "golden" / "sample_entities.json"


def summarise(entities_json: dict) -> list[dict]:
    rows = [
        {
            "id": e["id"],
            "name": e["name"],
            "type": e["type"],
            "aliases": sorted(e["aliases"]),
            "mention_count": e["mention_count"],
            "articles": sorted(e["articles"]),
        }
        for e in entities_json["entities"]
    ]
    return sorted(rows, key=lambda row: row["id"])


def _describe_difference(expected: list[dict], actual: list[dict]) -> str:
    want = {e["id"]: e for e in expected}
    got = {e["id"]: e for e in actual}
    lines = []
    for entity_id in sorted(want.keys() - got.keys()):
        lines.append(f"  missing: {entity_id} ({want[entity_id]['name']})")
    for entity_id in sorted(got.keys() - want.keys()):
        lines.append(f"  new:     {entity_id} ({got[entity_id]['name']}, {got[entity_id]['mention_count']} mentions)")
    for entity_id in sorted(want.keys() & got.keys()):
        for key in want[entity_id]:
            if want[entity_id][key] != got[entity_id].get(key):
                lines.append(f"  changed: {entity_id} {key}: {want[entity_id][key]!r} -> {got[entity_id].get(key)!r}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def sample_entities(tmp_path_factory, nlp) -> list[dict]:
    from sitegen.build import BuildOptions, build

    site = tmp_path_factory.mktemp("sample") / "site"
    shutil.copytree(SAMPLE_CONTENT, site / "content")
    result = build(site, BuildOptions(offline=True, nlp_loader=lambda: nlp))
    assert result.ok, [str(e) for e in result.errors]
    data = json.loads((site / "output" / "data" / "entities.json").read_text(encoding="utf-8"))
    article_ids = {a["id"] for a in data["articles"]}
    expected_ids = {p.relative_to(SAMPLE_CONTENT / "articles").with_suffix("").as_posix()
                    for p in (SAMPLE_CONTENT / "articles").rglob("*") if p.suffix in (".md", ".markdown")}
    assert article_ids == expected_ids
    return summarise(data)


def test_sample_site_entities_match_golden(sample_entities, request):
    if request.config.getoption("--update-golden"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(sample_entities, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        pytest.skip(f"rewrote {GOLDEN.relative_to(REPO)}; review the diff")
    assert GOLDEN.is_file(), f"{GOLDEN} is missing; create it with --update-golden"
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    if sample_entities != expected:
        pytest.fail(
            "the sample site's entities differ from tests/golden/sample_entities.json "
            "(rerun with --update-golden if the change is intended):\n"
            + _describe_difference(expected, sample_entities),
            pytrace=False,
        )


def test_sample_site_entities_are_well_formed(sample_entities):
    """Properties that hold whatever the golden file says."""
    ids = [e["id"] for e in sample_entities]
    assert len(ids) == len(set(ids))
    folders = {"person": "people", "place": "places", "organisation": "organisations"}
    for entity in sample_entities:
        assert entity["id"].split("/")[0] == folders[entity["type"]]
        assert entity["mention_count"] >= len(entity["articles"]) >= 1
        assert entity["name"] not in entity["aliases"]
        assert entity["name"] and entity["name"] == entity["name"].strip()
    # No two pages of one type carry the same name.
    pairs = [(e["type"], e["name"].casefold()) for e in sample_entities]
    assert len(pairs) == len(set(pairs))
