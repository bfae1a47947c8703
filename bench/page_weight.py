"""Page weight: bytes a reader downloads for each kind of page, HTML plus the stylesheet.

Counts what a first visit costs before pictures and search: the page's HTML and
``static/style.css`` (the pictures on dossiers are inline SVG, so they count in the
HTML), raw and gzip-compressed as static hosts serve them. Scripts are listed apart:
``preview.js`` on article pages, Pagefind's files only on the search page.

    .venv/bin/python bench/page_weight.py                 # the sample site in content/
    .venv/bin/python bench/page_weight.py --articles 300  # a corpus of real news text
    .venv/bin/python bench/page_weight.py --articles 10000 --corpus unique   # no paragraph twice
    .venv/bin/python bench/page_weight.py --output DIR    # an already built site

Goals: a dossier under 60 KB of HTML and CSS (the median dossier; the largest are listed),
and every HTML page under 200 KB at any archive size (the largest pages are listed, with
how many pages fall in each size band).
"""
from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL_KB = 60
PAGE_LIMIT_KB = 200  # every HTML page, whatever the archive's size
BANDS_KB = (20, 50, 100, 200)
TYPE_FOLDERS = ("people", "places", "organisations")
KINDS = (("home", lambda p: p == "index.html"),
         ("type index", lambda p: p.count("/") == 1 and p.split("/")[0] in TYPE_FOLDERS),
         ("letter page", lambda p: p.split("/")[0] in TYPE_FOLDERS and p.split("/")[1].startswith("letter_")),
         ("dossier", lambda p: p.count("/") == 2 and p.split("/")[0] in TYPE_FOLDERS
          and not p.split("/")[1].startswith("letter_")),
         ("mention page", lambda p: p.split("/")[0] in TYPE_FOLDERS and "/mentions/" in p),
         ("article", lambda p: p.startswith("articles/") and p != "articles/index.html"),
         ("article list", lambda p: p == "articles/index.html"),
         ("month page", lambda p: p.startswith("months/")),
         ("search", lambda p: p == "search/index.html"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Report the page weight of a built site.")
    parser.add_argument("--output", type=Path, help="measure this built site instead of building one")
    parser.add_argument("--articles", type=int, help="build a corpus of this many real-text articles "
                                                     "(needs the evaluation corpora; default: the sample site)")
    parser.add_argument("--corpus", choices=("repeat", "unique"), default="repeat",
                        help="with --articles: the bench corpus (repeat) or the unique-paragraph one")
    args = parser.parse_args(argv)
    if args.output:
        report(args.output, str(args.output))
        return 0
    with tempfile.TemporaryDirectory(prefix="sitegen-weight-") as tmp:
        work = Path(tmp)
        if args.articles:
            sys.path.insert(0, str(REPO / "bench"))
            import corpus

            make = corpus.make_unique_articles if args.corpus == "unique" else corpus.make_articles
            corpus.write_site(work / "site", make(args.articles, corpus.read_documents()))
            label = f"{args.articles} real-text articles ({args.corpus} corpus)"
        else:
            (work / "site").mkdir()
            (work / "site" / "content").symlink_to(REPO / "content")
            label = "the sample site"
        print(f"building {label}...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "sitegen", "build", str(work / "site"), "--output",
                        str(work / "output"), "--offline", "--quiet"], check=True, cwd=REPO)
        report(work / "output", label)
    return 0


def report(output: Path, label: str) -> None:
    css = (output / "static" / "style.css").read_bytes()
    css_gz = len(gzip.compress(css, 9))
    pages = {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("index.html")
             if "pagefind" not in p.parts and b'http-equiv="refresh"' not in p.read_bytes()}
    print(f"Page weight of {label}: HTML + style.css ({len(css) / 1000:.1f} KB, {css_gz / 1000:.1f} KB gzipped)")
    print(f"{'page':<14}{'pages':>7}{'median KB':>11}{'p90 KB':>9}{'max KB':>9}{'median gz':>11}{'under 60 KB':>13}")
    dossier_median = None
    for kind, matches in KINDS:
        sizes = sorted((len(data) + len(css), len(gzip.compress(data, 9)) + css_gz, path)
                       for path, data in pages.items() if matches(path))
        if not sizes:
            continue
        raw = [s[0] / 1000 for s in sizes]
        gz = [s[1] / 1000 for s in sizes]
        under = sum(1 for r in raw if r < GOAL_KB)
        p90 = raw[min(len(raw) - 1, int(0.9 * len(raw)))]
        print(f"{kind:<14}{len(raw):>7}{statistics.median(raw):>11.1f}{p90:>9.1f}{raw[-1]:>9.1f}"
              f"{statistics.median(gz):>11.1f}{f'{under}/{len(raw)}':>13}")
        if kind == "dossier":
            dossier_median = statistics.median(raw)
            heaviest = sizes[-3:][::-1]
    if dossier_median is not None:
        met = "met" if dossier_median < GOAL_KB else "NOT met"
        print(f"\ngoal: median dossier under {GOAL_KB} KB of HTML and CSS: {dossier_median:.1f} KB, {met}")
        print("heaviest dossiers:")
        for raw_size, gz_size, path in heaviest:
            print(f"  {path}: {raw_size / 1000:.1f} KB ({gz_size / 1000:.1f} KB gzipped)")
    every = sorted((len(data), path) for path, data in pages.items())
    print(f"\nevery page, HTML only: {len(every):,} pages; largest:")
    for size, path in every[-5:][::-1]:
        print(f"  {path}: {size / 1000:.1f} KB")
    bands, low = [], 0
    for high in BANDS_KB:
        bands.append(f"{low}-{high} KB: {sum(1 for s, _ in every if low * 1000 <= s < high * 1000):,}")
        low = high
    bands.append(f"over {low} KB: {sum(1 for s, _ in every if s >= low * 1000):,}")
    print("  by size: " + "; ".join(bands))
    over = sum(1 for s, _ in every if s > PAGE_LIMIT_KB * 1000)
    print(f"goal: every page at most {PAGE_LIMIT_KB} KB: {'met' if not over else f'NOT met ({over:,} over)'}")
    scripts = {name: (output / "static" / name).stat().st_size for name in ("preview.js", "search.js")
               if (output / "static" / name).is_file()}
    pagefind = sum(p.stat().st_size for p in (output / "pagefind").glob("pagefind-ui.*")) \
        if (output / "pagefind").is_dir() else 0
    print("scripts: " + ", ".join(f"{n} {s / 1000:.1f} KB" for n, s in scripts.items())
          + f"; Pagefind interface {pagefind / 1000:.1f} KB (search page only, plus index chunks per query)")


if __name__ == "__main__":
    sys.exit(main())
