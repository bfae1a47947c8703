"""What of a page the search index holds: the page cut down to what Pagefind reads of it.

Pagefind indexes the parts of a page marked ``data-pagefind-body``, less the parts marked
``data-pagefind-ignore``. Besides that text it reads, wherever they stand (even in ignored
parts): the ``data-pagefind-*`` filters, metadata and sort keys, the first ``h1`` (a
result's title; the page's ``<title>`` when no ``h1`` has text), and the first image after
it (a result's picture). A dossier's lists of mentions and articles, its counts and
charts are all ignored (the sentences are found on the articles themselves), and so is
everything around the marked part (navigation, the head's description, which counts
mentions).

``search_document`` keeps just that, in place, so that Pagefind makes the same index
from it as from the page (the same words, excerpts, sub-result anchors, titles, filters
and metadata; ``tests/test_search_documents.py`` compares them) while reading a fraction
of the bytes. It is also what decides whether a page must be indexed again: an edit that
only adds a mention changes the dossier's bytes but not its search document.
"""
from __future__ import annotations

import lxml.etree
import lxml.html

# Documents are kept between builds: a change to what ``search_document`` keeps must
# change this, or a page whose bytes did not change keeps a document made the old way.
VERSION = 2
BODY = "data-pagefind-body"
IGNORE = "data-pagefind-ignore"
# Found by XPath, in C: walking every element of a page in Python costs as much as parsing it.
_BODIES = lxml.etree.XPath(f"//*[@{BODY}]")
# Ignored parts of the indexed text; one inside another is cut with the outer one.
_IGNORED = lxml.etree.XPath(f"//*[@{BODY}]//*[@{IGNORE}][not(ancestor::*[@{IGNORE}])]")
# What Pagefind reads wherever it stands: the indexed parts, marks, headings and images.
_READ_ANYWHERE = lxml.etree.XPath(
    f".//*[@{BODY} or @data-pagefind-filter or @data-pagefind-meta or @data-pagefind-default-meta "
    f"or @data-pagefind-sort or self::h1 or self::img]")


def search_document(page: bytes) -> bytes | None:
    """``page`` with only what Pagefind reads of it; None for a page it does not index
    (one with no ``data-pagefind-body`` part: the site's pages have them)."""
    try:
        root = lxml.html.document_fromstring(page)
    except (lxml.etree.ParserError, ValueError):
        return page  # nothing to go by: Pagefind reads the page as it is
    if not _BODIES(root):
        return None
    for ignored in _IGNORED(root):
        _cut_to_what_is_read(ignored, keep_text=False)
    title = None
    if not any(heading.text_content().strip() for heading in root.iter("h1")):
        title = next(root.iter("title"), None)  # a result's title, lacking a heading
    _cut_to_what_is_read(root, keep_text=True, also=title)
    return lxml.html.tostring(root, encoding="utf-8")


def _cut_to_what_is_read(top, keep_text: bool, also=None) -> None:
    """Drop from ``top``'s subtree every element Pagefind does not read there, keeping
    those it does whole, with the elements that hold them (their tags and attributes: an
    ignored part inside another, or a block, reads differently from a bare element).

    ``keep_text``: the text directly inside the holding elements stays (around the
    indexed parts, Pagefind indexes the text that follows one in an element holding it);
    without it (inside an ignored part) it goes, with the text after each element kept.
    """
    kept = set()
    for element in _READ_ANYWHERE(top):
        if not any(ancestor in kept for ancestor in _ancestors(element, top)):
            kept.add(element)  # the outermost: what it holds is kept with it
    if also is not None and not any(ancestor in kept for ancestor in _ancestors(also, top)):
        kept.add(also)
    holding = {top}
    for element in kept:
        holding.update(_ancestors(element, top))
    for holder in holding:
        if not keep_text:
            holder.text = None
        for child in list(holder):
            if child in kept:
                if not keep_text:
                    child.tail = None
            elif child in holding:
                if not keep_text and child is not top:
                    child.tail = None
            elif keep_text and isinstance(child, lxml.html.HtmlMixin):
                child.drop_tree()  # its tail, text the holder holds directly, stays
            else:
                holder.remove(child)


def _ancestors(element, top):
    """``element``'s ancestors up to ``top``, ``top`` included (none if ``element`` is ``top``)."""
    found = []
    if element is top:
        return found
    parent = element.getparent()
    while parent is not None:
        found.append(parent)
        if parent is top:
            break
        parent = parent.getparent()
    return found
