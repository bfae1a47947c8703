"""Pagefind makes the same index from the pages' search documents as from the pages themselves."""
from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import cbor2
import pytest

from sitegen.site import search
from sitegen.site.search_content import search_document

pytestmark = pytest.mark.skipif(search.find_pagefind() is None, reason="the Pagefind binary is not installed")

REPO = Path(__file__).resolve().parent.parent
REPLAY = REPO / "tests" / "fixtures" / "replay"


def _page(body: str, head: str = "<title>A page</title>", outside: str = "", after: str = "") -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8">{head}</head><body>'
            f'<nav><a href="/">Home</a> <a id="top-link" href="#x">Top</a></nav>{outside}'
            f'<main data-pagefind-body>{body}</main>{after}<footer>Built by hand.</footer></body></html>')


# Pages that put what Pagefind reads in every place it reads it from.
EDGE_CASES = {
    # A filter, metadata (from an attribute and from the text) and a sort key inside an
    # ignored part; a sub-result heading; a weighted part.
    "marks/index.html": _page(
        '<span hidden data-pagefind-filter="type:Person"></span><h1>Angela Merkel</h1>'
        '<p data-pagefind-weight="3">Chancellor of Germany from 2005 to 2021.</p>'
        '<section data-pagefind-ignore><h2 id="mentions">Mentions</h2><p>348 mentions</p>'
        '<span data-pagefind-filter="decade">2000s</span><span data-pagefind-meta="born">1954</span>'
        '<img data-pagefind-meta="portrait[src]" src="/merkel.jpg" alt="">'
        '<time data-pagefind-sort="date" datetime="2021-12-08">8 December 2021</time></section>'
        '<h2 id="career">Career</h2><p>She led the CDU.</p>'),
    # The title from a heading inside an ignored part, the picture from an image after it.
    "ignored-heading/index.html": _page(
        '<header data-pagefind-ignore><p>Place · 12 mentions</p><h1>Brussels</h1>'
        '<figure><img src="/brussels.png" alt="The Grand Place"></figure></header>'
        '<p>Capital of Belgium and seat of the European Commission.</p>'),
    # No heading with text: the title is the page's <title>; an empty heading does not count.
    "no-heading/index.html": _page('<h1> </h1><p>Minutes of the council meeting.</p>',
                                   head="<title>Council minutes</title>"),
    # A part ignored with "all": its filter and heading are not read; one with an
    # attribute indexed; an ignored part inside another; text after the indexed part.
    "ignored-all/index.html": _page(
        '<div data-pagefind-ignore="all"><h1>Not the title</h1><span data-pagefind-filter="type:Hidden"></span></div>'
        '<h1>Olaf Scholz</h1><p>Before <span data-pagefind-ignore data-pagefind-index-attrs="title" '
        'title="Finance minister">ignored words<b data-pagefind-ignore>and more</b></span> after.</p>'
        '<div data-pagefind-ignore>outer<div data-pagefind-ignore><span data-pagefind-meta="role:minister"></span>'
        'inner</div></div>',
        after="<aside>Not indexed.</aside>Text after the indexed part, read as indexed."),
    # Metadata and filters outside the indexed part, in the head and around it.
    "outside/index.html": _page(
        '<h1>Emmanuel Macron</h1><p>President of France.</p>',
        head='<title>Macron</title><meta data-pagefind-meta="image[content]" content="/macron.jpg">'
             '<meta name="description" content="Person in 3 articles">',
        outside='<p data-pagefind-filter="country">France</p><svg><title>Chart</title></svg>'),
    # Two indexed parts, one inside an ignored part.
    "two-bodies/index.html": (
        '<html><head><title>Two</title></head><body><h1>Pedro Sanchez</h1>'
        '<div data-pagefind-body><p>Prime minister of Spain.</p></div><aside>not read</aside>'
        '<section data-pagefind-ignore>skipped<div data-pagefind-body><p>Leader of the PSOE.</p></div></section>'
        '</body></html>'),
    # Not indexed: no indexed part, though the words are on it.
    "no-body/index.html": '<html><body><h1>List</h1><p>The word data-pagefind-body in a sentence.</p></body></html>',
}


