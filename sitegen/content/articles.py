"""Find and read articles: front matter checked field by field, body turned to plain text.

A file that cannot be used becomes an ``ArticleError`` naming the file, the line and
what to do; every other article still builds.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from . import frontmatter
from .markup import BLOCK_SEPARATOR, plain_text
from ..model import Article, ArticleError
from .site_files import Listing, list_files
from ..suggest import nearest
from ..urls import article_id_problem

EXTENSIONS = (".md", ".markdown")
# The front matter fields sitegen reads; other keys (other tools' "layout:") are left alone,
# but one close to these is most likely a typo, and is warned about.
FIELDS = ("title", "date", "source", "url", "author", "tags", "summary", "caption")
# A news article is far smaller; a file this big is almost surely a mistake, and NER on
# it would take minutes. Configurable as max_article_bytes.
DEFAULT_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Loaded:
    articles: tuple[Article, ...]  # newest first, then by id
    errors: tuple[ArticleError, ...]
    warnings: tuple[ArticleError, ...] = ()  # files not read, and what is odd in those read


def find_article_files(articles_dir: Path) -> Listing:
    """Every article file, in path order, and what was not read (see ``site_files``)."""
    return list_files(articles_dir, articles_dir.parent.parent, EXTENSIONS)


@lru_cache(maxsize=1 << 16)
def article_id(articles_dir: Path, path: Path) -> str:
    """The path under ``articles_dir`` without its suffix, "/"-separated."""
    # Worked out on the strings: pathlib's relative_to and with_suffix cost 24 µs a file,
    # a quarter of a second at every build of a 10,000-article archive.
    text, root = str(path), str(articles_dir)
    if not text.startswith(root + os.sep):
        return path.relative_to(articles_dir).with_suffix("").as_posix()  # says what is wrong
    rel = text[len(root) + len(os.sep):]
    name_start = rel.rfind(os.sep) + 1
    dot = rel.rfind(".")
    if name_start < dot < len(rel) - 1:  # pathlib's suffix: neither the name's first nor its last character
        rel = rel[:dot]
    return rel.replace(os.sep, "/")


def load_articles(articles_dir: Path, allow_html: bool = False, max_bytes: int = DEFAULT_MAX_BYTES,
                  read: "Callable[[Path, str, bool, int], Article | ArticleError] | None" = None,
                  find: Callable[[Path], Listing] | None = None) -> Loaded:
    """Every article under ``articles_dir``, and an error for each file that cannot be used.

    ``read`` turns one file into its article or error (default ``read_article``), and
    ``find`` lists the files (default ``find_article_files``); a caller that keeps
    articles between builds passes ones that reuse them (see sitegen.incremental).
    """
    read = read or read_article
    articles: list[Article] = []
    listing = (find or find_article_files)(articles_dir)
    errors: list[ArticleError] = list(listing.refused)
    seen: dict[str, Path] = {}
    for path in listing.files:
        aid = article_id(articles_dir, path)
        problem = article_id_problem(aid)
        if problem:
            errors.append(ArticleError(path, None, f"its name cannot be a page address: {problem}",
                                       "rename the file; letters, digits, '-' and '_' are always safe"))
            continue
        # Case-insensitive hosts would write both to one folder: treat as one id.
        key = aid.casefold()
        if key in seen:
            errors.append(ArticleError(path, None, f"has the same id '{aid}' as {seen[key]}",
                                       "rename one of the two files; the first one is built"))
            continue
        seen[key] = path
        result = read(path, aid, allow_html, max_bytes)
        (articles if isinstance(result, Article) else errors).append(result)
    articles.sort(key=lambda a: (-a.date.toordinal(), a.id))
    warnings = [*listing.skipped, *(w for a in articles for w in a.warnings)]
    return Loaded(tuple(articles), tuple(errors), tuple(warnings))


def read_article(path: Path, aid: str, allow_html: bool = False,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> Article | ArticleError:
    """One file's article, or the error that says why it cannot be used."""
    data = read_file(path)
    return data if isinstance(data, ArticleError) else article_from_bytes(path, aid, data, allow_html, max_bytes)


def read_file(path: Path) -> bytes | ArticleError:
    try:
        return path.read_bytes()
    except OSError as exc:
        return unreadable(path, exc)


def unreadable(path: Path, exc: OSError) -> ArticleError:
    return ArticleError(path, None, f"cannot be read: {exc.strerror or exc}", "check the file's permissions")


def article_from_bytes(path: Path, aid: str, data: bytes, allow_html: bool = False,
                       max_bytes: int = DEFAULT_MAX_BYTES) -> Article | ArticleError:
    try:
        return parse_article(path, aid, data, allow_html, max_bytes)
    except frontmatter.FrontMatterError as exc:
        return ArticleError(path, exc.line, str(exc), exc.hint)


