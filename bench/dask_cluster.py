"""`sitegen build --cluster local:2` against `--jobs 2`, and NER throughput per Dask worker.

    .venv/bin/python bench/dask_cluster.py [--articles 2000] [--workers 2] [--sample 300] [--keep DIR]

On the unique-paragraph corpus (bench/corpus.py), with the working tree's sitegen:

1. a cold CLI build with ``--jobs N`` and one with ``--cluster local:N`` (no cache, no
   output either time), their wall times and ratio, and a check that both sites are
   byte-identical but for the search index;
2. the throughput of one Dask worker: the paragraphs of the first ``--sample`` articles
   read by ``extract_on_cluster`` on ``local:1``, timed from the end of its first batch
   (which pays for the worker's start and model load) to the end of its last;
3. from it, projections of NER time for 100,000 and 1,000,000 articles on M machines.

Needs ``sitegen[cluster]``. Prints a Markdown table; see bench/README.md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(0, str(REPO))

import corpus  # noqa: E402
import measure  # noqa: E402

PROJECT_ARTICLES = (100_000, 1_000_000)
PROJECT_MACHINES = ((1, 2), (4, 8), (16, 8), (64, 16))  # (machines, worker processes each)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Dask cluster against local worker processes.")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="--jobs N against --cluster local:N (default 2)")
    parser.add_argument("--sample", type=int, default=300, help="articles whose paragraphs time one worker")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args(argv)
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="sitegen-dask-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows, notes = bench(work, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("| figure | value |\n|---|---:|")
    for label, value in rows:
        print(f"| {label} | {value} |")
    print()
    for note in notes:
        print(note)
    return 0


def bench(work: Path, args) -> tuple[list[tuple[str, str]], list[str]]:
    rows: list[tuple[str, str]] = []
    notes: list[str] = [f"load average at start: {os.getloadavg()[0]:.2f}"]
    step(f"writing {args.articles} unique-paragraph articles")
    docs = corpus.read_documents()
    articles = corpus.make_unique_articles(args.articles, docs)
    sites = {}
    for name in ("jobs", "cluster"):
        sites[name] = work / name
        shutil.rmtree(sites[name], ignore_errors=True)
        corpus.write_site(sites[name], articles)
    env_cli = [sys.executable, "-m", "sitegen", "build"]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])

    n = args.workers
    runs = {}
    for name, flags in (("jobs", ["--jobs", str(n)]), ("cluster", ["--cluster", f"local:{n}"])):
        step(f"cold build {' '.join(flags)}")
        run = measure.run([*env_cli, str(sites[name]), "--offline", "--quiet", *flags], cwd=work)
        if run.returncode != 0:
            raise SystemExit(f"build {' '.join(flags)} failed:\n{run.stderr}")
        runs[name] = run
        rows.append((f"cold build, `{' '.join(flags)}`, {args.articles:,} articles",
                     f"{run.seconds:.1f} s (CPU {run.cpu_s:.0f} s; rest of machine {run.others_cpu_s:.0f} s; "
                     f"peak RSS all processes {run.tree_rss_mb:,.0f} MB)"))
    ratio = runs["cluster"].seconds / runs["jobs"].seconds
    rows.append((f"`--cluster local:{n}` / `--jobs {n}`", f"{ratio:.2f}x (goal ≤ 1.2x)"))
    same = _site_files(sites["jobs"]) == _site_files(sites["cluster"])
    rows.append(("both sites byte-identical (search index aside)", "yes" if same else "**NO**"))

    step(f"one Dask worker (local:1) on the paragraphs of {args.sample} articles")
    from sitegen.nlp.cluster import extract_on_cluster
    from sitegen.nlp.extract import paragraphs

    sample = articles[: args.sample]
    texts = [p for a in sample for _, p in paragraphs(a.text)]
    marks: list[tuple[float, int]] = []
    done = [0]

    def on_done(count: int) -> None:
        done[0] += count
        marks.append((time.perf_counter(), done[0]))

    started = time.perf_counter()
    extract_on_cluster("local:1", "en_core_web_sm", texts, 64, on_done)
    whole = time.perf_counter() - started
    (first_t, first_n), (last_t, last_n) = marks[0], marks[-1]
    per_s = (last_n - first_n) / (last_t - first_t)
    per_article = len(texts) / len(sample)
    articles_per_s = per_s / per_article
    rows.append(("one worker: paragraphs per second (after its first batch)", f"{per_s:,.0f}"))
    rows.append((f"one worker: articles per second ({per_article:.1f} paragraphs an article)",
                 f"{articles_per_s:,.1f}"))
    rows.append(("one worker: start, model load and first batch", f"{first_t - started:.1f} s "
                 f"(whole call {whole:.1f} s for {len(texts):,} paragraphs)"))
    for count in PROJECT_ARTICLES:
        for machines, workers in PROJECT_MACHINES:
            seconds = count / (articles_per_s * machines * workers)
            rows.append((f"projected NER, {count:,} articles, {machines} machine(s) × {workers} workers",
                         _duration(seconds)))
    return rows, notes


def _site_files(site: Path) -> dict[str, bytes]:
    out = site / "output"
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).as_posix().startswith("pagefind/")
            and p.name != ".sitegen-output.json"}


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
