"""Reference data: linking to Wikipedia and Wikidata, enrichment, cache, record and replay.

Nothing here touches the network. "The network" is an ``httpx.MockTransport`` that either
answers from the replay fixture (the real response shapes) or fails the way servers do;
the real client, guard, parsers and cache run on top of it.
"""
from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sitegen.reference.replay import ReplayTransport

from conftest import without_search_index

REPO = Path(__file__).resolve().parent.parent
REPLAY = REPO / "tests" / "fixtures" / "replay"


@pytest.fixture
def sample(make_site):
    """A copy of the sample site: the seed article and its editor's note."""
    site = make_site()
    shutil.rmtree(site.root / "content")
    shutil.copytree(REPO / "content", site.root / "content")
    return site


class FakeNetwork:
    """Stands in for Wikipedia and Wikidata: answers from the fixture unless told to fail."""

    def __init__(self, failures=()):
        self.replay = ReplayTransport(REPLAY)
        self.failures = list(failures)  # callables (request) -> Response | None, used up in order
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.failures:
            failed = self.failures.pop(0)(request)
            if failed is not None:
                return failed
        response = self.replay.handle_request(request)
        response.headers.pop("x-sitegen-recorded", None)  # the live API sends no such thing
        return response

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def params(self):
        return [parse_qs(urlsplit(str(r.url)).query) for r in self.requests]


def online(build_site, site, network: FakeNetwork, **options):
    waits = []
    options.setdefault("sleep", waits.append)
    result = build_site(site, offline=False, network=network.transport, **options)
    return result, waits


def by_name(result):
    return {e.name: e for e in result.site.entities}


# ---- linking the sample article --------------------------------------------------------

def test_replayed_sample_links_every_entity_it_should(build_site, sample):
    result = build_site(sample, offline=False, replay=REPLAY)
    entities = by_name(result)
    expected = {
        "Donald Trump": "Donald Trump", "Ahmed al-Sharaa": "Ahmed al-Sharaa", "Bashar al-Assad": "Bashar al-Assad",
        "JD Vance": "JD Vance", "Pete Hegseth": "Pete Hegseth", "Dan Caine": "Dan Caine",
        "Kristalina Georgieva": "Kristalina Georgieva", "Vladimir Putin": "Vladimir Putin", "Syria": "Syria",
        "United States": "United States", "Washington DC": "Washington, D.C.", "White House": "White House",
        "Oval Office": "Oval Office", "Israel": "Israel", "Gaza": "Gaza Strip", "Saudi Arabia": "Saudi Arabia",
        "Middle East": "Middle East", "Golan Heights": "Golan Heights", "Islamic State": "Islamic State",
        "Hayat Tahrir al-Sham": "Hayat Tahrir al-Sham", "Al-Qaeda": "Al-Qaeda", "Hamas": "Hamas",
        "Fox News": "Fox News", "International Crisis Group": "International Crisis Group",
        "International Monetary Fund": "International Monetary Fund",
        "State Department": "United States Department of State", "Pentagon": "The Pentagon",
    }
    for name, title in expected.items():
        assert name in entities, sorted(entities)
        ref = entities[name].reference
        assert ref is not None, f"{name} is unlinked"
        assert ref.wikipedia_title == title
        assert 0.6 <= ref.confidence <= 1.0 and ref.reason
    # A namesake footballer is a person, but nothing in his record belongs to this story.
    assert entities["Michael Hanna"].reference is None
    # A redirect to an article about a military campaign is not the coalition (no class fits).
    assert entities["Global Coalition to Defeat Daesh"].reference is None


def test_names_of_one_item_become_one_dossier_named_by_its_title(build_site, sample):
    result = build_site(sample, offline=False, replay=REPLAY)
    entities = by_name(result)
    assert "Daesh" not in entities and "ISIS" not in entities
    islamic_state = entities["Islamic State"]
    assert {"Daesh", "ISIS"} <= set(islamic_state.aliases)
    assert islamic_state.id == "organisations/islamic-state"
    assert any("Q2429253" in reason for reason in islamic_state.merge_reasons)
    # Every mention now points at the merged dossier.
    assert all(m.entity_id == islamic_state.id for m in islamic_state.mentions)
    ids = {m.entity_id for ms in result.site.mentions_by_article.values() for m in ms}
    assert ids <= {e.id for e in result.site.entities + result.site.without_page}


def test_an_item_that_is_plainly_a_service_corrects_a_misread_place(build_site, sample):
    entities = by_name(build_site(sample, offline=False, replay=REPLAY))
    truth = entities["Truth Social"]
    assert truth.type == "organisation" and truth.id.startswith("organisations/")
    assert any("Wikidata" in r for r in truth.merge_reasons)


