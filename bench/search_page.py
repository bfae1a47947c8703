"""What a search costs a reader: the search page's requests to the index and its results.

    python bench/search_page.py OUTPUT [--query Germany] [--chromium /usr/bin/chromium]

Serves the built site ``OUTPUT`` on localhost, opens ``search/?q=QUERY`` in Chromium
(Playwright, as the browser tests do), waits for the results, and prints the number of
requests made to ``pagefind/`` and their bytes, the time to the first results, the result
count the page shows, and the addresses of the first results (to compare two indexes).
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import shutil
import threading
import time
from pathlib import Path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--query", default="Germany")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--shown", type=int, default=10, help="result addresses to print")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(args.output.resolve()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        index_requests = []
        page.on("requestfinished", lambda r: "/pagefind/" in r.url and index_requests.append(r))
        started = time.perf_counter()
        page.goto(url + "search/?q=" + args.query)
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=60000)
        first = time.perf_counter() - started
        page.wait_for_function("() => !document.querySelector('.pagefind-ui__loading')", timeout=60000)
        message = page.locator(".pagefind-ui__message").inner_text()
        links = page.locator(".pagefind-ui__result-link")
        shown = [links.nth(i).get_attribute("href") for i in range(min(links.count(), args.shown))]
        size = sum(r.sizes()["responseBodySize"] for r in index_requests)
        browser.close()
    server.shutdown()
    print(json.dumps({"query": args.query, "index requests": len(index_requests), "index KB": round(size / 1024),
                      "first results s": round(first, 2), "message": message, "first results": shown}, indent=1))


if __name__ == "__main__":
    main()
