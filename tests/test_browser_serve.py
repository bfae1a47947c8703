"""Live preview in a real browser: Debian's Chromium, driven by Playwright, against the
real ``sitegen serve`` command, editing the site's files as an editor's text editor does.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from test_browser import CHROMIUM, browser, playwright  # noqa: F401 - the shared browser fixture
from test_serve import _serve_command, thread_stacks, wait_for_address

REPO = Path(__file__).resolve().parent.parent
ARTICLE = "content/articles/2025-11-10-syria-joins-coalition-against-daesh.md"
DOSSIER = "people/ahmed-al-sharaa/"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
expect = playwright.expect


# A preview with nothing to finish exits in well under a second; this leaves room for a
# rebuild or a search index under way on a busy machine.
STOP_SECONDS = 20


def stop_preview(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
        return
    except subprocess.TimeoutExpired:
        stacks = thread_stacks(process.pid)
        process.kill()
        process.wait()
    pytest.fail(f"sitegen serve did not exit within {STOP_SECONDS} s of one SIGTERM; its threads:\n{stacks}")


class LiveSite:
    """The sample site, copied, served by `sitegen serve` on a free port."""

    def __init__(self, root: Path) -> None:
        self.root = root
        shutil.copytree(REPO / "content", root / "content")
        self.process = None
        self.url = ""

    def start(self, port: int = 0) -> None:
        self.process = _serve_command(self.root, "--port", port)
        self.url = wait_for_address(self.process)

    def stop(self) -> None:
        """One SIGTERM, as a user's one Ctrl-C: the preview must exit within
        ``STOP_SECONDS``, else the test fails with where each of its threads was."""
        if self.process and self.process.poll() is None:
            stop_preview(self.process)

    @property
    def port(self) -> int:
        return int(self.url.rstrip("/").rsplit(":", 1)[1])

    def edit(self, path: str, old: str, new: str) -> None:
        file = self.root / path
        text = file.read_text(encoding="utf-8")
        assert old in text
        file.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def live(tmp_path):
    site = LiveSite(tmp_path / "site")
    site.start()
    yield site
    site.stop()


@pytest.fixture
def page(browser):  # noqa: F811 - the imported browser fixture
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(60_000)  # a rebuild on a busy machine; never a fixed wait
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and "ERR_CONNECTION_REFUSED" not in m.text
            and "EventSource" not in m.text and errors.append(m.text))
    page.errors = errors
    yield page
    context.close()


def _mark_document(page) -> None:
    """Tag the current document; a reload replaces it and the tag is gone."""
    page.evaluate("window.__beforeReload = true")


def _wait_for_reload(page) -> None:
    page.wait_for_function("() => window.__beforeReload === undefined")


def test_an_edit_reloads_the_page_with_the_new_dossier_link(live, page):
    page.goto(live.url + DOSSIER)
    expect(page.locator("h1")).to_have_text("Ahmed al-Sharaa")
    assert page.locator('a[href$="people/adam-smith/"]').count() == 0
    _mark_document(page)

    live.edit(ARTICLE, "\nSyria is joining", "\nAhmed al-Sharaa later met Adam Smith in Damascus.\n\nSyria is joining")

    _wait_for_reload(page)
    link = page.locator('.related a[href$="people/adam-smith/"]')
    expect(link).to_have_text("Adam Smith")
    link.click()
    expect(page.locator("h1")).to_have_text("Adam Smith")
    assert page.errors == []


def test_a_broken_article_shows_the_overlay_until_it_is_mended(live, page):
    page.goto(live.url + f"articles/{Path(ARTICLE).stem}/")
    title = page.locator("h1").inner_text()
    overlay = page.locator("sitegen-build-errors")
    expect(overlay).to_have_count(0)
    _mark_document(page)

    live.edit(ARTICLE, "title:", "titel:")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text(f"{ARTICLE}:2")
    expect(overlay).to_contain_text("front matter has no 'title'")
    # The last good page stays, under the overlay; nothing reloaded.
    assert page.evaluate("window.__beforeReload") is True
    expect(page.locator("h1")).to_have_text(title)

    live.edit(ARTICLE, "titel:", "title:")
    expect(overlay).to_have_count(0)
    assert page.errors == []


def test_an_open_page_reconnects_after_a_server_restart_and_reloads(live, page):
    page.goto(live.url + DOSSIER)
    expect(page.locator("h1")).to_have_text("Ahmed al-Sharaa")
    _mark_document(page)
    port = live.port
    live.stop()
    live.start(port)
    _wait_for_reload(page)
    expect(page.locator("h1")).to_have_text("Ahmed al-Sharaa")


def test_a_hidden_tab_reloads_only_when_it_is_shown(live, page):
    page.goto(live.url + DOSSIER)
    expect(page.locator("h1")).to_have_text("Ahmed al-Sharaa")
    _mark_document(page)
    page.evaluate("""() => {
        Object.defineProperty(document, "hidden", {configurable: true, get: () => true});
        Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")

    live.edit(ARTICLE, "\nSyria is joining", "\nAhmed al-Sharaa later met Adam Smith in Damascus.\n\nSyria is joining")
    page.wait_for_function("() => document.documentElement.dataset.sitegenReload === 'when-visible'")
    assert page.evaluate("window.__beforeReload") is True  # told, but still the old page

    page.evaluate("""() => {
        delete document.hidden;
        delete document.visibilityState;
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    _wait_for_reload(page)
    expect(page.locator('.related a[href$="people/adam-smith/"]')).to_have_text("Adam Smith")
