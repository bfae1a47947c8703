"""The preview's HTTP server: the output folder, safely, plus the live-reload channel.

Files are served from the output folder only: a request path is decoded, refused if any
segment is "..", and the file's real location must lie inside the folder (a symbolic
link cannot lead out). A folder is served by its ``index.html`` (after a redirect that
adds the trailing slash pages' relative links rely on), anything missing by the site's
``404.html`` with status 404. Nothing is cached by the browser: a preview always shows
the latest build.

With live reload on, every HTML page gets one script tag before ``</body>``, at the
moment it is sent (the files on disk stay exactly what ``sitegen build`` writes), and
``/__sitegen/events`` streams the build status as Server-Sent Events. With the review
queue mounted, pages sent to this machine's own address get its actions script the same
way, and ``/_review/`` is answered by it.
"""
from __future__ import annotations

import json
import mimetypes
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import quote, unquote, urlsplit

from .status import BuildStatus

LIVE_PREFIX = "/__sitegen/"
SCRIPT_PATH = LIVE_PREFIX + "livereload.js"
EVENTS_PATH = LIVE_PREFIX + "events"
# How often an idle event stream sends a comment, so a vanished browser is noticed.
KEEPALIVE_SECONDS = 15.0
# How long a request waits for a running build before it is served the last site anyway.
BUILD_WAIT_SECONDS = 60.0

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".pdf": "application/pdf",
}
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


SCRIPT_FILE = Path(__file__).parent / "live" / "reload.js"


def reload_script() -> bytes:
    return SCRIPT_FILE.read_bytes()


def inject(html: bytes, site_version: str) -> bytes:
    """``html`` with the live-reload script tag before its last ``</body>`` (or at the end)."""
    tag = (f'<script src="{SCRIPT_PATH}" data-site="{site_version}" defer></script>\n').encode("ascii")
    return insert_before_body_end(html, tag)


def insert_before_body_end(html: bytes, tag: bytes) -> bytes:
    ends = list(_BODY_END.finditer(html))
    at = ends[-1].start() if ends else len(html)
    return html[:at] + tag + html[at:]


def resolve_request_path(root: Path, raw_path: str) -> Path | None:
    """The file or folder under ``root`` a request path names, or None if it names none safely."""
    path = unquote(urlsplit(raw_path).path, errors="strict") if raw_path else "/"
    if "\0" in path or "\\" in path:
        return None
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") for p in parts):
        return None
    target = root.joinpath(*parts)
    try:
        real = target.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if real != root and root not in real.parents:
        return None
    return real


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True  # an open event stream never holds up shutdown
    allow_reuse_address = True
    review = None  # the review queue's endpoints (sitegen.preview.review_endpoints), once mounted

    def __init__(self, address: tuple[str, int], output: Path, status: BuildStatus, livereload: bool,
                 log: Callable[[str], None] = lambda message: None) -> None:
        self.output = output.resolve()
        self.status = status
        self.livereload = livereload
        self.log = log
        self.stopping = threading.Event()
        super().__init__(address, PreviewHandler)

    def server_close(self) -> None:
        self.stopping.set()
        self.status.close()
        super().server_close()


class PreviewHandler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "sitegen-preview"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def do_POST(self) -> None:
        """Only the review queue takes POSTs (see sitegen.preview.review_endpoints)."""
        try:
            path = urlsplit(self.path).path
            if self.server.review is not None and self.server.review.handles(path):
                self.server.review.post(self, path)
            else:
                self.close_connection = True
                self._send(HTTPStatus.METHOD_NOT_ALLOWED, CONTENT_TYPES[".txt"], b"405 Method Not Allowed\n", True)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _respond(self, send_body: bool) -> None:
        try:
            path = urlsplit(self.path).path
            if self.server.review is not None and self.server.review.handles(path):
                self.server.review.get(self, path, urlsplit(self.path).query, send_body)
            elif self.server.livereload and path == EVENTS_PATH:
                self._events()
            elif self.server.livereload and path == SCRIPT_PATH:
                self._send(HTTPStatus.OK, CONTENT_TYPES[".js"], reload_script(), send_body)
            else:
                self._file(send_body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the browser went away

    def _file(self, send_body: bool) -> None:
        # Page requests wait while a build runs, so a page is never a mix of two builds.
        self.server.status.wait_idle(BUILD_WAIT_SECONDS)
        root = self.server.output
        try:
            target = resolve_request_path(root, self.path)
        except UnicodeDecodeError:
            target = None
        if target is not None and target.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                location = quote(urlsplit(self.path).path, safe="/%") + "/"
                query = urlsplit(self.path).query
                self._redirect(location + (f"?{query}" if query else ""))
                return
            target = target / "index.html"
        if target is None or not target.is_file():
            self._not_found(send_body)
            return
        self._send(HTTPStatus.OK, _content_type(target), self._body(target), send_body)

    def _body(self, file: Path) -> bytes:
        data = file.read_bytes()
        if self.server.livereload and file.suffix == ".html":
            data = inject(data, self.server.status.site_version)
            review = self.server.review
            if review is not None and review.guard.trusted_host(self.headers):
                data = insert_before_body_end(data, review.tag().encode("ascii"))
        return data

    def _not_found(self, send_body: bool) -> None:
        page = self.server.output / "404.html"
        if page.is_file():
            body, kind = self._body(page), CONTENT_TYPES[".html"]
        else:
            body, kind = b"404 Not Found\n", CONTENT_TYPES[".txt"]
        self._send(HTTPStatus.NOT_FOUND, kind, body, send_body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: HTTPStatus, content_type: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _events(self) -> None:
        """Stream the build status: now, then after every build, until the browser leaves."""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        status = self.server.status
        self.wfile.write(b"retry: 1000\n\n")
        seen = -1
        while not self.server.stopping.is_set():
            snapshot = status.wait_for_change(seen, KEEPALIVE_SECONDS)
            if self.server.stopping.is_set():
                break
            if snapshot.generation == seen:
                self.wfile.write(b": keep-alive\n\n")
            else:
                seen = snapshot.generation
                data = json.dumps({"site": snapshot.site_version, "problems": snapshot.problems})
                self.wfile.write(f"event: status\ndata: {data}\n\n".encode("utf-8"))
            self.wfile.flush()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass  # a preview's request log is noise; errors are reported by the build loop

    def log_error(self, format: str, *args) -> None:  # noqa: A002
        self.server.log(f"{self.address_string()}: {format % args}")


def _content_type(file: Path) -> str:
    kind = CONTENT_TYPES.get(file.suffix.lower())
    if kind:
        return kind
    guessed, _ = mimetypes.guess_type(file.name)
    return guessed or "application/octet-stream"
