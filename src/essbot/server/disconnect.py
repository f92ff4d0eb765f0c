"""Stop answering when the client goes away: the answer task is cancelled, and with it the generation."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

from fastapi import Request
from starlette.responses import Response

T = TypeVar("T")
CLIENT_CLOSED = 499  # nginx's "client closed request": logged, never seen by the (gone) client


async def until_disconnected(request: Request, work: Coroutine[Any, Any, T]) -> T | Response:
    """Run `work`; if the client disconnects first, cancel it (Assistant.astream then stops its worker)."""
    task = asyncio.ensure_future(work)

    async def watch() -> None:
        # The body has been read: the next message of a plain HTTP request is its disconnection.
        while (await request.receive())["type"] != "http.disconnect":
            pass
        task.cancel()

    watcher = asyncio.ensure_future(watch())
    try:
        return await task
    except asyncio.CancelledError:
        if not watcher.done() or watcher.cancelled():
            raise  # cancelled from outside (server shutdown), not by the client
        return Response(status_code=CLIENT_CLOSED)
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher


async def first_item(items: AsyncIterator[T]) -> T:
    """The first item of a stream, as a coroutine (for until_disconnected)."""
    return await anext(items)
