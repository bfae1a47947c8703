"""What the preview's threads share: whether a build runs, which site is out, what failed.

One ``BuildStatus`` per server. The build loop marks a build's start and end; page
requests wait while one runs; event streams wait for the next change and send it. All
of it under one condition variable, so no reader sees half an update.
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Snapshot:
    generation: int  # counts every finished build, failed or not
    site_version: str  # changes when the files served change, and with every server start
    problems: list[dict] = field(default_factory=list)  # {"file", "line", "message", "hint"}


class BuildStatus:
    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._building = False
        self._closed = False
        # A new token per server start: a page served by an earlier run reloads.
        self._run = uuid.uuid4().hex[:12]
        self._writes = 0
        self._snapshot = Snapshot(0, self._version())

    def _version(self) -> str:
        return f"{self._run}-{self._writes}"

    @property
    def site_version(self) -> str:
        with self._changed:
            return self._snapshot.site_version

    def snapshot(self) -> Snapshot:
        with self._changed:
            return self._snapshot

    def started(self) -> None:
        with self._changed:
            self._building = True

    def finished(self, site_changed: bool, problems: list[dict]) -> Snapshot:
        """Record a finished build; wakes every waiting request and event stream."""
        with self._changed:
            if site_changed:
                self._writes += 1
            self._building = False
            self._snapshot = Snapshot(self._snapshot.generation + 1, self._version(), problems)
            self._changed.notify_all()
            return self._snapshot

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no build runs (at most ``timeout`` seconds); False if one still does."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._building, timeout)

    def wait_for_change(self, seen: int, timeout: float) -> Snapshot:
        """The status once its generation is not ``seen`` (or, after ``timeout``, as it is)."""
        with self._changed:
            self._changed.wait_for(lambda: self._closed or self._snapshot.generation != seen, timeout)
            return self._snapshot

    def close(self) -> None:
        """The server stops: let every waiting event stream end."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
