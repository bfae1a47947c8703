"""The command line: a thin layer over the build pipeline.

Exit codes: 0 success; 1 the site was built but some input files had errors (they are
listed); 2 nothing was built (bad site folder, config or model).
"""
from __future__ import annotations

import argparse
import atexit
import json
import os
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from . import __version__
from .errors import SitegenError, os_error_message, said_from_here


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except SitegenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            return _closed_pipe()
        # Permission denied, no space left, a read-only file system: one line, no traceback.
        print(f"error: {os_error_message(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous output is untouched", file=sys.stderr)
        return 130


def run() -> None:
    """The ``sitegen`` command: ``main``, then exit without tearing down the process.

    A build of a large archive holds millions of objects when it ends; freeing them one
    by one as the interpreter shuts down cost a one-article edit at 10,000 articles more
    than a second, and frees nothing the system would not take back at once. Everything
    registered to run at exit still runs (temporary folders, worker pools), and the
    output is flushed, first.
    """
    code = main()
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.current_thread()):
        raise SystemExit(code)  # a normal exit waits for them
    atexit._run_exitfuncs()  # noqa: SLF001: what a normal exit would run
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader gone, or the stream closed
            pass
    os._exit(code or 0)


def _closed_pipe() -> int:
    # The reader went away (`sitegen entities | head`): stop quietly, and keep Python
    # from complaining again when it flushes stdout at exit.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sitegen", description="Build an entity dossier website from news articles.")
    parser.add_argument("--version", action="version", version=f"sitegen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    b = sub.add_parser("build", help="build the site into SITE_DIR/output")
    b.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR",
                   help="the folder holding content/articles (default: the current folder)")
    b.add_argument("--output", "-o", type=Path, help="output folder (default: SITE_DIR/output)")
    b.add_argument("--offline", action="store_true", help="use no network: reference data from the cache only")
    b.add_argument("--replay", type=Path, metavar="DIR",
                   help="answer reference requests from a recorded folder (see --record); nothing else is fetched")
    b.add_argument("--record", type=Path, metavar="DIR",
                   help="fetch all reference data afresh and save every response into DIR, for --replay")
    b.add_argument("--refresh", action="store_true", help="refetch reference data even where the cache is fresh")
    b.add_argument("--strict", action="store_true",
                   help="reference data that could not be fetched is an error (exit 1), not a warning")
    b.add_argument("--jobs", "-j", type=_positive,
                   help="processes for NER and rendering (default: one per core on large jobs)")
    b.add_argument("--cluster", type=_cluster_address, metavar="ADDRESS",
                   help="run NER on a Dask cluster: its scheduler's address (tcp://HOST:8786), or local[:N] "
                        "to start N worker processes here (needs sitegen[cluster])")
    b.add_argument("--force", action="store_true", help="rebuild even if no input changed")
    b.add_argument("--quiet", "-q", action="store_true", help="print only errors")
    b.add_argument("--timings", action="store_true",
                   help="print how long each phase of the build took (to standard error, also with --quiet)")
    b.set_defaults(run=_build)

    s = sub.add_parser("serve", help="preview the site: rebuild on every save and reload the browser")
    s.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR",
                   help="the folder holding content/articles (default: the current folder)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", "-p", type=_port, default=8000, help="port to listen on (default: 8000; 0: any free one)")
    s.add_argument("--output", "-o", type=Path, help="output folder (default: SITE_DIR/output)")
    s.add_argument("--offline", action="store_true", help="use no network: reference data from the cache only")
    s.add_argument("--replay", type=Path, metavar="DIR",
                   help="answer reference requests from a recorded folder (see build --record); nothing else is fetched")
    s.add_argument("--open", action="store_true", help="open the site in the web browser")
    s.add_argument("--livereload", action=argparse.BooleanOptionalAction, default=True,
                   help="reload open pages after each build and show build errors in them (default: on)")
    s.add_argument("--quiet", "-q", action="store_true", help="print only the address and errors")
    s.set_defaults(run=_serve)

    e = sub.add_parser("entities", help="list the entities an editor reviews")
    e.add_argument("site_dir", nargs="?", default=".", type=Path, metavar="SITE_DIR",
                   help="the folder holding content/articles (default: the current folder)")
    e.add_argument("--type", choices=["person", "place", "organisation"], help="only this type")
    e.add_argument("--format", choices=["table", "json"], default="table")
    e.add_argument("--review", action="store_true",
                   help="list the review queue instead: pages likely the same, likely two, doubtful types, "
                        "likely junk, links to check; best first")
    e.add_argument("--jobs", "-j", type=_positive)
    e.set_defaults(run=_entities)

    c = sub.add_parser("check", help="check a built site: links, anchors, pages that parse, no orphans")
    c.add_argument("output", nargs="?", default=Path("output"), type=Path, metavar="OUTPUT",
                   help="the built site (default: ./output)")
    c.add_argument("--base-url", help="the site's public address, to tell its own root-absolute links "
                                      "(default: from the home page's canonical link, else /)")
    c.add_argument("--quiet", "-q", action="store_true", help="print only the problems")
    c.set_defaults(run=_check)

    from .importer.command import add_parser as add_import_parser
    add_import_parser(sub)
    return parser


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def _cluster_address(value: str) -> str:
    from .nlp.cluster import parse_address

    try:
        return parse_address(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _port(value: str) -> int:
    n = int(value)
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError("must be a port number, 0 to 65535")
    return n


def _reference_source_problem(args) -> str | None:
    """What is wrong with the reference flags given (build and serve share them), if anything."""
    chosen = [f"--{name}" for name in ("offline", "replay", "record") if getattr(args, name, None)]
    if len(chosen) > 1:
        return f"choose one of {' and '.join(chosen)}"
    if args.replay and not args.replay.is_dir():
        return f"{args.replay}: no such replay folder (make one with sitegen build --record {args.replay})"
    return None


def _serve(args) -> int:
    from .preview.serve import ServeOptions, serve

    problem = _reference_source_problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    options = ServeOptions(host=args.host, port=args.port, output=args.output, offline=args.offline,
                           replay=args.replay,
                           livereload=args.livereload, open_browser=args.open, quiet=args.quiet)
    return serve(args.site_dir, options)


# Minutes the NER model stays loaded after a build run at a terminal, for the next edit's build
KEEP_MODEL_MINUTES = 10


def _kept_model_seconds() -> float:
    """How long the model stays loaded after this build (see ``nlp.kept_model``):
    ``$SITEGEN_KEEP_MODEL`` minutes if set (0: not at all), else ``KEEP_MODEL_MINUTES`` for
    someone at a terminal and not at all for a script (which leaves nothing running)."""
    value = os.environ.get("SITEGEN_KEEP_MODEL")
    if value is None:
        return KEEP_MODEL_MINUTES * 60.0 if sys.stderr.isatty() else 0.0
    try:
        minutes = float(value)
    except ValueError:
        minutes = -1.0
    if not 0 <= minutes < float("inf"):
        raise ValueError(f"SITEGEN_KEEP_MODEL={value!r}: give the minutes the NER model stays loaded "
                         "after a build (0: not at all)")
    return minutes * 60.0


def _build(args) -> int:
    from .build import BuildOptions, build
    from .timings import Timings, table

    def warn(message: str) -> None:
        if not args.quiet:
            print(f"warning: {said_from_here(message)}", file=sys.stderr)

    problem = _reference_source_problem(args)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        keep_model = _kept_model_seconds()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    options = BuildOptions(output=args.output, offline=args.offline, replay=args.replay, record=args.record,
                           refresh=args.refresh, jobs=args.jobs, cluster=args.cluster, force=args.force,
                           progress=not args.quiet, keep_model=keep_model, warn=warn,
                           timings=Timings() if args.timings else None)
    result = build(args.site_dir, options)
    if options.timings is not None:
        print(table(options.timings.rows(), result.seconds), file=sys.stderr)
    for error in result.errors:
        print(f"error: {_from_here(error)}", file=sys.stderr)
    problems = result.reference.problems if result.reference else ()
    if problems:
        kind = "error" if args.strict else "warning"
        if kind == "error" or not args.quiet:
            print(f"{kind}: some reference data could not be fetched; the entities concerned are shown "
                  f"without it ({'; '.join(problems[:3])}{' ...' if len(problems) > 3 else ''})"
                  f"{_retried(result.reference.retry_at)}", file=sys.stderr)
    if not args.quiet:
        print(_summary(result))
    return 0 if result.ok and not (args.strict and problems) else 1


def _from_here(error) -> str:
    """An input error, its file named from the current folder where it is under it: the
    build names every file of the site by its whole path (see ``load_config``), but a
    user in the site's folder reads ``content/articles/x.md``, as they would type it."""
    try:
        shown = error.path.relative_to(os.getcwd())
    except ValueError:  # elsewhere: the whole path says where
        return str(error)
    return str(replace(error, path=shown))


def _retried(retry_at: float | None) -> str:
    """When builds ask again for what failed (see reference/store.py): until then they do not."""
    if retry_at is None:
        return ""
    when = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(retry_at))
    return f"; builds try again after {when}, or at once with --refresh"


