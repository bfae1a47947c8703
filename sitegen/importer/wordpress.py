"""WordPress exports (WXR, "Tools > Export"): posts with their dates, authors,
categories and tags. Drafts, private and password-protected posts and pages are skipped
unless asked for."""
from __future__ import annotations

import re
from functools import partial

from .html_text import fragment_to_markdown, fragment_to_text
from .items import Draft, Item, ItemFailure, SourceError, Task
from .xml_safety import parse_xml

CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_WP_NAMESPACE = re.compile(r"(\{https?://wordpress\.org/export/[0-9.]+/(excerpt/)?\})")


def looks_like_wxr(data: bytes) -> bool:
    return b"wordpress.org/export/" in data[:16384]  # after the export's comment header


def read_wxr(data: bytes, source: str, include_drafts: bool = False,
             include_pages: bool = False) -> list[Task]:
    """A task per item: it makes the post, or for an item skipped, says why."""
    root = parse_xml(data)
    channel = root.find("channel")
    if channel is None:
        raise SourceError("not a WordPress export: no <channel>")
    wp, excerpt = _namespaces(root)
    authors = {a.findtext(f"{wp}author_login"): a.findtext(f"{wp}author_display_name")
               for a in channel.findall(f"{wp}author")}
    publisher = channel.findtext("title")
    return [partial(_post, item, number, source, wp, excerpt, authors, publisher, include_drafts, include_pages)
            for number, item in enumerate(channel.findall("item"), 1)]


def _post(item, number: int, source: str, wp: str, excerpt: str, authors: dict, publisher: str | None,
          include_drafts: bool, include_pages: bool) -> Item | ItemFailure | str:
    kind = item.findtext(f"{wp}post_type") or "post"
    status = item.findtext(f"{wp}status") or "publish"
    title = item.findtext("title") or ""
    if kind not in ("post", "page") or (kind == "page" and not include_pages):
        return f"{kind} {title!r}"
    if status != "publish" and not (include_drafts and status in ("draft", "pending", "future", "private")):
        return f"{status} {title!r}"
    if (item.findtext(f"{wp}post_password") or "").strip() and not include_drafts:
        return f"password-protected {title!r}"  # not public, as a private post is not
    login = item.findtext(CREATOR)
    date = item.findtext(f"{wp}post_date")
    if not date or date.startswith("0000"):
        date = item.findtext("pubDate")  # a draft has no post date until published
    draft = Draft(source=source, label=f"item {number}", title=title, date=date,
                  guid=item.findtext("guid"), url=item.findtext("link"),
                  author=authors.get(login) or login, publisher=publisher,
                  tags=[c.text or "" for c in item.findall("category")
                        if c.get("domain") in ("category", "post_tag")],
                  summary=fragment_to_text(item.findtext(f"{excerpt}encoded") or ""),
                  body=fragment_to_markdown(item.findtext(CONTENT) or ""))
    return draft.finish()


def _namespaces(root) -> tuple[str, str]:
    """The export's own namespaces ({...}) for WordPress fields and excerpts: WXR 1.0 to
    1.2 differ in their version number, newer exports in http or https."""
    wp = excerpt = None
    for element in root.iter():
        match = _WP_NAMESPACE.match(element.tag)
        if match:
            if match.group(2) and excerpt is None:
                excerpt = match.group(1)
            elif not match.group(2) and wp is None:
                wp = match.group(1)
            if wp and excerpt:
                break
    return wp or "{http://wordpress.org/export/1.2/}", excerpt or "{http://wordpress.org/export/1.2/excerpt/}"