def test_dossier_shows_reference_with_its_source(build_site, sample):
    build_site(sample, offline=False, replay=REPLAY)
    page = sample.page("people/donald-trump/")
    assert "president of the United States (2017–2021, since 2025)" in page  # Wikidata description
    assert "https://en.wikipedia.org/w/index.php?oldid=1320001006" in page  # the revision used
    assert "CC BY-SA 4.0" in page and "https://www.wikidata.org/wiki/Q22686" in page
    assert '<time datetime="2026-11-20">' in page  # when it was fetched
    assert "14 June 1946" in page and "President of the United States (2025–)" in page
    assert "commons.wikimedia.org/wiki/Special:FilePath/" in page
    place = sample.page("places/syria/")
    assert "openstreetmap.org/?mlat=35.00000&amp;mlon=38.00000" in place
    assert "Damascus" in place and "23,200,000 (2024)" in place
    org = sample.page("organisations/international-monetary-fund/")
    assert 'href="https://www.imf.org/"' in org and "22 July 1944" in org


def test_entities_json_gains_reference_fields(build_site, sample):
    build_site(sample, offline=False, replay=REPLAY)
    entity = sample.entity_named("Washington DC")
    assert entity["wikipedia"] == {"title": "Washington, D.C.", "url": "https://en.wikipedia.org/wiki/Washington,_D.C."}
    assert entity["wikidata"] == "Q61"
    assert entity["description"] == "capital city of the United States"
    assert 0.6 <= entity["link_confidence"] <= 1
    hanna = sample.entity_named("Michael Hanna")
    assert hanna["wikipedia"] is None and hanna["link_confidence"] is None


def test_replay_is_reproducible(build_site, sample, make_site):
    build_site(sample, offline=False, replay=REPLAY)
    first = {p.relative_to(sample.output): p.read_bytes() for p in sample.output.rglob("*") if p.is_file()}
    build_site(sample, offline=False, replay=REPLAY, force=True)
    again = {p.relative_to(sample.output): p.read_bytes() for p in sample.output.rglob("*") if p.is_file()}
    assert first == again
    assert not (sample.root / ".sitegen" / "reference.sqlite").exists()  # replay never mixes in the cache


# ---- editors win ---------------------------------------------------------------------

def test_not_same_keeps_two_names_of_one_item_apart(build_site, sample):
    sample.add_note("daesh", name="Daesh", not_same=["ISIS"])
    entities = by_name(build_site(sample, offline=False, replay=REPLAY))
    assert "Daesh" in entities and entities["Daesh"].reference.wikidata_id == "Q2429253"
    assert not any("Daesh" in e.aliases for e in entities.values() if e.name != "Daesh")


def test_pinned_title_wins_and_false_keeps_unlinked(build_site, sample):
    sample.add_note("gaza", name="Gaza", wikipedia="Gaza City")
    sample.add_note("trump", name="Donald Trump", wikipedia=False)
    entities = by_name(build_site(sample, offline=False, replay=REPLAY))
    assert entities["Gaza"].reference.wikipedia_title == "Gaza City"
    assert entities["Gaza"].reference.confidence == 1.0
    assert "editor" in entities["Gaza"].reference.reason
    assert entities["Donald Trump"].reference is None
    assert "Linked by an editor" in sample.page("places/gaza/")


def test_pinned_title_that_leads_nowhere_is_reported(build_site, sample):
    sample.add_note("hamas", name="Hamas", wikipedia="Trump")  # a disambiguation page
    result = build_site(sample, offline=False, replay=REPLAY)
    assert by_name(result)["Hamas"].reference is None
    assert any("hamas.md" in w and "'Trump'" in w for w in result.warnings)


# ---- a good citizen ------------------------------------------------------------------

def test_requests_are_batched_polite_and_identified(build_site, sample):
    sample.write_config('reference_contact = "desk@example.org"\n')
    network = FakeNetwork()
    result, _ = online(build_site, sample, network)
    assert by_name(result)["Syria"].reference is not None
    for request, params in zip(network.requests, network.params()):
        assert "desk@example.org" in request.headers["user-agent"]
        assert request.headers["user-agent"].startswith("sitegen/")
        assert params["maxlag"] == ["5"] and request.method == "GET"
        for key in ("titles", "ids"):
            if key in params:
                assert len(params[key][0].split("|")) <= 50
    # Far fewer requests than entities x kinds of record: titles and items go in batches.
    assert len(network.requests) <= 20, len(network.requests)
    assert result.reference.requests == len(network.requests)


def test_warm_rebuild_makes_no_request(build_site, sample):
    first, _ = online(build_site, sample, FakeNetwork())
    network = FakeNetwork()
    again, _ = online(build_site, sample, network, force=True)
    assert network.requests == []
    assert again.reference.linked == first.reference.linked > 20


def test_offline_build_uses_the_cache(build_site, sample):
    online(build_site, sample, FakeNetwork())
    result = build_site(sample, offline=True, force=True)
    assert by_name(result)["Islamic State"].reference.wikidata_id == "Q2429253"


