"""JSON Lines and CSV exports: one article a line or row, with a column mapping
(``--map title=headline,date=published``) from article fields to the export's names."""
from __future__ import annotations

import csv
import io
import json
from functools import partial

from .html_text import fragment_to_markdown
from .items import Draft, Item, ItemFailure, SourceError, Task

FIELDS = ("title", "date", "body", "url", "guid", "author", "tags", "summary", "source")
# Names an export commonly uses for each field, tried when --map does not say.
DEFAULT_NAMES = {
    "title": ("title", "headline", "name"),
    "date": ("date", "published", "pubdate", "date_published", "datePublished", "published_at", "created"),
    "body": ("body", "text", "content", "articleBody", "article_body"),
    "url": ("url", "link", "permalink"),
    "guid": ("guid", "id", "uuid"),
    "author": ("author", "byline", "by", "creator"),
    "tags": ("tags", "keywords", "subjects", "categories"),
    "summary": ("summary", "description", "excerpt", "standfirst"),
    "source": ("source", "publisher", "site"),
}


def parse_mapping(text: str | None) -> dict[str, str]:
    """``title=headline,date=published`` -> {"title": "headline", "date": "published"}."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        field, sep, column = (s.strip() for s in part.partition("="))
        if not sep or not column:
            raise ValueError(f"--map: {part.strip()!r} is not FIELD=COLUMN")
        if field not in FIELDS:
            raise ValueError(f"--map: {field!r} is not an article field (one of {', '.join(FIELDS)})")
        mapping[field] = column
    return mapping


def read_jsonl(data: bytes, source: str, mapping: dict[str, str]) -> list[Task]:
    tasks: list[Task] = []
    for number, raw in enumerate(data.split(b"\n"), 1):
        if not raw.strip():
            continue
        label = f"line {number}"
        try:
            record = json.loads(raw.decode("utf-8-sig" if number == 1 else "utf-8"))
        except UnicodeDecodeError:
            tasks.append(partial(ItemFailure, source, label, "is not UTF-8 text", "export the file as UTF-8"))
            continue
        except ValueError as exc:
            tasks.append(partial(ItemFailure, source, label, f"is not valid JSON ({exc})",
                                 "write one JSON object a line"))
            continue
        if not isinstance(record, dict):
            tasks.append(partial(ItemFailure, source, label, "is not a JSON object",
                                 "write one {...} object a line"))
            continue
        tasks.append(partial(_record, record, source, label, mapping))
    return tasks


def read_csv(data: bytes, source: str, mapping: dict[str, str]) -> list[Task]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(f"is not UTF-8 text (line {line}); export the file as UTF-8") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise SourceError("has no header row; the first row must name the columns")
    tasks: list[Task] = []
    start = reader.line_num + 1  # a row may span lines (a quoted body): name its first
    try:
        for row in reader:
            tasks.append(partial(_record, row, source, f"line {start}", mapping))
            start = reader.line_num + 1
    except csv.Error as exc:
        tasks.append(partial(ItemFailure, source, f"line {start}", f"is not valid CSV ({exc})",
                             "check the quoting of that row"))
    return tasks


def _record(record: dict, source: str, label: str, mapping: dict[str, str]) -> Item | ItemFailure:
    def value(field: str):
        names = (mapping[field],) if field in mapping else DEFAULT_NAMES[field]
        for name in names:
            if record.get(name) not in (None, ""):
                return record[name]
        return None

    body = value("body")
    tags = value("tags")
    if isinstance(tags, str):
        tags = [t for t in tags.replace(";", ",").split(",")]
    elif not isinstance(tags, list):
        tags = []
    return Draft(source=source, label=label, title=_str(value("title")), date=_str(value("date")),
                 body=_body(body) if isinstance(body, str) else None,
                 url=_str(value("url")), guid=_str(value("guid")), author=_str(value("author")),
                 tags=[str(t) for t in tags], summary=_str(value("summary")),
                 publisher=_str(value("source"))).finish()


def _body(text: str) -> str:
    """HTML as Markdown; plain text with each line a paragraph (exports keep one
    paragraph a line, where Markdown would run single lines together)."""
    if "<" in text and ">" in text:
        return fragment_to_markdown(text)
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def _str(value) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)
