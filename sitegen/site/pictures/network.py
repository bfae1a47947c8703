"""A dossier's co-mention network: the entity in the middle, its closest entities around it.

"Closest" means sharing the most articles. The strongest sits at twelve o'clock and the
rest follow clockwise; a line's width grows with the articles two entities share, and
lines between neighbours show which of them also appear together. Every neighbour is a
link to its own dossier.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from html import escape
from typing import Callable, Mapping, Sequence

WIDTH, HEIGHT = 640, 400
RADIUS_X, RADIUS_Y = 150, 140
LINE = 18  # characters per label line; a name takes up to three lines, then is cut
MAX_LINES = 3


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    type: str  # person | place | organisation
    type_label: str  # "person"
    href: str


@dataclass(frozen=True)
class Picture:
    svg: str
    summary: str


def network_svg(centre: Node, neighbours: Sequence[tuple[Node, int]],
                shared: Callable[[str, str], int] | None = None,
                widths: bytes | None = None) -> Picture | None:
    """The network around ``centre``; ``neighbours`` are (node, shared articles), strongest first;
    ``shared(a, b)`` counts the articles two neighbours share, or ``widths`` gives the width
    of each line between them already (pairs in order, in half pixels, 0 for none: see
    ``line_widths``). None without neighbours."""
    if not neighbours:
        return None
    strongest = max(count for _, count in neighbours)
    cx, cy = WIDTH / 2, HEIGHT / 2
    places: dict[str, tuple[float, float]] = {}
    n = len(neighbours)
    for i, (node, _count) in enumerate(neighbours):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        places[node.id] = (cx + RADIUS_X * math.cos(angle), cy + RADIUS_Y * math.sin(angle))
    parts = [
        f'<svg class="chart network" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="group" aria-label="Entities most often mentioned with {escape(centre.name)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    # Lines first, so nodes and labels are drawn over them. Lines between neighbours are
    # many (up to 66) and alike: one path per line width keeps the page light.
    if widths is None:
        widths = line_widths([node.id for node, _ in neighbours], shared)
    between: dict[int, list[str]] = {}
    pair = 0
    for i, (a, _) in enumerate(neighbours):
        for b, _ in neighbours[i + 1:]:
            halves = widths[pair]
            pair += 1
            if halves:
                (x1, y1), (x2, y2) = places[a.id], places[b.id]
                between.setdefault(halves, []).append(f"M{x1:.0f} {y1:.0f}L{x2:.0f} {y2:.0f}")
    for halves, segments in sorted(between.items()):
        parts.append(f'<path class="edge edge-between" d="{"".join(segments)}" stroke-width="{halves / 2:g}"/>')
    for node, count in neighbours:
        x, y = places[node.id]
        parts.append(f'<line class="edge" x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
                     f'stroke-width="{_width(count, strongest):.1f}"/>')
    for node, count in neighbours:
        x, y = places[node.id]
        words = f"{node.name} ({node.type_label}): {_plural(count, 'shared article')}"
        anchor = "middle" if abs(x - cx) < 20 else ("start" if x > cx else "end")
        lines = _lines(node.name)
        dx = 0 if anchor == "middle" else (12 if anchor == "start" else -12)
        if anchor != "middle":
            dy = 5 - 7.5 * (len(lines) - 1)  # centred on the node
        else:
            dy = -14 - 15 * (len(lines) - 1) if y < cy else 22
        parts.append(
            f'<a href="{escape(node.href)}" aria-label="{escape(words)}"><title>{escape(words)}</title>'
            f'<circle class="node node-{escape(node.type)}" cx="{x:.1f}" cy="{y:.1f}" r="{_radius(count, strongest):.1f}"/>'
            f'{_text("label", x + dx, y + dy, anchor, lines)}</a>'
        )
    parts.append(f'<circle class="node node-centre node-{escape(centre.type)}" cx="{cx:.1f}" cy="{cy:.1f}" r="13"/>')
    parts.append(_text("label label-centre", cx, cy + 32, "middle", _lines(centre.name)))
    parts.append("</svg>")
    names = ", ".join(f"{node.name} ({count})" for node, count in neighbours[:5])
    more = f" and {len(neighbours) - 5} more" if len(neighbours) > 5 else ""
    summary = f"Most often in the same articles as {centre.name}: {names}{more}."
    return Picture("".join(parts), summary)


def line_widths(ids: Sequence[str], shared: Callable[[str, str], int]) -> bytes:
    """The width of the line between each pair of ``ids`` (in pair order), in half
    pixels, 0 where they share nothing. The lines are to scale among themselves, the pair
    sharing most drawn widest: two neighbours may share far more articles than either
    shares with the centre (two capitals in a small name's picture), so a scale set by the
    centre's counts drew them thousands of pixels wide, and moved them with every article.

    Bytes, not numbers: a dossier's picture is an input of its page, and a hub's edit has
    every picture naming it worked out and compared again (17,900 at 10,000 articles for
    a sentence naming four capitals), which a tuple of floats made cost 0.17 s more in
    digests."""
    counts = [shared(a, b) for i, a in enumerate(ids) for b in ids[i + 1:]]
    strongest = max(counts, default=0)
    return bytes(line_width_between(count, strongest) if count else 0 for count in counts)


def line_width_between(count: int, strongest: int) -> int:
    """The drawn width of the line between two neighbours, in half pixels (1 to 7): what a
    change in their shared count must move for the picture to change."""
    return round(_width(count, strongest) * 0.6 * 2)


def shared_counts(related: Mapping[str, Sequence[tuple[str, int]]]) -> Callable[[str, str], int]:
    """``shared(a, b)`` from the site's related lists (each side holds its strongest
    partners): ``a``'s count of ``b`` if it lists it, else ``b``'s count of ``a``, else 0.
    Each list is made a dict once, when first asked about: a picture asks about every pair
    of its twenty nodes, and a preview's save works out the lines of every picture a
    changed list is in."""
    partners: dict[str, dict[str, int]] = {}

    def of(entity_id: str) -> dict[str, int]:
        found = partners.get(entity_id)
        if found is None:
            found = partners[entity_id] = {}
            for other, count in related.get(entity_id, ()):
                found.setdefault(other, count)  # the first, should a list name one twice
        return found

    def shared(a: str, b: str) -> int:
        count = of(a).get(b)
        return count if count is not None else of(b).get(a, 0)
    return shared


def _width(count: int, strongest: int) -> float:
    return 1.0 + 5.0 * count / strongest


def _radius(count: int, strongest: int) -> float:
    return 5.0 + 5.0 * math.sqrt(count / strongest)


def _lines(name: str) -> list[str]:
    """The name in lines of about LINE characters. Whole words, so the visible text stays
    part of the link's accessible name; only a name longer than three lines is cut."""
    lines = textwrap.wrap(name, LINE, break_long_words=False) or [name]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: LINE - 1].rstrip() + "…"
    return lines


def _text(css: str, x: float, y: float, anchor: str, lines: list[str]) -> str:
    # A space ends every line but the last, so the lines read as the name they split.
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else 15}">{escape(line)}{" " if i < len(lines) - 1 else ""}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{spans}</text>'



def _plural(n: int, word: str) -> str:
    return f"{n:,} {word if n == 1 else word + 's'}"
