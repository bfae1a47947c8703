"""Where the pages of the search index's recent shard rank, against a fresh build of the same site.

    python bench/search_ranking.py SITE [--fresh FOLDER] [--chromium /usr/bin/chromium]

``SITE`` is a site built with ``sitegen build`` after some edits, so that its index has a
recent shard (``pagefind/shards/recent/``). The script builds a copy of its articles afresh
(``--fresh``, default a temporary folder; with a copy of its NER and reference caches,
so this is quick), serves
both outputs on localhost, and in Chromium searches each recent article's title words (the
first three of five letters or more, and the first two together) through the search page's
own module (``static/search/pagefind.js``). For each search it prints the article's place
among the results in both sites and the number of results, then a summary: searches giving
the same place, within one place, the mean difference, and whether the result counts agree.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import shutil
import sqlite3
import statistics
import tempfile
import threading
from pathlib import Path

from sitegen.build import BuildOptions, build

RANK = """async ([term, target]) => {
  const layer = await import(new URL('../static/search/pagefind.js', location.href).href);
  const found = await layer.search(term);
  for (let i = 0; i < found.results.length; i++) {
    const data = await found.results[i].data();
    if (data.url.endsWith(target)) return [i + 1, found.results.length];
  }
  return [null, found.results.length];
}"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _serve(folder: Path) -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def recent_articles(site: Path) -> list[str]:
    """The articles the recent shard holds, from the search store's record of it."""
    with sqlite3.connect(site / ".sitegen" / "search.sqlite") as store:
        row = store.execute("SELECT state FROM shards WHERE folder = 'pagefind/shards/recent'").fetchone()
    if row is None:
        raise SystemExit(f"{site}: its search index has no recent shard; edit some articles and build it again")
    pages = json.loads(row[0]).get("pages", {})
    return sorted(page.split("/")[1] for page in pages if page.startswith("articles/"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--fresh", type=Path, help="where to build the fresh copy (default: a temporary folder)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    articles = recent_articles(args.site)
    with tempfile.TemporaryDirectory(prefix="sitegen-ranking-") as tmp:
        fresh = args.fresh or Path(tmp) / "fresh"
        shutil.copytree(args.site / "content", fresh / "content", dirs_exist_ok=True)
        if (args.site / "sitegen.toml").exists():
            shutil.copy2(args.site / "sitegen.toml", fresh / "sitegen.toml")
        for kept in ("cache.sqlite", "reference.sqlite"):  # NER and reference data: no memo, no search store
            if (args.site / ".sitegen" / kept).exists():
                (fresh / ".sitegen").mkdir(parents=True, exist_ok=True)
                shutil.copy2(args.site / ".sitegen" / kept, fresh / ".sitegen" / kept)
        if not build(fresh, BuildOptions(offline=True)).ok:
            raise SystemExit("the fresh copy did not build")
        sites = {"recent shard": _serve(args.site / "output"), "fresh": _serve(fresh / "output")}
        rows = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=args.chromium)
            pages = {}
            for name, url in sites.items():
                pages[name] = browser.new_page()
                pages[name].goto(url + "search/")
                pages[name].wait_for_function("() => document.querySelector('#search input')", timeout=30000)
            for article in articles:
                text = (args.site / "content" / "articles" / f"{article}.md").read_text(encoding="utf-8")
                title = re.search(r"^title:\s*\"?(.*?)\"?\s*$", text, re.M)
                words = re.findall(r"[^\W\d_]{5,}", title.group(1) if title else "")[:3]
                for term in words + ([" ".join(words[:2])] if len(words) > 1 else []):
                    got = [pages[name].evaluate(RANK, [term, f"/articles/{article}/"]) for name in sites]
                    rows.append(got)
                    print(f"{article} {term!r}: recent shard {got[0][0]} of {got[0][1]}, fresh {got[1][0]} of {got[1][1]}")
            browser.close()
    placed = [(a[0], b[0]) for a, b in rows if a[0] is not None and b[0] is not None]
    differences = [a - b for a, b in placed]
    print(f"\n{len(rows)} searches: same place {sum(d == 0 for d in differences)}, within one place "
          f"{sum(abs(d) <= 1 for d in differences)}, lower in the recent shard {sum(d > 0 for d in differences)}, "
          f"higher {sum(d < 0 for d in differences)}, mean difference "
          f"{statistics.mean(map(abs, differences)) if differences else 0:.2f} places; "
          f"fresh first {sum(b == 1 for _, b in placed)}, both first {sum(a == b == 1 for a, b in placed)}; "
          f"result counts {'the same' if all(a[1] == b[1] for a, b in rows) else 'DIFFER'}")


if __name__ == "__main__":
    main()