def _check(args) -> int:
    from .check.site import check_site, summary

    if not args.output.is_dir():
        print(f"error: {args.output}: no such folder; build the site first (sitegen build)", file=sys.stderr)
        return 2
    base_url = args.base_url
    if base_url:
        from .urls import public_base_url

        try:
            base_url = public_base_url(base_url)
        except ValueError as exc:
            print(f"error: --base-url {exc}", file=sys.stderr)
            return 2
    from .progress import Progress

    pages = sum(1 for p in args.output.rglob("*.html")
                if not p.relative_to(args.output).as_posix().startswith("pagefind/"))
    bar = Progress(pages, "checking", not args.quiet and pages >= 200)
    try:
        report = check_site(args.output, base_url, bar.advance)
    finally:
        bar.close()
    for problem in report.problems:
        print(f"{args.output / problem.file}{':' + str(problem.line) if problem.line else ''}: {problem.message}")
    if not args.quiet or report.problems:
        print(summary(report), file=sys.stderr if report.problems else sys.stdout)
    return 0 if report.ok else 1


def _summary(result) -> str:
    if result.up_to_date:
        return f"up to date: no input changed ({result.seconds:.2f} s)"
    site = result.site
    types = Counter(e.type for e in site.entities)
    kinds = ", ".join(f"{types.get(t, 0)} {t if types.get(t, 0) == 1 else _plural(t)}"
                      for t in ("person", "place", "organisation"))
    stats = result.stats
    failed = f", {len(result.errors)} failed" if result.errors else ""
    return (f"built {len(site.articles)} articles{failed}; {kinds}; "
            f"{stats.written} files written, {stats.unchanged} unchanged"
            f"{f', {stats.removed} removed' if stats.removed else ''}; "
            f"NER on {result.extracted}; {_linked(result.reference)}{result.seconds:.2f} s")


