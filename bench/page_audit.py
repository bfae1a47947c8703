#!/usr/bin/env python3
"""A blind audit of dossier pages: build a site from news nobody tuned for, then draw
random dossier pages to judge by hand.

    python3 bench/page_audit.py site POSTS_DIR SITE_DIR [--articles 200] [--seed 15]
    sitegen build SITE_DIR --offline
    python3 bench/page_audit.py sample SITE_DIR [--pages 150] [--seed 15] > pages.txt

`site` turns daily news posts (Markdown with YAML front matter: `title`, `date`, as the
Wikipedia "Current events" archive is kept in many public repositories) into sitegen
articles: a seeded random choice of them, links reduced to their text, bold category
lines made headings. `sample` draws pages with a seed from `data/entities.json` and prints
for each its name, type, mention count and the sentences of up to three mentions, with
the name marked `[[...]]`. It prints no page reason: the judge sees what a reader sees.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)")
BOLD_LINE = re.compile(r"^\*\*([^*]+)\*\*\s*$", re.MULTILINE)
FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def make_site(posts: Path, site: Path, articles: int, seed: int) -> None:
    files = sorted(posts.glob("*.md"))
    chosen = sorted(random.Random(seed).sample(files, min(articles, len(files))))
    out = site / "content" / "articles"
    out.mkdir(parents=True, exist_ok=True)
    for f in chosen:
        text = f.read_text(encoding="utf-8")
        front = FRONT.match(text)
        if not front:
            continue
        date = re.search(r"^date:\s*(\d{4}-\d{2}-\d{2})", front.group(1), re.MULTILINE)
        if not date:
            continue
        body = LINK.sub(lambda m: m.group(1), text[front.end():])
        body = BOLD_LINE.sub(lambda m: f"## {m.group(1)}", body)
        (out / f"{date.group(1)}.md").write_text(
            f'---\ntitle: "Current events, {date.group(1)}"\ndate: {date.group(1)}\n---\n{body}', encoding="utf-8")
    print(f"{len(list(out.glob('*.md')))} articles in {out}")


def sample(site: Path, pages: int, seed: int) -> None:
    data_dir = site / "output" / "data"
    export = json.loads((data_dir / "entities.json").read_text(encoding="utf-8"))
    dossiers = sorted((e for e in export["entities"] if e.get("page", True)), key=lambda e: e["id"])
    drawn = random.Random(seed).sample(dossiers, min(pages, len(dossiers)))
    mentions: dict[str, list] = {}
    for article in export["articles"]:
        for m in article["mentions"]:
            mentions.setdefault(m["entity"], []).append((article["id"], m["start"], m["end"]))
    texts: dict[str, str] = {}
    for n, e in enumerate(drawn, 1):
        print(f"{n:3d}. {e['name']}  ({e['type']}, {e['mention_count']} mentions)  {e['id']}")
        for article_id, start, end in mentions.get(e["id"], [])[:3]:
            if article_id not in texts:
                texts[article_id] = (data_dir / "text" / f"{article_id}.txt").read_text(encoding="utf-8")
            text = texts[article_id]
            left = max(text.rfind("\n", 0, start), start - 160) + 1
            right = min(i for i in (text.find("\n", end), end + 160, len(text)) if i >= 0)
            print(f"     {article_id}: ...{text[left:start]}[[{text[start:end]}]]{text[end:right]}...")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("site")
    s.add_argument("posts", type=Path)
    s.add_argument("site", type=Path)
    s.add_argument("--articles", type=int, default=200)
    s.add_argument("--seed", type=int, default=15)
    p = sub.add_parser("sample")
    p.add_argument("site", type=Path)
    p.add_argument("--pages", type=int, default=150)
    p.add_argument("--seed", type=int, default=15)
    a = ap.parse_args()
    if a.command == "site":
        make_site(a.posts, a.site, a.articles, a.seed)
    else:
        sample(a.site, a.pages, a.seed)


if __name__ == "__main__":
    main()
