"""A small SSE parser for the tests: reads `event:`/`data:` fields off a real streamed HTTP response."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx


def iter_sse(response: httpx.Response) -> Iterator[tuple[str, str]]:
    """(event, data) pairs in arrival order; `event` is "message" when the server names none."""
    event = "message"
    data: list[str] = []
    for line in response.iter_lines():
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[len("event:") :].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:") :].lstrip())
    if data:
        yield event, "\n".join(data)


def stream_events(client: httpx.Client, path: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """POST and collect every event, data decoded from JSON (except OpenAI's `[DONE]`)."""
    with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return [(event, data if data == "[DONE]" else json.loads(data)) for event, data in iter_sse(response)]
