"""Edit-to-reload latency of `sitegen serve`: a file is saved, how long until the reload event?

For each site size, a corpus site is made (see corpus.py) and built once online against
the synthetic wiki of reference.py, which fills its reference cache as a first online
build would (``--unlinked`` skips this: nothing is then linked). `sitegen serve --offline`
is started on it in a subprocess, and the benchmark listens on the server's event stream
as an open page does.
Then it edits articles the way an editor saves them (a new paragraph with a real
sentence, the whole file rewritten) and times each edit from the moment the file is
written to the moment the server's status event with the new site arrives. Edits are
spaced out: each waits for the last one's event, so every figure is one whole rebuild.

    python bench/serve_latency.py                       # 100 and 1,000 articles, 20 edits each
    python bench/serve_latency.py --sizes 100 --edits 40
    python bench/serve_latency.py --json figures.json

Two kinds of edit per size: one article, and ten articles saved at once (as "save all"
does), to show that the time grows with the size of the change.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import corpus  # noqa: E402 - after the path is set

# The goals for a one-article edit, by site size: (p50, p95) in seconds, None where there
# is none. 1,000 linked articles: p50 200 ms; 10,000 articles: p50 300 ms, p95 1 s.
GOALS = {1000: (0.200, None), 10000: (0.300, 1.0)}
STARTUP_TIMEOUT = 1800  # the first build of a large site runs NER on every article
EVENT_TIMEOUT = 120


class Server:
    """`sitegen serve` in a subprocess, and a reader of its event stream."""

    def __init__(self, site: Path) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1",
                   PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
        self.process = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", str(site), "--offline", "--port", "0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.builds: "queue.Queue[float]" = queue.Queue()  # build seconds the server reports
        self.address = self._wait_for_address()
        threading.Thread(target=self._read_log, daemon=True).start()
        self.events: "queue.Queue[tuple[float, dict]]" = queue.Queue()
        host, port = self.address.split("//")[1].rstrip("/").rsplit(":", 1)
        self.conn = http.client.HTTPConnection(host, int(port), timeout=EVENT_TIMEOUT)
        self.conn.request("GET", "/__sitegen/events")
        self.stream = self.conn.getresponse()
        threading.Thread(target=self._read_events, daemon=True).start()
        self.version = self.next_event()[1]["site"]

    def _wait_for_address(self) -> str:
        started = time.monotonic()
        for line in self.process.stdout:
            found = re.search(r"at (http://\S+/) \(Ctrl-C to stop\)", line)
            if found:
                return found.group(1)
            if time.monotonic() - started > STARTUP_TIMEOUT:
                break
        raise SystemExit(f"sitegen serve did not start (exit code {self.process.poll()})")

    def _read_log(self) -> None:
        for line in self.process.stdout:
            found = re.match(r"built in ([\d.]+) s", line)
            if found:
                self.builds.put(float(found.group(1)))
            elif line.startswith(("error", "Traceback")):
                print(f"  server: {line.rstrip()}", file=sys.stderr)

    def _read_events(self) -> None:
        event, data = None, []
        for raw in self.stream.fp:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif not line:
                if event == "status":
                    self.events.put((time.perf_counter(), json.loads("\n".join(data))))
                event, data = None, []

    def next_event(self) -> tuple[float, dict]:
        return self.events.get(timeout=EVENT_TIMEOUT)

    def wait_for_new_site(self) -> float:
        """perf_counter time of the first event naming a site other than the last one."""
        while True:
            at, status = self.next_event()
            if status["problems"]:
                raise SystemExit(f"the build failed: {status['problems']}")
            if status["site"] != self.version:
                self.version = status["site"]
                return at

    def stop(self) -> None:
        self.conn.close()
        self.process.terminate()
        self.process.wait(timeout=120)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def link_once(site: Path) -> tuple[float, int]:
    """One online `sitegen build` against the synthetic wiki of reference.py: NER on every
    article and a filled reference cache, as a site has after its first online build.
    Returns its seconds and how many entities it linked."""
    import httpx
    from reference import SyntheticWiki

    from sitegen.build import BuildOptions, build

    with (site / "sitegen.toml").open("a", encoding="utf-8") as f:
        f.write("reference_request_budget = 20000\nreference_max_searches = 10000\n")  # fill it in one go
    started = time.perf_counter()
    result = build(site, BuildOptions(network=httpx.MockTransport(SyntheticWiki()), sleep=lambda s: None))
    return time.perf_counter() - started, result.reference.linked


def measure(n: int, edits: int, work: Path, docs: list[corpus.Document], rng: random.Random,
            linked: bool = True) -> dict:
    site = work / f"site-{n}"
    shutil.rmtree(site, ignore_errors=True)
    articles = corpus.make_articles(n, docs)
    corpus.write_site(site, articles)
    sentences = [s for d in docs for p in d.paragraphs for s in re.split(r"(?<=\.) ", p) if len(s) > 40]
    prepared, entities_linked = None, 0
    if linked:
        step(f"{n} articles: one online build against the synthetic wiki (NER on every article, linking)")
        prepared, entities_linked = link_once(site)
        step(f"  {entities_linked} entities linked in {prepared:.1f} s")
    step(f"{n} articles: starting sitegen serve" + ("" if linked else " (first build with NER on every article)"))
    started = time.perf_counter()
    server = Server(site)
    first_build = time.perf_counter() - started
    while not server.builds.empty():
        server.builds.get()
    results: dict[str, dict] = {}
    try:
        for label, batch in (("one article", 1), ("ten articles", 10)):
            latencies, builds = [], []
            for i in range(edits):
                chosen = rng.sample(articles, batch)
                payloads = [(site / "content" / "articles" / a.file_name,
                             a.markdown() + "\n" + corpus.markdown_escape(rng.choice(sentences)) + f" (edit {i})\n")
                            for a in chosen]
                for path, text in payloads:
                    path.write_text(text, encoding="utf-8")
                written = time.perf_counter()
                latencies.append(server.wait_for_new_site() - written)
                builds.append(server.builds.get(timeout=EVENT_TIMEOUT))
            results[label] = {"latencies": latencies, "builds": builds}
            step(f"  {label}: p50 {percentile(latencies, 50) * 1000:.0f} ms, "
                 f"p95 {percentile(latencies, 95) * 1000:.0f} ms")
    finally:
        server.stop()
    return {"articles": n, "first_build_seconds": first_build, "prepare_seconds": prepared,
            "linked": entities_linked, "edits": results}


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def print_table(figures: list[dict]) -> None:
    print("| Site | Edit | p50 | p95 | max | build p50 (server) | Goal | Met |")
    print("|---|---|---:|---:|---:|---:|---:|:---:|")
    for figure in figures:
        for label, r in figure["edits"].items():
            p50 = percentile(r["latencies"], 50)
            p95 = percentile(r["latencies"], 95)
            goal_p50, goal_p95 = GOALS.get(figure["articles"], (None, None)) if label == "one article" else (None, None)
            goal = " and ".join(([f"p50 ≤ {goal_p50 * 1000:.0f} ms"] if goal_p50 else []) +
                                ([f"p95 ≤ {goal_p95 * 1000:.0f} ms"] if goal_p95 else []))
            met = "" if not goal else ("yes" if p50 <= goal_p50 and (goal_p95 is None or p95 <= goal_p95) else "no")
            print(f"| {figure['articles']:,} articles | {label} | {p50 * 1000:.0f} ms | "
                  f"{p95 * 1000:.0f} ms | {max(r['latencies']) * 1000:.0f} ms | "
                  f"{percentile(r['builds'], 50) * 1000:.0f} ms | {goal} | {met} |")
    print()
    for figure in figures:
        edits = len(next(iter(figure["edits"].values()))["latencies"])
        if figure["prepare_seconds"] is None:
            print(f"{figure['articles']:,} articles, unlinked: first build (NER on every article, model load "
                  f"included) {figure['first_build_seconds']:.1f} s; {edits} edits of each kind")
        else:
            print(f"{figure['articles']:,} articles, {figure['linked']:,} entities linked from the reference "
                  f"cache: online build {figure['prepare_seconds']:.1f} s, preview start "
                  f"{figure['first_build_seconds']:.1f} s; {edits} edits of each kind")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Edit-to-reload latency of sitegen serve.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="articles per site (default 100 1000)")
    parser.add_argument("--edits", type=int, default=20, help="edits of each kind per site (default 20)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it (default: a temp folder)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every measurement as JSON")
    parser.add_argument("--unlinked", action="store_true",
                        help="no reference cache: the preview links nothing (default: fill it first, see link_once)")
    args = parser.parse_args(argv)
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="sitegen-serve-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(4)
    docs = corpus.read_documents()
    try:
        figures = [measure(n, args.edits, work, docs, rng, not args.unlinked) for n in args.sizes]
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(figures)
    if args.json:
        args.json.write_text(json.dumps({"load_average": os.getloadavg(), "figures": figures}, indent=1) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
