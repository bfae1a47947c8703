"""Markdown to plain text (what NER reads) and to HTML (what readers see), sharing offsets.

Both come from one token walk, so a mention found at plain-text offsets ``start..end``
can be linked at exactly that spot of the rendered page. The plain text is the body's
prose: each block (paragraph, heading, list item, quote line, table cell) on its own,
blocks separated by a blank line; code blocks and images are not prose and are left out.
Offsets count Unicode code points (Python string indices).
"""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from html import escape
from typing import Iterable, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

BLOCK_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Link:
    """A mention to link in the rendered body."""

    start: int
    end: int
    href: str | None  # None: a name without a page, highlighted but not linked
    anchor: str  # element id, so other pages can link to this exact spot
    title: str = ""


def _parser(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": allow_html}).enable("table")
    md.add_render_rule("text", _render_text)
    md.add_render_rule("link_open", _render_link_open)
    md.add_render_rule("link_close", _render_link_close)
    return md


_PARSERS: dict[bool, MarkdownIt] = {}


def _get_parser(allow_html: bool) -> MarkdownIt:
    if allow_html not in _PARSERS:
        _PARSERS[allow_html] = _parser(allow_html)
    return _PARSERS[allow_html]


def _walk(tokens: Sequence[Token], base: int = 0) -> tuple[str, list[tuple[int, int]]]:
    """Give every inline text token its plain-text offset; return the text and its blocks."""
    parts: list[str] = []
    blocks: list[tuple[int, int]] = []
    length = base
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        pieces = [_plain_piece(child) for child in token.children]
        if not any(pieces):
            continue  # an image-only paragraph adds no prose and no blank block
        if parts:
            parts.append(BLOCK_SEPARATOR)
            length += len(BLOCK_SEPARATOR)
        block_start = length
        for child, piece in zip(token.children, pieces):
            child.meta["offset"] = length
            parts.append(piece)
            length += len(piece)
        blocks.append((block_start, length))
    return "".join(parts), blocks


def _plain_piece(token: Token) -> str:
    if token.type in ("text", "code_inline"):
        return token.content
    if token.type == "softbreak":
        return " "
    if token.type == "hardbreak":
        return "\n"
    return ""


def plain_text(markdown: str, allow_html: bool = False) -> str:
    """The prose of a Markdown body, as NER reads it."""
    return _walk(_get_parser(allow_html).parse(markdown))[0]


def text_blocks(text: str) -> list[tuple[int, int]]:
    """Offsets of the blocks of a plain text made by ``plain_text``."""
    blocks, pos = [], 0
    for piece in text.split(BLOCK_SEPARATOR):
        if piece:
            blocks.append((pos, pos + len(piece)))
        pos += len(piece) + len(BLOCK_SEPARATOR)
    return blocks


def render_html(markdown: str, links: Iterable[Link] = (), allow_html: bool = False, offset: int = 0) -> str:
    """Render the body to HTML, wrapping each linked mention in an anchor.

    ``offset`` is where this Markdown's plain text starts in the text the link offsets
    count in (the article's caption follows its body there).
    """
    md = _get_parser(allow_html)
    ordered = sorted(links, key=lambda link: link.start)
    env: dict = {"links": ordered, "starts": [link.start for link in ordered], "in_link": 0}
    tokens = md.parse(markdown, env)
    _walk(tokens, offset)
    return md.renderer.render(tokens, md.options, env)


def _render_text(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    content = token.content
    offset = token.meta.get("offset")
    links: list[Link] = env.get("links", [])
    if offset is None or not links:
        return escape(content, quote=False)
    end_of_token = offset + len(content)
    out, cursor = [], 0
    for link in _links_starting_in(links, env["starts"], offset, end_of_token):
        local_start = link.start - offset
        out.append(escape(content[cursor:local_start], quote=False))
        if link.end <= end_of_token and not env["in_link"]:
            local_end = link.end - offset
            title = f' title="{escape(link.title)}"' if link.title else ""
            text = escape(content[local_start:local_end], quote=False)
            if link.href is None:
                out.append(f'<span class="mention-name" id="{escape(link.anchor)}"{title}>{text}</span>')
            else:
                out.append(f'<a class="mention" id="{escape(link.anchor)}" href="{escape(link.href)}"{title}>{text}</a>')
            cursor = local_end
        else:
            # The mention crosses markup or sits inside another link: mark the spot only.
            out.append(f'<span class="mention-anchor" id="{escape(link.anchor)}"></span>')
            cursor = local_start
    out.append(escape(content[cursor:], quote=False))
    return "".join(out)


def _links_starting_in(links: list[Link], starts: list[int], start: int, end: int) -> list[Link]:
    i = bisect_left(starts, start)
    found, last_end = [], start
    while i < len(links) and links[i].start < end:
        if links[i].start >= last_end:  # overlapping mentions: keep the first
            found.append(links[i])
            last_end = max(links[i].end, links[i].start + 1)
        i += 1
    return found


def _render_link_open(self, tokens, idx, options, env) -> str:
    env["in_link"] = env.get("in_link", 0) + 1
    return self.renderToken(tokens, idx, options, env)


def _render_link_close(self, tokens, idx, options, env) -> str:
    env["in_link"] = max(0, env.get("in_link", 0) - 1)
    return self.renderToken(tokens, idx, options, env)
