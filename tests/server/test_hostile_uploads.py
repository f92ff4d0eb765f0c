"""Hostile files on the server (issue 12): refused at upload, skipped by the re-index, which stays cancellable."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from essbot import messages
from tests.data import hostile_files as hostile
from tests.server.conftest import ADMIN_TOKEN, Corpus, Server, start_server, stop_server
from tests.server.test_api import assert_json_error
from tests.server.test_documents import ADMIN_HEADERS, NEW_FICHE, listed_sources, upload, wait_for

GOOD = "fiche-fonds-hirondelle.md"


def indexing(client: httpx.Client) -> dict[str, object]:
    # The document list is for administrators (issue 12, item 9).
    state: dict[str, object] = client.get("/v1/documents", headers=ADMIN_HEADERS).json()["indexing"]
    return state


def skipped_reasons(client: httpx.Client) -> dict[str, str]:
    listing = client.get("/v1/documents", headers=ADMIN_HEADERS).json()["documents"]
    return {d["source"]: d["skipped"] for d in listing if d["skipped"]}


def test_upload_refuses_damaged_and_bomb_word_files(admin: httpx.Client, api_server: Server, tmp_path: Path) -> None:
    for writer, reason in [
        (hostile.write_docx_malformed_xml, messages.SKIP_DOCX_CORRUPT.format(detail="XMLSyntaxError")),
        (hostile.write_docx_truncated_part, messages.SKIP_DOCX_CORRUPT.format(detail="zlib.error")),
        (hostile.write_docx_bomb, messages.SKIP_ZIP_TOO_LARGE.split("{")[0]),
    ]:
        path = writer(tmp_path / "piege.docx")
        response = upload(admin, "piege.docx", path.read_bytes(), "application/octet-stream")
        assert_json_error(response, 422, "unreadable_file")
        assert reason in response.json()["error"]["message"]
    assert not (api_server.docs / "piege.docx").exists()


def test_reindex_goes_on_past_a_damaged_file_in_the_folder(
    client: httpx.Client, admin: httpx.Client, api_server: Server
) -> None:
    # A damaged file copied into the folder by hand (uploads refuse it) must not stop later re-indexes.
    bad = hostile.write_docx_malformed_xml(api_server.docs / "abime.docx")
    generation = int(indexing(client)["generation"])  # type: ignore[call-overload]
    try:
        assert upload(admin, GOOD, NEW_FICHE.encode()).status_code == 202
        wait_for(lambda: GOOD in listed_sources(client) and indexing(client)["state"] != "running")
        state = indexing(client)
        assert state["state"] == "succeeded" and state["generation"] == generation + 1
        assert skipped_reasons(client)["abime.docx"] == messages.SKIP_DOCX_CORRUPT.format(detail="XMLSyntaxError")
    finally:
        bad.unlink()
        admin.delete(f"/v1/documents/{GOOD}")
        wait_for(lambda: GOOD not in listed_sources(client) and indexing(client)["state"] != "running")
    assert "abime.docx" not in listed_sources(client)


@pytest.fixture
def slow_parse_server(tmp_path: Path, api_corpus: Corpus) -> Iterator[Server]:
    """A server on its own copy of the index, whose re-index gives up after 20 s."""
    corpus = Corpus(
        shutil.copytree(api_corpus.docs, tmp_path / "documents"), shutil.copytree(api_corpus.index, tmp_path / "index")
    )
    server = start_server(
        tmp_path,
        corpus,
        ESSBOT_ADMIN_TOKEN=ADMIN_TOKEN,
        ESSBOT_RATE_LIMIT_PER_MINUTE="0",
        ESSBOT_REINDEX_TIMEOUT_S="20",
        ESSBOT_PARSE_TIMEOUT_S="600",
        # Enough memory for the nested HTML below to be slow (about a minute) rather than stopped by the cap.
        ESSBOT_PARSE_MEMORY_MB="2048",
    )
    yield server
    stop_server(server)


@pytest.mark.slow
def test_reindex_can_be_cancelled_and_times_out(slow_parse_server: Server) -> None:
    server = slow_parse_server
    # 10 MB of nested HTML keeps the parser busy far longer than the re-index may last.
    hostile.write_nested_html(server.docs / "imbrique.html")
    with server.client() as client, server.client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as admin:
        assert_json_error(admin.post("/v1/documents/indexing/cancel"), 409, "nothing_to_cancel")
        assert upload(admin, "a.md", NEW_FICHE.encode()).status_code == 202
        wait_for(lambda: indexing(client)["state"] == "running")
        assert upload(admin, "b.md", NEW_FICHE.encode()).status_code == 202
        assert indexing(client)["pending"] is True  # the second upload waits for the first run
        assert client.post("/v1/documents/indexing/cancel").status_code == 401
        assert admin.post("/v1/documents/indexing/cancel").status_code == 200
        wait_for(lambda: indexing(client)["state"] == "cancelled", timeout=10)
        state = indexing(client)
        assert state["message"] == messages.API_REINDEX_CANCELLED and state["pending"] is False
        assert client.post("/v1/ask", json={"question": "Qu'est-ce qu'un PTCE ?"}).status_code == 200

        assert upload(admin, "c.md", NEW_FICHE.encode()).status_code == 202
        wait_for(lambda: indexing(client)["state"] == "running")
        wait_for(lambda: indexing(client)["state"] == "cancelled", timeout=40)
        assert indexing(client)["message"] == messages.API_REINDEX_TIMED_OUT.format(seconds=20.0)
        assert not {"a.md", "b.md", "c.md"} & listed_sources(client)  # the index in service is untouched

        (server.docs / "imbrique.html").unlink()
        assert upload(admin, "d.md", NEW_FICHE.encode()).status_code == 202
        wait_for(lambda: "d.md" in listed_sources(client), timeout=90)
        assert {"a.md", "b.md", "c.md", "d.md"} <= listed_sources(client)
