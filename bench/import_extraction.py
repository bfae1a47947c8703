"""Main-text and date extraction of `sitegen import` on real news pages with reference text.

The pages and their hand-checked reference (article text from the benchmark it comes
from, publication date as the page shows it) are in tests/fixtures/import/pages/ (see the
README there). Each page goes through the importer's own web-page reader; its Markdown
body is turned into plain text the way a build reads it, then compared with the reference
by word tokens (bag-of-words precision, recall, F1; averaged over pages).

    .venv/bin/python bench/import_extraction.py [--json]
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PAGES = REPO / "tests" / "fixtures" / "import" / "pages"
TOKEN = re.compile(r"\w+")


def token_scores(reference: str, extracted: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the extracted words against the reference's words."""
    want = collections.Counter(TOKEN.findall(reference.casefold()))
    got = collections.Counter(TOKEN.findall(extracted.casefold()))
    common = sum((want & got).values())
    precision = common / max(1, sum(got.values()))
    recall = common / max(1, sum(want.values()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def measure(pages_dir: Path = PAGES) -> dict:
    from sitegen.importer.webpages import read_page
    from sitegen.importer.items import Item
    from sitegen.content.markup import plain_text

    reference = json.loads((pages_dir / "reference.json").read_text("utf-8"))
    rows = []
    for name, ref in sorted(reference.items()):
        html = gzip.decompress((pages_dir / f"{name}.html.gz").read_bytes())
        item = read_page(html, source=name, url=ref["url"])
        text = plain_text(item.body) if isinstance(item, Item) else ""
        date = item.date.isoformat() if isinstance(item, Item) else None
        p, r, f = token_scores(ref["text"], text)
        rows.append({"page": name, "url": ref["url"], "precision": p, "recall": r, "f1": f,
                     "date": date, "reference_date": ref["date"], "date_ok": date == ref["date"]})
    n = len(rows)
    return {
        "pages": n,
        "precision": sum(r["precision"] for r in rows) / n,
        "recall": sum(r["recall"] for r in rows) / n,
        "f1": sum(r["f1"] for r in rows) / n,
        "dates_correct": sum(r["date_ok"] for r in rows) / n,
        "rows": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print every page's figures as JSON")
    args = parser.parse_args()
    result = measure()
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    for row in result["rows"]:
        flag = "" if row["date_ok"] else f"  date {row['date']} != {row['reference_date']}"
        print(f"{row['page']}  P {row['precision']:.3f}  R {row['recall']:.3f}  F1 {row['f1']:.3f}{flag}")
    print(f"{result['pages']} pages: precision {result['precision']:.3f}, recall {result['recall']:.3f}, "
          f"F1 {result['f1']:.3f}; date correct on {result['dates_correct']:.0%}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
