"""Benchmark the reference stage: requests and seconds to link and enrich 1,000 entities.

    .venv/bin/python bench/reference.py [--entities 1000] [--articles 400]

The entities are those sitegen finds in the benchmark corpus (real news text, see
``corpus.py``); the first N by name are kept. "Wikipedia" and "Wikidata" are a synthetic
server in this process that answers every request in the real shapes (a page, a
redirect, a missing page or a disambiguation page per title; an item per id), so the
figures count requests and the time sitegen itself spends, with no network latency.
Three runs, each with the stage alone:

- cold: an empty cache, every record fetched (and recorded into a folder);
- warm: the same build again from the cache (the goal: zero requests);
- replay: from the recorded folder, with no cache (how tests and CI run).
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

from sitegen.build import BuildOptions  # noqa: E402
from sitegen.pipeline import linked_site  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.reference import ReferenceOptions, reference_stage  # noqa: E402


def _hash(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


class SyntheticWiki:
    """Answers like the APIs do, deterministically, for any title or id."""

    def __init__(self):
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        params = dict(request.url.params)
        if params.get("action") == "wbgetentities":
            ids = params["ids"].split("|")
            return httpx.Response(200, json={"entities": {i: self._item(i, params.get("props", "")) for i in ids},
                                             "success": 1})
        if params.get("list") == "search":
            q = params["srsearch"]
            hits = [{"ns": 0, "title": t, "pageid": _hash(t)} for t in (q, f"{q} (band)", f"History of {q}")]
            return httpx.Response(200, json={"query": {"search": hits}})
        titles = params["titles"].split("|")
        query = {"redirects": [], "pages": []}
        for title in titles:
            h = _hash(title)
            if "extracts" in params.get("prop", ""):
                query["pages"].append({"ns": 0, "title": title, "pageid": h,
                                       "extract": f"{title} is a subject of public record. " * 8})
                continue
            if h % 10 == 0:
                query["pages"].append({"ns": 0, "title": title, "missing": True})
                continue
            target = title
            if h % 10 == 1:
                target = title + " (redirected)"
                query["redirects"].append({"from": title, "to": target})
            props = {"wikibase_item": f"Q{_hash(target) % 10_000_000}"}
            if h % 10 == 2:
                props["disambiguation"] = ""
            query["pages"].append({"ns": 0, "title": target, "pageid": _hash(target), "pageprops": props,
                                   "lastrevid": 1_300_000_000 + h % 1000,
                                   "fullurl": "https://en.wikipedia.org/wiki/" + target.replace(" ", "_")})
        query["pages"] = list({p["title"]: p for p in query["pages"]}.values())
        return httpx.Response(200, json={"batchcomplete": True, "query": query})

    @staticmethod
    def _item(qid: str, props: str) -> dict:
        h = _hash(qid)
        label = {"en": {"language": "en", "value": f"Label {qid}"}}
        if props == "labels":
            return {"type": "item", "id": qid, "labels": label}
        value = lambda target: {"mainsnak": {"snaktype": "value", "datavalue": {  # noqa: E731
            "value": {"id": target}, "type": "wikibase-entityid"}}, "rank": "normal"}
        claims = {"P31": [value(["Q5", "Q6256", "Q43229"][h % 3])], "P17": [value("Q30")], "P27": [value("Q30")],
                  "P159": [value("Q60")],
                  "P625": [{"mainsnak": {"snaktype": "value", "datavalue": {
                      "value": {"latitude": 40.0, "longitude": -70.0}, "type": "globecoordinate"}}, "rank": "normal"}]}
        if h % 3 == 0:
            del claims["P625"]
        return {"type": "item", "id": qid, "labels": label,
                "descriptions": {"en": {"language": "en", "value": "a subject of public record"}}, "claims": claims}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=1000)
    parser.add_argument("--articles", type=int, default=400, help="articles of the corpus the entities come from")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="sitegen-refbench-"))
    try:
        site_dir = work / "site"
        docs = corpus.read_documents()
        corpus.write_site(site_dir, corpus.make_articles(args.articles, docs))
        config = load_config(site_dir)
        print(f"analysing {args.articles} articles (NER) ...", file=sys.stderr)
        site, _, _, _ = linked_site(config, BuildOptions(offline=True))
        keep = {e.id for e in sorted(site.entities, key=lambda e: e.name)[: args.entities]}
        site = replace(site, entities=tuple(e for e in site.entities if e.id in keep),
                       mentions_by_article={a: tuple(m for m in ms if m.entity_id in keep)
                                            for a, ms in site.mentions_by_article.items()})
        n = len(site.entities)
        wiki = SyntheticWiki()
        record = work / "recorded"
        rows = []

        def run(label, options):
            before = wiki.requests
            started = time.perf_counter()
            linked, report = reference_stage(site, config, options)
            seconds = time.perf_counter() - started
            rows.append((label, report.requests, wiki.requests - before, report.linked, seconds))

        network = httpx.MockTransport(wiki)
        run("cold cache (recording)", ReferenceOptions(network=network, record=record, sleep=lambda s: None))
        run("warm cache", ReferenceOptions(network=network, sleep=lambda s: None))
        run("replay, no cache", ReferenceOptions(replay=record))
        print(f"\nreference stage, {n} entities from {args.articles} articles of real news text")
        print(f"{'run':26} {'requests':>9} {'to server':>10} {'linked':>7} {'seconds':>8} {'entities/s':>11}")
        for label, requests, served, linked, seconds in rows:
            print(f"{label:26} {requests:9d} {served:10d} {linked:7d} {seconds:8.2f} {n / seconds:11.0f}")
        files = sum(1 for p in record.rglob("*.json"))
        print(f"\nrecorded folder: {files} files, {sum(p.stat().st_size for p in record.rglob('*.json')) / 1e6:.1f} MB")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
