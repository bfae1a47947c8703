"""What of a page the search index holds, as a digest: the page must be indexed again iff it changes.

Pagefind indexes the parts of a page marked ``data-pagefind-body``, less the parts marked
``data-pagefind-ignore``, with the page's ``data-pagefind-*`` filters and metadata and its
first heading as title. A dossier's lists of mentions and articles, its counts and
pictures are all ignored (the sentences are found on the articles themselves), so an edit
that only adds a mention changes the dossier's bytes but not what search holds of it: its
part of the index need not be made again.
"""
from __future__ import annotations

import hashlib

import lxml.etree
import lxml.html

# Digests of pages are kept between builds: a change to what ``search_digest`` reads must
# change this, or a page whose bytes did not change keeps a digest made the old way.
VERSION = 1
PREFIX = "data-pagefind-"
IGNORE = "data-pagefind-ignore"
BODY = "data-pagefind-body"
# Found by XPath, in C: walking every element of a page in Python was a quarter of the
# time (1 of 4.2 s of CPU for the 3,342 pages of a 1,000-article site; parsing is the rest).
_MARKED = lxml.etree.XPath(f"//*[@*[starts-with(name(), '{PREFIX}')]]")
_IGNORED = lxml.etree.XPath(f"//*[@{IGNORE}]")
_BODIES = lxml.etree.XPath(f"//*[@{BODY}]")


def search_digest(page: bytes) -> str:
    """A digest of everything Pagefind reads from ``page`` (more, never less)."""
    digest = hashlib.blake2b(digest_size=16)
    try:
        root = lxml.html.document_fromstring(page)
    except (lxml.etree.ParserError, ValueError):
        digest.update(page)  # nothing to go by: any change counts
        return digest.hexdigest()
    # Filters, metadata and sort keys count wherever they stand, even inside ignored parts.
    for element in _MARKED(root):
        marks = sorted((name, value) for name, value in element.attrib.items()
                       if name.startswith(PREFIX) and name != IGNORE)
        if marks:
            digest.update(repr((element.tag, marks, element.text)).encode())
    # The title of a result is the page's first heading (an SVG chart's titles are not).
    for heading in root.iter("h1"):
        digest.update(b"\0heading\0" + lxml.html.tostring(heading, encoding="utf-8"))
    for ignored in _IGNORED(root):
        ignored.drop_tree()  # its tail, the text after it, stays
    for body in _BODIES(root):
        digest.update(b"\0body\0" + lxml.html.tostring(body, encoding="utf-8"))
    return digest.hexdigest()
