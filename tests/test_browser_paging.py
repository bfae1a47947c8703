"""A large dossier in a real browser: from its quoted mentions to the exact spot on a
numbered page, the page navigation from the keyboard, and no serious accessibility problem
on the new pages (Debian's Chromium through Playwright, as in test_browser)."""
from __future__ import annotations

import functools
import http.server
import threading

import pytest

from sitegen.config import SiteConfig
from sitegen.site.render import render_site

from test_browser import AXE, CHROMIUM, _StaticHost, browser, page, serious_violations  # noqa: F401  (fixtures)
from test_paging import archive

pytestmark = pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(),
                                reason="Debian's chromium is not installed")
DOSSIER = "people/angela-merkel/"


@pytest.fixture(scope="module")
def served_archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("paged")
    config = SiteConfig(title="Archive", site_dir=root / "site", search=False)
    for path, data in render_site(archive(650, per_article=1, names=700), config).items():
        target = root / "www" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    host = type("Host", (_StaticHost,), {"not_found_page": root / "www" / "404.html"})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(host, directory=str(root / "www")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_quoted_mention_leads_to_its_spot_on_a_numbered_page(served_archive, page):
    page.goto(served_archive + DOSSIER)
    link = page.locator("a.in-list").last  # the oldest quoted mention: on an early page
    anchor = link.get_attribute("href").split("#", 1)[1]
    link.click()
    page.wait_for_load_state()
    assert "/mentions/" in page.url and page.url.endswith("#" + anchor)
    target = page.locator(":target")
    assert target.count() == 1 and target.get_attribute("id") == anchor
    assert "Angela Merkel" in target.inner_text()
    box = target.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]  # scrolled into view
    background = target.evaluate("el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # and highlighted
    assert page.failures == []


def test_the_pages_of_mentions_are_walked_from_the_keyboard(served_archive, page):
    page.goto(served_archive + DOSSIER)
    nav = page.get_by_role("navigation", name="Pages of mentions")
    assert nav.locator("[aria-current=page]").inner_text() == "1"
    older = nav.get_by_role("link", name="All mentions")
    older.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(DOSSIER + "mentions/12/")  # 650 mentions: pages 2 to 12, the newest first
    nav = page.get_by_role("navigation", name="Pages of mentions")
    assert nav.locator("[aria-current=page]").inner_text() == "12"
    with page.expect_navigation():
        nav.get_by_role("link", name="Older").click()
    assert page.url.endswith(DOSSIER + "mentions/11/") and "page 11" in page.locator("h1").inner_text()
    assert page.failures == []


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: npm ci --prefix tests/a11y")
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations_on_paged_pages(served_archive, browser, scheme):  # noqa: F811
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    found = {}
    for path in (DOSSIER, DOSSIER + "mentions/4/", "people/", "people/letter_a/", "articles/", "months/2015-05/"):
        page.goto(served_archive + path)
        assert page.title() and "not found" not in page.title().lower(), path
        violations = serious_violations(page, AXE.read_text(encoding="utf-8"))
        if violations:
            found[path] = violations
    context.close()
    assert found == {}