def _linked(report) -> str:
    if report is None:
        return ""
    return f"{report.linked} linked to Wikipedia ({report.mode}, {report.requests} requests); "


def _plural(kind: str) -> str:
    return {"person": "people", "place": "places", "organisation": "organisations"}[kind]


def _entities(args) -> int:
    from .build import BuildOptions, check_site_dir
    from .pipeline import linked_site
    from .config import load_config
    from .names import name_key

    def warn(message: str) -> None:
        print(f"warning: {said_from_here(message)}", file=sys.stderr)

    config = load_config(args.site_dir, warn)
    check_site_dir(config)
    # Reference links come from the cache only: listing never waits on the network.
    site, errors, _, _ = linked_site(config, BuildOptions(jobs=args.jobs, offline=True), warn)
    for error in errors:
        print(f"error: {_from_here(error)}", file=sys.stderr)
    paged = {e.id for e in site.entities}
    # Names without a page are listed too: the editor decides with "page: true" in a note.
    entities = sorted((e for e in site.entities + site.without_page if not args.type or e.type == args.type),
                      key=lambda e: (name_key(e.name), e.id))
    reasons = site.page_reasons
    if args.review:
        from .content.judgements import load_judgements
        from .review.cli import print_review

        print_review(site, args.format, args.type, load_judgements(config.entities_dir).judgements)
    elif args.format == "json":
        rows = [{"id": e.id, "name": e.name, "type": e.type, "aliases": list(e.aliases),
                 "mentions": len(e.mentions), "articles": len(e.articles),
                 "page": e.id in paged, "page_reason": reasons.get(e.id),
                 "wikipedia": e.reference.wikipedia_title if e.reference else None,
                 "link_confidence": e.reference.confidence if e.reference else None,
                 "merged_because": list(e.merge_reasons)} for e in entities]
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        _print_table(entities, paged, reasons)
    return 0 if not errors else 1


def _print_table(entities, paged, reasons) -> None:
    headers = ("name", "type", "mentions", "articles", "aliases", "wikipedia", "page", "merged because")
    rows = [(e.name, e.type, str(len(e.mentions)), str(len(e.articles)), "; ".join(e.aliases),
             f"{e.reference.wikipedia_title} ({e.reference.confidence:.2f})" if e.reference else "-",
             f"{'yes' if e.id in paged else 'no'}: {reasons.get(e.id, '')}",
             " | ".join(e.merge_reasons)) for e in entities]
    # The page column holds a reason, the longest cell an editor needs whole.
    widths = [min(80 if h == "page" else 40, max([len(h)] + [len(r[i]) for r in rows]))
              for i, h in enumerate(headers[:-1])]
    def line(cells):
        head = "  ".join(c[:w].ljust(w) for c, w in zip(cells, widths))
        return f"{head}  {cells[-1]}".rstrip()
    print(line(headers))
    print(line(tuple("-" * w for w in widths) + ("-" * 14,)))
    for row in rows:
        print(line(row))
