"""Plain text (what NER reads) and HTML (what readers see) agree on every offset."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from sitegen.content.markup import BLOCK_SEPARATOR, Link, plain_text, render_html, text_blocks

RICH = """# A heading about Maria Lopez

Some *emphasis* and **Maria Lopez** here, AT&amp;T and Caf\u00e9 \U0001F642 then Maria Lopez again.
A soft break, then Maria Lopez.
Hard break next:\\
Maria Lopez after it.

> A quote from Maria Lopez.

1. First item names Maria Lopez
2. Second item with `inline code` and Maria Lopez

| Name | Town |
|------|------|
| Maria Lopez | Denver |

Ends with \u00abMaria Lopez\u00bb and an ellipsis\u2026 Maria Lopez
"""


class _Anchors(HTMLParser):
    """Mention anchors by id: tag, the text inside, and how deeply ``<a>`` elements nest."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, tuple[str, str]] = {}
        self.duplicates: list[str] = []
        self._open: list[tuple[str, str, list[str]]] = []  # (id, tag, text parts)
        self.a_depth = 0
        self.max_a_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.a_depth += 1
            self.max_a_depth = max(self.max_a_depth, self.a_depth)
        anchor = attrs.get("id") or ""
        if re.fullmatch(r"m[0-9a-f]+(?:-\d+)?", anchor):  # a mention's (see ``Mention.anchor``)
            if anchor in self.found or any(o[0] == anchor for o in self._open):
                self.duplicates.append(anchor)
            self._open.append((anchor, tag, []))

    def handle_endtag(self, tag):
        if tag == "a":
            self.a_depth -= 1
        if self._open and self._open[-1][1] == tag:
            anchor, _, parts = self._open.pop()
            self.found[anchor] = (tag, "".join(parts))

    def handle_data(self, data):
        for _, _, parts in self._open:
            parts.append(data)


def _parse(html: str) -> _Anchors:
    parser = _Anchors()
    parser.feed(html)
    parser.close()
    return parser


def _links_for(text: str, word: str) -> list[Link]:
    return [Link(m.start(), m.end(), f"people/{m.start()}/", f"m{m.start()}") for m in re.finditer(word, text)]


def test_anchor_text_equals_the_plain_text_slice():
    text = plain_text(RICH)
    links = _links_for(text, "Maria Lopez")
    assert len(links) == 11
    html = render_html(RICH, links)
    anchors = _parse(html)
    assert not anchors.duplicates
    linked = 0
    for link in links:
        assert link.anchor in anchors.found, f"no element for the mention at {link.start}"
        tag, inner = anchors.found[link.anchor]
        if tag == "a":
            assert inner == text[link.start:link.end]
            linked += 1
    # All but the bold one (which crosses markup and is only marked) are real links.
    assert linked >= 10


def test_offsets_count_code_points():
    body = "\U0001F642\U0001F642 Caf\u00e9 na\u0131ve \u00e9t\u00e9 then Maria Lopez."
    text = plain_text(body)
    assert text == body
    (link,) = _links_for(text, "Maria Lopez")
    assert link.start == body.index("Maria Lopez")
    tag, inner = _parse(render_html(body, [link])).found[link.anchor]
    assert (tag, inner) == ("a", "Maria Lopez")


def test_every_word_can_be_linked_at_its_offset():
    """Link each capitalised word in turn: every anchor wraps exactly its slice."""
    text = plain_text(RICH)
    for match in re.finditer(r"[A-Z][a-z\u00e9]+", text):
        link = Link(match.start(), match.end(), "x/", f"m{match.start()}")
        found = _parse(render_html(RICH, [link])).found
        assert link.anchor in found, match.group()
        tag, inner = found[link.anchor]
        if tag == "a":
            assert inner == match.group(), (match.group(), inner)


def test_mention_crossing_markup_is_marked_not_broken():
    body = "Here **Maria** Lopez spoke."
    text = plain_text(body)
    assert text == "Here Maria Lopez spoke."
    link = Link(text.index("Maria"), text.index("Maria") + len("Maria Lopez"), "p/", "m5")
    html = render_html(body, [link])
    assert '<span class="mention-anchor" id="m5"></span>' in html
    assert "<strong>Maria</strong> Lopez" in html.replace('<span class="mention-anchor" id="m5"></span>', "")


def test_code_blocks_and_images_are_not_prose():
    body = (
        "Before the code.\n\n"
        "```python\nprint('Maria Lopez in a fence')\n```\n\n"
        "    Maria Lopez in an indented block\n\n"
        "![Maria Lopez portrait](portrait.png)\n\n"
        "After the code, with `Erik Berg` inline."
    )
    text = plain_text(body)
    assert "Before the code." in text and "After the code" in text
    assert "fence" not in text and "indented block" not in text
    assert "portrait" not in text
    assert "Maria" not in text
    # Inline code is part of the sentence it sits in.
    assert "Erik Berg" in text


def test_blocks_are_separated_and_recoverable():
    body = "# Title\n\nFirst paragraph\nwith a soft break.\n\n- one\n- two\n"
    text = plain_text(body)
    assert text == BLOCK_SEPARATOR.join(["Title", "First paragraph with a soft break.", "one", "two"])
    assert [text[s:e] for s, e in text_blocks(text)] == ["Title", "First paragraph with a soft break.", "one", "two"]


