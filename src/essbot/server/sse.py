"""Server-Sent Events (sse-starlette) for `/v1/ask/stream`: `token`, `citations`, `done` (the Answer), `error`.

sse-starlette watches the connection: when the client goes away, the stream is cancelled, and with it the
Assistant's worker (see Assistant.astream), which stops generating at the next delta.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent

from essbot.answer.types import Answer
from essbot.errors import EssbotError
from essbot.server.http_errors import error_body, new_request_id, public_error

logger = logging.getLogger("essbot.server")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream
PING_S = 15


def sse_event(event: str, data: Any) -> ServerSentEvent:
    """One event; data is JSON on one line (json.dumps escapes newlines), so it is always a single data field."""
    return ServerSentEvent(json.dumps(data, ensure_ascii=False), event=event)


def event_stream(events: AsyncIterator[ServerSentEvent | dict[str, Any]]) -> EventSourceResponse:
    """The HTTP response of a stream of events (LF separators, a comment ping every 15 s)."""
    return EventSourceResponse(events, headers=SSE_HEADERS, ping=PING_S, sep="\n")


async def with_first(first: str | Answer, rest: AsyncIterator[str | Answer]) -> AsyncIterator[str | Answer]:
    yield first
    async for item in rest:
        yield item


def stream_error_event(exc: BaseException, where: str) -> ServerSentEvent:
    """The `error` event of a stream that failed after its headers were sent (details to the log only)."""
    if isinstance(exc, EssbotError):
        _, code, message, request_id = public_error(exc, where)
        return sse_event("error", error_body(code, message, request_id))
    from essbot import messages

    request_id = new_request_id()
    logger.error("[%s] %s: stream failed", request_id, where, exc_info=exc)
    return sse_event(
        "error", error_body("internal_error", messages.API_STREAM_FAILED.format(request_id=request_id), request_id)
    )


async def answer_events(first: str | Answer, rest: AsyncIterator[str | Answer]) -> AsyncIterator[ServerSentEvent]:
    """Turn the Assistant's stream (verified text pieces, then the final Answer) into SSE events."""
    try:
        async for item in with_first(first, rest):
            if isinstance(item, Answer):
                final = item.to_dict()
                yield sse_event("citations", {"citations": final["citations"]})
                yield sse_event("done", final)
            else:
                yield sse_event("token", {"text": item})
    except Exception as exc:  # headers are already sent: the failure can only be reported in the stream
        yield stream_error_event(exc, "POST /v1/ask/stream")
