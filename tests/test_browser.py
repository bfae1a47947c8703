"""What a reader sees, in a real browser: Debian's Chromium driven by Playwright.

The sample site is built, served by a real HTTP server under a sub-path (as on a
project page of a static host), and read the way a reader would: follow a mention to its
dossier, and a dossier's mention back to the exact spot in the article.
"""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="install the test extras: pip install -e '.[test]'")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
SUB_PATH = "news/dossiers"
ARTICLE_ID = "2025-11-10-syria-joins-coalition-against-daesh"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served_site(tmp_path_factory, nlp):
    from sitegen.build import BuildOptions, build

    root = tmp_path_factory.mktemp("browser")
    site = root / "site"
    shutil.copytree(REPO / "content", site / "content")
    web_root = root / "www"
    output = web_root / SUB_PATH
    result = build(site, BuildOptions(output=output, offline=True, nlp_loader=lambda: nlp))
    assert result.ok
    handler = functools.partial(_QuietHandler, directory=str(web_root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.failures = []  # every failed request and console error, checked by each test
    page.on("response", lambda r: r.status >= 400 and page.failures.append(f"{r.status} {r.url}"))
    # A request the browser drops because the reader moved on (ERR_ABORTED) is not a fault.
    page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
            and page.failures.append(f"failed {r.url}: {r.failure}"))
    page.on("console", lambda m: m.type == "error" and page.failures.append(m.text))
    page.on("pageerror", lambda e: page.failures.append(str(e)))
    yield page
    context.close()


def test_a_mention_leads_to_its_dossier(served_site, page):
    page.goto(served_site + f"articles/{ARTICLE_ID}/")
    link = page.locator("a.mention", has_text="Donald Trump").first
    link.click()
    page.wait_for_load_state()
    assert page.url.startswith(served_site + "people/donald-trump/")
    assert page.locator("h1").inner_text().strip() == "Donald Trump"
    assert "Trump" in page.locator("main").inner_text()  # the short form is listed as an alias
    assert page.failures == []


def test_a_dossier_mention_opens_the_exact_spot_in_the_article(served_site, page):
    page.goto(served_site + "people/ahmed-al-sharaa/")
    context_link = page.locator(f"a[href*='articles/{ARTICLE_ID}/#m']").nth(2)
    href = context_link.get_attribute("href")
    anchor = href.split("#", 1)[1]
    context_link.click()
    page.wait_for_load_state()
    assert page.url.endswith(f"articles/{ARTICLE_ID}/#{anchor}")
    target = page.locator(":target")
    assert target.count() == 1
    assert target.get_attribute("id") == anchor
    assert "Sharaa" in target.inner_text()
    assert target.is_visible()
    assert page.failures == []


def test_every_page_linked_from_the_navigation_loads_under_a_sub_path(served_site, page):
    page.goto(served_site)
    for label in ("People", "Places", "Organisations", "Articles", "Home"):
        page.get_by_role("navigation").get_by_role("link", name=label, exact=True).first.click()
        page.wait_for_load_state()
        assert page.url.startswith(served_site), page.url
        assert page.locator("h1").count() == 1
    # An A-Z index lists the sample's places and each entry opens a dossier.
    page.goto(served_site + "places/")
    entry = page.locator("main a[href*='syria/']").first
    entry.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip() == "Syria"
    assert page.failures == []


def test_pages_are_readable_without_styles_or_scripts(served_site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site + f"articles/{ARTICLE_ID}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("main").count() == 1
    skip = page.locator("a[href='#main'], a[href='#content']")
    assert skip.count() >= 1  # a skip link for keyboard users
    assert page.locator("a.mention").count() > 50
    context.close()
