"""The review queue inside ``sitegen serve``: ``/_review/`` and its write endpoints.

Mounted by the preview server only (a built site never has them):
  GET  /_review/                  the queue, with the evidence and one-click actions
  GET  /_review/suggestions.json  the queue as JSON (?entity=ID: those naming one entity)
  GET  /_review/review.js         the actions script, on the review page and on dossiers
  POST /_review/act               write one judgement: {"action", "entity", "value"} or
                                  {"action": "accept", "accept": <a suggestion's accept>}
  POST /_review/undo              take back the last judgement written
Every request passes ``Guard`` first. A write changes a file under content/entities; the
preview's watcher rebuilds and the open pages reload as after any save.
"""
from __future__ import annotations

import json
import threading
from http import HTTPStatus
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

from ..config import load_config
from ..content.judgements import load_judgements
from .devserver import inject
from ..errors import SitegenError
from ..model import ENTITY_TYPES, Site
from .status import BuildStatus
from .review_guard import TOKEN_HEADER, Guard
from ..review.judgements import JudgementError, JudgementFiles, accept
from ..review.queue import suggest
from ..review.suggestion import site_entities

PREFIX = "/_review/"
SUGGESTIONS = PREFIX + "suggestions.json"
SCRIPT = PREFIX + "review.js"
ACT = PREFIX + "act"
UNDO = PREFIX + "undo"
HERE = Path(__file__).parent.parent / "review"  # review.js lives with the queue
# How long the review page waits for a running build before showing the last queue.
BUILD_WAIT_SECONDS = 60.0


