"""NewsML-G2 news items, the IPTC format agencies deliver wire copy in: a ``newsItem``
file, or a ``newsMessage`` carrying several. Headline, dateline, by-line, body
paragraphs (inline XHTML or plain text) and subjects become an article."""
from __future__ import annotations

import re
from functools import partial
from html import escape
from xml.etree.ElementTree import Element

from .html_text import fragment_to_markdown, fragment_to_text
from .items import Draft, Item, ItemFailure, SourceError, Task
from .xml_safety import parse_xml

G2 = "{http://iptc.org/std/nar/2006-10-01/}"
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def looks_like_newsml(data: bytes) -> bool:
    return b"iptc.org/std/nar/2006-10-01" in data[:4096]


def read_newsml(data: bytes, source: str) -> list[Task]:
    root = parse_xml(data)
    if root.tag == f"{G2}newsItem":
        items = [root]
    elif root.tag == f"{G2}newsMessage":
        items = root.findall(f".//{G2}newsItem")
    else:
        raise SourceError(f"not a NewsML-G2 news item or news message (its root is <{_local(root.tag)}>)")
    return [partial(_item, item, source, item.get("guid") or f"item {number}")
            for number, item in enumerate(items, 1)]


def _item(item: Element, source: str, label: str) -> Item | ItemFailure | str:
    status = item.find(f"{G2}itemMeta/{G2}pubStatus")
    if status is not None and status.get("qcode") == "stat:canceled":
        return f"canceled {label}"  # the agency withdrew it
    meta = item.find(f"{G2}contentMeta")
    item_meta = item.find(f"{G2}itemMeta")
    text = (lambda parent, tag: _text(parent.find(f"{G2}{tag}")) if parent is not None else None)
    by = text(meta, "by") or _nitf(item, "byline") or \
        (_text(meta.find(f"{G2}creator/{G2}name")) if meta is not None else None)
    dateline = text(meta, "dateline") or _nitf(item, "dateline")
    body = _body(item)
    if body and dateline and not body.lower().startswith(dateline.lower()[:12]):
        body = f"{dateline} — {body}"
    provider = item_meta.find(f"{G2}provider") if item_meta is not None else None
    return Draft(
        source=source, label=label, guid=item.get("guid"),
        title=text(meta, "headline"),
        date=text(meta, "contentCreated") or text(item_meta, "firstCreated") or text(item_meta, "versionCreated"),
        author=re.sub(r"^\s*by\s+", "", by, flags=re.I) if by else None,
        tags=_subjects(meta),
        summary=fragment_to_text(text(meta, "description") or ""),
        publisher=_text(item.find(f"{G2}rightsInfo/{G2}copyrightHolder/{G2}name"))
        or (_text(provider.find(f"{G2}name")) or provider.get("literal") if provider is not None else None)
        or (_text(meta.find(f"{G2}infoSource/{G2}name")) if meta is not None else None),
        body=body,
    ).finish()


def _body(item: Element) -> str:
    """The text: inline XHTML (its <body>) or NITF (its <body.content>), else plain
    inline text with paragraphs split by blank lines."""
    for inline in item.iter(f"{G2}inlineXML"):
        for element in inline.iter():
            if _local(element.tag) in ("body.content", "body") and \
                    (_local(element.tag) == "body.content" or element.tag == f"{XHTML}body"):
                return fragment_to_markdown("".join(_as_html(child) for child in element))
    for inline in item.iter(f"{G2}inlineData"):
        if (inline.text or "").strip():
            return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", inline.text) if p.strip())
    return ""


def _as_html(element: Element) -> str:
    """An XHTML or NITF element as plain HTML (no namespaces; NITF and XHTML share the
    paragraph, list, link and emphasis tags that matter here)."""
    tag = _local(element.tag)
    attrs = "".join(f' {_local(k)}="{escape(v, quote=True)}"' for k, v in element.attrib.items()
                    if _local(k) in ("href", "title"))
    inner = escape(element.text or "") + "".join(_as_html(child) for child in element)
    return f"<{tag}{attrs}>{inner}</{tag}>{escape(element.tail or '')}"


def _subjects(meta: Element | None) -> list[str]:
    """Each subject's English name where it has one, else its only or first name."""
    if meta is None:
        return []
    names = []
    for subject in meta.findall(f"{G2}subject"):
        options = subject.findall(f"{G2}name")
        english = [n for n in options if (n.get(XML_LANG) or "en").lower().startswith("en")]
        chosen = (english or options or [None])[0]
        if chosen is not None and (chosen.text or "").strip():
            names.append(chosen.text.strip())
    return names


def _text(element: Element | None) -> str | None:
    if element is None:
        return None
    return " ".join("".join(element.itertext()).split()) or None


def _nitf(item: Element, name: str) -> str | None:
    """A field of an NITF body's head (byline, dateline), whatever its namespace."""
    for element in item.iter():
        if _local(element.tag) == name:
            return _text(element)
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
