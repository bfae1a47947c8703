"""Watch a site's inputs and call back once an editor's burst of saves has settled.

Editors save in bursts: a temporary file, a rename, an attribute change, several files
by a "save all". Events are collected until none has come for ``quiet`` seconds (less
once every file written was closed), then the callback runs once with every path seen. Paths no build reads are ignored: the
output and cache folders, hidden files, editor backups and swap files.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch

from ..config import CONFIG_FILE

# Seconds without a new event before a build starts: longer than the gap between the
# writes of one save, short against the time a reader needs to look up.
QUIET_SECONDS = 0.05
# The same once every file of the burst was closed after writing, renamed into place or
# deleted (where the system reports closes: Linux): each save is whole, so only another
# file of a "save all" is waited for.
SETTLED_SECONDS = 0.01
WATCHED_FOLDERS = ("content", "templates")
INPUT_SUFFIXES = (".md", ".markdown")  # of the files under content/ that builds read


def is_input(site_dir: Path, path: str, is_file: bool = True) -> bool:
    """Whether a change at ``path`` can change the built site."""
    try:
        parts = Path(path).relative_to(site_dir).parts
    except ValueError:
        return False
    if not parts:
        return False
    if parts == (CONFIG_FILE,):
        return True
    if parts[0] not in WATCHED_FOLDERS:
        return False
    name = parts[-1]
    if any(p.startswith(".") for p in parts) or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913":
        return False  # hidden files, and the files editors write beside the one being saved
    if parts[0] == "content" and is_file:
        return Path(name).suffix.lower() in INPUT_SUFFIXES  # a text editor's scratch file is not an article
    return True


class Debouncer:
    """Collects paths; calls ``on_change(paths)`` on its own thread once none came for ``quiet`` s."""

    def __init__(self, on_change: Callable[[set[str]], None], quiet: float = QUIET_SECONDS,
                 settled: float = SETTLED_SECONDS) -> None:
        self.on_change = on_change
        self.quiet = quiet
        self.settled = min(settled, quiet)
        self._lock = threading.Condition()
        self._pending: set[str] = set()
        self._writing: set[str] = set()  # pending paths written to and not yet closed
        self._last = 0.0
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sitegen-rebuild", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(self, paths: Iterable[str], whole: bool = False) -> None:
        """``whole``: the paths' writes are over (closed, renamed into place, deleted)."""
        paths = set(paths)
        with self._lock:
            self._pending |= paths
            if whole:
                self._writing -= paths
            else:
                self._writing |= paths
            self._last = time.monotonic()
            self._lock.notify_all()

    def stop(self) -> None:
        """Stop; a call of ``on_change`` under way is waited for (a build is never cut off)."""
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._pending or self._stopped)
                while not self._stopped:  # until the burst settles
                    quiet = self.quiet if self._writing else self.settled
                    left = self._last + quiet - time.monotonic()
                    if left <= 0:
                        break
                    self._lock.wait(left)
                if self._stopped:
                    return
                paths, self._pending = self._pending, set()
                self._writing.clear()
            self.on_change(paths)


class SiteWatcher(FileSystemEventHandler):
    """Watches a site's inputs with watchdog; settled bursts of changes go to ``on_change``."""

    def __init__(self, site_dir: Path, on_change: Callable[[set[str]], None], quiet: float = QUIET_SECONDS) -> None:
        self.site_dir = site_dir.resolve()
        self.debouncer = Debouncer(on_change, quiet)
        self._observer = Observer()
        self._watched: dict[Path, ObservedWatch] = {}

    def start(self) -> None:
        # The site folder itself, not recursively (sitegen.toml, and watched folders that
        # appear later); each watched folder recursively. Never the output folder, which
        # every build rewrites.
        self._observer.schedule(self, str(self.site_dir), recursive=False)
        self._watch_folders()
        self.debouncer.start()
        self._observer.start()

    def _watch_folders(self) -> None:
        for name in WATCHED_FOLDERS:
            folder = self.site_dir / name
            if folder.is_dir() and folder not in self._watched:
                self._watched[folder] = self._observer.schedule(self, str(folder), recursive=True)
            elif not folder.is_dir() and folder in self._watched:
                # Deleted (or moved away): watch it afresh if it comes back.
                self._observer.unschedule(self._watched.pop(folder))

    def stop(self) -> None:
        """Stop watching; safe before ``start`` has run or finished (a Ctrl-C at start-up)."""
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout=5)
        self.debouncer.stop()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return  # reading a file changes nothing
        paths = [p for p in (event.src_path, getattr(event, "dest_path", "")) if p]
        if event.is_directory:
            if event.event_type in ("created", "deleted", "moved"):
                self._watch_folders()
            elif event.event_type == "modified":
                return  # a folder's listing changed: the event of the file itself tells what
        relevant = [p for p in _decoded(paths) if is_input(self.site_dir, p, not event.is_directory)]
        if relevant:
            whole = event.is_directory or event.event_type in ("closed", "moved", "deleted")
            self.debouncer.add(relevant, whole)


def _decoded(paths: Iterable[str | bytes]) -> list[str]:
    return [p.decode("utf-8", "surrogateescape") if isinstance(p, bytes) else p for p in paths]
