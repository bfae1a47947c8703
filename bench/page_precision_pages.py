#!/usr/bin/env python3
"""Page precision as a reader meets the site: only the names that have a dossier page.

The shared scorer (`../shared/eval/page_precision.py`) counts as a page every entity a
mention in `data/entities.json` points at. Since a name needs evidence for a page, the
export also lists names without one (`"page": false`, `"url": null`): they are
highlighted in their articles but have no page. This script scores both readings of the
same build, with the shared scorer's corpus loader and surface normalisation:

    python3 bench/page_precision_pages.py ../shared/eval/dev/conll2003-eng.testa
    python3 bench/page_precision_pages.py FILE --site DIR   # score a site built with --keep DIR

and prints one JSON line: `all_names` (what the shared scorer sees), `pages` (dossiers
only), each with its count, precision and the share of wrong ones with one mention.
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_EVAL = HERE.parent.parent / "shared" / "eval"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL, help="folder of corpus_eval.py")
    ap.add_argument("--site-cmd", default=f"{shlex.quote(sys.executable)} -m sitegen build")
    ap.add_argument("--site", type=Path, help="a folder the shared scorers built with --keep: score it, build nothing")
    a = ap.parse_args()
    sys.path.insert(0, str(a.eval_dir))
    import corpus_eval as ce  # the shared loader and normalisation: both numbers count alike

    docs = ce.load_jsonl(a.dataset) if a.dataset.name.endswith(".jsonl") else ce.load_conll(a.dataset)
    if a.site:
        export = json.loads((a.site / "output" / "data" / "entities.json").read_text(encoding="utf-8"))
    else:
        folder = Path(tempfile.mkdtemp(prefix="page-precision-"))
        try:
            ce.predict_site(docs, a.site_cmd, str(folder))
            export = json.loads((folder / "output" / "data" / "entities.json").read_text(encoding="utf-8"))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps({"docs": len(docs), **score(ce, docs, export)}))


def score(ce, docs: list[dict], export: dict) -> dict:
    entities = {e["id"]: e for e in export["entities"]}
    mentions = {Path(str(a["id"])).stem.split("/")[-1]: a["mentions"] for a in export["articles"]}
    right, count = defaultdict(bool), defaultdict(int)
    for d in docs:
        text = d["text"]
        gold = {(ce.norm(text[g["span"][0]:g["span"][1]]), t) for g in d["gold"] for t in g.get("types", [g["type"]])}
        for m in mentions.get(d["id"], []):
            entity = entities[m["entity"]]
            count[entity["id"]] += 1
            if (ce.norm(m["text"]), entity["type"]) in gold:
                right[entity["id"]] = True
    out = {}
    for label, chosen in (("all_names", list(count)),
                          ("pages", [e for e in count if entities[e].get("page", True)])):
        wrong = [e for e in chosen if not right[e]]
        out[label] = {"count": len(chosen), "precision": round(1 - len(wrong) / max(1, len(chosen)), 3),
                      "wrong_single_mention": round(sum(count[e] == 1 for e in wrong) / max(1, len(wrong)), 3)}
    return out


if __name__ == "__main__":
    main()
