"""Server-Sent Events for `/v1/ask/stream`: `token`, `citations`, `done` (the full Answer), `error`."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

from essbot import messages
from essbot.answer.types import Answer
from essbot.errors import EssbotError
from essbot.server.http_errors import describe_error, error_body

logger = logging.getLogger("essbot.server")

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream


def sse_event(event: str, data: Any) -> str:
    """One event; data is JSON on one line (json.dumps escapes newlines), so it is always a single data field."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def answer_events(first: str | Answer, rest: AsyncIterator[str | Answer]) -> AsyncIterator[str]:
    """Turn the Assistant's stream (deltas, then the final Answer) into SSE text.

    Token deltas are provisional: the final Answer in `done` may renumber citations or drop an unsupported
    sentence, and its `answer` is the text to keep.
    """

    async def items() -> AsyncIterator[str | Answer]:
        yield first
        async for item in rest:
            yield item

    try:
        async for item in items():
            if isinstance(item, Answer):
                final = item.to_dict()
                yield sse_event("citations", {"citations": final["citations"]})
                yield sse_event("done", final)
            else:
                yield sse_event("token", {"text": item})
    except EssbotError as exc:
        _, code = describe_error(exc)
        yield sse_event("error", error_body(code, exc.user_message))
    except Exception:  # headers are already sent: the failure can only be reported in the stream
        logger.exception("answer stream failed")
        yield sse_event("error", error_body("internal_error", messages.API_STREAM_FAILED))
