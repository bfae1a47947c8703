"""``sitegen import``: sources in, article files out, idempotently.

The one entry point is ``run_import``; it knows nothing of the build pipeline beyond
the site folder's layout and the front matter every build reads.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..progress import Progress
from .fetch import FetchOptions, Fetcher
from .items import Item, ItemFailure, SourceError, Task
from .sources import SourceOptions, open_source
from .state import Entry, ImportRecord, RecordError, text_hash
from .summary import ImportReport
from .writer import article_text, incoming_path, new_article_path, write_atomically

ARTICLES = Path("content") / "articles"
WORK_DIR = ".sitegen"
SAVE_EVERY = 50  # items between two saves of the import record


@dataclass
class ImportOptions:
    since: dt.date | None = None
    dry_run: bool = False
    sources: SourceOptions = field(default_factory=SourceOptions)
    fetch: FetchOptions = field(default_factory=FetchOptions)
    progress: bool = True


def run_import(site_dir: Path, sources: list[str], options: ImportOptions | None = None) -> ImportReport:
    """Import every source into ``site_dir``. Never raises for bad input: unreadable
    sources and items are in the report's failures."""
    options = options or ImportOptions()
    report = ImportReport(dry_run=options.dry_run)
    articles_dir = site_dir / ARTICLES
    try:
        record = ImportRecord.load(site_dir / WORK_DIR / "imported.json")
    except RecordError as exc:
        report.failures.append(ItemFailure(str(site_dir), "import record", str(exc)))
        return report
    fetcher = Fetcher(site_dir / WORK_DIR / "import-cache", options.fetch)
    try:
        tasks: list[tuple[str, int, Task]] = []
        for source in sources:
            try:
                opened = open_source(source, fetcher, options.sources)
            except SourceError as exc:
                report.fail(ItemFailure(source, "source", f"cannot be read: {exc}"))
                continue
            report.sources_read += 1
            tasks.extend((source, number, task) for number, task in enumerate(opened, 1))
        bar = Progress(len(tasks), "importing", options.progress and len(tasks) > 1)
        taken: set[str] = set()
        keys: Counter = Counter()
        try:
            for done, (source, number, task) in enumerate(tasks, 1):
                _settle(_done(task, source, number), articles_dir, record, options, report, taken, keys)
                bar.advance()
                if done % SAVE_EVERY == 0 and not options.dry_run:
                    record.save()
        finally:
            bar.close()
            # Also when interrupted: the files written so far are known next time.
            if not options.dry_run and (report.counts["imported"] or report.counts["updated"]):
                record.save()
    finally:
        fetcher.close()
    return report


def _done(task: Task, source: str, number: int) -> Item | ItemFailure | str:
    """The task's result; an item whose HTML or XML trips up a library fails alone
    instead of stopping the whole archive."""
    try:
        return task()
    except Exception as exc:  # noqa: BLE001 - whatever the library raised, it is one item's
        return ItemFailure(source, f"item {number}", f"could not be read ({type(exc).__name__}: {exc})",
                           "import it by hand, or report the problem with this item")


def _settle(result: Item | ItemFailure | str, articles_dir: Path, record: ImportRecord,
            options: ImportOptions, report: ImportReport, taken: set[str], keys: Counter) -> None:
    if isinstance(result, str):
        report.count("skipped")
        return
    if isinstance(result, ItemFailure):
        report.fail(result)
        return
    item = result
    if options.since and item.date < options.since:
        report.count("skipped")
        return
    try:
        text = article_text(item)
    except ValueError as exc:
        report.fail(ItemFailure(item.source, item.label, str(exc), "check its title and date in the source"))
        return
    # Two items of one import sharing a GUID (exports have them) stay two articles: the
    # second is known by its GUID and its rank, the same on every import of that source.
    keys[item.key] += 1
    key = item.key if keys[item.key] == 1 else f"{item.key}#{keys[item.key]}"
    entry = record.entries.get(key)
    if entry is None:
        path = new_article_path(articles_dir, item, taken)
        outcome = "imported"
    else:
        path = articles_dir / entry.path
        if not path.is_file():
            # Deleted or moved by the editor: not brought back, nor made twice.
            report.notes.append(f"{path}: deleted or moved since import, not imported again (remove "
                                f"{key!r} from .sitegen/imported.json to import it anew)")
            report.count("skipped")
            return
        current = text_hash(path.read_bytes().decode("utf-8", "replace"))
        if text_hash(text) in (current, entry.written):
            # Nothing new in the source (whatever the editor has done since).
            report.count("unchanged")
            return
        if current != entry.written:
            # The editor changed the article since it was imported: theirs stays.
            side = incoming_path(path)
            if not options.dry_run:
                write_atomically(side, text)
            report.notes.append(f"{path}: edited since import, kept as it is; the new text is in {side.name}")
            report.count("skipped")
            return
        outcome = "updated"
    if not options.dry_run:
        try:
            write_atomically(path, text)
        except OSError as exc:
            report.fail(ItemFailure(item.source, item.label, f"cannot be written to {path} ({exc.strerror or exc})",
                                    "check the folder can be written and the disk is not full"))
            return
        record.entries[key] = Entry(path.relative_to(articles_dir).as_posix(), text_hash(text))
    report.count(outcome)
