"""Attacks of issue 12 run against a real `essbot serve` on loopback, offline and with a (fake, real HTTP)
OpenAI-compatible LLM: aborted streams, provider errors, hostile markup, forwarded addresses, bad inputs,
exposure and silent overwrite."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest

from tests.server.conftest import ALLOWED_ORIGIN, Corpus, Server, start_server, stop_server
from tests.server.fake_llm import INTERNAL_HOST, SECRET_KEY, FakeLLM, start_fake_llm
from tests.server.sse_client import iter_sse
from tests.server.test_api import QUESTION, assert_json_error
from tests.server.test_documents import ADMIN_HEADERS, wait_for

ABORTED_STREAMS = 200
ANSWER_WORKERS = 4
HOSTILE = re.compile(r"evil\.example|<\s*/?\s*(img|script)\b|javascript:|onerror|PWNED|!\[|\]\(", re.IGNORECASE)


@pytest.fixture(scope="module")
def fake_llm() -> Iterator[FakeLLM]:
    llm = start_fake_llm(slow_token_s=0.1)
    yield llm
    llm.close()


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory: pytest.TempPathFactory, api_corpus: Corpus, fake_llm: FakeLLM) -> Iterator[Server]:
    """essbot with the `openai` generator on the fake LLM (an API key set), its own copy of the index."""
    root = tmp_path_factory.mktemp("llm-server")
    corpus = Corpus(
        shutil.copytree(api_corpus.docs, root / "documents"), shutil.copytree(api_corpus.index, root / "index")
    )
    server = start_server(
        root,
        corpus,
        ESSBOT_GENERATOR="openai",
        ESSBOT_LLM_BASE_URL=fake_llm.url,
        ESSBOT_LLM_MODEL="fake",
        ESSBOT_LLM_API_KEY=SECRET_KEY,
        ESSBOT_LLM_MAX_RETRIES="0",
        ESSBOT_LLM_TIMEOUT_S="600",
        ESSBOT_RATE_LIMIT_PER_MINUTE="0",
        ESSBOT_ANSWER_WORKERS=str(ANSWER_WORKERS),
    )
    yield server
    stop_server(server)


def threads(server: Server) -> int:
    return int(psutil.Process(server.process.pid).num_threads())


def abort_stream(server: Server, path: str, body: dict[str, object]) -> None:
    """Start a streamed answer, then hang up after a fraction of a second (headers received or not)."""
    try:
        with (
            httpx.Client(base_url=server.url, timeout=httpx.Timeout(5, read=0.3)) as http,
            http.stream("POST", path, json=body) as response,
        ):
            next(response.iter_lines(), None)
    except httpx.ReadTimeout:
        pass


def warm_up(server: Server) -> None:
    """Enough concurrent questions to start every answer thread (and the native threads each one gets)."""
    with ThreadPoolExecutor(2 * ANSWER_WORKERS) as pool, server.client() as http:
        statuses = pool.map(lambda _: http.post("/v1/ask", json={"question": QUESTION}).status_code, range(16))
        assert set(statuses) == {200}


def abort_many(server: Server, path: str, body: dict[str, object], count: int = ABORTED_STREAMS) -> None:
    with ThreadPoolExecutor(20) as pool:
        list(pool.map(lambda _: abort_stream(server, path, body), range(count)))


# --- 4. work stops when the client goes ---------------------------------------------------------------


@pytest.mark.slow
def test_aborted_streams_leave_no_threads_offline(api_server: Server, client: httpx.Client) -> None:
    warm_up(api_server)
    # A first wave lets the bounded pools (answers, the event loop's executor) reach their size: not counted.
    abort_many(api_server, "/v1/ask/stream", {"question": QUESTION})
    time.sleep(1)
    before = threads(api_server)
    abort_many(api_server, "/v1/ask/stream", {"question": QUESTION})
    time.sleep(1)
    after = threads(api_server)
    print(f"offline: {before} threads before, {after} after {ABORTED_STREAMS} more aborted streams")
    assert after <= before + 1
    assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200


@pytest.mark.slow
def test_aborted_streams_stop_the_llm_and_leave_no_threads(llm_server: Server, fake_llm: FakeLLM) -> None:
    with llm_server.client() as http:
        warm_up(llm_server)
        before, started = threads(llm_server), fake_llm.requests
        abort_many(llm_server, "/v1/ask/stream", {"question": f"{QUESTION} SLOW"}, ABORTED_STREAMS // 2)
        abort_many(llm_server, "/v1/chat/completions", {"stream": True, "messages": [
            {"role": "user", "content": f"{QUESTION} SLOW"}]}, ABORTED_STREAMS // 2)  # fmt: skip
        # Every LLM stream that was started has been closed by essbot, long before its 300 s of tokens.
        wait_for(lambda: fake_llm.aborted + fake_llm.finished >= fake_llm.requests, timeout=30)
        llm_calls = fake_llm.requests - started
        after = threads(llm_server)
        print(f"with an LLM: {before} threads before, {after} after {ABORTED_STREAMS} aborted streams")
        print(f"with an LLM: {llm_calls} LLM calls started, all closed by essbot")
        assert after <= before + 1
        assert llm_calls <= ABORTED_STREAMS
        # Six slow questions abandoned by their clients do not block the next one.
        abort_many(llm_server, "/v1/ask", {"question": f"{QUESTION} SLOW"}, 6)
        started_at = time.monotonic()
        assert http.post("/v1/ask", json={"question": QUESTION}).status_code == 200
        assert time.monotonic() - started_at < 5


def test_llm_tokens_are_streamed_as_they_are_produced(llm_server: Server) -> None:
    body = {"stream": True, "messages": [{"role": "user", "content": QUESTION}]}
    with llm_server.client() as http, http.stream("POST", "/v1/chat/completions", json=body) as response:
        chunks = [json.loads(data) for _, data in iter_sse(response) if data != "[DONE]"]
    content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert re.search(r"\[1\]\.\n\nSources :\n\[1\] ", content)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"]


# --- 5. provider errors stay in the log -----------------------------------------------------------


def test_llm_errors_show_a_french_message_and_a_request_id_only(llm_server: Server, fake_llm: FakeLLM) -> None:
    question = f"{QUESTION} BROKEN"
    with llm_server.client() as http:
        responses = [
            http.post("/v1/ask", json={"question": question}),
            http.post("/v1/ask/stream", json={"question": question}),
            http.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]}),
        ]
    port = fake_llm.url.split(":")[2].split("/")[0]
    for response in responses:
        message = assert_json_error(response, 502, "generation_failed")
        for secret in (SECRET_KEY, INTERNAL_HOST, port, "Invalid API key", "127.0.0.1"):
            assert secret not in response.text
        request_id = response.json()["error"]["request_id"]
        assert request_id in message and response.headers["x-request-id"] == request_id
        assert request_id in llm_server.log_tail(200_000)  # the details are in the server log...
    assert SECRET_KEY not in llm_server.log_tail(200_000)  # ...with the key masked
    assert INTERNAL_HOST in llm_server.log_tail(200_000)


# --- 6. hostile markup --------------------------------------------------------------------------------


def test_hostile_markup_from_the_llm_reaches_no_channel(llm_server: Server) -> None:
    question = f"{QUESTION} HOSTILE"
    chat = {"messages": [{"role": "user", "content": question}]}
    with llm_server.client() as http:
        answer = http.post("/v1/ask", json={"question": question}).json()
        completion = http.post("/v1/chat/completions", json=chat).json()
        with http.stream("POST", "/v1/ask/stream", json={"question": question}) as response:
            events = list(iter_sse(response))
        with http.stream("POST", "/v1/chat/completions", json={**chat, "stream": True}) as response:
            chunks = list(iter_sse(response))
    assert not answer["abstained"] and answer["citations"]
    texts = [answer["answer"], completion["choices"][0]["message"]["content"]]
    texts += [json.loads(data).get("text", "") for name, data in events if name == "token"]
    texts += [json.loads(data)["answer"] for name, data in events if name == "done"]
    texts += [json.loads(d)["choices"][0]["delta"].get("content") or "" for _, d in chunks if d != "[DONE]"]
    for text in texts:
        assert not HOSTILE.search(text), text
    assert answer["answer"].startswith("logo L'agrément") and answer["answer"].endswith("[1]")  # the cited one


# --- 7. rate limit ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxied_server(tmp_path_factory: pytest.TempPathFactory, api_corpus: Corpus) -> Iterator[Server]:
    """2 requests per minute; 127.0.0.2 is the only trusted reverse proxy."""
    root = tmp_path_factory.mktemp("proxied-server")
    corpus = Corpus(
        shutil.copytree(api_corpus.docs, root / "documents"), shutil.copytree(api_corpus.index, root / "index")
    )
    server = start_server(root, corpus, ESSBOT_RATE_LIMIT_PER_MINUTE="2", ESSBOT_TRUSTED_PROXIES="127.0.0.2")
    yield server
    stop_server(server)


def test_forwarded_for_is_believed_from_trusted_proxies_only(proxied_server: Server) -> None:
    def get(local: str, forwarded: str) -> int:
        transport = httpx.HTTPTransport(local_address=local)
        with httpx.Client(base_url=proxied_server.url, transport=transport, timeout=30) as http:
            return http.get("/v1/models", headers={"X-Forwarded-For": forwarded}).status_code

    # From an untrusted (local) peer, rotating the header changes nothing.
    assert [get("127.0.0.1", f"198.51.100.{i}") for i in range(4)] == [200, 200, 429, 429]
    # Behind the trusted proxy, each real client has its own budget.
    statuses = [get("127.0.0.2", f"203.0.113.{i % 2}, 127.0.0.2") for i in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]


# --- 8. inputs that used to give a 500 -----------------------------------------------------------------

SURROGATE = "\ud800"
BAD_JSON_BODIES: list[tuple[str, str, dict[str, object]]] = [
    ("POST", "/v1/ask", {"question": f"Qui {SURROGATE} délivre ?"}),
    ("POST", "/v1/ask", {"question": "\udfff"}),
    ("POST", "/v1/ask", {"question": "Qui délivre\u0000 l'agrément ?"}),
    ("POST", "/v1/ask", {"question": QUESTION, "history": [{"role": "user", "content": f"a{SURROGATE}"}]}),
    ("POST", "/v1/ask", {"question": QUESTION, "history": [{"role": "assistant", "content": "\u0000"}]}),
    ("POST", "/v1/ask", {"question": QUESTION, "filters": {"source": SURROGATE}}),
    ("POST", "/v1/ask", {"question": QUESTION, SURROGATE: 1}),
    ("POST", "/v1/ask/stream", {"question": f"{SURROGATE}?"}),
    ("POST", "/v1/ask/stream", {"question": QUESTION, "history": [{"role": "user", "content": SURROGATE}]}),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": f"Qui {SURROGATE} ?"}]}),
    (
        "POST",
        "/v1/chat/completions",
        {"messages": [{"role": "user", "content": [{"type": "text", "text": SURROGATE}]}]},
    ),
    (
        "POST",
        "/v1/chat/completions",
        {"messages": [{"role": "assistant", "content": SURROGATE}, {"role": "user", "content": QUESTION}]},
    ),
    ("POST", "/v1/chat/completions", {"stream": True, "messages": [{"role": "user", "content": SURROGATE}]}),
]
BAD_DELETES = ["%00", "a%00b.md", "%ED%A0%80.md", "%C3%A9" * 200 + ".md", "x/" * 600 + "y.md", "%FF%FE.md"]
BAD_UPLOAD_NAMES = ["é" * 130 + ".md", "a" * 300 + ".md", "nul\x00.md", "%00.md", "../" * 100 + "a" * 256 + ".md"]
BAD_INPUTS = len(BAD_JSON_BODIES) + len(BAD_DELETES) + len(BAD_UPLOAD_NAMES)


def test_bad_inputs_get_a_french_4xx_and_one_log_line(api_server: Server, admin: httpx.Client) -> None:
    log_before = api_server.log_tail(10**7)
    responses = []
    for method, path, body in BAD_JSON_BODIES:  # json.dumps escapes the surrogates (\ud800), as a client would
        content = json.dumps(body).encode()
        responses.append(admin.request(method, path, content=content, headers={"content-type": "application/json"}))
    responses += [admin.delete(f"/v1/documents/{name}") for name in BAD_DELETES]
    for name in BAD_UPLOAD_NAMES:
        responses.append(admin.post("/v1/documents", files={"file": (name, b"# T\n\nUn texte.", "text/markdown")}))
    for response in responses:
        assert 400 <= response.status_code < 500, (response.request.url, response.text)
        assert response.headers["content-type"].startswith("application/json")
        assert len(response.json()["error"]["message"]) > 10
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {400, 404, 422}  # 404: a name undecodable as UTF-8 is read as "�", no such file
    assert statuses.count(400) >= BAD_INPUTS - 6
    new_log = api_server.log_tail(10**7)[len(log_before) :]
    assert "Traceback" not in new_log and "ERROR" not in new_log
    assert len(new_log.strip().splitlines()) <= len(responses)  # the access log line, nothing more
    print(f"{BAD_INPUTS} bad inputs tried")


# --- 9. exposure --------------------------------------------------------------------------------------


def test_health_and_errors_show_no_path(client: httpx.Client, api_server: Server) -> None:
    body = client.get("/health").text
    assert str(api_server.index) not in body and "/tmp" not in body
    assert "/tmp" not in client.delete("/v1/documents/x.md", headers=ADMIN_HEADERS).text


@pytest.mark.parametrize("origin", ["null", "https://ailleurs.example", "http://127.0.0.1.evil.example"])
def test_chat_cors_does_not_reflect_unknown_origins(client: httpx.Client, origin: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Origin": origin}
    for response in (
        client.options("/chat/project/settings", headers=preflight),
        client.get("/chat/", headers={"Origin": origin}),
    ):
        assert "access-control-allow-origin" not in response.headers
    allowed = client.options("/chat/project/settings", headers={**preflight, "Origin": ALLOWED_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def websocket_status(server: Server, origin: str) -> str:
    """The status line answering a websocket handshake to the chat's socket.io endpoint from `origin`."""
    host, port = server.url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        request = (
            f"GET /chat/ws/socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Sec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n"
        )
        sock.sendall(request.encode())
        return sock.recv(1024).decode(errors="replace").split("\r\n")[0]


