"""Who may use the review endpoints: the preview's own pages, on this machine, with the
server's secret.

A web page from anywhere can make the editor's browser send requests to 127.0.0.1, and
a hostile DNS name can be made to resolve to it (DNS rebinding). So every review request
must name this server by a loopback address in ``Host``; a write must also be a POST
whose ``Origin`` is this server, carrying JSON and the per-server token that only pages
served to such requests contain. Anything else is refused before it is read.
"""
from __future__ import annotations

import hmac
import ipaddress
import secrets

LOOPBACK_NAMES = ("localhost",)
TOKEN_HEADER = "X-Sitegen-Token"
MAX_BODY = 64 * 1024


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Guard:
    def __init__(self, listen_host: str, port: int, token: str | None = None) -> None:
        self.listening_locally = is_loopback(listen_host)
        self.port = port
        self.token = token or secrets.token_urlsafe(32)

    def hosts(self) -> set[str]:
        """The ``Host`` values a browser sends for this server on this machine."""
        return {f"{name}:{self.port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    def trusted_host(self, headers) -> bool:
        return self.listening_locally and (headers.get("Host") or "").casefold() in self.hosts()

    def refuse_read(self, headers) -> str | None:
        """Why a review page or listing may not be sent, or None."""
        if not self.listening_locally:
            return "the review page exists only while the preview listens on this machine alone (--host 127.0.0.1)"
        if not self.trusted_host(headers):
            return "open the review page at 127.0.0.1 or localhost: the address asked for is not this preview's"
        return None

    def refuse_write(self, headers) -> str | None:
        """Why a write request must be refused, or None."""
        problem = self.refuse_read(headers)
        if problem:
            return problem
        origin = headers.get("Origin")
        if origin is None or origin.casefold() != f"http://{headers.get('Host', '').casefold()}":
            return "a write must come from a page of this preview (Origin)"
        if headers.get("Sec-Fetch-Site") not in (None, "same-origin"):
            return "a write must come from a page of this preview (Sec-Fetch-Site)"
        if not hmac.compare_digest((headers.get(TOKEN_HEADER) or "").encode(), self.token.encode()):
            return "missing or wrong review token: reload the review page"
        if (headers.get("Content-Type") or "").split(";")[0].strip().casefold() != "application/json":
            return "a write must send JSON"
        try:
            length = int(headers.get("Content-Length") or "0")
        except ValueError:
            return "bad Content-Length"
        if not 0 < length <= MAX_BODY:
            return "the request body is missing or too large"
        return None
