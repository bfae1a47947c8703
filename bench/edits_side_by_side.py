"""One-article edits with `sitegen build`, this checkout against another revision, side by side.

The machine's speed drifts by a fifth or more within an hour, so a figure taken now is
compared only with one taken at the same moment: the same corpus site is built twice, once
with this checkout's code and once with ``--against``'s (exported with ``git archive``),
and every edit is made to both copies, whose builds then run one after the other, the
order alternating from edit to edit.

    python bench/edits_side_by_side.py --against HEAD~3                  # 1,000 articles
    python bench/edits_side_by_side.py --against main --articles 10000 --keep /tmp/sxs
    python bench/edits_side_by_side.py --against v0.4 --edits word=6 title=4

The corpus is the unique-paragraph one (see corpus.py). Three kinds of edit, each on an
article picked at random (the same for both copies):

- word: one lower-case word of its first paragraph gains or loses a final "s";
- sentence: a sentence naming four much-mentioned places is appended as a new paragraph;
- title: its title changes.

Builds are `sitegen build SITE --offline --quiet`, timed from the shell's side (wall time
and the peak RSS of the largest process, see measure.py), in this script's environment: a
script keeps no NER model loaded between builds, as `sitegen build` does at a terminal, so

    SITEGEN_KEEP_MODEL=10 python bench/edits_side_by_side.py --against HEAD~3

times the builds of someone editing at a terminal (a revision older than the kept model
ignores the variable). The first builds, and one no-op
build of each copy, run before any edit is timed. With ``--keep`` a later run reuses the
sites whose code has not changed (a cold build at 10,000 articles takes minutes).
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import corpus  # noqa: E402 - after the path is set
import measure  # noqa: E402

CODE_PARTS = ("sitegen", "templates", "pyproject.toml")
SENTENCE = "The United States and Russia met in London on day {n}, officials in Washington said."
DEFAULT_EDITS = {"word": 6, "sentence": 4, "title": 4}


# ---- the edits ------------------------------------------------------------------------

def edit_word(text: str) -> str:
    """One lower-case word of the body's first paragraph gains a final "s", or loses it."""
    head, body = _split(text)
    words = body.split(" ")
    for i, word in enumerate(words):
        if word.isalpha() and word.islower() and len(word) > 3:
            words[i] = word[:-1] if word.endswith("s") else word + "s"
            return head + " ".join(words)
    raise ValueError("no word to mend")


def edit_sentence(text: str, n: int) -> str:
    """A new last paragraph naming four much-mentioned places."""
    return text.rstrip("\n") + "\n\n" + SENTENCE.format(n=n) + "\n"


def edit_title(text: str, n: int) -> str:
    """The title, with a mark of this edit at its end (an earlier mark replaced)."""
    head, body = _split(text)
    new_head, count = re.subn(r'^(title: ".*?)( \(edit \d+\))?"$', lambda m: f'{m.group(1)} (edit {n})"', head,
                              count=1, flags=re.M)
    if not count:
        raise ValueError("no title to change")
    return new_head + body


def _split(text: str) -> tuple[str, str]:
    """(front matter with its closing line, body)."""
    end = text.index("\n---\n", 4) + len("\n---\n")
    return text[:end], text[end:]


def apply(kind: str, path: Path, n: int) -> None:
    text = path.read_text(encoding="utf-8")
    made = edit_word(text) if kind == "word" else edit_sentence(text, n) if kind == "sentence" else edit_title(text, n)
    path.write_text(made, encoding="utf-8")


# ---- the two copies -------------------------------------------------------------------

@dataclass
class Copy:
    """One copy of the site and the code that builds it."""

    label: str  # "before" or "after"
    code: Path
    site: Path
    runs: dict[str, list[measure.Run]] = field(default_factory=dict)

    def build(self) -> measure.Run:
        with self._on_path():
            run = measure.run([sys.executable, "-m", "sitegen", "build", str(self.site), "--offline", "--quiet"],
                              cwd=self.site.parent)
        if run.returncode != 0:
            raise SystemExit(f"{self.label}: sitegen build failed ({run.returncode}):\n{run.stderr[-2000:]}")
        return run

    def check_code(self) -> None:
        """Refuse to measure another sitegen than this copy's (an install that shadows it)."""
        with self._on_path():
            where = measure.run([sys.executable, "-c", "import sitegen; print(sitegen.__file__)"],
                                cwd=self.site.parent).stdout.strip()
        if not where.startswith(str(self.code)):
            raise SystemExit(f"{self.label}: the sitegen that runs is {where}, not the copy in {self.code}")

    @contextmanager
    def _on_path(self) -> Iterator[None]:
        # The environment, not a path set in the child: the build's worker processes
        # start from it too. (Each runs in the work folder: run from a checkout, Python
        # would find the checkout's sitegen first.)
        was = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(self.code), was]))
        try:
            yield
        finally:
            if was is None:
                del os.environ["PYTHONPATH"]
            else:
                os.environ["PYTHONPATH"] = was


def export_code(revision: str, dest: Path) -> str:
    """The code of ``revision`` (the parts a build runs), written to ``dest``; its commit."""
    found = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise SystemExit(f"--against {revision}: not a commit of {REPO}")
    commit = found.stdout.strip()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit, *CODE_PARTS],
                             capture_output=True, check=True).stdout
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return commit


