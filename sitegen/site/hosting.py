"""The files static hosts and crawlers read beside the pages: sitemap.xml, robots.txt, feed.xml.

Absolute addresses come from ``base_url``. Without one, ``sitemap.xml`` is left out (it
may hold only absolute URLs), ``robots.txt`` names no sitemap, and the Atom feed links
relatively, which feed readers resolve against the feed's own address.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Iterable, Sequence
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from .. import urls
from ..model import Article

FEED_FILE = "feed.xml"
FEED_ENTRIES = 50
# A fixed namespace so an article's feed id is the same in every build and on every machine.
_FEED_NAMESPACE = uuid.UUID("4f0e3c52-3a8e-4d0e-9b7a-5b1f6a0c2d11")


def sitemap(base_url: str, pages: Iterable[tuple[str, str | None]]) -> bytes:
    """``sitemap.xml`` listing ``(site path, ISO date or None)`` pairs under ``base_url``."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, lastmod in pages:
        entry = f"<loc>{xml_escape(urls.absolute_url(base_url, path))}</loc>"
        if lastmod:
            entry += f"<lastmod>{lastmod}</lastmod>"
        lines.append(f"  <url>{entry}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(base_url: str) -> bytes:
    """Everything may be crawled; the sitemap is named when its address is known.

    Crawlers read robots.txt only at a host's root: under a sub-path it is a template
    for whoever owns the root.
    """
    lines = ["User-agent: *", "Allow: /"]
    if base_url:
        lines += ["", f"Sitemap: {urls.absolute_url(base_url, 'sitemap.xml')}"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def atom_feed(title: str, base_url: str, articles: Sequence[Article], language: str = "en") -> bytes:
    """An Atom feed of the newest articles (``articles`` newest first), each linked to its page.

    The feed sits at the site root, so relative links need no prefix.
    """
    def link(path: str) -> str:
        return urls.absolute_url(base_url, path) if base_url else urls.href("", path)

    def entry_id(article: Article) -> str:
        if base_url:
            return urls.absolute_url(base_url, urls.article_path(article.id))
        return uuid.uuid5(_FEED_NAMESPACE, article.id).urn

    newest = articles[:FEED_ENTRIES]
    updated = _timestamp(newest[0].date) if newest else "1970-01-01T00:00:00Z"
    feed_id = urls.absolute_url(base_url, "") if base_url else uuid.uuid5(_FEED_NAMESPACE, title).urn
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(language)}>',
        f"  <title>{xml_escape(title)}</title>",
        f"  <id>{xml_escape(feed_id)}</id>",
        f"  <updated>{updated}</updated>",
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(link(''))}/>",
        f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(link(FEED_FILE))}/>",
        "  <generator>sitegen</generator>",
    ]
    for article in newest:
        out += [
            "  <entry>",
            f"    <title>{xml_escape(article.title)}</title>",
            f"    <id>{xml_escape(entry_id(article))}</id>",
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(link(urls.article_path(article.id)))}/>",
            f"    <updated>{_timestamp(article.date)}</updated>",
            f"    <published>{_timestamp(article.date)}</published>",
        ]
        # Atom requires an author per entry or on the feed; the source stands in for a missing byline.
        author = article.author or article.source or title
        out.append(f"    <author><name>{xml_escape(author)}</name></author>")
        if article.summary:
            out.append(f"    <summary>{xml_escape(article.summary)}</summary>")
        out.append("  </entry>")
    out.append("</feed>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"