def test_stale_records_are_refetched_online_and_used_offline(build_site, sample):
    online(build_site, sample, FakeNetwork())
    db = sqlite3.connect(sample.root / ".sitegen" / "reference.sqlite")
    with db:
        db.execute("UPDATE record SET fetched = fetched - 40 * 86400")
    db.close()
    offline = build_site(sample, offline=True, force=True)
    assert by_name(offline)["Syria"].reference is not None
    network = FakeNetwork()
    online(build_site, sample, network, force=True)
    assert len(network.requests) > 0


def test_refresh_refetches_and_a_failed_refetch_keeps_good_records(build_site, sample):
    online(build_site, sample, FakeNetwork())
    always_down = [lambda r: httpx.Response(503, text="down")] * 1000
    network = FakeNetwork(always_down)
    result, waits = online(build_site, sample, network, refresh=True, force=True)
    assert network.requests, "refresh must ask again"
    assert by_name(result)["Syria"].reference is not None  # the old record still serves
    assert result.reference.problems and "503" in result.reference.problems[0]
    assert result.ok


@pytest.mark.parametrize("failure, expect_wait", [
    (lambda r: httpx.Response(429, headers={"Retry-After": "7"}), 7.0),
    (lambda r: httpx.Response(503, headers={"Retry-After": "3"}), 3.0),
    (lambda r: httpx.Response(200, json={"error": {"code": "maxlag", "info": "Waiting for a replica"}},
                              headers={"Retry-After": "5"}), 5.0),
    (lambda r: httpx.Response(200, content=b'{"batchcomplete": tru'), 1.0),
    (lambda r: httpx.Response(502, text="Bad gateway"), 1.0),
])
def test_a_passing_failure_is_retried_after_the_asked_wait(build_site, sample, failure, expect_wait):
    network = FakeNetwork([failure])
    result, waits = online(build_site, sample, network)
    assert waits[:1] == [expect_wait]
    assert result.reference.problems == ()
    assert by_name(result)["Syria"].reference is not None


def test_dropped_connection_and_timeout_are_retried(build_site, sample):
    def drop(request):
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    def slow(request):
        raise httpx.ReadTimeout("timed out", request=request)

    network = FakeNetwork([drop, slow])
    result, waits = online(build_site, sample, network)
    assert waits == [1.0, 2.0]
    assert result.reference.problems == () and by_name(result)["Syria"].reference is not None


def test_a_lasting_failure_leaves_entities_unlinked_with_one_warning(build_site, sample):
    network = FakeNetwork([lambda r: httpx.Response(500, text="oops")] * 1000)
    result, waits = online(build_site, sample, network)
    assert result.ok  # exit 0 for the CLI: the site is built
    assert all(e.reference is None for e in result.site.entities)
    assert result.reference.problems == ("HTTP 500 from en.wikipedia.org, 4 tries",)
    assert all(w > 0 for w in waits)


def test_an_unreachable_network_costs_one_request(build_site, sample):
    def refuse(request):
        raise httpx.ConnectError("Name or service not known", request=request)

    network = FakeNetwork([refuse] * 1000)
    result, waits = online(build_site, sample, network)
    assert len(network.requests) == 1 and waits == []
    assert "cannot be reached" in result.reference.problems[0]
    assert sample.entities()  # the site is there, without reference data


# ---- no network: lookups that failed back off ------------------------------------------

def refuse(request):
    raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)


def refused_connection(request):
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def connect_timeout(request):
    raise httpx.ConnectTimeout("timed out", request=request)


def read_timeout(request):
    raise httpx.ReadTimeout("timed out", request=request)


def no_network() -> FakeNetwork:
    return FakeNetwork([refuse] * 10_000)


HOUR = 3600.0


def later(hours: float):
    """A clock that many hours ahead of now."""
    return lambda: time.time() + hours * HOUR


@pytest.mark.parametrize("failure", [refuse, refused_connection, connect_timeout, read_timeout])
def test_without_a_network_an_unchanged_site_is_up_to_date(build_site, sample, failure):
    network = FakeNetwork([failure] * 10_000)
    first, _ = online(build_site, sample, network)
    assert first.reference.problems and first.reference.retry_at > time.time() + 0.9 * HOUR
    asked = len(network.requests)
    again, _ = online(build_site, sample, network)
    assert again.up_to_date and len(network.requests) == asked
    # the warning still has something to say: what failed, and when it is tried again
    assert again.reference.problems == first.reference.problems
    assert again.reference.retry_at == first.reference.retry_at


def test_a_build_after_the_backoff_asks_again_and_backs_off_longer(build_site, sample):
    network = no_network()
    online(build_site, sample, network)
    assert online(build_site, sample, network, clock=later(0.9))[0].up_to_date
    assert len(network.requests) == 1
    retried, _ = online(build_site, sample, network, clock=later(1.1))
    assert not retried.up_to_date and len(network.requests) == 2
    # the second failure in a row waits 6 hours
    assert retried.reference.retry_at > time.time() + 7 * HOUR
    assert online(build_site, sample, network, clock=later(6))[0].up_to_date
    assert len(network.requests) == 2
    # and when the network is back, the next try links everything
    back = FakeNetwork()
    result, _ = online(build_site, sample, back, clock=later(7.2))
    assert back.requests and result.reference.problems == () and result.reference.linked > 20
    assert result.reference.retry_at is None


