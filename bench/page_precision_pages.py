#!/usr/bin/env python3
"""Page precision as a reader meets the site, and what the wrong pages are.

The shared scorer (`../shared/eval/page_precision.py`) counts as a page every entity a
mention in `data/entities.json` `articles[].mentions` points at. Those are the dossier
pages; the names without one (`"page": false`, highlighted in their articles only) are
listed in `articles[].other_names`. This script scores, with the shared scorer's corpus
loader and surface normalisation, both every listed name (`all_names`: what the scorer
counted before the two lists were apart) and the dossier pages alone (`pages`):

    python3 bench/page_precision_pages.py ../shared/eval/dev/conll2003-eng.testa
    python3 bench/page_precision_pages.py FILE --site DIR   # score a site built with --keep DIR

and prints one JSON line: for each reading its count, precision, the share of wrong ones
with one mention, and `kinds`, how many wrong pages of each kind, judged by the human
labels, first that applies:
  - `misc`: a name the annotators label MISC (events, works, products, nationalities;
    CoNLL files only);
  - `type:GOLD_as_PAGE`: an annotated name on a page of another type (a club named after
    its town, `organisation_as_place`; a player, `person_as_organisation`);
  - `broken_span`: overlaps an annotated name but is not it ("Credit Alessandro Grassani");
  - `not_a_name`: overlaps nothing annotated.
On a corpus with Wikidata ids (Reuters-128) it also counts `fused` pages: pages holding
mentions of two gold ids.
"""
from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
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
    misc = None if a.dataset.name.endswith(".jsonl") else misc_spans(a.dataset)
    print(json.dumps({"docs": len(docs), **score(ce, docs, export, misc)}))


def score(ce, docs: list[dict], export: dict, misc: dict[str, list] | None = None) -> dict:
    """``misc``: each document's MISC spans, where the corpus has them."""
    entities = {e["id"]: e for e in export["entities"]}
    # An export before the two lists were apart has every name in "mentions".
    listed = {Path(str(a["id"])).stem.split("/")[-1]: a["mentions"] + a.get("other_names", [])
              for a in export["articles"]}
    right, count, kinds, qids = defaultdict(bool), defaultdict(int), defaultdict(list), defaultdict(set)
    for d in docs:
        text = d["text"]
        gold = {(ce.norm(text[g["span"][0]:g["span"][1]]), t) for g in d["gold"] for t in g.get("types", [g["type"]])}
        gold_types = defaultdict(set)
        for surface, t in gold:
            gold_types[surface].add(t)
        qid_of = defaultdict(set)
        for g in d["gold"]:
            if g.get("qid"):
                qid_of[ce.norm(text[g["span"][0]:g["span"][1]])].add(g["qid"])
        misc_spans = (misc or {}).get(d["id"], [])
        misc_surfaces = {ce.norm(text[s:e]) for s, e in misc_spans}
        spans = [g["span"] for g in d["gold"]] + misc_spans
        for m in listed.get(d["id"], []):
            entity = entities[m["entity"]]
            count[entity["id"]] += 1
            surface = ce.norm(m["text"])
            qids[entity["id"]] |= qid_of.get(surface, set())
            if (surface, entity["type"]) in gold:
                right[entity["id"]] = True
            elif surface in misc_surfaces:
                kinds[entity["id"]].append((0, "misc"))
            elif gold_types.get(surface):
                kinds[entity["id"]].append((1, f"type:{sorted(gold_types[surface])[0]}_as_{entity['type']}"))
            elif any(s < m["end"] and m["start"] < e for s, e in spans):
                kinds[entity["id"]].append((2, "broken_span"))
            else:
                kinds[entity["id"]].append((3, "not_a_name"))
    out = {}
    for label, chosen in (("all_names", list(count)),
                          ("pages", [e for e in count if entities[e].get("page", True)])):
        wrong = [e for e in chosen if not right[e]]
        out[label] = {"count": len(chosen), "precision": round(1 - len(wrong) / max(1, len(chosen)), 3),
                      "wrong_single_mention": round(sum(count[e] == 1 for e in wrong) / max(1, len(wrong)), 3),
                      "kinds": dict(sorted(Counter(min(kinds[e])[1] for e in wrong).items()))}
        if any(qids.values()):
            out[label]["fused"] = sum(len(qids[e]) > 1 for e in chosen)
    return out


def misc_spans(path: Path) -> dict[str, list]:
    """Each CoNLL document's MISC spans, with the offsets the shared loader gives its text:
    that loader keeps only PER/LOC/ORG, so it is run once more with MISC as a fourth type."""
    import corpus_eval as ce
    ce.TYPE_OF_CONLL["MISC"] = "misc"
    try:
        docs = ce.load_conll(path)
    finally:
        del ce.TYPE_OF_CONLL["MISC"]
    return {d["id"]: [tuple(g["span"]) for g in d["gold"] if g["type"] == "misc"] for d in docs}

if __name__ == "__main__":
    main()
