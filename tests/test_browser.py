"""What a reader sees, in a real browser: Debian's Chromium driven by Playwright.

The sample site is built with a sub-path ``base_url``, served by a real HTTP server under
that sub-path (as on a project page of a static host, which answers a missing address
with 404.html), and read the way a reader would: follow a mention to its dossier and
back to the exact spot in the article, search, hover over a name, land on a dead link.
"""
from __future__ import annotations

import functools
import json
import http.server
import shutil
import threading
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import pytest

playwright = pytest.importorskip("playwright.sync_api", reason="install the test extras: pip install -e '.[test]'")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REPO = Path(__file__).resolve().parent.parent
SUB_PATH = "news/dossiers"
ARTICLE_ID = "2025-11-10-syria-joins-coalition-against-daesh"
REPLAY = REPO / "tests" / "fixtures" / "replay"
# A small picture standing in for Wikimedia Commons, the one other site pages may load from.
COMMONS_PICTURE = (b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="3">'
                   b'<rect width="4" height="3" fill="#777"/></svg>')

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


class _StaticHost(http.server.SimpleHTTPRequestHandler):
    """Serves files like GitHub Pages: a missing address gets the site's 404.html, status 404."""

    not_found_page: Path

    def send_error(self, code, message=None, explain=None) -> None:
        if code != 404 or not self.not_found_page.is_file():
            return super().send_error(code, message, explain)
        body = self.not_found_page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served_site(tmp_path_factory, nlp):
    from sitegen.build import BuildOptions, build

    root = tmp_path_factory.mktemp("browser")
    site = root / "site"
    shutil.copytree(REPO / "content", site / "content")
    # The public address's path is what matters here: it is where 404.html links from.
    (site / "sitegen.toml").write_text(f'base_url = "https://example.org/{SUB_PATH}/"\n', encoding="utf-8")
    web_root = root / "www"
    output = web_root / SUB_PATH
    # Reference data replayed from the recorded fixture: dossiers show Wikipedia and
    # Wikidata facts, and names that reference data merges (Daesh, ISIS) get redirects.
    result = build(site, BuildOptions(output=output, replay=REPLAY, nlp_loader=lambda: nlp))
    assert result.ok
    host = type("Host", (_StaticHost,), {"not_found_page": output / "404.html"})
    handler = functools.partial(host, directory=str(web_root))
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
    context.route("https://commons.wikimedia.org/**",
                  lambda route: route.fulfill(status=200, content_type="image/svg+xml", body=COMMONS_PICTURE))
    page = context.new_page()
    page.requested = []  # the address of every request the page makes
    page.on("request", lambda r: page.requested.append(r.url))
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


# ---- search --------------------------------------------------------------------------------

def _search_results(page):
    # Results show as placeholders first; the links come when their fragments have loaded.
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=15000)
    page.wait_for_function("() => !document.querySelector('.pagefind-ui__loading')", timeout=15000)
    return page.locator(".pagefind-ui__result-link")


def test_the_header_search_box_finds_dossiers_and_articles(served_site, page):
    page.goto(served_site + "places/")
    page.get_by_label("Search the site").fill("Sharaa")
    page.get_by_label("Search the site").press("Enter")
    page.wait_for_load_state()
    assert page.url.startswith(served_site + "search/?q=Sharaa")
    links = _search_results(page)
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert any(h.startswith(f"/{SUB_PATH}/people/ahmed-al-sharaa/") for h in hrefs), hrefs
    assert any(h.startswith(f"/{SUB_PATH}/articles/{ARTICLE_ID}/") for h in hrefs), hrefs
    links.first.click()
    page.wait_for_load_state()
    assert page.url.startswith(served_site)  # results lead into the site under its sub-path
    assert page.locator("h1").count() == 1
    assert page.failures == []


def test_search_filters_by_entity_type(served_site, page):
    page.goto(served_site + "search/?q=Syria")
    _search_results(page)
    page.locator(".pagefind-ui__filter-panel").first.wait_for()
    block = page.locator("details.pagefind-ui__filter-block").first
    if block.get_attribute("open") is None:  # folded on narrow screens
        block.locator("summary").click()
    labels = page.locator(".pagefind-ui__filter-label").all_inner_texts()
    assert {label.split(" (")[0] for label in labels} == {"Article", "Organisation", "Person", "Place"}
    page.locator("label[for='type-Place']").click()
    page.wait_for_function("""() => {
        const links = [...document.querySelectorAll('.pagefind-ui__result-link')];
        return links.length > 0 && links.every(a => a.getAttribute('href').includes('/places/'));
    }""", timeout=15000)
    assert page.failures == []


