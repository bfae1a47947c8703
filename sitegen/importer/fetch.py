"""Polite, guarded fetching: one client, one User-Agent, robots.txt, a pause per host,
timeouts, retries, a size cap, http(s) only, and a cache under ``.sitegen/`` that
``--offline`` works from.

Tests pass an ``httpx.MockTransport``: the same code path as live use, no network.
"""
from __future__ import annotations

import hashlib
import json
import time
import urllib.parse
import urllib.robotparser
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import httpx

from . import DEFAULT_USER_AGENT
MAX_BYTES = 10_000_000  # far above any article page or feed; stops a runaway download
TRIES = 3
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 30.0


class FetchError(Exception):
    """A URL that could not be fetched; the message says why and what to do."""


@dataclass(frozen=True)
class Page:
    url: str        # the address asked for
    final_url: str  # after redirects
    content_type: str
    body: bytes


@dataclass
class FetchOptions:
    user_agent: str = DEFAULT_USER_AGENT
    delay: float = 1.0          # seconds between two requests to one host
    timeout: float = 20.0
    max_bytes: int = MAX_BYTES
    offline: bool = False       # answer from the cache only
    transport: httpx.BaseTransport | None = None  # tests: httpx.MockTransport
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    final_url: str
    content_type: str
    body: bytes


def is_web_address(text: str) -> bool:
    return urllib.parse.urlsplit(text).scheme.lower() in ("http", "https")


class Fetcher:
    """Requests go in series; each host gets ``delay`` seconds between two requests."""

    def __init__(self, cache_dir: Path, options: FetchOptions | None = None):
        self.options = options or FetchOptions()
        self.cache_dir = cache_dir
        self._client: httpx.Client | None = None
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser | None] = {}

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def get(self, url: str, use_cache: bool = True) -> Page:
        """The page at ``url``: from the cache when ``use_cache`` (pages) or offline,
        else fetched and cached. Feeds pass ``use_cache=False`` to get new items."""
        parts = urllib.parse.urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise FetchError(f"not a web address: {url} (only http:// and https:// are fetched)")
        cached = self._from_cache(url)
        if cached is not None and (use_cache or self.options.offline):
            return cached
        if self.options.offline:
            raise FetchError("not in the import cache, and --offline fetches nothing; import it once without --offline")
        if not self._allowed(url):
            raise FetchError("robots.txt of the site disallows fetching it; ask the publisher for an export instead")
        answer = self._request(url)
        if answer.status >= 400:
            raise FetchError(f"the server answered {answer.status} {answer.reason}; check the address")
        page = Page(url, answer.final_url, answer.content_type, answer.body)
        self._to_cache(page)
        return page

    # ---- the one client -----------------------------------------------------------

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                headers={"User-Agent": self.options.user_agent},
                timeout=self.options.timeout,
                follow_redirects=True,
                max_redirects=5,
                transport=self.options.transport,
            )
        return self._client

    def _request(self, url: str) -> _Answer:
        """GET with retries on timeouts, dropped connections, 429 and 5xx, streaming the
        body so that a download over the size cap is cut off."""
        problem = ""
        for attempt in range(TRIES):
            self._wait_for_host(url)
            try:
                with self._http().stream("GET", url) as response:
                    if response.status_code in RETRY_STATUS and attempt + 1 < TRIES:
                        problem = f"the server answered {response.status_code}"
                        self.options.sleep(self._retry_after(response, attempt))
                        continue
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.options.max_bytes:
                        raise FetchError(self._too_big())
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > self.options.max_bytes:
                            raise FetchError(self._too_big())
                        chunks.append(chunk)
                    return _Answer(response.status_code, response.reason_phrase, str(response.url),
                                   response.headers.get("content-type", ""), b"".join(chunks))
            except httpx.UnsupportedProtocol:
                raise FetchError("redirected to an address that is not http(s); not followed") from None
            except httpx.TooManyRedirects:
                raise FetchError("too many redirects; check the address") from None
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                if attempt + 1 < TRIES:
                    self.options.sleep(2.0 ** attempt)
        raise FetchError(f"could not be fetched after {TRIES} tries ({problem}); try again later")

    def _too_big(self) -> str:
        return f"is larger than {self.options.max_bytes / 1e6:.0f} MB, the download limit; not imported"

    def _retry_after(self, response: httpx.Response, attempt: int) -> float:
        value = response.headers.get("retry-after", "")
        if value.strip().isdigit():
            return min(float(value), MAX_RETRY_AFTER)
        return 2.0 ** attempt

    def _wait_for_host(self, url: str) -> None:
        host = urllib.parse.urlsplit(url).netloc.lower()
        last = self._last_request.get(host)
        if last is not None:
            wait = self.options.delay - (time.monotonic() - last)
            if wait > 0:
                self.options.sleep(wait)
        self._last_request[host] = time.monotonic()

    # ---- robots.txt -----------------------------------------------------------------

    def _allowed(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        robots = self._robots[origin]
        return robots is None or robots.can_fetch(self.options.user_agent, url)

    def _read_robots(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """The site's rules, read through the same client; None (no rules) when it has
        no robots.txt. As the standard library does, 401 and 403 forbid everything; a
        server error leaves the rules unknown, so the page is not fetched."""
        try:
            response = self._request(origin + "/robots.txt")
        except FetchError as exc:
            raise FetchError(f"its robots.txt could not be read ({exc})") from None
        robots = urllib.robotparser.RobotFileParser(origin + "/robots.txt")
        if response.status >= 500:
            # The rules exist but cannot be read now: nothing is fetched from the site.
            raise FetchError(f"its robots.txt could not be read (the server answered {response.status}); "
                             "try again later")
        if response.status in (401, 403):
            robots.disallow_all = True
        elif response.status >= 400:
            return None
        else:
            robots.parse(response.body.decode("utf-8", "replace").splitlines())
        return robots

    # ---- the cache --------------------------------------------------------------------

    def _cache_paths(self, url: str) -> tuple[Path, Path]:
        name = hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]
        return self.cache_dir / f"{name}.json", self.cache_dir / f"{name}.body"

    def _from_cache(self, url: str) -> Page | None:
        meta_path, body_path = self._cache_paths(url)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != url:
            return None
        return Page(url, meta.get("final_url", url), meta.get("content_type", ""), body)

    def _to_cache(self, page: Page) -> None:
        meta_path, body_path = self._cache_paths(page.url)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        body_path.write_bytes(page.body)
        meta = {"url": page.url, "final_url": page.final_url, "content_type": page.content_type,
                "fetched": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        # The metadata last: a cache entry is only read when both files are there.
        meta_path.write_text(json.dumps(meta), "utf-8")
