"""How long each phase of a build took, for `sitegen build --timings`.

A large archive's build or one-article edit spends its time in a dozen passes; which of
them dominates depends on the archive and the edit. The build notes each phase it runs
(``phase``), nested where one is part of another, and the command prints them in the
order they started. A phase run in a forked process comes back with its result
(``rows``, ``adopt``).
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator, Sequence

Row = tuple[int, str, float]  # (depth, phase, seconds)


class Timings:
    def __init__(self) -> None:
        self._rows: list[Row] = []
        self._depth = 0

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the work of the ``with`` block as phase ``name`` (part of the phase around it)."""
        at, depth = len(self._rows), self._depth
        self._rows.append((depth, name, 0.0))
        self._depth += 1
        started = time.perf_counter()
        try:
            yield
        finally:
            self._depth = depth
            self._rows[at] = (depth, name, time.perf_counter() - started)

    def rows(self) -> tuple[Row, ...]:
        return tuple(self._rows)

    def adopt(self, rows: Sequence[Row]) -> None:
        """Take in the phases another process timed, as parts of the phase open here."""
        self._rows.extend((self._depth + depth, name, seconds) for depth, name, seconds in rows)

    def note(self, name: str, seconds: float) -> None:
        """A phase timed elsewhere (in another thread, alongside the phases here)."""
        self._rows.append((self._depth, name, seconds))


class NoTimings(Timings):
    """What a build notes when no one asked for timings: nothing."""

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        yield

    def adopt(self, rows: Sequence[Row]) -> None:
        pass

    def note(self, name: str, seconds: float) -> None:
        pass


def table(rows: Sequence[Row], total: float) -> str:
    """The phases as lines of text, indented by depth, each with its seconds and share."""
    width = max([len(name) + 2 * depth for depth, name, _ in rows] + [len("total")])
    lines = [f"{'  ' * depth}{name:<{width - 2 * depth}}  {seconds:8.3f} s  {_share(seconds, total)}"
             for depth, name, seconds in rows]
    lines.append(f"{'total':<{width}}  {total:8.3f} s")
    return "\n".join(lines)


def _share(seconds: float, total: float) -> str:
    return f"{100 * seconds / total:5.1f} %" if total > 0 else ""
