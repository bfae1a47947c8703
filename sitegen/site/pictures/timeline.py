"""A dossier's mentions over time: one bar per day, month or year, each linked to its articles.

The time axis is continuous (empty periods keep their place), so gaps in the coverage
show. The period is chosen by the span covered: days up to six weeks, months up to six
years, years beyond.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from typing import Callable, NamedTuple, Sequence

MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WIDTH, HEIGHT = 640, 160
LEFT, RIGHT, TOP, BOTTOM = 34, 8, 12, 30
MIN_LABEL_GAP = 56  # px between axis labels, so they never overlap


class Dated(NamedTuple):
    """One article's mentions of the entity (a tuple: a hub's dossier makes thousands)."""

    date: dt.date
    count: int
    title: str
    article_id: str  # what ``timeline_svg``'s ``href`` is given for the bar's newest article


@dataclass(frozen=True)
class Picture:
    svg: str  # safe markup
    summary: str  # the same facts in a sentence, for the caption


@dataclass
class _Bucket:
    key: tuple
    label: str  # "Nov 2025"
    long_label: str  # "November 2025"
    count: int = 0
    articles: int = 0
    newest: Dated | None = None


def timeline_svg(items: Sequence[Dated], month_names: Sequence[str],
                 href: Callable[[str], str]) -> Picture | None:
    """The timeline of ``items`` (any order); None when there is nothing to draw. A bar
    leads to ``href(article_id)`` of its newest article (asked only for the bars drawn: a
    large dossier has thousands of articles and a hundred bars)."""
    items = [i for i in items if i.count > 0]
    if not items:
        return None
    first, last = min(i.date for i in items), max(i.date for i in items)
    span = (last - first).days
    unit = "day" if span <= 42 else "month" if span <= 6 * 366 else "year"
    buckets = _buckets(first, last, unit, month_names)
    index = {b.key: b for b in buckets}
    for item in items:
        bucket = index[_key(item.date, unit)]
        bucket.count += item.count
        bucket.articles += 1
        if bucket.newest is None or (item.date, item.title) > (bucket.newest.date, bucket.newest.title):
            bucket.newest = item
    return Picture(_draw(buckets, unit, href), _summary(items, buckets, first, last, month_names))


def _key(day: dt.date, unit: str) -> tuple:
    return {"day": (day.year, day.month, day.day), "month": (day.year, day.month), "year": (day.year,)}[unit]


def _buckets(first: dt.date, last: dt.date, unit: str, month_names: Sequence[str]) -> list[_Bucket]:
    out = []
    if unit == "day":
        day = first
        while day <= last:
            out.append(_Bucket(_key(day, unit), f"{day.day} {MONTHS_SHORT[day.month - 1]}",
                               f"{day.day} {month_names[day.month - 1]} {day.year}"))
            day += dt.timedelta(days=1)
    elif unit == "month":
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            out.append(_Bucket((year, month), f"{MONTHS_SHORT[month - 1]} {year}", f"{month_names[month - 1]} {year}"))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        out = [_Bucket((y,), str(y), str(y)) for y in range(first.year, last.year + 1)]
    return out


def _draw(buckets: list[_Bucket], unit: str, href: Callable[[str], str]) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(buckets)
    bar_w = max(1.0, min(slot * 0.8, 48.0))
    peak = max(b.count for b in buckets)
    base_y = TOP + plot_h
    parts = [
        f'<svg class="chart timeline" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="group" aria-label="Mentions over time" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{LEFT}" y1="{base_y}" x2="{WIDTH - RIGHT}" y2="{base_y}"/>',
        f'<text class="tick" x="{LEFT - 6}" y="{TOP + 4}" text-anchor="end">{peak}</text>',
        f'<text class="tick" x="{LEFT - 6}" y="{base_y}" text-anchor="end">0</text>',
    ]
    for i, b in enumerate(buckets):
        if not b.count:
            continue
        h = max(2.0, plot_h * b.count / peak)
        x = LEFT + i * slot + (slot - bar_w) / 2
        words = f"{b.long_label}: {_plural(b.count, 'mention')} in {_plural(b.articles, 'article')}"
        newest = b.newest
        tip = words if b.articles == 1 else f"{words}; the newest: {newest.title}"
        parts.append(
            f'<a href="{escape(href(newest.article_id))}" aria-label="{escape(words)}">'
            f"<title>{escape(tip)}</title>"
            f'<rect class="bar" x="{x:.1f}" y="{base_y - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}"/></a>'
        )
    last_x = float("-inf")
    half_label = MIN_LABEL_GAP / 2
    for i, b in enumerate(buckets):
        # Months are labelled at each January and at both ends; days and years wherever they fit.
        wanted = unit != "month" or i in (0, len(buckets) - 1) or b.key[1] == 1
        x = min(max(LEFT + (i + 0.5) * slot, LEFT + half_label), WIDTH - RIGHT - half_label)
        if wanted and x - last_x >= MIN_LABEL_GAP:
            parts.append(f'<text class="tick" x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle">{escape(b.label)}</text>')
            last_x = x
    parts.append("</svg>")
    return "".join(parts)


def _summary(items, buckets: list[_Bucket], first: dt.date, last: dt.date, month_names: Sequence[str]) -> str:
    total = sum(i.count for i in items)
    def day(d: dt.date) -> str:
        return f"{d.day} {month_names[d.month - 1]} {d.year}"
    when = f"on {day(first)}" if first == last else f"from {day(first)} to {day(last)}"
    text = f"{_plural(total, 'mention')} in {_plural(len(items), 'article')} {when}"
    if len(buckets) > 1:
        busiest = max(buckets, key=lambda b: (b.count, b.key))
        text += f"; the most in {busiest.long_label} ({busiest.count})"
    return text + "."


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word if n == 1 else word + 's'}"
