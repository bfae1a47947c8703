"""The review queue in a real browser (Debian's Chromium, driven by Playwright) against
the real ``sitegen serve``: a click writes the judgement, the preview rebuilds, the page
reloads showing one dossier; undo brings the two back; another site cannot write."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from test_browser import CHROMIUM, browser, playwright  # noqa: F401 - the shared browser fixture
from test_browser_serve import LiveSite, _mark_document, _wait_for_reload, page  # noqa: F401
from conftest import article_text

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
expect = playwright.expect

STORIES = {
    "results": ("Disk maker results", "2025-03-01",
                "Western Digital Corp said on Monday that its profit rose. The company, based in Irvine, "
                "California, sells disk drives to Apple Inc."),
    "shares": ("Disk maker shares", "2025-03-02",
               "Shares of Western Digtial Corp rose sharply after the results. Analysts at Merrill Lynch "
               "said Apple Inc would buy more drives."),
}
KEPT = "organisations/western-digital-corp/"


class ReviewSite(LiveSite):
    def __init__(self, root: Path) -> None:
        self.root = root
        for name, (title, date, body) in STORIES.items():
            path = root / "content" / "articles" / f"{name}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(article_text(title, date, body), encoding="utf-8")
        self.process = None
        self.url = ""

    def judgements(self) -> dict[str, str]:
        folder = self.root / "content" / "entities"
        return {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.md")} if folder.is_dir() else {}

    def dossiers(self) -> list[str]:
        data = json.loads((self.root / "output" / "data" / "entities.json").read_text(encoding="utf-8"))
        return sorted(e["name"] for e in data["entities"] if e["name"].startswith("Western"))


@pytest.fixture
def live(tmp_path):
    site = ReviewSite(tmp_path / "site")
    site.start()
    yield site
    site.stop()


def test_accept_a_suggestion_then_undo_it(live, page):  # noqa: F811 - the imported page fixture
    page.goto(live.url + "_review/")
    suggestion = page.locator('li.suggestion[data-kind="same"]')
    expect(suggestion).to_have_count(1)
    expect(suggestion).to_contain_text("Western Digtial Corp")
    _mark_document(page)

    suggestion.get_by_role("button", name="Same: make one page").click()

    _wait_for_reload(page)
    assert live.judgements() == {
        "western-digital-corp.md": "---\nname: Western Digital Corp\nsame_as: [Western Digtial Corp]\n---\n"}
    expect(page.locator('li.suggestion[data-kind="same"]')).to_have_count(0)
    page.goto(live.url + KEPT)
    expect(page.locator("h1")).to_have_text("Western Digital Corp")
    expect(page.locator("main")).to_contain_text("Western Digtial Corp")  # now an alias of the one dossier
    assert live.dossiers() == ["Western Digital Corp"] or _exports_catch_up(live)

    page.goto(live.url + "_review/")
    _mark_document(page)
    page.get_by_role("button", name="Undo the last decision").click()
    _wait_for_reload(page)
    assert live.judgements() == {}
    expect(page.locator('li.suggestion[data-kind="same"]')).to_have_count(1)
    assert page.errors == []


def _exports_catch_up(live) -> bool:
    """data/* follows the pages once the saving pauses: wait for it rather than a fixed time
    (read from the disk: a check in the page would pass on the promise it returns)."""
    deadline = time.monotonic() + 60
    while live.dossiers() != ["Western Digital Corp"]:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_dossier_offers_the_same_actions_inline(live, page):  # noqa: F811
    page.goto(live.url + KEPT)
    panel = page.locator("sitegen-review")
    expect(panel).to_contain_text("Review this entity (1 suggestion)")  # its suggestion, fetched for it
    panel.get_by_text("Review this entity").click()
    expect(panel).to_contain_text("Western Digtial Corp")
    _mark_document(page)

    panel.get_by_role("button", name="Accept").click()

    _wait_for_reload(page)
    assert "same_as: [Western Digtial Corp]" in live.judgements()["western-digital-corp.md"]
    expect(page.locator("main")).to_contain_text("Western Digtial Corp")
    # The built files never carry the review controls: only the preview adds them.
    assert b"_review" not in (live.root / "output" / KEPT / "index.html").read_bytes()


def test_a_forged_cross_origin_post_is_refused(live, page):  # noqa: F811
    target = live.url + "_review/act"
    body = json.dumps({"action": "ignore", "entity": KEPT.rstrip("/")})
    forged = f"""<!doctype html><html lang="en"><title>elsewhere</title><body>
      <form method="post" action="{target}" enctype="text/plain">
        <input name='{body[:-1]}, "x": "' value='"}}'></form>
      <script>
        Promise.allSettled([
          fetch("{target}", {{method: "POST", mode: "no-cors", body: {json.dumps(body)},
                              headers: {{"Content-Type": "text/plain"}}}}),
          fetch("{target}", {{method: "POST", body: {json.dumps(body)},
                              headers: {{"Content-Type": "application/json", "X-Sitegen-Token": "guessed"}}}}),
        ]).then((results) => {{ window.results = results.map((r) => r.status); }});
      </script></body></html>"""
    page.route("http://elsewhere.test/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                       body=forged))
    page.goto("http://elsewhere.test/")
    page.wait_for_function("() => window.results !== undefined")
    with page.expect_navigation() as navigation:
        page.locator("form").evaluate("(form) => form.submit()")
    response = navigation.value
    assert response is None or response.status == 403
    assert live.judgements() == {}


def test_the_dossier_panel_pins_a_title_and_sets_a_type(live, page):  # noqa: F811
    page.goto(live.url + "organisations/apple-inc/")
    panel = page.locator("sitegen-review")
    panel.get_by_text("Review this entity").click()
    panel.get_by_label("Wikipedia title").fill("Apple Inc.")
    panel.get_by_role("button", name="Pin Wikipedia title").click()
    # Offline, with no reference data for that title, the pages stay as they were: the
    # panel says so rather than waiting for a reload that does not come.
    expect(panel.get_by_role("status")).to_contain_text("The site looks the same")
    assert live.judgements() == {"apple-inc.md": "---\nname: Apple Inc.\nwikipedia: Apple Inc.\n---\n"}

    panel.get_by_label("Type").select_option("place")
    panel.get_by_role("button", name="Set type").click()
    # A place now: the reloaded page is the old address, which forwards to the new one.
    page.wait_for_url("**/places/apple-inc/")
    expect(page.locator("h1")).to_have_text("Apple Inc.")
    assert live.judgements()["apple-inc.md"] == "---\nname: Apple Inc.\nwikipedia: Apple Inc.\ntype: place\n---\n"
    assert page.errors == []
