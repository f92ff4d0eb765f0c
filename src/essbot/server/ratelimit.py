"""Per-client rate limit: an in-memory sliding window of request times per IP address.

One process only (the limit is not shared between replicas); behind a reverse proxy, start uvicorn with
--proxy-headers and --forwarded-allow-ips so that the client address is the real one.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from essbot import messages
from essbot.server.http_errors import error_response

RATE_LIMITED_PREFIX = "/v1/"


class SlidingWindowLimiter:
    """At most `limit` accepted requests per key in any `window_s` seconds; refused requests do not count."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def retry_after(self, key: str) -> float:
        """0 when the request is accepted (and recorded), else the seconds to wait before the next one."""
        with self._lock:
            now = self._clock()
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window_s - now
            hits.append(now)
            self._calls += 1
            if self._calls % 1000 == 0:
                self._forget_idle(now)
            return 0.0

    def _forget_idle(self, now: float) -> None:
        """Drop clients silent for a whole window, so memory follows active clients only."""
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_s]:
            del self._hits[key]

    def __len__(self) -> int:
        return len(self._hits)


class RateLimitMiddleware:
    """429 with a French JSON error and Retry-After when a client exceeds the limit on /v1/ routes."""

    def __init__(self, app: ASGIApp, *, per_minute: int) -> None:
        self.app = app
        self.limiter = SlidingWindowLimiter(per_minute) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = self.limiter
        if (
            limiter is None
            or scope["type"] != "http"
            or scope["method"] == "OPTIONS"
            or not scope["path"].startswith(RATE_LIMITED_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        wait = limiter.retry_after(client[0] if client else "unknown")
        if wait > 0:
            retry = max(1, math.ceil(wait))
            message = messages.API_RATE_LIMITED.format(limit=limiter.limit, retry=retry)
            await error_response(429, "rate_limited", message, {"Retry-After": str(retry)})(scope, receive, send)
            return
        await self.app(scope, receive, send)