def test_refresh_asks_again_at_once(build_site, sample):
    network = no_network()
    online(build_site, sample, network)
    back = FakeNetwork()
    result, _ = online(build_site, sample, back, refresh=True)
    assert back.requests and result.reference.linked > 20


def test_a_one_article_edit_without_network_asks_only_for_new_names(build_site, sample):
    second = sample.add_article("second", "Talks in Berlin", body="Angela Merkel met Emmanuel Macron in Berlin.")
    network = no_network()
    online(build_site, sample, network)
    assert len(network.requests) == 1
    second.write_text(second.read_text(encoding="utf-8") + "\nOlaf Scholz flew to Madrid.\n", encoding="utf-8")
    result, _ = online(build_site, sample, network)
    assert result.extracted == 1  # NER on the edited article only
    # one request, the first new name's page (it fails: the rest are not sent), and
    # nothing asked about names whose lookups are backing off
    assert len(network.requests) == 2
    asked = network.params()[-1]["titles"][0].split("|")
    assert "Olaf Scholz" in asked and not {"Angela Merkel", "Donald Trump", "Syria"} & set(asked)
    assert result.reference.problems and result.reference.retry_at is not None
    assert online(build_site, sample, network)[0].up_to_date


def test_when_the_network_answers_lookups_backing_off_are_asked_at_once(build_site, sample):
    online(build_site, sample, no_network())
    sample.add_article("second", "A visit", body="Olaf Scholz visited Madrid.")

    def missing_pages(request):  # Wikipedia has no page of these names (the fixture knows none of them)
        titles = parse_qs(urlsplit(str(request.url)).query)["titles"][0].split("|")
        return httpx.Response(200, json={"batchcomplete": True,
                                         "query": {"pages": [{"title": t, "missing": True} for t in titles]}})

    back = FakeNetwork([missing_pages])
    result, _ = online(build_site, sample, back)  # within the hour: only the new names are due
    assert "Olaf Scholz" in back.params()[0]["titles"][0] and "Syria" not in back.params()[0]["titles"][0]
    assert result.reference.problems == () and result.reference.linked > 20


def test_lookups_backing_off_cost_no_linking_work(build_site, sample, monkeypatch):
    from sitegen.incremental.stored_links import StoredLinking

    online(build_site, sample, no_network())

    def unwanted(*args):
        raise AssertionError("contexts worked out with no candidate to compare them with")

    monkeypatch.setattr(StoredLinking, "_contexts", unwanted)
    result, _ = online(build_site, sample, no_network(), force=True)
    assert result.reference.requests == 0 and result.reference.problems


def test_stale_records_whose_refetch_fails_back_off_too(build_site, sample):
    online(build_site, sample, FakeNetwork())
    db = sqlite3.connect(sample.state_dir / "reference.sqlite")
    with db:
        db.execute("UPDATE record SET fetched = fetched - 40 * 86400")
    db.close()
    network = no_network()
    stale, _ = online(build_site, sample, network, force=True)
    assert by_name(stale)["Syria"].reference is not None  # the old record still serves
    again, _ = online(build_site, sample, network)
    assert again.up_to_date and len(network.requests) == 1


def test_a_used_up_budget_does_not_back_off(build_site, sample):
    sample.write_config("reference_request_budget = 2\n")
    online(build_site, sample, FakeNetwork())
    network = FakeNetwork()
    result, _ = online(build_site, sample, network)
    assert not result.up_to_date and len(network.requests) == 2  # the next build goes on at once


