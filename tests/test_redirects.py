"""Old dossier addresses keep working when names are merged or renamed."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sitegen.site.redirects import load_history, plan_redirects, redirect_files, updated_history
from test_render import _entity

REPO = Path(__file__).resolve().parent.parent


def entity(entity_id, name, kind, aliases=()):
    return _entity(entity_id, name, kind, [], aliases=(name, *aliases))


def test_merged_names_lead_to_the_entity_that_took_them():
    islamic_state = entity("organisations/islamic-state", "Islamic State", "organisation", ("Daesh", "ISIS"))
    redirects = plan_redirects([islamic_state], {})
    assert [(r.old, r.new) for r in redirects] == [
        ("organisations/daesh/", "organisations/islamic-state/"),
        ("organisations/isis/", "organisations/islamic-state/"),
    ]


def test_the_record_follows_a_page_into_another_type():
    white_house = entity("organisations/white-house", "White House", "organisation")
    history = {"places/white-house": ["White House"]}
    assert [(r.old, r.new) for r in plan_redirects([white_house], history)] == [
        ("places/white-house/", "organisations/white-house/")]


def test_a_preview_plans_redirects_again_only_when_a_name_or_the_history_changed(monkeypatch):
    import dataclasses

    from sitegen.incremental import Memo
    from sitegen.incremental import redirects as kept

    memo = Memo()
    planned = []
    monkeypatch.setattr(kept, "plan_redirects", lambda *args: planned.append(1) or plan_redirects(*args))

    def plan(entities, history):
        memo.begin()
        made = kept.planned_redirects(memo, entities, history)
        memo.end()
        assert made == plan_redirects(entities, history)
        return made

    islamic_state = entity("organisations/islamic-state", "Islamic State", "organisation", ("Daesh",))
    plan([islamic_state], {})
    # another value, equal: a new mention does not move an address
    more = dataclasses.replace(islamic_state, articles=("a1", "a2"))
    assert [r.old for r in plan([more], {})] == ["organisations/daesh/"] and len(planned) == 1
    renamed = dataclasses.replace(islamic_state, aliases=("Islamic State", "ISIS"))
    assert [r.old for r in plan([renamed], {})] == ["organisations/isis/"] and len(planned) == 2
    assert [r.old for r in plan([renamed], {"organisations/is": ["Islamic State"]})] == \
        ["organisations/is/", "organisations/isis/"] and len(planned) == 3


def test_no_redirect_that_could_be_wrong():
    erik = entity("people/erik-berg", "Erik Berg", "person", ("Berg",))
    anna_gone = {"people/anna-berg": ["Anna Berg", "Berg"]}
    # Anna Berg's page went away with her article; her surname now belongs to Erik.
    assert [r.old for r in plan_redirects([erik], anna_gone)] == ["people/berg/"]
    # Two entities claim one short form: nobody gets it.
    ann = entity("people/ann-lee", "Ann Lee", "person", ("Lee",))
    bob = entity("people/bob-lee", "Bob Lee", "person", ("Lee",))
    assert plan_redirects([ann, bob], {}) == ()
    # A live page is never shadowed, and a hand-edited record cannot aim outside the type folders.
    lee = entity("people/lee", "Lee", "person")
    assert plan_redirects([ann, lee], {"../evil": ["Ann Lee"], "people/x/y": ["Ann Lee"]}) == ()


def test_redirect_pages_and_host_rules():
    redirects = plan_redirects([entity("organisations/islamic-state", "Islamic State", "organisation", ("Daesh",))], {})
    files = redirect_files(redirects, "https://example.org/news/", "Dossiers")
    html = files["organisations/daesh/index.html"].decode()
    assert '<meta http-equiv="refresh" content="0; url=../../organisations/islamic-state/">' in html
    assert '<link rel="canonical" href="https://example.org/news/organisations/islamic-state/">' in html
    assert '<a href="../../organisations/islamic-state/">Islamic State</a>' in html
    assert '<meta name="robots" content="noindex">' in html and "<script" not in html
    assert files["_redirects"].decode().splitlines() == [
        "/news/organisations/daesh/ /news/organisations/islamic-state/ 301",
        # the old dossier's numbered pages of mentions, on a host that reads the file
        "/news/organisations/daesh/mentions/* /news/organisations/islamic-state/ 301"]
    assert redirect_files([], "", "Dossiers") == {}


def test_history_keeps_every_address_and_survives_damage(tmp_path):
    first = updated_history({}, [entity("people/trump", "Trump", "person")])
    second = updated_history(first, [entity("people/donald-trump", "Donald Trump", "person", ("Trump",))])
    assert second == {"people/donald-trump": ["Donald Trump", "Trump"], "people/trump": ["Trump"]}
    (tmp_path / "addresses.json").write_text("{not json", encoding="utf-8")
    warnings = []
    assert load_history(tmp_path, warnings.append) == {}
    assert "addresses.json" in warnings[0] and "cannot be read" in warnings[0]


def test_a_merge_by_an_editor_keeps_old_links_working(make_site, build_site, cli):
    site = make_site()
    shutil.copytree(REPO / "content" / "articles", site.articles_dir, dirs_exist_ok=True)
    assert build_site(site).ok
    assert (site.output / "organisations" / "daesh" / "index.html").is_file()
    # "ISIS", named once offline with nothing to confirm it, has no page of its own.
    assert not (site.output / "organisations" / "isis" / "index.html").exists()
    site.add_note("islamic-state", "The jihadist group.", name="Islamic State", type="organisation",
                  same_as=["Daesh", "ISIS"])
    assert build_site(site).ok
    for old in ("daesh", "isis"):
        html = (site.output / "organisations" / old / "index.html").read_text(encoding="utf-8")
        assert 'url=../../organisations/islamic-state/"' in html
    rules = (site.output / "_redirects").read_text(encoding="utf-8").splitlines()
    assert "/organisations/daesh/ /organisations/islamic-state/ 301" in rules
    record = json.loads((site.state_dir / "addresses.json").read_text(encoding="utf-8"))["addresses"]
    assert record["organisations/daesh"] == ["Daesh"]  # the old address stays on record
    assert record["organisations/islamic-state"][0] == "Islamic State"
    checked = cli("check", site.output)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_address_record_is_written_only_when_an_address_or_name_is_new(make_site, build_site):
    site = make_site()
    site.add_article("visit", title="Visit", date="2025-04-01",
                     body="Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students.")
    assert build_site(site).ok
    record = site.state_dir / "addresses.json"
    first = record.stat()
    site.add_article("visit", title="Visit, updated", date="2025-04-01",
                     body="Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students.")
    assert build_site(site).ok
    assert (record.stat().st_ino, record.stat().st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    site.add_article("trip", title="Trip", date="2025-04-02", body="Olaf Scholz flew to Madrid on Tuesday.")
    assert build_site(site).ok
    addresses = json.loads(record.read_text(encoding="utf-8"))["addresses"]
    assert "people/olaf-scholz" in addresses and "people/hannah-schmidt" in addresses


def test_a_published_dossier_that_loses_its_page_leads_to_an_article_naming_it(make_site, build_site, cli):
    site = make_site()
    site.add_article("visit", title="Visit", date="2025-04-01",
                     body="Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students.")
    assert build_site(site).ok
    dossier = site.output / "people" / "hannah-schmidt" / "index.html"
    assert dossier.is_file()  # published: someone may have linked to it
    site.add_note("hannah-schmidt", name="Hannah Schmidt", page=False)
    assert build_site(site).ok
    html = dossier.read_text(encoding="utf-8")
    assert "Hannah Schmidt has no dossier of its own" in html and 'url=../../articles/visit/"' in html
    rules = (site.output / "_redirects").read_text(encoding="utf-8").splitlines()
    assert "/people/hannah-schmidt/ /articles/visit/ 301" in rules
    checked = cli("check", site.output)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_names_merged_by_reference_data_keep_their_addresses(make_site, build_site):
    """Offline, Daesh and ISIS are two dossiers; reference data shows they are one item."""
    site = make_site()
    shutil.copytree(REPO / "content", site.root / "content", dirs_exist_ok=True)
    assert build_site(site).ok
    # Offline, "Truth Social" is named once with nothing to confirm it: no page yet.
    assert not (site.output / "places" / "truth-social" / "index.html").exists()
    assert build_site(site, offline=False, replay=REPO / "tests" / "fixtures" / "replay").ok
    rules = (site.output / "_redirects").read_text(encoding="utf-8").splitlines()
    assert "/organisations/daesh/ /organisations/islamic-state/ 301" in rules
    assert "/organisations/isis/ /organisations/islamic-state/ 301" in rules
    # Reference data shows Truth Social to be a company, linked with confidence: it
    # earns its page, filed where it belongs, and no address was published to move.
    assert (site.output / "organisations" / "truth-social" / "index.html").is_file()
    assert not any(rule.startswith("/places/truth-social/") for rule in rules)


def test_a_corrupt_record_is_set_aside_never_overwritten(make_site, build_site):
    site = make_site()
    site.add_article("a", body="Angela Merkel visited Paris.")
    site.state_dir.mkdir()
    damaged = b'{"version": 1, "addresses": {"people/old-name": ["Old Name"], "people/ang'  # cut off mid-write
    (site.state_dir / "addresses.json").write_bytes(damaged)
    result = build_site(site)
    assert result.ok
    moved = site.state_dir / "addresses.json.broken"
    assert moved.read_bytes() == damaged  # the only copy of the history is kept as it was
    [warning] = [w for w in result.warnings if "addresses.json" in w]
    assert "\n" not in warning and str(moved) in warning and "move it back" in warning
    # The build went on and started a new record.
    fresh = json.loads((site.state_dir / "addresses.json").read_text(encoding="utf-8"))["addresses"]
    assert "people/angela-merkel" in fresh
    # A second damaged record does not replace the first one set aside.
    (site.state_dir / "addresses.json").write_bytes(b"\x00\x00")
    result = build_site(site, force=True)
    assert moved.read_bytes() == damaged
    assert (site.state_dir / "addresses.json.broken-2").read_bytes() == b"\x00\x00"
    assert any("addresses.json.broken-2" in w for w in result.warnings)


def test_a_corrupt_record_that_cannot_be_moved_stops_the_build_before_it_is_lost(tmp_path, monkeypatch):
    import sitegen.site.redirects as redirects
    from sitegen.errors import SitegenError

    (tmp_path / "addresses.json").write_text("{not json", encoding="utf-8")

    def cannot_move(path, keep_earlier=False):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(redirects, "set_aside", cannot_move)
    with pytest.raises(SitegenError, match="nor moved aside \\(Permission denied\\); repair it or move it away"):
        load_history(tmp_path, lambda message: None)
    assert (tmp_path / "addresses.json").read_text(encoding="utf-8") == "{not json"


@pytest.mark.parametrize("damage", [None, "edited", "deleted"])
def test_a_redirect_page_as_written_stays_untouched_and_one_changed_by_hand_is_made_again(
        make_site, build_site, monkeypatch, damage):
    """Redirect pages are made whole at every build: one the folder holds as the last
    build wrote it, with the same bytes, is kept there, not even staged to be compared;
    one edited or deleted since is written again."""
    from sitegen.site.files import SiteFiles

    staged: list[str] = []
    real_set = SiteFiles.__setitem__
    monkeypatch.setattr(SiteFiles, "__setitem__", lambda files, path, data: staged.append(path) or
                        real_set(files, path, data))
    site = make_site()
    site.add_article("visit", title="Visit", date="2025-04-01",
                     body="Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students.")
    assert build_site(site).ok
    site.add_note("hannah-schmidt", name="Hannah Schmidt", page=False)
    assert build_site(site).ok
    page = site.output / "people" / "hannah-schmidt" / "index.html"
    written = page.read_bytes()
    assert b'url=../../articles/visit/"' in written
    if damage == "edited":
        page.write_bytes(written.replace(b"articles/visit", b"articles/xxxxx"))
    elif damage == "deleted":
        page.unlink()
    before = page.stat() if page.exists() else None
    site.add_article("visit", title="Visit, updated", date="2025-04-01",
                     body="Hannah Schmidt visited a school in Berlin on Monday. Schmidt met the students.")
    staged.clear()
    assert build_site(site).ok
    assert page.read_bytes() == written
    assert ("people/hannah-schmidt/index.html" in staged) == (damage is not None)
    if damage is None:
        assert (page.stat().st_ino, page.stat().st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