def snapshot_code(dest: Path) -> str:
    """This checkout's code as it is (uncommitted changes included), copied to ``dest``."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for name in CODE_PARTS:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, dest / name)
    return "this checkout"


def code_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def prepare(work: Path, articles: int, against: str) -> tuple[Copy, Copy, str]:
    """Both copies built and settled; reused from an earlier run in ``work`` where their code is the same."""
    step(f"code: {against} and this checkout")
    fresh = work / "code-new"
    commit = export_code(against, fresh / "before")
    snapshot_code(fresh / "after")
    copies = []
    for label in ("before", "after"):
        code, site = work / "code" / label, work / f"site-{label}"
        same = code.exists() and code_digest(code) == code_digest(fresh / label) and (site / "output").exists()
        if not same:
            shutil.rmtree(code, ignore_errors=True)
            code.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(fresh / label), code)
            shutil.rmtree(site, ignore_errors=True)
        copies.append((Copy(label, code, site), same))
    shutil.rmtree(fresh, ignore_errors=True)
    pristine = work / "site"
    if not (pristine / "content").exists():
        step(f"making the corpus: {articles:,} unique-paragraph articles")
        corpus.write_site(pristine, corpus.make_unique_articles(articles, corpus.read_documents()))
    # A copy kept from an earlier run holds that run's edits: a new copy starts from its articles.
    content = next((copy.site / "content" for copy, same in copies if same), pristine / "content")
    for copy, same in copies:
        copy.check_code()
        if not same:
            shutil.copytree(content, copy.site / "content")
            step(f"{copy.label}: first build (NER on every article)")
            first = copy.build()
            step(f"{copy.label}: first build {first.seconds:.1f} s, peak RSS {first.max_rss_mb:.0f} MB")
        copy.build()  # settles: the first build after another's code or an edit elsewhere
        copy.build()
    return copies[0][0], copies[1][0], commit


# ---- the run --------------------------------------------------------------------------

def measure_edits(before: Copy, after: Copy, edits: dict[str, int], seed: int) -> None:
    rng = random.Random(seed)
    names = sorted(p.name for p in (before.site / "content" / "articles").glob("*.md"))
    n = 0
    for kind, count in edits.items():
        for _ in range(count):
            n += 1
            name = rng.choice(names)
            for copy in (before, after):
                apply(kind, copy.site / "content" / "articles" / name, n)
            order = (before, after) if n % 2 else (after, before)
            for copy in order:
                run = copy.build()
                copy.runs.setdefault(kind, []).append(run)
            step(f"{kind} {name}: before {before.runs[kind][-1].seconds:.2f} s, after {after.runs[kind][-1].seconds:.2f} s")


def print_table(before: Copy, after: Copy, commit: str, articles: int) -> None:
    print(f"\n{articles:,} unique-paragraph articles; before: {commit[:12]}; after: this checkout; "
          f"`sitegen build --offline --quiet`, wall time (s), mean (range)\n")
    print("| edit | before | after | change | peak RSS before / after |")
    print("|---|---:|---:|---:|---:|")
    for kind in before.runs:
        b = [r.seconds for r in before.runs[kind]]
        a = [r.seconds for r in after.runs[kind]]
        rss_b = max(r.max_rss_mb for r in before.runs[kind])
        rss_a = max(r.max_rss_mb for r in after.runs[kind])
        change = (statistics.mean(a) / statistics.mean(b) - 1) * 100
        print(f"| {kind}, {len(a)} edits | {statistics.mean(b):.2f} ({min(b):.2f}-{max(b):.2f}) | "
              f"**{statistics.mean(a):.2f}** ({min(a):.2f}-{max(a):.2f}) | {change:+.0f} % | "
              f"{rss_b:.0f} / {rss_a:.0f} MB |")
    print("\nThe runs, after / before:")
    for kind in before.runs:
        pairs = ", ".join(f"{a.seconds:.2f}/{b.seconds:.2f}" for a, b in zip(after.runs[kind], before.runs[kind]))
        print(f"- {kind}: {pairs}")


def parse_edits(values: list[str] | None) -> dict[str, int]:
    if not values:
        return dict(DEFAULT_EDITS)
    edits = {}
    for value in values:
        kind, _, count = value.partition("=")
        if kind not in DEFAULT_EDITS or not count.isdigit() or int(count) < 1:
            raise SystemExit(f"--edits {value}: expected KIND=N with KIND one of {', '.join(DEFAULT_EDITS)}")
        edits[kind] = int(count)
    return edits


def step(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One-article edits, this checkout against another revision.")
    parser.add_argument("--against", required=True, metavar="REV", help="the revision to compare with (git)")
    parser.add_argument("--articles", type=int, default=1000, help="articles in the corpus (default 1000)")
    parser.add_argument("--edits", nargs="+", metavar="KIND=N",
                        help="edits of each kind: word, sentence, title (default word=6 sentence=4 title=4)")
    parser.add_argument("--seed", type=int,
                        help="which articles are edited (default: a new choice each run, printed)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="work in DIR and keep it (default: a temp folder)")
    args = parser.parse_args(argv)
    edits = parse_edits(args.edits)
    work = args.keep.resolve() if args.keep else Path(tempfile.mkdtemp(prefix="sitegen-sxs-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        before, after, commit = prepare(work, args.articles, args.against)
        # A word edit adds or takes away a final "s": the same choice again on sites kept
        # from an earlier run would put back text whose NER results are cached.
        seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
        step(f"edits chosen with --seed {seed}")
        measure_edits(before, after, edits, seed)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print_table(before, after, commit, args.articles)
    return 0


if __name__ == "__main__":
    sys.exit(main())
