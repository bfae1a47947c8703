"""Review round trip in `sitegen serve`: a click on the review page, how long until the
open pages are told to reload?

A corpus site of N articles (see corpus.py) is served by `sitegen serve --offline` in a
subprocess (nothing linked: the queue is the same kind of work either way). The
benchmark reads the review page as a browser does (its token), then accepts suggestions
one after another, as an editor clicking down the queue, and times each from the POST to
the status event announcing the rebuilt site (the moment open pages reload). It also
times the review page itself: the first request works the queue out for the site.

    python bench/review_latency.py                  # 1,000 articles, 10 decisions
    python bench/review_latency.py --articles 100 --decisions 20
"""
from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import corpus  # noqa: E402 - after the path is set
from serve_latency import Server, percentile, step  # noqa: E402

GOAL_SECONDS = 1.0  # click to reload at 1,000 articles


def request(address: str, method: str, path: str, body: bytes | None = None, headers=None) -> tuple[int, bytes]:
    host, port = address.split("//")[1].rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Review round trip of sitegen serve.")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--decisions", type=int, default=10)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args(argv)
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="sitegen-review-bench-"))
    site = work / f"site-{args.articles}"
    shutil.rmtree(site, ignore_errors=True)
    corpus.write_site(site, corpus.make_articles(args.articles, corpus.read_documents()))
    step(f"{args.articles} articles: starting sitegen serve (first build with NER on every article)")
    server = Server(site)
    try:
        origin = server.address.rstrip("/")
        started = time.perf_counter()
        status, page = request(server.address, "GET", "/_review/")
        page_seconds = time.perf_counter() - started
        token = re.search(rb'data-token="([^"]+)"', page).group(1).decode()
        step(f"  review page: {page_seconds * 1000:.0f} ms (status {status})")
        latencies, failures = [], 0
        for i in range(args.decisions):
            _, data = request(server.address, "GET", "/_review/suggestions.json")
            queue = [s for s in json.loads(data)["suggestions"] if s["accept"]]
            if not queue:
                break
            body = json.dumps({"action": "accept", "accept": queue[0]["accept"]}).encode()
            headers = {"Origin": origin, "X-Sitegen-Token": token, "Content-Type": "application/json"}
            clicked = time.perf_counter()
            status, answer = request(server.address, "POST", "/_review/act", body, headers)
            if status != 200:
                failures += 1
                step(f"  refused: {answer.decode()}")
                continue
            latencies.append(server.wait_for_new_site() - clicked)
            step(f"  decision {i + 1} ({queue[0]['kind']}): {latencies[-1] * 1000:.0f} ms")
    finally:
        server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    if latencies:
        p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
        print(f"{args.articles:,} articles: review page {page_seconds * 1000:.0f} ms; click to reload "
              f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms over "
              f"{len(latencies)} decisions ({failures} refused); goal {GOAL_SECONDS * 1000:.0f} ms: "
              f"{'met' if p95 <= GOAL_SECONDS else 'not met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