def test_mention_inside_a_markdown_link_is_not_nested():
    body = "Reporters met [Maria Lopez](https://example.org/lopez) in Denver, and Maria Lopez smiled."
    text = plain_text(body)
    links = _links_for(text, "Maria Lopez") + _links_for(text, "Denver")
    html = render_html(body, links)
    anchors = _parse(html)
    assert anchors.max_a_depth == 1, html
    first, second = (l.anchor for l in links[:2])
    assert anchors.found[first][0] == "span"  # only marked: the editor's link wins
    assert anchors.found[second] == ("a", "Maria Lopez")
    assert anchors.found[f"m{text.index('Denver')}"] == ("a", "Denver")
    assert 'href="https://example.org/lopez"' in html


def test_no_nested_links_in_a_built_article(make_site, build_site):
    site = make_site()
    site.add_article("linked", title="Linked", body=(
        "[Hannah Schmidt](https://example.org/schmidt) visited a school in [Berlin](https://example.org/berlin) "
        "on Monday. Schmidt met the students."
    ))
    assert build_site(site).ok
    page = site.article_page("linked")
    assert _parse(page).max_a_depth == 1
    assert 'href="https://example.org/schmidt"' in page


def test_built_pages_link_each_mention_at_its_offset(make_site, build_site, analyse_site):
    site = make_site()
    site.add_article("rich", title="Rich", date="2025-06-01", body=(
        "## Visit\n\n"
        "Hannah Schmidt visited a school in *Berlin* on Monday. Schmidt met the students.\n\n"
        "> Anna Berg, a chemist, won the award in Stockholm.\n\n"
        "- Erik Berg, a footballer, scored twice in Oslo.\n"
        "- The Federal Agency for Things (FAT) published new rules.\n\n"
        "```\nRobert Hayes in a code block\n```\n\n"
        "Caf\u00e9 owners in Vienna cheered \U0001F642 as Schmidt arrived."
    ), caption="Hannah Schmidt and Anna Berg in Stockholm on Friday.")
    assert build_site(site).ok
    data = site.entities_json()
    (article,) = data["articles"]
    text = (site.output / "data" / "text" / "rich.txt").read_text(encoding="utf-8")
    assert "Robert Hayes" not in text
    anchors = _parse(site.article_page("rich"))
    assert len(article["mentions"]) + len(article["other_names"]) >= 8
    paged = {e["id"]: e["page"] for e in data["entities"]}
    model, _ = analyse_site(site)
    at = {m.start: m for m in model.mentions_by_article["rich"]}
    for listed, has_page in (("mentions", True), ("other_names", False)):
        for mention in article[listed]:
            assert text[mention["start"]:mention["end"]] == mention["text"]
            anchor = at[mention["start"]].anchor  # made of its sentence, not its offset
            assert anchor in anchors.found, f"{mention['text']!r} at {mention['start']} is not on the page"
            tag, inner = anchors.found[anchor]
            # A dossier page's name is linked; a name without a page of its own is
            # highlighted at the same spot, and listed apart.
            assert paged[mention["entity"]] is has_page, (listed, mention)
            assert tag == ("a" if has_page else "span") and inner == mention["text"], (mention, tag, inner)
    # Entity ids in mentions are entities that exist.
    ids = {e["id"] for e in data["entities"]}
    assert {m["entity"] for m in article["mentions"] + article["other_names"]} <= ids


def test_caption_offsets_point_into_the_caption(make_site, analyse_site, build_site):
    site = make_site()
    caption = "Hannah Schmidt greets Anna Berg in *Stockholm* on Friday."
    site.add_article("photo", title="Photo", body="Hannah Schmidt visited Berlin on Monday. Schmidt met students.",
                     caption=caption)
    site.add_article("only-caption", title="Only a caption", date="2025-01-01", caption=caption)
    model, errors = analyse_site(site)
    assert not errors
    articles = {a.id: a for a in model.articles}

    photo = articles["photo"]
    caption_text = plain_text(caption)
    assert photo.caption == caption
    assert photo.caption_start is not None
    assert photo.text[photo.caption_start:] == caption_text
    assert photo.text[:photo.caption_start] == plain_text(photo.body) + BLOCK_SEPARATOR
    assert articles["only-caption"].caption_start == 0
    assert articles["only-caption"].text == caption_text

    in_caption = [m for m in model.mentions_by_article["photo"] if m.start >= photo.caption_start]
    assert {m.text for m in in_caption} >= {"Hannah Schmidt", "Anna Berg", "Stockholm"}
    for m in model.mentions_by_article["photo"]:
        assert photo.text[m.start:m.end] == m.text
        # A mention lies wholly in the body or wholly in the caption.
        assert (m.end <= photo.caption_start) or (m.start >= photo.caption_start)
        assert photo.text[m.sentence_start:].startswith(m.sentence)

    # The page links the caption's mentions at the same offsets.
    assert build_site(site).ok
    anchors = _parse(site.article_page("photo"))
    for m in in_caption:
        assert anchors.found.get(m.anchor) == ("a", m.text), m
