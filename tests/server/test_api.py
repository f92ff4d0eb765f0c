"""The HTTP API over a real loopback port: answers, SSE, OpenAI format, docs, CORS, limits and JSON errors."""

from __future__ import annotations

import re
import time

import httpx

from essbot.config import Settings
from tests.server.conftest import ALLOWED_ORIGIN, Server
from tests.server.sse_client import stream_events

QUESTION = "Qui délivre l'agrément ESUS ?"


def assert_json_error(response: httpx.Response, status: int, code: str) -> str:
    """The error contract: the status, JSON `{"error": {"code", "message"}}`, a French message."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and len(error["message"]) > 10
    return str(error["message"])


def assert_answer_contract(answer: dict[str, object]) -> None:
    citations = answer["citations"]
    assert isinstance(citations, list)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", str(answer["answer"]))}
    assert markers == {c["id"] for c in citations}  # every [n] is listed, every citation is used


def test_health_reports_the_index(client: httpx.Client, api_server: Server) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["index"] == api_server.index.name  # its name, never its absolute path
    assert health["chunks"] > 10
    assert health["documents"] >= 3
    assert health["generator"] == "extractive"


def test_ask_returns_an_answer_with_citations(client: httpx.Client) -> None:
    response = client.post("/v1/ask", json={"question": QUESTION})
    assert response.status_code == 200
    answer = response.json()
    assert answer["question"] == QUESTION
    assert not answer["abstained"]
    assert "préfet" in answer["answer"]
    assert_answer_contract(answer)
    pdf = [c for c in answer["citations"] if c["source"] == "fiche-agrement-esus.pdf"]
    assert pdf and all(isinstance(c["page"], int) and c["page"] >= 1 for c in pdf)
    assert set(answer["timings_ms"]) >= {"retrieve", "total"}
    assert answer["retrieved"]


def test_answers_are_json_text_with_protective_headers(client: httpx.Client) -> None:
    question = "<script>alert('x')</script> Qui délivre l'agrément ESUS ?"
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.json()["question"] == question  # returned as text, not rendered or rewritten


def test_filters_and_k_narrow_the_search(client: httpx.Client) -> None:
    body = {"question": QUESTION, "k": 2, "filters": {"source": "fiche-dla"}}
    answer = client.post("/v1/ask", json=body).json()
    assert answer["retrieved"] and len(answer["retrieved"]) <= 2
    assert all(p["source"].startswith("fiche-dla") for p in answer["retrieved"])


def test_ask_stream_sends_tokens_then_citations_then_done(client: httpx.Client) -> None:
    events = stream_events(client, "/v1/ask/stream", {"question": QUESTION})
    names = [name for name, _ in events]
    assert names[0] == "token"
    assert names[-2:] == ["citations", "done"]
    assert set(names[:-2]) == {"token"}
    assert "".join(data["text"] for name, data in events if name == "token").strip()
    citations, done = events[-2][1], events[-1][1]
    assert not done["abstained"] and done["question"] == QUESTION
    assert_answer_contract(done)
    assert citations["citations"] == done["citations"] and citations["citations"]


def test_stream_refuses_a_bad_question_before_streaming(client: httpx.Client) -> None:
    response = client.post("/v1/ask/stream", json={"question": "   "})
    assert_json_error(response, 400, "invalid_question")


def test_chat_completions_uses_history_and_adds_sources(client: httpx.Client) -> None:
    messages = [
        {"role": "system", "content": "Réponds brièvement."},
        {"role": "user", "content": "Qu'est-ce que l'agrément ESUS ?"},
        {"role": "assistant", "content": "Un agrément pour les entreprises solidaires.\n\nSources :\n[1] x"},
        {"role": "user", "content": "Et qui le délivre ?"},
    ]
    response = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": messages, "temperature": 0})
    assert response.status_code == 200
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "essbot" and body["id"].startswith("chatcmpl-")
    content = body["choices"][0]["message"]["content"]
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert "préfet" in content  # the follow-up was understood thanks to the history
    text, sources = content.split("\n\nSources :\n")
    assert body["citations"]
    for citation in body["citations"]:
        assert f"[{citation['id']}]" in text
        assert f"[{citation['id']}] {citation['title']} — {citation['section']}" in sources
        assert f"({citation['source']})" in sources
    assert re.search(r", p\. \d+ \(fiche-agrement-esus\.pdf\)", sources)


def test_chat_completions_stream_follows_openai_chunks(client: httpx.Client) -> None:
    body = {"model": "essbot", "stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    events = stream_events(client, "/v1/chat/completions", body)
    assert events[-1][1] == "[DONE]"
    chunks = [data for _, data in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "essbot" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert "\n\nSources :\n[1] " in content
    assert len(chunks) > 3  # really cut into several deltas
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["citations"] and chunks[-1]["citations"][0]["id"] == 1


def test_chat_completions_without_a_user_message(client: httpx.Client) -> None:
    body = {"messages": [{"role": "system", "content": "Bonjour"}]}
    assert_json_error(client.post("/v1/chat/completions", json=body), 400, "invalid_question")
    assert client.get("/v1/models").json()["data"][0]["id"] == "essbot"


def test_openapi_and_docs(client: httpx.Client) -> None:
    schema = client.get("/openapi.json").json()
    for path in [
        "/v1/ask",
        "/v1/ask/stream",
        "/v1/chat/completions",
        "/v1/documents",
        "/v1/documents/{source}",
        "/health",
    ]:
        assert path in schema["paths"], path
    assert {"Answer", "Citation", "Error", "AskRequest"} <= set(schema["components"]["schemas"])
    assert "multipart/form-data" in schema["paths"]["/v1/documents"]["post"]["requestBody"]["content"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_cors_allows_the_configured_origin_only(client: httpx.Client) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = client.options("/v1/ask", headers={"Origin": ALLOWED_ORIGIN, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    other = client.options("/v1/ask", headers={"Origin": "https://ailleurs.example", **preflight})
    assert "access-control-allow-origin" not in other.headers
    simple = client.post("/v1/ask", json={"question": QUESTION}, headers={"Origin": ALLOWED_ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def test_body_too_large(client: httpx.Client) -> None:
    response = client.post("/v1/ask", json={"question": "agrément " * 9000})  # ~80 KB > 64 KB
    assert "64 Ko" in assert_json_error(response, 413, "payload_too_large")


def test_chunked_body_too_large(client: httpx.Client) -> None:
    payload = b'{"question": "' + b"a" * 70_000 + b'"}'
    response = client.post(
        "/v1/ask", content=iter([payload[:40_000], payload[40_000:]]), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers  # really sent chunked
    assert_json_error(response, 413, "payload_too_large")


def test_question_too_long(client: httpx.Client) -> None:
    response = client.post("/v1/ask", json={"question": "subvention " * 300})
    assert "trop longue" in assert_json_error(response, 400, "invalid_question")


def test_empty_question(client: httpx.Client) -> None:
    assert "vide" in assert_json_error(client.post("/v1/ask", json={"question": " "}), 400, "invalid_question")


def test_invalid_history(client: httpx.Client) -> None:
    body = {"question": "Et qui le délivre ?", "history": [{"role": "robot", "content": "bonjour"}]}
    message = assert_json_error(client.post("/v1/ask", json=body), 422, "invalid_request")
    assert "Historique de conversation invalide" in message and "history.0.role" in message


def test_malformed_requests(client: httpx.Client) -> None:
    bad_json = client.post("/v1/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    assert "JSON" in assert_json_error(bad_json, 422, "invalid_request")
    missing = client.post("/v1/ask", json={"k": 3})
    assert "question" in assert_json_error(missing, 422, "invalid_request")
    assert_json_error(client.get("/v1/ask"), 405, "method_not_allowed")


def test_unknown_route(client: httpx.Client) -> None:
    message = assert_json_error(client.get("/v1/inconnu"), 404, "not_found")
    assert "/v1/inconnu" in message


def test_rate_limit_per_client(limited_server: Server) -> None:
    with limited_server.client() as http:
        statuses = [http.get("/v1/models").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        started = time.monotonic()
        refused = http.post("/v1/ask", json={"question": QUESTION})
        assert "par minute" in assert_json_error(refused, 429, "rate_limited")
        # Refusals are answered after a pause, so a client looping on 429s cannot flood the server.
        assert time.monotonic() - started >= 0.9 * Settings().rate_limit_refusal_delay_s
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert http.get("/health").status_code == 200  # health checks are not limited
