"""Score the review queue against an annotated corpus's gold entities.

    python bench/review_eval.py /work/shared/eval/dev/reuters-128.benchmark.jsonl
    python bench/review_eval.py /work/shared/eval/dev/conll2003-eng.testa

Builds the corpus into a site once (as ``corpus_eval.py`` in the evaluation folder
writes it: one article per document, offline), computes the suggestions, then:

- on a corpus whose mentions carry Wikidata ids (Reuters-128): the precision of the
  "same" and "apart" suggestions among the top 25 and the top 50. A "same" is right when its two pages
  hold mentions of one gold id; an "apart" when the name it would take off the page is
  used for another gold id than the page's other names. Suggestions about pages with
  no gold id at all cannot be judged: precision is given among those that can be
  ("judged") and counting them as wrong ("strict");
- on every corpus: "type" and "ignore" suggestions among the top 50 judged by the
  annotated surfaces (see ``_surface_precision``);
- on every corpus: the corpus scores (typed F1; split and merged where there are ids)
  after accepting the top 10, 25 and 50 suggestions (their judgement files written,
  the site rebuilt). Suggestions that need an editor's own value (a title to pin) are
  counted in the top N but write nothing.

The corpus files stay where they are: nothing of them is copied into the repository.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

EVAL_DIR = Path("/work/shared/eval")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitegen.build import BuildOptions  # noqa: E402
from sitegen.pipeline import linked_site  # noqa: E402
from sitegen.config import load_config  # noqa: E402
from sitegen.review import suggest  # noqa: E402
from sitegen.review.judgements import JudgementError, JudgementFiles, accept  # noqa: E402
from sitegen.review.suggestion import site_entities  # noqa: E402

TOPS = (10, 25, 50)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="the folder holding corpus_eval.py")
    ap.add_argument("--site-cmd", default=f"{sys.executable} -m sitegen build")
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--show", type=int, default=0, help="print the top N suggestions, judged")
    args = ap.parse_args()
    sys.path.insert(0, str(args.eval_dir))
    import corpus_eval

    docs = corpus_eval.load_jsonl(args.dataset) if args.dataset.name.endswith(".jsonl") \
        else corpus_eval.load_conll(args.dataset)
    root = args.keep or Path(tempfile.mkdtemp(prefix="review-eval-"))
    base = root / "base"
    if base.exists():
        shutil.rmtree(base)
    report: dict = {"docs": len(docs)}
    preds = corpus_eval.predict_site(docs, args.site_cmd, str(base))
    report["before"] = {**corpus_eval.score(docs, preds), **_fused(docs, preds, corpus_eval.norm)}

    config = load_config(base)
    site, *_ = linked_site(config, BuildOptions(offline=True))
    started = time.perf_counter()
    queue = suggest(site)
    report["suggest_seconds"] = round(time.perf_counter() - started, 2)
    report["suggestions"] = dict(sorted(_count(s.kind for s in queue).items()))
    names = {e.id: e.name for e in site_entities(site)}

    gold = _gold_by_page(docs, preds, corpus_eval.norm)
    if any(gold.values()):
        report["top25"] = _precision(queue[:25], gold, site)
        report["top50"] = _precision(queue[:50], gold, site)
    report["top50"] = {**report.get("top50", {}),
                       **_surface_precision(queue[:50], _gold_types(docs, corpus_eval.norm), site, corpus_eval.norm)}
    if args.show:
        for s in queue[:args.show]:
            print(f"{s.kind:6} {s.score:6.2f} {_verdict(s, gold, site):8} "
                  f"{' | '.join(names[i] for i in s.entities)}", file=sys.stderr)

    for top in TOPS:
        folder = root / f"top{top}"
        if folder.exists():
            shutil.rmtree(folder)
        shutil.copytree(base, folder, ignore=shutil.ignore_patterns("output"))
        files = JudgementFiles(load_config(folder))
        written = 0
        for s in queue[:top]:
            if s.accept is None:
                continue
            try:
                accept(files, names, s.accept)
                written += 1
            except JudgementError as exc:
                print(f"top {top}: not written: {exc}", file=sys.stderr)
        after = corpus_eval.predict_site(docs, args.site_cmd, str(folder))
        report[f"accept{top}"] = {"written": written, **corpus_eval.score(docs, after),
                                  **_fused(docs, after, corpus_eval.norm)}
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(report, indent=1))


def _count(kinds) -> dict:
    out: dict = defaultdict(int)
    for k in kinds:
        out[k] += 1
    return out


def _gold_by_page(docs, preds, norm) -> dict[str, dict[str, set[str]]]:
    """Page id -> surface -> the gold ids its mentions of that surface stand for, matched
    by surface within each document as corpus_eval.py matches them."""
    out: dict = defaultdict(lambda: defaultdict(set))
    for d in docs:
        by_surface = defaultdict(set)
        for surface, _, page in preds.get(d["id"], []):
            by_surface[norm(surface)].add(page)
        for g in d["gold"]:
            if not g.get("qid"):
                continue
            surface = norm(d["text"][g["span"][0]:g["span"][1]])
            for page in by_surface.get(surface, ()):
                out[page][surface].add(g["qid"])
    return out


def _fused(docs, preds, norm) -> dict:
    """How many pages hold mentions of two gold ids, and of how many pages with any: the
    merged rate's own numbers. Accepting a join takes a page away, so the rate can rise by
    a thousandth with no page fused; the count tells."""
    gold = _gold_by_page(docs, preds, norm)
    if not any(gold.values()):
        return {}
    ids = [_ids(gold, page) for page in gold]
    return {"merged_pages": sum(len(i) > 1 for i in ids), "pages_with_ids": sum(bool(i) for i in ids)}


def _gold_types(docs, norm) -> dict[str, set[str]]:
    """Every annotated surface -> the types the annotators gave it (PER/LOC/ORG only)."""
    out: dict = defaultdict(set)
    for d in docs:
        for g in d["gold"]:
            out[norm(d["text"][g["span"][0]:g["span"][1]])].update(g.get("types", [g["type"]]))
    return out


def _surface_precision(top, types: dict[str, set[str]], site, norm) -> dict:
    """"type" and "ignore" suggestions judged by the annotated surfaces: an entity to
    ignore is right when its names are never annotated as a person, place or organisation;
    a new type is right when the annotators gave the name that type. Names never annotated
    leave a type suggestion unjudged."""
    out = {}
    for kind in ("type", "ignore"):
        verdicts = []
        for s in (s for s in top if s.kind == kind):
            entity = site.entity(s.entities[0])
            given = set().union(*(types.get(norm(n), set()) for n in (entity.name, *entity.aliases)))
            if kind == "ignore":
                verdicts.append("wrong" if given else "right")
            else:
                verdicts.append("unjudged" if not given else "right" if s.accept["type"] in given else "wrong")
        right, judged = verdicts.count("right"), sum(v != "unjudged" for v in verdicts)
        out[kind] = {"n": len(verdicts), "judged": judged, "right": right,
                     "precision_judged": round(right / judged, 3) if judged else None}
    return out


def _ids(gold, page: str) -> set[str]:
    return set().union(*gold.get(page, {}).values()) if gold.get(page) else set()


def _verdict(s, gold, site) -> str:
    """right, wrong, or unjudged (no gold id to tell)."""
    if s.kind == "same":
        known = [ids for ids in (_ids(gold, p) for p in s.entities) if ids]
        return "unjudged" if len(known) < 2 else "right" if set.intersection(*known) else "wrong"
    if s.kind == "apart":
        from sitegen.names import name_key
        page = s.entities[0]
        name = name_key(s.accept["not_same"])
        by_surface = gold.get(page, {})
        taken = set().union(*(ids for surface, ids in by_surface.items() if name_key(surface) == name)) \
            if any(name_key(surface) == name for surface in by_surface) else set()
        kept = set().union(*(ids for surface, ids in by_surface.items() if name_key(surface) != name)) \
            if any(name_key(surface) != name for surface in by_surface) else set()
        return "unjudged" if not taken or not kept else "wrong" if taken & kept else "right"
    return "-"


def _precision(top, gold, site) -> dict:
    out = {}
    for kind in ("same", "apart"):
        verdicts = [_verdict(s, gold, site) for s in top if s.kind == kind]
        right, judged = verdicts.count("right"), sum(v != "unjudged" for v in verdicts)
        out[kind] = {"n": len(verdicts), "judged": judged, "right": right,
                     "precision_judged": round(right / judged, 3) if judged else None,
                     "precision_strict": round(right / len(verdicts), 3) if verdicts else None}
    return out


if __name__ == "__main__":
    main()