def test_cross_site_websocket_to_the_chat_is_refused(api_server: Server) -> None:
    assert " 101 " in websocket_status(api_server, api_server.url)  # the chat page itself
    assert " 101 " in websocket_status(api_server, ALLOWED_ORIGIN)  # a site listed in cors_origins
    for origin in ("https://ailleurs.example", "null"):
        assert " 403 " in websocket_status(api_server, origin)


def test_cross_site_long_polling_to_the_chat_is_refused(api_server: Server, client: httpx.Client) -> None:
    """socket.io's HTTP long-polling transport (the fallback when websockets are blocked) checks the origin too."""
    handshake = "/chat/ws/socket.io/?EIO=4&transport=polling"
    opened = client.get(handshake, headers={"Origin": ALLOWED_ORIGIN})
    assert opened.status_code == 200 and '"sid"' in opened.text
    assert opened.headers.get("access-control-allow-origin") == ALLOWED_ORIGIN
    for origin in ("https://ailleurs.example", "null"):
        refused = client.get(handshake, headers={"Origin": origin})
        assert refused.status_code in (400, 403), (origin, refused.status_code, refused.text[:200])
        assert '"sid"' not in refused.text
        assert refused.headers.get("access-control-allow-origin") not in (origin, "*")


# --- 10. no silent overwrite ----------------------------------------------------------------------------

