"""HTML to Markdown, by trafilatura: the main text of a whole web page (boilerplate,
menus and comments left out) with its title, date and author; or a CMS's article body
(a WordPress post, a feed item's content) kept whole.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import trafilatura
from trafilatura.utils import decode_file
from trafilatura.xml import xmltotxt

from .items import parse_date
from .page_dates import shown_date

# trafilatura logs every page it finds too short or unparsable; the importer reports
# those itself, once per item, with what to do.
logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

_MARKDOWN = dict(output_format="markdown", include_links=True, include_formatting=True, include_tables=True,
                 include_images=False, include_comments=False, deduplicate=False)
_QUOTE_MARK = "QxSITEGENQUOTExQ"  # letters only: trafilatura neither escapes nor drops it
_BLOCK_START = re.compile(r"^\s*<(p|div|h[1-6]|ul|ol|blockquote|pre|table|figure|section|article|hr)\b", re.I)


@dataclass(frozen=True)
class PageText:
    title: str | None
    date: str | None
    author: str | None
    body: str | None
    tags: tuple[str, ...]
    summary: str | None
    sitename: str | None
    url: str | None


def page_to_markdown(page: bytes | str, url: str | None = None) -> PageText:
    """A published web page: its main text as Markdown and what its metadata says."""
    # The URL lets trafilatura read a date written in the address (/2019/11/18/...).
    doc = trafilatura.bare_extraction(page, url=url, with_metadata=True, **_MARKDOWN)
    if doc is None or doc.body is None:
        return PageText(None, None, None, None, (), None, None, url)
    body = _render(doc.body)
    tags = tuple(t.strip() for t in (doc.tags or []) if t.strip()) if isinstance(doc.tags, list) else ()
    date = doc.date
    if date:
        text = page if isinstance(page, str) else decode_file(page)  # as trafilatura decoded it
        found = parse_date(date)
        date = shown_date(text, found).isoformat() if found else date
    return PageText(title=doc.title, date=date, author=doc.author, body=_without_headline(_tidy(body)),
                    tags=tags, summary=doc.description, sitename=doc.sitename, url=doc.url or url)


def _without_headline(body: str | None) -> str | None:
    """The text without the page's headline: a first-level heading that opens it is the
    headline the article's title already carries, and would show twice."""
    if body and body.startswith("# "):
        return body.partition("\n")[2].lstrip("\n") or None
    return body


def fragment_to_markdown(fragment: str) -> str:
    """An article body a CMS stored (HTML, often with bare paragraphs split by blank
    lines, as WordPress keeps them): all of it, as Markdown."""
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        return fragment.strip()
    document = f"<html><body><article>{_paragraphs(fragment)}</article></body></html>"
    doc = trafilatura.bare_extraction(document, favor_recall=True, **_MARKDOWN)
    text = _render(doc.body) if doc is not None and doc.body is not None else ""
    if not text.strip():
        # Too short or too plain for trafilatura to call it an article: keep its text.
        text = trafilatura.html2txt(document) or ""
    return _tidy(text) or ""


def fragment_to_text(fragment: str) -> str | None:
    """A short HTML fragment (a summary, an excerpt) as one line of plain text."""
    if "<" not in fragment:
        return " ".join(fragment.split()) or None
    return " ".join((trafilatura.html2txt(f"<html><body>{fragment}</body></html>") or "").split()) or None


def _render(body) -> str:
    """Markdown from the tree trafilatura extracted, as extract(output_format="markdown")
    writes it, except that quotations keep their "> " (trafilatura writes them as plain
    paragraphs, and escapes a ">" put at the start of one)."""
    for quote in body.iter("quote"):
        paragraphs = quote.findall("p") or [quote]
        for paragraph in paragraphs:
            paragraph.text = _QUOTE_MARK + (paragraph.text or "")
    text = xmltotxt(body, include_formatting=True)
    return re.sub(rf"^{_QUOTE_MARK}", "> ", text, flags=re.MULTILINE).replace(_QUOTE_MARK, "")


def _paragraphs(fragment: str) -> str:
    """Wrap the blank-line separated runs of inline text in <p>, as WordPress does when
    it shows a post, so a link inside a sentence does not split it."""
    blocks = re.split(r"\n\s*\n", fragment.replace("\r\n", "\n"))
    return "\n".join(block if _BLOCK_START.match(block) else f"<p>{block}</p>" for block in blocks if block.strip())


def _tidy(text: str | None) -> str | None:
    if not text:
        return None
    text = re.sub(r"\n{3,}", "\n\n", text.replace("\r\n", "\n"))
    return text.strip() or None
