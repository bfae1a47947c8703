"""Article files: front matter the build reads back exactly, a path by date, and
atomic writes, so a preview's watcher (``sitegen serve``) only ever sees whole files."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import yaml

from ..content import frontmatter
from ..content.site_files import INCOMING as INCOMING_SUFFIX  # the build skips these, with a reminder
from ..slugs import slugify
from .items import Item


def article_text(item: Item) -> str:
    """The file for ``item``: front matter (title, date, then what is known), a blank
    line, the Markdown body."""
    meta: dict = {"title": item.title, "date": item.date}
    for key, value in (("source", item.publisher), ("url", item.url), ("author", item.author),
                       ("tags", list(item.tags)), ("summary", item.summary)):
        if value:
            meta[key] = value
    # One line a field, as editors write them: "tags: [a, b]", never a block list.
    header = "".join(
        f"{key}: {yaml.safe_dump(value, allow_unicode=True, width=10_000, default_flow_style=True).strip()}\n"
        if isinstance(value, list) else
        yaml.safe_dump({key: value}, allow_unicode=True, width=10_000, default_flow_style=False)
        for key, value in meta.items())
    text = f"---\n{header}---\n\n{item.body.strip()}\n"
    # Read back the way every build reads it: a file the importer writes always loads.
    doc = frontmatter.parse(text)
    if doc.meta.get("title") != item.title or str(doc.meta.get("date")) != item.date.isoformat():
        raise ValueError("its title or date does not survive being written as front matter")
    return text


def new_article_path(articles_dir: Path, item: Item, taken: set[str]) -> Path:
    """``YYYY/MM/<slug>.md`` under the articles folder; a number is added when another
    article already has the name."""
    folder = articles_dir / f"{item.date.year:04d}" / f"{item.date.month:02d}"
    base = slugify(item.title)
    slug, n = base, 2
    while (folder / f"{slug}.md").exists() or str(folder / f"{slug}.md") in taken:
        slug, n = f"{base}-{n}", n + 1
    path = folder / f"{slug}.md"
    taken.add(str(path))
    return path


def incoming_path(path: Path) -> Path:
    """Where the new text of an article the editor has changed goes: beside it."""
    return path.with_name(path.stem + INCOMING_SUFFIX)


def write_atomically(path: Path, text: str) -> None:
    """Write to a hidden temporary file in the same folder, then rename it into place:
    readers see the old file or the new one, never a part. (Hidden files are not
    articles, so the temporary one is never built.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