FICHE_V1 = "# Le fonds Pinson\n\n## En bref\n\nLe fonds Pinson aide les épiceries solidaires de Bourg-sur-Loire.\n"
FICHE_V2 = FICHE_V1.replace("épiceries solidaires", "recycleries associatives")


def test_upload_of_an_existing_name_needs_replace_and_keeps_a_backup(admin: httpx.Client, api_server: Server) -> None:
    name, folder = "fiche-fonds-pinson.md", api_server.docs
    upload = lambda text, **params: admin.post(  # noqa: E731
        "/v1/documents", params=params, files={"file": (name, text.encode(), "text/markdown")}
    )
    assert upload(FICHE_V1).status_code == 202
    wait_for(lambda: not [p for p in folder.iterdir() if p.name.startswith(".backup-")])
    message = assert_json_error(upload(FICHE_V2), 409, "document_exists")
    assert "replace=true" in message and (folder / name).read_text(encoding="utf-8") == FICHE_V1
    response = upload(FICHE_V2, replace="true")
    assert response.status_code == 202 and response.json()["replaced"] is True
    backups = [p for p in folder.iterdir() if p.name.startswith(".backup-")]
    assert [p.read_text(encoding="utf-8") for p in backups] == [FICHE_V1]  # the previous version is kept...
    wait_for(lambda: not any(p.exists() for p in backups))  # ...until the new index is in service
    assert admin.get("/health").json()["indexing"]["state"] == "succeeded"
    assert (folder / name).read_text(encoding="utf-8") == FICHE_V2
    assert admin.delete(f"/v1/documents/{name}").status_code == 202
    wait_for(lambda: admin.get("/health").json()["indexing"]["state"] == "succeeded")


def test_chat_messages_are_rate_limited_too(limited_server: Server) -> None:
    from tests.server.chat_client import chat_replies

    replies = asyncio.run(chat_replies(limited_server.url, [QUESTION] * 4))
    assert all("préfet" in reply for reply in replies[:3]), replies
    assert "Trop de requêtes" in replies[3] and "préfet" not in replies[3]


def test_a_lone_surrogate_in_a_chat_message_gets_a_french_error(api_server: Server) -> None:
    from tests.server.chat_client import chat_replies

    log_before = api_server.log_tail(10**7)
    replies = asyncio.run(chat_replies(api_server.url, [f"Qui {SURROGATE} délivre ?", QUESTION]))
    assert "mal encodé" in replies[0] and "préfet" in replies[1]
    assert "Traceback" not in api_server.log_tail(10**7)[len(log_before) :]