def _unpacked(path: Path) -> bytes:
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(b"pagefind_dcd")
    return data[len(b"pagefind_dcd"):]


def _what_a_search_reads(bundle: Path) -> dict:
    """A Pagefind bundle as a search reads it: each page's fragment (URL, text, title,
    metadata, filters, sub-result anchors), the word index, the filters with their pages,
    the page list; in an order that does not vary from run to run (Pagefind's own filter
    files list the values in any order)."""
    [meta_file] = bundle.glob("*.pf_meta")
    meta = cbor2.loads(_unpacked(meta_file))
    filters = {}
    for path in bundle.glob("filter/*.pf_filter"):
        name, values = cbor2.loads(_unpacked(path))
        filters[name] = sorted((value, pages) for value, pages in values)
    return {
        "version": meta[0], "pages": meta[1], "word chunks": meta[2], "sorts": meta[4], "meta keys": meta[5],
        "filters": filters,
        "fragments": {fragment["url"]: fragment for fragment in
                      (json.loads(_unpacked(path)) for path in bundle.glob("fragment/*.pf_fragment"))},
        "words": {path.name: _unpacked(path) for path in bundle.glob("index/*.pf_index")},
    }


def _indexed(tmp_path: Path, name: str, pages: dict[str, bytes]) -> dict:
    site = tmp_path / f"{name}-site"
    for rel, data in pages.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)
    said = []
    made = search._run_pagefind(search.find_pagefind(), site, tmp_path / f"{name}-bundle", "en", said.append)
    assert made and not said, said
    return _what_a_search_reads(tmp_path / f"{name}-bundle")


def test_pagefind_reads_the_same_from_the_search_documents_as_from_the_pages(tmp_path, nlp):
    from sitegen.build import BuildOptions, build

    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    # Reference data replayed: dossiers with Wikipedia facts and pictures.
    assert build(site, BuildOptions(replay=REPLAY, nlp_loader=lambda: nlp)).ok
    pages = {p.relative_to(site / "output").as_posix(): p.read_bytes() for p in (site / "output").rglob("*.html")}
    pages.update({f"cases/{rel}": html.encode() for rel, html in EDGE_CASES.items()})
    documents = {rel: search_document(data) for rel, data in pages.items()}
    documents = {rel: document for rel, document in documents.items() if document is not None}
    assert b"<img" in b"".join(pages[rel] for rel in documents if not rel.startswith("cases/")), \
        "the sample site's dossiers show pictures"

    from_pages = _indexed(tmp_path, "pages", pages)
    from_documents = _indexed(tmp_path, "documents", documents)
    assert from_documents == from_pages
    # The comparison saw what it had to: every case but the page with no indexed part,
    # the title and picture found in ignored parts, and filters and metadata read outside
    # the indexed text.
    by_url = from_pages["fragments"]
    assert "/cases/no-body/" not in by_url and "cases/no-body/index.html" not in documents
    assert by_url["/cases/ignored-heading/"]["meta"] == {"title": "Brussels", "image": "/brussels.png",
                                                          "image_alt": "The Grand Place"}
    assert by_url["/cases/no-heading/"]["meta"]["title"] == "Council minutes"
    assert by_url["/cases/marks/"]["filters"] == {"type": ["Person"], "decade": ["2000s"]}
    assert by_url["/cases/outside/"]["filters"] == {"country": ["France"]}
    assert [anchor["id"] for anchor in by_url["/cases/marks/"]["anchors"]] == ["career"]
    assert "Finance minister" in by_url["/cases/ignored-all/"]["content"]
    assert "read as indexed" in by_url["/cases/ignored-all/"]["content"]
    # Cut down to an eighth of the bytes or less: the dossiers' lists of mentions are gone.
    site_pages = [rel for rel in documents if not rel.startswith("cases/")]
    assert sum(len(documents[rel]) for rel in site_pages) * 4 < sum(len(pages[rel]) for rel in site_pages)