def test_cli_build_twice_without_a_network_is_up_to_date(sample, cli, monkeypatch):
    """The README's own command, twice, with every request sent to a closed local port."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{closed.getsockname()[1]}")
        first = cli("build", sample.root)
        second = cli("build", sample.root)
        strict = cli("build", sample.root, "--strict")
        # a no-op loads no network library: importing httpx is a third of its start-up
        loaded = subprocess.run([sys.executable, "-c", "import sys; from sitegen import cli; "
                                 f"cli.main(['build', {str(sample.root)!r}, '-q']); print(sorted(sys.modules))"],
                                capture_output=True, text=True, check=True).stdout
    assert first.returncode == 0 and "built 1 articles" in first.stdout
    assert "cannot be reached" in first.stderr and "or at once with --refresh" in first.stderr
    assert second.returncode == 0 and "up to date" in second.stdout.strip().splitlines()[-1]
    assert second.stderr.count("warning: some reference data could not be fetched") == 1
    assert strict.returncode == 1 and "up to date" in strict.stdout
    assert "'httpx'" not in loaded and "'sitegen.build'" in loaded


def test_an_offline_edit_loads_no_network_library(sample, cli):
    """A title edit built with --offline sends no request and runs no NER (spaCy brings
    an HTTP library of its own): the HTTP library, a fortieth of such an edit's time at
    1,000 articles, is not imported."""
    assert cli("build", sample.root, "--offline").returncode == 0
    article = next((sample.root / "content" / "articles").glob("*.md"))
    text = article.read_text(encoding="utf-8")
    assert '\ntitle: "' in text
    article.write_text(text.replace('\ntitle: "', '\ntitle: "Edited - ', 1), encoding="utf-8")
    loaded = subprocess.run([sys.executable, "-c", "import sys; from sitegen import cli; "
                             f"cli.main(['build', {str(sample.root)!r}, '-q', '--offline']); print(sorted(sys.modules))"],
                            capture_output=True, text=True, check=True).stdout
    assert "'sitegen.pipeline'" in loaded, "not an edit: the stages were not run"
    assert "'spacy'" not in loaded and "'httpx'" not in loaded
    assert "Edited - " in (sample.output / "index.html").read_text(encoding="utf-8")


def test_the_request_budget_caps_a_build(build_site, sample):
    sample.write_config("reference_request_budget = 2\n")
    network = FakeNetwork()
    result, _ = online(build_site, sample, network)
    assert len(network.requests) == 2
    assert any("budget of 2" in p for p in result.reference.problems)
    # The next build goes on where this one stopped, from the cache.
    sample.write_config("reference_request_budget = 400\n")
    result, _ = online(build_site, sample, FakeNetwork())
    assert result.reference.linked > 20


def test_corrupt_reference_cache_is_set_aside(build_site, sample):
    state = sample.root / ".sitegen"
    state.mkdir(parents=True, exist_ok=True)
    (state / "reference.sqlite").write_bytes(b"this is not a database" * 100)
    result, _ = online(build_site, sample, FakeNetwork())
    assert any("reference cache unreadable" in w for w in result.warnings)
    assert (state / "reference.sqlite.broken").exists()
    assert result.reference.linked > 20


def test_strict_turns_a_failed_fetch_into_exit_1(sample, monkeypatch, capsys):
    from sitegen import cli
    from sitegen.reference import http

    monkeypatch.setattr(http, "EnvironmentTransport",
                        lambda: httpx.MockTransport(lambda r: httpx.Response(500, text="oops")))
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    code = cli.main(["build", str(sample.root), "--strict", "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "error: some reference data could not be fetched" in err
    code = cli.main(["build", str(sample.root), "--force"])
    captured = capsys.readouterr()
    assert code == 0 and captured.err.count("warning: some reference data") == 1


# ---- record and replay ---------------------------------------------------------------

def test_record_then_replay_gives_the_same_site(build_site, sample, tmp_path):
    recorded = tmp_path / "recorded"
    online(build_site, sample, FakeNetwork(), record=recorded)
    first = sample.entities_json()
    assert (recorded / "pages" / "Donald_Trump.json").is_file()
    saved = json.loads((recorded / "items" / "Q22686.json").read_text(encoding="utf-8"))
    assert saved["request"]["ids"] == "Q22686" and "claims" in saved["response"]["entities"]["Q22686"]
    build_site(sample, offline=False, replay=recorded, force=True)
    replayed = sample.entities_json()
    assert [(e["name"], e["wikipedia"]) for e in replayed["entities"]] == \
        [(e["name"], e["wikipedia"]) for e in first["entities"]]


def test_replay_answers_only_what_was_recorded(build_site, sample, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(REPLAY, partial)
    shutil.rmtree(partial / "items")  # no Wikidata at all: nothing can be checked, nothing is linked
    result = build_site(sample, offline=False, replay=partial)
    assert result.reference.linked == 0 and result.reference.problems == ()


def test_wikipedia_text_is_escaped(build_site, sample, tmp_path):
    hostile = tmp_path / "hostile"
    shutil.copytree(REPLAY, hostile)
    path = hostile / "extracts" / "Syria.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["response"]["query"]["pages"][0]["extract"] = 'Syria <script>alert("x")</script> <img src=x onerror=y>'
    path.write_text(json.dumps(record), encoding="utf-8")
    build_site(sample, offline=False, replay=hostile)
    page = sample.page("places/syria/")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page or "&lt;script&gt;" in page


def test_cli_refuses_two_sources(sample, cli):
    result = cli("build", sample.root, "--offline", "--replay", REPLAY)
    assert result.returncode == 2 and "choose one of" in result.stderr
    result = cli("build", sample.root, "--replay", sample.root / "nowhere")
    assert result.returncode == 2 and "no such replay folder" in result.stderr


# ---- offline knowledge ------------------------------------------------------------------

def test_offline_places_get_gazetteer_facts_named_as_such(build_site, sample):
    result = build_site(sample, offline=True)
    entities = by_name(result)
    assert entities["Syria"].place.facts[0].value == "Damascus"
    assert entities["Syria"].coordinates is None  # a country is not a point
    gaza = entities["Gaza"]
    assert gaza.coordinates and abs(gaza.coordinates[0] - 31.5) < 0.1
    page = sample.page("places/gaza/")
    assert "GeoNames" in page and "matched by name only" in page and "openstreetmap.org/?mlat=31.50161" in page
    assert sample.entity_named("Gaza")["coordinates"] == [31.50161, 34.46672]


def test_linked_places_take_wikidata_coordinates_not_a_name_match(build_site, sample):
    entities = by_name(build_site(sample, offline=False, replay=REPLAY))
    assert entities["Gaza"].place is None
    assert entities["Gaza"].coordinates == (31.4167, 34.3333)  # the Gaza Strip's, from Wikidata


def test_a_city_name_shared_by_similar_cities_gets_no_facts():
    from sitegen.reference.offline import city_record

    assert city_record("Springfield") is None
    assert city_record("Paris").facts[0].value == "France"


def test_a_kept_memo_gives_the_same_site_as_a_fresh_stage(analyse_site, sample, monkeypatch):
    from sitegen.config import load_config
    from sitegen.incremental import Memo
    from sitegen.incremental.reference import LAST_DECISIONS, reference_steps
    from sitegen.reference import ReferenceOptions, reference_stage

    site, _ = analyse_site(sample)
    config = load_config(sample.root)
    fresh, _ = reference_stage(site, config, ReferenceOptions(replay=REPLAY))
    memo = Memo()
    # Warm a cache the memo reads from, then link twice through the memo.
    online_options = ReferenceOptions(network=FakeNetwork().transport, sleep=lambda s: None)
    reference_stage(site, config, online_options)
    first, _ = reference_stage(site, config, ReferenceOptions(offline=True), steps=reference_steps(memo))
    assert memo.size(LAST_DECISIONS)
    # The same site again from the same cache: nothing is looked up or decided again.
    from sitegen.incremental import reference as kept

    redone = []
    for name in ("gather_candidates", "decide_links", "entity_references"):
        real = getattr(kept, name)
        monkeypatch.setattr(kept, name, lambda *args, real=real, name=name: redone.append(name) or real(*args))
    again, _ = reference_stage(site, config, ReferenceOptions(offline=True), steps=reference_steps(memo))
    assert redone == []
    assert first == again
    assert [(e.id, e.reference.wikipedia_title if e.reference else None) for e in again.entities] == \
        [(e.id, e.reference.wikipedia_title if e.reference else None) for e in fresh.entities]


def test_preview_rebuilds_with_kept_reference_memo_match_a_fresh_build(build_site, sample, tmp_path):
    from sitegen.incremental.memory import BuildMemory

    online(build_site, sample, FakeNetwork())  # the cache now holds the sample's records
    memory = BuildMemory()
    kept_out, fresh_out = tmp_path / "kept", tmp_path / "fresh"
    article = next((sample.root / "content" / "articles").glob("*.md"))
    original = article.read_text(encoding="utf-8")
    edits = [lambda text: text + "\nHamas and the International Monetary Fund met in Gaza.\n",
             lambda text: text + "\nVladimir Putin called Donald Trump about the Golan Heights.\n",
             lambda text: text + "\nThe Pentagon said ISIS fighters left Syria.\n",
             # words changed inside sentences that keep their place
             lambda text: text.replace("coalition", "alliance").replace("talks", "meetings"),
             lambda text: original]  # back to the article as it was: mentions, links and merges go again
    for edit in edits:
        article.write_text(edit(article.read_text(encoding="utf-8")), encoding="utf-8")
        kept = build_site(sample, offline=True, memory=memory, output=kept_out)
        fresh = build_site(sample, offline=True, force=True, output=fresh_out)
        assert kept.reference.linked == fresh.reference.linked > 20
        files_of = lambda folder: {p.relative_to(folder).as_posix(): p.read_bytes()  # noqa: E731
                                   for p in folder.rglob("*") if p.is_file()}
        assert without_search_index(files_of(kept_out)) == without_search_index(files_of(fresh_out))


# ---- `sitegen build` keeps its links ---------------------------------------------------

FILLED_AT = 1_750_000_000.0  # when the fake network answered (the build's clock)


def test_sitegen_build_links_again_only_what_an_edit_reached(build_site, sample, monkeypatch, tmp_path):
    """`sitegen build` keeps its linking on disk: an edit that changes no entity (a new
    title) gathers, works out and decides nothing again (linking was a third of a title
    edit's CPU at 1,000 linked articles), and says and reports what linking would; a new
    sentence decides again for the entities it reached, not for the whole site."""
    from sitegen.incremental import Memo
    from sitegen.incremental import stored_links

    from sitegen.incremental import reference as kept_reference

    renamed: list[str] = []
    real_rename = kept_reference.renamed_mentions
    monkeypatch.setattr(kept_reference, "renamed_mentions",
                        lambda article_id, *a: renamed.append(article_id) or real_rename(article_id, *a))
    online(build_site, sample, FakeNetwork(), clock=lambda: FILLED_AT)
    assert renamed, "linking merged names (Trump and Donald Trump): the article's mentions were renamed"
    sample.add_note("hamas", name="Hamas", wikipedia="Trump")  # leads nowhere: said at every build
    later = lambda: FILLED_AT + 86400.0  # noqa: E731 (the records are a day old: fresh)
    first = build_site(sample, clock=later)
    renamed.clear()
    worked: dict[str, list[str]] = {"gathered": [], "context": [], "decided": []}
    for name, kind, ids in (("gather_candidates", "gathered", lambda a: [e.id for e in a[0]]),
                            ("entity_context", "context", lambda a: [a[0].id]),
                            ("decide_links", "decided", lambda a: [d.entity.id for d in a[0]])):
        real = getattr(stored_links, name)
        monkeypatch.setattr(stored_links, name,
                            lambda *a, real=real, kind=kind, ids=ids: worked[kind].extend(ids(a)) or real(*a))
    article = next(sample.articles_dir.glob("*.md"))
    article.write_text(article.read_text(encoding="utf-8").replace('title: "', 'title: "Revised: ', 1),
                       encoding="utf-8")
    kept = build_site(sample, clock=later)
    assert worked == {"gathered": [], "context": [], "decided": []}, "nothing linking reads changed"
    assert renamed == [], "the article's mentions renamed as the last build kept them"
    fresh = build_site(sample, clock=later, force=True, memo=Memo(), output=tmp_path / "fresh")
    assert kept.reference == fresh.reference and kept.reference.oldest == FILLED_AT
    assert kept.reference.linked > 20
    assert [w for w in kept.warnings if "'Trump'" in w] == [w for w in fresh.warnings if "'Trump'" in w] != []
    files_of = lambda folder: {p.relative_to(folder).as_posix(): p.read_bytes()  # noqa: E731
                               for p in folder.rglob("*") if p.is_file()}
    assert without_search_index(files_of(sample.output)) == without_search_index(files_of(tmp_path / "fresh"))

    # A new sentence naming two entities the article names already.
    worked = {kind: [] for kind in worked}
    article.write_text(article.read_text(encoding="utf-8") + "\nVladimir Putin called Donald Trump.\n",
                       encoding="utf-8")
    again = build_site(sample, clock=later)
    putin = next(e.id for e in again.site.entities if e.name == "Vladimir Putin")
    assert putin in worked["gathered"] and putin in worked["decided"]
    everyone = len(first.site.entities)
    assert len(worked["gathered"]) < everyone / 4 and len(worked["decided"]) < everyone, worked
    shutil.rmtree(tmp_path / "fresh")
    fresh = build_site(sample, clock=later, force=True, memo=Memo(), output=tmp_path / "fresh")
    assert again.reference == fresh.reference
    assert without_search_index(files_of(sample.output)) == without_search_index(files_of(tmp_path / "fresh"))


def test_online_builds_keep_links_only_while_every_record_they_read_is_fresh(build_site, sample, monkeypatch,
                                                                            tmp_path):
    """`sitegen build` (online, the default) keeps its links while the cache is as it left
    it, nothing failed and every record linking read is fresh: reading them again would
    fetch nothing. Once a record expires, linking runs again and refetches it."""
    from sitegen.incremental import Memo
    from sitegen.incremental import stored_links

    online(build_site, sample, FakeNetwork(), clock=lambda: FILLED_AT)
    decided = []
    real = stored_links.decide_links
    monkeypatch.setattr(stored_links, "decide_links", lambda todo, source: decided.extend(todo) or real(todo, source))
    article = next(sample.articles_dir.glob("*.md"))
    for clock, retitled in ((FILLED_AT + 86400.0, "Revised: "), (FILLED_AT + 40 * 86400.0, "Again: ")):
        article.write_text(article.read_text(encoding="utf-8").replace('title: "', f'title: "{retitled}', 1),
                           encoding="utf-8")
        decided.clear()
        network = FakeNetwork()
        kept, _ = online(build_site, sample, network, clock=lambda: clock)
        if clock < FILLED_AT + 30 * 86400.0:
            assert decided == [] and network.requests == [], "a day later every record is fresh"
        else:
            assert decided and network.requests, "forty days later the records are stale: fetched and decided again"
        shutil.rmtree(tmp_path / "fresh", ignore_errors=True)
        fresh, _ = online(build_site, sample, FakeNetwork(), clock=lambda: clock, force=True, memo=Memo(),
                          output=tmp_path / "fresh")
        assert kept.reference.linked == fresh.reference.linked > 20
        files_of = lambda folder: {p.relative_to(folder).as_posix(): p.read_bytes()  # noqa: E731
                                   for p in folder.rglob("*") if p.is_file()}
        assert without_search_index(files_of(sample.output)) == without_search_index(files_of(tmp_path / "fresh"))


def test_after_a_failed_lookup_only_the_entities_that_asked_are_linked_again(build_site, sample, monkeypatch,
                                                                             tmp_path):
    """A lookup that failed was asked for by an entity the build worked on: the next build
    works on those again (the lookup may be answered now) and keeps the others' links,
    whose records were all in the cache."""
    from sitegen.incremental import Memo
    from sitegen.incremental import stored_links

    online(build_site, sample, FakeNetwork(), clock=lambda: FILLED_AT)
    day = lambda: FILLED_AT + 86400.0  # noqa: E731
    article = next(sample.articles_dir.glob("*.md"))
    sample.add_article("hamburg", title="Talks in Hamburg", date="2025-11-12",  # names the cache has never seen
                       body="Angela Merkel met Olaf Scholz in Hamburg on Tuesday.")
    gathered: list[str] = []
    decided: list[str] = []
    real_gather, real_decide = stored_links.gather_candidates, stored_links.decide_links
    monkeypatch.setattr(stored_links, "gather_candidates",
                        lambda entities, *a: gathered.extend(e.id for e in entities) or real_gather(entities, *a))
    monkeypatch.setattr(stored_links, "decide_links",
                        lambda todo, *a: decided.extend(d.entity.id for d in todo) or real_decide(todo, *a))
    first, _ = online(build_site, sample, no_network(), clock=day)
    assert first.reference.problems and first.reference.linked > 20
    merkel = next(e.id for e in first.site.entities if e.name == "Angela Merkel")
    asked_then = set(gathered) | set(decided)  # the entities worked on while lookups failed
    gathered[:] = []
    article.write_text(article.read_text(encoding="utf-8").replace('title: "', 'title: "Revised: ', 1),
                       encoding="utf-8")
    again, _ = online(build_site, sample, no_network(), clock=day)
    assert again.reference.problems, "the failed lookups still wait for their back-off"
    assert merkel in gathered and set(gathered) <= asked_then
    assert len(gathered) < len(again.site.entities) / 4
    fresh, _ = online(build_site, sample, no_network(), clock=day, force=True, memo=Memo(), output=tmp_path / "fresh")
    assert again.reference.linked == fresh.reference.linked
    files_of = lambda folder: {p.relative_to(folder).as_posix(): p.read_bytes()  # noqa: E731
                               for p in folder.rglob("*") if p.is_file()}
    assert without_search_index(files_of(sample.output)) == without_search_index(files_of(tmp_path / "fresh"))


def test_records_handed_out_again_count_for_their_age_as_a_read_does(tmp_path):
    """Kept links say when the records they were made from were fetched: the oldest still
    fresh is what reading them again would report, however the clock moved since."""
    from sitegen.reference.source import DAY, ReferenceSource
    from sitegen.reference.store import ReferenceStore

    with ReferenceStore(tmp_path / "reference.sqlite") as store:
        store.put_many("page", {"Berlin": {"title": "Berlin", "qid": "Q64"}}, 10 * DAY)
        store.put_many("page", {"Paris": {"title": "Paris", "qid": "Q90"}}, 20 * DAY)
        first = ReferenceSource(store, None, ttl_days=30, now=lambda: 25 * DAY)
        first.pages(["Berlin", "Paris"])
        kept = first.fetch_times()
        assert kept == (10 * DAY, 20 * DAY) and first.oldest == 10 * DAY
        for now in (25 * DAY, 45 * DAY, 60 * DAY):  # both fresh; Berlin stale; both stale
            read = ReferenceSource(store, None, ttl_days=30, now=lambda: now)
            read.pages(["Berlin", "Paris"])
            again = ReferenceSource(store, None, ttl_days=30, now=lambda: now)
            again.handed_out_again(kept)
            assert again.oldest == read.oldest, now


def test_the_cache_revision_moves_with_every_write_and_only_then(tmp_path):
    """The preview keys what it read from the cache by this revision (see incremental.reference)."""
    from sitegen.reference.store import ReferenceStore

    path = tmp_path / "reference.sqlite"
    with ReferenceStore(path) as store:
        store.put_many("page", {"Berlin": {"title": "Berlin", "qid": "Q64"}}, 1000.0)
    with ReferenceStore(path) as store:
        first = store.revision()
    for _ in range(2):  # reading, as every offline build does, leaves it as it was
        with ReferenceStore(path) as store:
            store.get_many("page", ["Berlin"])
            assert store.revision() == first
    with ReferenceStore(path) as reader, ReferenceStore(path) as writer:
        writer.put_many("page", {"Berlin": {"title": "Berlin", "qid": "Q64"}}, 1000.0)  # the same bytes again
        assert reader.revision() != first
        second = reader.revision()
        writer.failed("item", ["Q64"], "unreachable", 1000.0)
        assert reader.revision() != second
    path.unlink()
    path.with_name(path.name + "-wal").unlink(missing_ok=True)
    with ReferenceStore(path) as store:  # made again in its place: another file, whatever it holds
        store.put_many("page", {"Berlin": {"title": "Berlin", "qid": "Q64"}}, 1000.0)
        assert store.revision() != first
    assert ReferenceStore(None).revision() is None
