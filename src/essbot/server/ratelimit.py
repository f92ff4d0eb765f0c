"""Per-client rate limit (the `limits` library, moving window) for API requests and chat messages.

The client is the TCP peer, unless that peer is one of `trusted_proxies`: then the address its X-Forwarded-For
header names (the right-most one that is not itself a trusted proxy). A header from anyone else is ignored, so
nobody can rotate addresses through it. The counters live in `rate_limit_storage`: in memory by default, in
Redis (`redis://…`) to share them between replicas.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from essbot import messages
from essbot.config import Settings
from essbot.errors import ConfigError
from essbot.server.http_errors import error_response

RATE_LIMITED_PREFIX = "/v1/"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_origins(value: str) -> list[str]:
    """CORS origins from the setting; "null" (sandboxed frames, file://) is never an allowed origin."""
    origins = [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
    return [origin for origin in origins if origin.lower() != "null"]


def parse_networks(value: str) -> list[Network]:
    """`trusted_proxies`: addresses or networks (10.0.0.0/8), comma-separated."""
    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(messages.CONFIG_BAD_VALUE.format(name="trusted_proxies", value=item, detail=exc)) from exc
    return networks


def _is_trusted(address: str, trusted: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in network for network in trusted)


def client_address(peer: str | None, headers: Mapping[str, str], trusted: list[Network]) -> str:
    """The client's address: the peer, or what trusted proxies say in X-Forwarded-For."""
    address = peer or "unknown"
    if not trusted or not _is_trusted(address, trusted):
        return address
    for hop in reversed([hop.strip() for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]):
        address = hop
        if not _is_trusted(hop, trusted):
            break
    return address


def scope_client(scope: Scope, trusted: list[Network]) -> str:
    """client_address() of an ASGI HTTP or websocket scope."""
    peer = scope.get("client")
    return client_address(peer[0] if peer else None, Headers(scope=scope), trusted)


@dataclass
class Verdict:
    allowed: bool
    retry_after_s: int = 0
    limit: int = 0

    @property
    def message(self) -> str:
        return messages.API_RATE_LIMITED.format(limit=self.limit, retry=self.retry_after_s)


class ClientLimiter:
    """At most `per_minute` hits per client and channel in any 60 s (refused hits do not count)."""

    def __init__(
        self, per_minute: int, storage_uri: str = "memory://", trusted_proxies: str = "", refusal_delay_s: float = 0.0
    ) -> None:
        self.per_minute = per_minute
        self.refusal_delay_s = max(0.0, refusal_delay_s)
        self.trusted = parse_networks(trusted_proxies)
        self.item = RateLimitItemPerMinute(max(1, per_minute))
        uri = storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}"
        try:
            self.storage: Any = storage_from_string(uri)
        except Exception as exc:  # unknown scheme, missing driver (pip install redis)
            raise ConfigError(
                messages.CONFIG_BAD_VALUE.format(name="rate_limit_storage", value=storage_uri, detail=exc)
            ) from exc
        self.strategy = MovingWindowRateLimiter(self.storage)

    @classmethod
    def from_settings(cls, settings: Settings) -> ClientLimiter:
        return cls(
            settings.rate_limit_per_minute,
            settings.rate_limit_storage,
            settings.trusted_proxies,
            settings.rate_limit_refusal_delay_s,
        )

    @property
    def enabled(self) -> bool:
        return self.per_minute > 0

    async def hit(self, client: str, channel: str = "api") -> Verdict:
        """Record one request of `client` on `channel` ("api", "chat"), or say how long to wait."""
        if not self.enabled:
            return Verdict(True)
        if await self.strategy.hit(self.item, channel, client):
            return Verdict(True, 0, self.per_minute)
        stats = await self.strategy.get_window_stats(self.item, channel, client)
        retry = max(1, math.ceil(stats.reset_time - time.time()))
        return Verdict(False, min(retry, 60), self.per_minute)


class RateLimitMiddleware:
    """429 with a French JSON error and Retry-After when a client exceeds the limit on /v1/ routes."""

    def __init__(self, app: ASGIApp, *, limiter: ClientLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.limiter.enabled
            or scope["type"] != "http"
            or scope["method"] == "OPTIONS"
            or not scope["path"].startswith(RATE_LIMITED_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        verdict = await self.limiter.hit(scope_client(scope, self.limiter.trusted))
        if not verdict.allowed:
            # A client sending back to back waits before each refusal: a loop of 429s cannot keep the event loop
            # busy (measured: 160 refusals/s from one client doubled everyone's p95 without this pause).
            await asyncio.sleep(self.limiter.refusal_delay_s)
            retry = {"Retry-After": str(verdict.retry_after_s)}
            await error_response(429, "rate_limited", verdict.message, retry)(scope, receive, send)
            return
        await self.app(scope, receive, send)