class ReviewEndpoints:
    def __init__(self, guard: Guard, site_dir: Path, current_site: Callable[[], Site | None],
                 status: BuildStatus, wait_seconds: float = 0.0) -> None:
        """``wait_seconds``: how long a write waits for the rebuild it causes (the preview's
        watcher starts it) before answering with the site version it published."""
        self.guard = guard
        self.wait_seconds = wait_seconds
        self.site_dir = Path(site_dir)
        self.current_site = current_site
        self.status = status
        self._lock = threading.Lock()
        self._queue: tuple[object, list] | None = None  # (site, its suggestions)

    @staticmethod
    def handles(path: str) -> bool:
        return path == PREFIX.rstrip("/") or path.startswith(PREFIX)

    def tag(self) -> str:
        """The script tag the preview adds to the pages it sends to a trusted address."""
        return f'<script src="{SCRIPT}" data-token="{self.guard.token}" defer></script>\n'

    # ---- requests -------------------------------------------------------------------
    def get(self, handler, path: str, query: str, send_body: bool) -> None:
        problem = self.guard.refuse_read(handler.headers)
        if problem:
            return _json(handler, HTTPStatus.FORBIDDEN, {"ok": False, "error": problem}, send_body)
        if path in (ACT, UNDO):
            return _json(handler, HTTPStatus.METHOD_NOT_ALLOWED,
                         {"ok": False, "error": "this address takes POST requests from the review page only"},
                         send_body)
        if path == PREFIX.rstrip("/"):
            return handler._redirect(PREFIX)
        if path == SCRIPT:
            return handler._send(HTTPStatus.OK, "text/javascript; charset=utf-8",
                                 (HERE / "review.js").read_bytes(), send_body)
        self.status.wait_idle(BUILD_WAIT_SECONDS)
        site, queue = self.queue()
        if path == SUGGESTIONS:
            wanted = parse_qs(query).get("entity", [None])[0]
            rows = [s.to_json() for s in queue if wanted is None or wanted in s.entities]
            named = {i for row in rows for i in row["entities"]}
            paged = {e.id for e in site.entities} if site else set()
            names = {e.id: {"name": e.name, "url": e.url if e.id in paged else None}
                     for e in site_entities(site) if e.id in named} if site else {}
            return _json(handler, HTTPStatus.OK, {"suggestions": rows, "entities": names}, send_body)
        if path == PREFIX:
            from ..review.page import render_page

            html = render_page(site, queue, self.guard.token, self._files().can_undo()).encode("utf-8")
            if handler.server.livereload:  # the page reloads after each build, as the site's pages do
                html = inject(html, self.status.site_version)
            return handler._send(HTTPStatus.OK, "text/html; charset=utf-8", html, send_body)
        return _json(handler, HTTPStatus.NOT_FOUND, {"ok": False, "error": "no such review address"}, send_body)

    def post(self, handler, path: str) -> None:
        handler.close_connection = True  # a refused request's body is never read
        if path not in (ACT, UNDO):
            return _json(handler, HTTPStatus.NOT_FOUND, {"ok": False, "error": "no such review address"})
        problem = self.guard.refuse_write(handler.headers)
        if problem:
            return _json(handler, HTTPStatus.FORBIDDEN, {"ok": False, "error": problem})
        try:
            request = json.loads(handler.rfile.read(int(handler.headers["Content-Length"])))
            if not isinstance(request, dict):
                raise ValueError
        except ValueError:
            return _json(handler, HTTPStatus.BAD_REQUEST, {"ok": False, "error": "the body must be a JSON object"})
        with self._lock:  # one write at a time: the undo log is a sequence
            busy = not self.status.wait_idle(0)
            seen = self.status.snapshot().generation
            try:
                files = self._files()
                written = files.undo() if path == UNDO else self._act(files, request)
            except JudgementError as exc:
                return _json(handler, HTTPStatus.BAD_REQUEST, {"ok": False, "error": str(exc)})
            can_undo = files.can_undo()
        if written is None:
            return _json(handler, HTTPStatus.BAD_REQUEST, {"ok": False, "error": "nothing to undo"})
        _json(handler, HTTPStatus.OK, {"ok": True, "file": written.file, "created": written.created,
                                       "can_undo": can_undo, "site": self._after_rebuild(seen, busy)})

    def _after_rebuild(self, seen: int, busy: bool) -> str:
        """The site version once the build the write caused has finished (a build already
        running when it was written may not have read it: then the one after), or as it
        is after ``wait_seconds``. A page compares it with its own to tell whether the
        decision changed anything it shows (a title pinned offline may not)."""
        for _ in range(2 if busy else 1):
            if self.wait_seconds <= 0:
                break
            snapshot = self.status.wait_for_change(seen, self.wait_seconds)
            if snapshot.generation == seen:
                break
            seen = snapshot.generation
        return self.status.site_version

    def _act(self, files: JudgementFiles, request: dict):
        site = self.current_site()
        if site is None:
            raise JudgementError("the site has not been built yet")
        names = {e.id: e.name for e in site_entities(site)}
        action = request.get("action")
        if action == "accept":
            if not isinstance(request.get("accept"), dict):
                raise JudgementError("no suggestion to accept")
            return accept(files, names, request["accept"])
        entity = names.get(request.get("entity"))
        if entity is None:
            raise JudgementError("that entity is no longer in the site; reload the page")
        value = request.get("value")
        if action in ("same", "not_same") and isinstance(value, str) and value in names:
            value = names[value]  # an entity id from a suggestion, else a name typed in
        if action == "type" and value not in ENTITY_TYPES:
            raise JudgementError(f"the type must be one of {', '.join(ENTITY_TYPES)}")
        return files.decide(action, entity, value)

    # ---- helpers --------------------------------------------------------------------
    def queue(self) -> tuple[Site | None, list]:
        """The current site's suggestions, worked out once per build."""
        site = self.current_site()
        with self._lock:
            if site is None:
                return None, []
            if self._queue is None or self._queue[0] is not site:
                judgements = load_judgements(load_config(self.site_dir).entities_dir).judgements
                self._queue = (site, suggest(site, judgements))
            return site, self._queue[1]

    def _files(self) -> JudgementFiles:
        try:
            return JudgementFiles(load_config(self.site_dir))
        except SitegenError as exc:
            raise JudgementError(str(exc)) from None


def _json(handler, status: HTTPStatus, payload: dict, send_body: bool = True) -> None:
    handler._send(status, "application/json", json.dumps(payload, ensure_ascii=False).encode("utf-8"), send_body)


__all__ = ["ReviewEndpoints", "Guard", "TOKEN_HEADER", "PREFIX"]
