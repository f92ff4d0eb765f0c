"""Pure ASGI middleware (safe with streaming responses): request size limits and security headers."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from essbot import messages
from essbot.server.http_errors import SECURITY_HEADERS, RequestTooLarge, error_response

API_PREFIX = "/v1/"
UPLOAD_PATH = "/v1/documents"
# Room for the multipart envelope around an uploaded file.
MULTIPART_OVERHEAD = 64 * 1024


class BodyLimitMiddleware:
    """Refuse API request bodies over the limit: JSON bodies (max_body_kb) and uploads (max_upload_mb).

    The declared Content-Length is checked before anything is read; chunked bodies are counted as they arrive.
    """

    def __init__(self, app: ASGIApp, *, json_limit_bytes: int, upload_limit_bytes: int) -> None:
        self.app = app
        self.json_limit = json_limit_bytes
        self.upload_limit = upload_limit_bytes

    def _limit(self, scope: Scope) -> tuple[int, str]:
        if scope["method"] == "POST" and scope["path"].rstrip("/") == UPLOAD_PATH:
            return self.upload_limit + MULTIPART_OVERHEAD, messages.API_UPLOAD_TOO_LARGE.format(
                limit_mb=round(self.upload_limit / 1024 / 1024, 1)
            )
        return self.json_limit, messages.API_BODY_TOO_LARGE.format(limit_kb=self.json_limit // 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        limit, message = self._limit(scope)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, "payload_too_large", message, {"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            event = await receive()
            if event["type"] == "http.request":
                received += len(event.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(message)
            return event

        await self.app(scope, limited_receive, send)


class SecurityHeadersMiddleware:
    """`nosniff` on every response; a CSP that forbids everything on JSON and event-stream responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(event: Message) -> None:
            if event["type"] == "http.response.start":
                headers = MutableHeaders(scope=event)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                content_type = headers.get("content-type", "")
                if content_type.startswith(("application/json", "text/event-stream")):
                    for name, value in SECURITY_HEADERS.items():
                        headers.setdefault(name, value)
            await send(event)

        await self.app(scope, receive, send_with_headers)
