"""The ``sitegen import`` subcommand: its arguments, and the report it prints.

Kept here rather than in cli.py so that the command line gains one registration line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from . import DEFAULT_USER_AGENT


def add_parser(sub) -> None:
    p = sub.add_parser("import", help="import articles from feeds, web pages, WordPress, NewsML-G2, JSON Lines or CSV")
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="a feed, WordPress export (WXR), NewsML-G2 file, .jsonl or .csv file, .html page, "
                        ".txt list of URLs, a folder of such files, or an http(s) URL")
    p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                   help="the site folder; articles go to DIR/content/articles/YYYY/MM/ (default: .)")
    p.add_argument("--since", type=_date, metavar="DATE", help="import only items dated DATE (YYYY-MM-DD) or later")
    p.add_argument("--dry-run", action="store_true", help="say what would be imported; write nothing")
    p.add_argument("--map", metavar="FIELD=COLUMN,...",
                   help="JSON Lines and CSV: which column holds each field, e.g. title=headline,date=published")
    p.add_argument("--fetch-pages", action="store_true",
                   help="feeds: fetch the page of an item that has only a summary")
    p.add_argument("--include-drafts", action="store_true", help="WordPress: also import drafts, private and password-protected posts")
    p.add_argument("--include-pages", action="store_true", help="WordPress: also import pages")
    p.add_argument("--offline", action="store_true", help="fetch nothing: URLs come from the import cache only")
    p.add_argument("--user-agent", default=DEFAULT_USER_AGENT,
                   help=f"the User-Agent sent, and matched against robots.txt (default: {DEFAULT_USER_AGENT!r})")
    p.add_argument("--delay", type=_seconds, default=1.0, metavar="SECONDS",
                   help="pause between two requests to one host (default: 1)")
    p.add_argument("--quiet", "-q", action="store_true", help="print only failures")
    p.set_defaults(run=run)


def run(args) -> int:
    from .fetch import FetchOptions
    from .run import ImportOptions, run_import
    from .sources import SourceOptions
    from .tabular import parse_mapping

    try:
        mapping = parse_mapping(args.map)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not args.site.is_dir():
        print(f"error: {args.site}: no such site folder", file=sys.stderr)
        return 2
    options = ImportOptions(
        since=args.since, dry_run=args.dry_run, progress=not args.quiet,
        sources=SourceOptions(mapping=mapping, fetch_pages=args.fetch_pages,
                              include_drafts=args.include_drafts, include_pages=args.include_pages),
        fetch=FetchOptions(user_agent=args.user_agent, delay=args.delay, offline=args.offline),
    )
    report = run_import(args.site, args.sources, options)
    for failure in report.failures:
        print(f"error: {failure}", file=sys.stderr)
    if not args.quiet:
        for note in report.notes:
            print(f"note: {note}", file=sys.stderr)
        print(report.line())
    return report.exit_code


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date; write YYYY-MM-DD") from None


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if seconds < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return seconds
