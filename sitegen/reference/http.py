"""The one road to Wikipedia and Wikidata: polite, bounded, and never fatal.

``GuardedTransport`` wraps the real (or recording, or replay) transport. Every request
of a build goes through it, whoever sends it, so the rules hold everywhere:

- requests go in series, each costs one unit of the build's request budget;
- ``maxlag=5`` is sent; a maxlag or rate-limit answer, an HTTP 429 or 503 waits for
  ``Retry-After`` (5 s when absent) and tries again, with growing waits;
- timeouts, dropped connections, other 5xx and malformed JSON are retried a few times;
- when the network cannot be reached at all, or a request failed every try, every later
  request of the build fails at once instead of waiting on each (a build on a train
  should not take minutes, and a struggling server should not get more load).

When a request cannot be answered, ``ReferenceUnavailable`` says why; the caller keeps
what it had (a stale cached record is better than none) and the build goes on.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Callable

import httpx

from .. import __version__
from .api import ReferenceUnavailable
from .replay import NotRecorded

DEFAULT_USER_AGENT = f"sitegen/{__version__} (entity dossier site builder; set reference_contact in sitegen.toml)"
MAX_TRIES = 4
MAX_WAIT = 60.0  # seconds; a server asking for a longer pause gets none from this build
DEFAULT_RETRY_AFTER = 5.0


@dataclass
class RequestBudget:
    """How many requests this build may still send (retries count too)."""

    limit: int
    used: int = 0

    def take(self) -> None:
        if self.used >= self.limit:
            raise ReferenceUnavailable(f"the build's budget of {self.limit} reference requests is used up "
                                       f"(reference_request_budget in sitegen.toml); the next build goes on",
                                       budget=True)
        self.used += 1


@dataclass
class GuardedTransport(httpx.BaseTransport):
    inner: httpx.BaseTransport
    budget: RequestBudget
    sleep: Callable[[float], None] = lambda seconds: time.sleep(seconds)  # noqa: E731 (looked up when called)
    max_tries: int = MAX_TRIES
    unreachable: str | None = None  # why the network is out of reach, once known

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.unreachable:  # the network is out of reach, or the server keeps failing
            raise ReferenceUnavailable(self.unreachable)
        problem = "no answer"
        for attempt in range(self.max_tries):
            self.budget.take()
            try:
                response = self.inner.handle_request(request)
                body = response.read()
            except NotRecorded as exc:
                raise ReferenceUnavailable(str(exc), offline=True) from exc
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as exc:
                self.unreachable = f"{request.url.host} cannot be reached ({type(exc).__name__}: {exc})"
                raise ReferenceUnavailable(self.unreachable) from exc
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                problem = f"{type(exc).__name__} from {request.url.host}"
                self._pause(attempt, None)
                continue
            status = response.status_code
            if status in (429, 503) or status >= 500:
                problem = f"HTTP {status} from {request.url.host}"
                if not self._pause(attempt, response.headers.get("retry-after"), status in (429, 503)):
                    break
                continue
            if status != 200:
                raise ReferenceUnavailable(f"HTTP {status} from {request.url.host}")
            try:
                data = json.loads(body)
            except ValueError:
                problem = f"malformed JSON from {request.url.host}"
                self._pause(attempt, None)
                continue
            error = data.get("error") if isinstance(data, dict) else None
            if isinstance(error, dict):
                code = error.get("code", "")
                if code in ("maxlag", "ratelimited"):
                    problem = f"{code} from {request.url.host}"
                    if not self._pause(attempt, response.headers.get("retry-after"), True):
                        break
                    continue
                raise ReferenceUnavailable(f"API error '{code}' from {request.url.host}: {error.get('info', '')}"[:300])
            if not isinstance(data, dict):
                problem = f"unexpected JSON from {request.url.host}"
                self._pause(attempt, None)
                continue
            return httpx.Response(200, content=body, headers=response.headers, request=request)
        # A server that failed every try, with pauses between, is in trouble: leave it be
        # for the rest of the build rather than press it with the next batches.
        self.unreachable = f"{problem}, {self.max_tries} tries"
        raise ReferenceUnavailable(self.unreachable)

    def _pause(self, attempt: int, retry_after: str | None, polite: bool = False) -> bool:
        """Wait before the next try; False when the server asks for a longer wait than we give."""
        if attempt + 1 >= self.max_tries:
            return False
        wait = 2.0 ** attempt
        if retry_after is not None or polite:
            try:
                asked = float(retry_after) if retry_after is not None else DEFAULT_RETRY_AFTER
            except ValueError:
                asked = DEFAULT_RETRY_AFTER
            if asked > MAX_WAIT:
                return False
            wait = max(wait, asked)
        self.sleep(wait)
        return True

    def close(self) -> None:
        self.inner.close()


class EnvironmentTransport(httpx.BaseTransport):
    """The real network, through the proxy the environment names (``HTTPS_PROXY``,
    ``ALL_PROXY``, ``NO_PROXY``) as other command-line tools do: httpx reads those
    settings for a client it makes itself, never for a transport handed to it."""

    def __init__(self) -> None:
        self._client: httpx.Client | None = None  # made when first needed: lookups backing off send nothing

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._client is None:
            self._client = httpx.Client(trust_env=True)  # its transport makes one try per request
        return self._client.send(request)  # the request keeps its own timeout and headers

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


class ApiClient:
    """GET with the common parameters, through the guarded transport."""

    def __init__(self, transport: GuardedTransport, user_agent: str, timeout: float = 20.0):
        self.transport = transport
        self.user_agent = user_agent
        self.http = httpx.Client(transport=transport, headers={"User-Agent": user_agent}, timeout=timeout)

    def get(self, url: str, params: dict[str, str]) -> tuple[dict, str | None]:
        """The JSON answer and, under replay, when it was recorded."""
        response = self.http.get(url, params={**params, "format": "json", "maxlag": "5"})
        return response.json(), response.headers.get("x-sitegen-recorded")

    @property
    def requests_made(self) -> int:
        return self.transport.budget.used

    def close(self) -> None:
        self.http.close()