def parse_article(path: Path, aid: str, data: bytes, allow_html: bool = False,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    if len(data) > max_bytes:
        raise frontmatter.FrontMatterError(
            f"is {len(data) / 1e6:.1f} MB, over the limit of {max_bytes / 1e6:.1f} MB",
            hint="split it into several articles, or raise max_article_bytes in sitegen.toml",
        )
    doc = frontmatter.parse(frontmatter.decode(data))
    title = _required_text(doc, "title")
    date = _date(doc)
    # The caption is not body text, but it names people and places: NER reads it after
    # the body, and mention offsets past the body point into it.
    text = plain_text(doc.body, allow_html)
    caption = _optional_text(doc, "caption")
    caption_start = None
    if caption:
        caption_text = plain_text(caption, allow_html)
        caption_start = len(text) + len(BLOCK_SEPARATOR) if text else 0
        text = f"{text}{BLOCK_SEPARATOR}{caption_text}" if text else caption_text
    return Article(
        warnings=_mistyped_keys(path, doc),
        id=aid,
        path=path,
        title=title,
        date=date,
        body=doc.body,
        text=text,
        source=_optional_text(doc, "source"),
        url=_optional_text(doc, "url"),
        author=_optional_text(doc, "author"),
        tags=_tags(doc),
        summary=_optional_text(doc, "summary"),
        caption=caption,
        caption_start=caption_start,
    )


def _mistyped_keys(path: Path, doc: frontmatter.Document) -> tuple[ArticleError, ...]:
    """Keys sitegen does not read that are close to a field it does ('tag' for 'tags')."""
    found = []
    for key in doc.meta:
        known = nearest(str(key), FIELDS) if key not in FIELDS else None
        if known:
            found.append(ArticleError(path, doc.line_of(str(key)), f"unknown key '{key}' ignored",
                                      f"did you mean '{known}'?"))
    return tuple(found)


def _required_text(doc: frontmatter.Document, key: str) -> str:
    value = doc.meta.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise frontmatter.FrontMatterError(f"front matter has no '{key}'", doc.line_of(key) or 2,
                                           f"add a line '{key}: ...'")
    return _text(doc, key, value)


def _optional_text(doc: frontmatter.Document, key: str) -> str | None:
    value = doc.meta.get(key)
    if value is None:
        return None
    return _text(doc, key, value) or None


def _text(doc: frontmatter.Document, key: str, value: object) -> str:
    """A text field's value; a number is taken as written (title: 1984), anything else
    YAML read as something other than text is refused rather than shown as Python does."""
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return str(value).strip()
    raise frontmatter.FrontMatterError(f"'{key}' must be text, not {frontmatter.kind_of(value)}", doc.line_of(key),
                                       f'write it in quotes: {key}: "..."')


# A date as text: YYYY-MM-DD, optionally followed by a time (ISO "T" or a space).
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def _date(doc: frontmatter.Document) -> dt.date:
    value = doc.meta.get("date")
    line = doc.line_of("date")
    if value is None:
        raise frontmatter.FrontMatterError("front matter has no 'date'", line or 2, "add a line 'date: YYYY-MM-DD'")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    hint = "write it as YYYY-MM-DD, e.g. 2025-11-10"
    if not isinstance(value, str):
        raise frontmatter.FrontMatterError(f"'date' must be a date, not {frontmatter.kind_of(value)}", line, hint)
    text = value.strip()
    if not _DATE_TEXT.fullmatch(text):
        raise frontmatter.FrontMatterError(f"'date' is not a date: {text[:40]!r}", line, hint)
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise frontmatter.FrontMatterError(f"'date' is not a real date: {text[:40]!r} ({exc})", line, hint) from None


def _tags(doc: frontmatter.Document) -> tuple[str, ...]:
    value = doc.meta.get("tags")
    if value is None:
        return ()
    hint = "write tags: [one, two], quoting a tag that is a word like yes or no"
    if isinstance(value, str):
        items: list = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise frontmatter.FrontMatterError(f"'tags' must be a list of words, not {frontmatter.kind_of(value)}",
                                           doc.line_of("tags"), hint)
    for index, item in enumerate(items):
        if not isinstance(item, str) and not (isinstance(item, int) and not isinstance(item, bool)):
            raise frontmatter.FrontMatterError(
                f"'tags' must be a list of words; tag {index + 1} is {frontmatter.kind_of(item)}",
                doc.item_line("tags", index), hint)
    return tuple(dict.fromkeys(str(t).strip() for t in items if str(t).strip()))