SHARDED_STORIES = {  # article id -> (person, a word found in that article only)
    "harvest": ("Angela Merkel", "harvest"), "orchestra": ("Emmanuel Macron", "orchestra"),
    "glacier": ("Olaf Scholz", "glacier"), "lighthouse": ("Pedro Sanchez", "lighthouse"),
    "volcano": ("Mark Rutte", "volcano"), "marathon": ("Viktor Orban", "marathon"),
}


def _served_stories(root: Path, nlp, settings: Callable[[pytest.MonkeyPatch], None]):
    """The stories of ``SHARDED_STORIES`` built under a sub-path of ``root`` with the search
    settings ``settings`` makes, served: (its address, its folder, a function that builds it
    again and returns its shard list)."""
    from sitegen.build import BuildOptions, build

    site, output = root / "site", root / "www" / SUB_PATH
    for n, (article, (person, word)) in enumerate(SHARDED_STORIES.items()):
        path = site / "content" / "articles" / f"{article}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"---\ntitle: Story of the {word}\ndate: 2025-03-{n + 1:02d}\n---\n\n"
                        f"{person} spoke in Paris on Monday about the {word}. {person.split()[-1]} said "
                        f"the Paris talks went well.\n", encoding="utf-8")

    def rebuild() -> dict:
        with pytest.MonkeyPatch.context() as patch:
            settings(patch)
            result = build(site, BuildOptions(output=output, offline=True, nlp_loader=lambda: nlp))
        assert result.ok
        return json.loads((output / "pagefind" / "shards.json").read_text(encoding="utf-8"))

    first = rebuild()
    handler = functools.partial(type("Host", (_StaticHost,), {"not_found_page": output / "404.html"}),
                                directory=str(root / "www"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{SUB_PATH}/", site, rebuild, first
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sharded_site(tmp_path_factory, nlp):
    """A site whose search index is split in several shards, served under a sub-path, and a
    function that builds it again (after an edit)."""
    from sitegen.site import search

    served = _served_stories(tmp_path_factory.mktemp("sharded"), nlp,
                             lambda patch: patch.setattr(search, "PAGES_PER_SHARD", 2))
    url, site, rebuild, first = next(served)
    assert len(first["merge"]) >= 3
    yield url, site, rebuild
    served.close()


def _result_hrefs(page, query: str, url: str) -> list[str]:
    page.goto(url + "search/?q=" + query)
    links = _search_results(page)
    return [links.nth(i).get_attribute("href") for i in range(links.count())]


def test_search_finds_names_and_words_across_shards(sharded_site, page):
    url, _, _ = sharded_site
    for article, (person, word) in SHARDED_STORIES.items():
        hrefs = _result_hrefs(page, word, url)
        assert hrefs and hrefs[0].startswith(f"/{SUB_PATH}/articles/{article}/"), (word, hrefs)
    # Every article and the place, whatever their shard; not the people, whose dossiers
    # quote the articles' sentences without indexing them again.
    hrefs = _result_hrefs(page, "Paris", url)
    message = page.locator(".pagefind-ui__message").inner_text()
    assert message.startswith(f"{len(SHARDED_STORIES) + 1} results"), message
    assert any(h.startswith(f"/{SUB_PATH}/places/paris/") for h in hrefs)
    assert any(h.startswith(f"/{SUB_PATH}/people/viktor-orban/") for h in _result_hrefs(page, "Orban", url))
    assert page.failures == []


def _paris_counts(page, url: str) -> tuple[str, dict[str, str]]:
    """The results message and the counts by type of a search for Paris."""
    page.goto(url + "search/?q=Paris")
    _search_results(page)
    block = page.locator("details.pagefind-ui__filter-block").first
    block.wait_for()
    if block.get_attribute("open") is None:
        block.locator("summary").click()
    labels = page.locator(".pagefind-ui__filter-label").all_inner_texts()
    return page.locator(".pagefind-ui__message").inner_text(), dict(label.rstrip(")").split(" (") for label in labels)


def _choose_articles_only(page) -> None:
    """Tick the Article filter and wait until only articles are listed."""
    page.locator("label[for='type-Article']").click()
    page.wait_for_function("""() => {
        const links = [...document.querySelectorAll('.pagefind-ui__result-link')];
        return links.length > 0 && links.every(a => a.getAttribute('href').includes('/articles/'));
    }""", timeout=15000)


def test_search_filters_count_every_shard(sharded_site, page):
    url, _, _ = sharded_site
    _, labels = _paris_counts(page, url)
    assert labels["Article"] == str(len(SHARDED_STORIES)) and labels["Place"] == "1", labels
    _choose_articles_only(page)
    assert page.failures == []


def test_a_deleted_article_is_no_longer_found(sharded_site, page):
    url, site, rebuild = sharded_site
    assert any("/articles/volcano/" in h for h in _result_hrefs(page, "volcano", url))
    (site / "content" / "articles" / "volcano.md").unlink()
    rebuild()
    page.goto(url + "search/?q=volcano")
    page.locator(".pagefind-ui__message").filter(has_text="No results").wait_for(timeout=15000)
    assert any("/articles/marathon/" in h for h in _result_hrefs(page, "marathon", url))
    assert page.failures == []


@pytest.fixture(scope="module")
def layered_site(tmp_path_factory, nlp):
    """A site in one shard, large enough that an edit leaves it as it is and indexes the
    changed pages in the recent shard; and a function that builds it again."""
    from sitegen.site import search_recent

    # A shard of more than two pages may lag.
    served = _served_stories(tmp_path_factory.mktemp("layered"), nlp,
                             lambda patch: patch.setattr(search_recent, "BALLAST", 1))
    url, site, rebuild, first = next(served)
    assert first == {"merge": []}
    yield url, site, rebuild
    served.close()


def test_pages_indexed_in_the_recent_shard_are_found_once_as_they_are_now(layered_site, page):
    url, site, rebuild = layered_site
    story = site / "content" / "articles" / "glacier.md"
    story.write_text(story.read_text(encoding="utf-8").replace("glacier", "iceberg"), encoding="utf-8")
    listed = rebuild()
    assert listed["merge"] == ["shards/recent/"] and len(listed["stale"]) == 2, listed  # the old article, the ballast
    assert _result_hrefs(page, "iceberg", url) == [f"/{SUB_PATH}/articles/glacier/"]
    page.goto(url + "search/?q=glacier")
    page.locator(".pagefind-ui__message").filter(has_text="No results").wait_for(timeout=15000)
    message, counts = _paris_counts(page, url)
    assert message.startswith(f"{len(SHARDED_STORIES) + 1} results"), message  # each article once, and Paris
    assert counts["Article"] == str(len(SHARDED_STORIES)) and counts["Place"] == "1", counts
    hrefs = _result_hrefs(page, "Paris", url)
    assert len(hrefs) == len(set(hrefs)), hrefs

    (site / "content" / "articles" / "volcano.md").unlink()
    listed = rebuild()
    assert "shards/recent/" in listed["merge"] and len(listed["stale"]) > 2, listed
    page.goto(url + "search/?q=volcano")
    page.locator(".pagefind-ui__message").filter(has_text="No results").wait_for(timeout=15000)
    message, counts = _paris_counts(page, url)
    assert message.startswith(f"{len(SHARDED_STORIES)} results"), message
    assert counts["Article"] == str(len(SHARDED_STORIES) - 1), counts
    _choose_articles_only(page)
    assert page.failures == []


def test_search_says_so_when_its_index_is_missing(served_site, page):
    # A copy of the page whose pagefind/ folder does not exist beside it.
    page.route("**/pagefind/pagefind-ui.js", lambda route: route.fulfill(status=404, body="missing"))
    page.goto(served_site + "search/?q=Syria")
    page.get_by_role("status").filter(has_text="not available").wait_for()
    page.failures.clear()  # the 404 was the point


# ---- previews, deep links, 404 -------------------------------------------------------------

def test_hovering_or_focusing_a_name_previews_its_dossier(served_site, page):
    page.goto(served_site + f"articles/{ARTICLE_ID}/")
    link = page.locator("a.mention", has_text="Donald Trump").first
    preview = page.locator("#entity-preview")
    assert link.get_attribute("title") is None  # the script took over the browser's tooltip
    link.hover()
    preview.wait_for(state="visible")
    assert "Donald Trump" in preview.inner_text() and "Person" in preview.inner_text()
    assert "14 mentions in this article" in preview.inner_text()
    assert "president of the United States" in preview.inner_text()  # Wikidata's description
    assert link.get_attribute("aria-describedby") == "entity-preview"
    page.keyboard.press("Escape")
    preview.wait_for(state="hidden")
    # The keyboard gets the same preview.
    syria = page.locator("a.mention", has_text="Syria").first
    syria.focus()
    preview.wait_for(state="visible")
    assert preview.inner_text().startswith("Syria")
    assert "Place" in preview.inner_text() and "country in West Asia" in preview.inner_text()
    assert page.failures == []


def test_without_scripts_a_name_is_a_plain_link_with_a_title(served_site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served_site + f"articles/{ARTICLE_ID}/")
    link = page.locator("a.mention", has_text="Donald Trump").first
    assert link.get_attribute("title") == "Donald Trump (person)"
    link.click()
    page.wait_for_load_state()
    assert page.url.startswith(served_site + "people/donald-trump/")
    context.close()


def test_a_deep_link_highlights_the_mention_on_arrival(served_site, page):
    page.goto(served_site + "people/donald-trump/")
    page.locator("a.in-context").first.click()
    page.wait_for_load_state()
    target = page.locator(":target")
    assert target.count() == 1 and "Trump" in target.inner_text()
    colours = target.evaluate("""el => {
        const style = getComputedStyle(el);
        return [style.backgroundColor, getComputedStyle(el.parentElement).backgroundColor];
    }""")
    assert colours[0] != colours[1] and colours[0] not in ("rgba(0, 0, 0, 0)", "transparent")
    box = target.bounding_box()
    assert 0 <= box["y"] < page.viewport_size["height"]  # scrolled into view
    assert page.failures == []


def test_a_missing_address_shows_the_404_page_and_its_links_work(served_site, page):
    response = page.goto(served_site + "people/nobody-by-this-name/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Page not found"
    page.failures.clear()  # that 404 was asked for
    page.get_by_role("main").get_by_role("link", name="People").click()
    page.wait_for_load_state()
    assert page.url == served_site + "people/"
    assert page.locator("h1").inner_text().strip() == "People"
    assert page.failures == []


def test_an_old_dossier_address_leads_to_the_new_one(served_site, page):
    page.goto(served_site + "people/trump/")  # "Trump" is how the article shortens Donald Trump
    page.wait_for_url(served_site + "people/donald-trump/")
    assert page.locator("h1").inner_text().strip() == "Donald Trump"
    # Reference data found Daesh and ISIS to be one organisation: both old names lead to it.
    page.goto(served_site + "organisations/daesh/")
    page.wait_for_url(served_site + "organisations/islamic-state/")
    assert page.locator("h1").inner_text().strip() == "Islamic State"
    assert page.failures == []


def test_pages_load_nothing_from_other_sites_but_commons_pictures(served_site, page):
    for path in ("", "places/syria/", "people/donald-trump/", f"articles/{ARTICLE_ID}/", "search/?q=Syria"):
        page.goto(served_site + path)
        page.wait_for_load_state("networkidle")
    hosts = {urlsplit(url).netloc for url in page.requested}
    assert hosts <= {urlsplit(served_site).netloc, "commons.wikimedia.org"}, hosts
    assert "commons.wikimedia.org" in hosts  # Syria's flag
    assert page.failures == []


# ---- accessibility, small screens, print ---------------------------------------------------

AXE = REPO / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page, script: str) -> list[str]:
    """What axe-core (``script``, its source) finds serious or critical on the open page."""
    page.add_script_tag(content=script)
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
    }""")
PAGES_TO_AUDIT = ("", "people/", "people/ahmed-al-sharaa/", "places/syria/", f"articles/{ARTICLE_ID}/",
                  "articles/", "search/?q=Syria", "people/nobody/")


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: npm ci --prefix tests/a11y")
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violations(served_site, browser, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    script = AXE.read_text(encoding="utf-8")
    found = {}
    for path in PAGES_TO_AUDIT:
        page.goto(served_site + path)
        if path.startswith("search/"):
            _search_results(page)
        violations = serious_violations(page, script)
        if violations:
            found[path or "home"] = violations
    context.close()
    assert found == {}


@pytest.mark.parametrize("path", ["", "people/", "people/ahmed-al-sharaa/", "places/syria/", f"articles/{ARTICLE_ID}/",
                                  "articles/", "search/?q=Syria", "people/nobody/"])
def test_pages_fit_a_320px_screen(served_site, browser, path):
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(served_site + path)
    if path.startswith("search/"):
        _search_results(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{path or 'home'} is {width}px wide"
    context.close()


def test_a_dossier_prints_without_navigation(served_site, page):
    page.goto(served_site + "people/ahmed-al-sharaa/")
    page.emulate_media(media="print")
    for hidden in (".site-nav", ".site-search", ".skip-link", "a.in-context"):
        assert page.locator(hidden).first.evaluate("el => getComputedStyle(el).display") == "none", hidden
    assert page.locator("h1").is_visible() and page.locator(".mention-list li").first.is_visible()
    assert page.locator("svg.timeline").is_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert page.failures == []


def test_the_pictures_can_be_used_from_the_keyboard(served_site, page):
    page.goto(served_site + "people/ahmed-al-sharaa/")
    reached = set()
    for _ in range(120):
        page.keyboard.press("Tab")
        where = page.evaluate("""() => {
            const svg = document.activeElement && document.activeElement.closest('svg');
            return svg ? svg.getAttribute('class') : null;
        }""")
        if where:
            reached.add(where)
        if where == "chart network":
            break
    assert reached == {"chart timeline", "chart network"}
    name = page.evaluate("document.activeElement.getAttribute('aria-label')").split(" (")[0]
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text().strip() == name
    assert page.failures == []
