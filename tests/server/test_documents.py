"""Document management over HTTP: admin token, upload with background re-index, refusals, delete."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.server.conftest import ADMIN_TOKEN, Server
from tests.server.test_api import assert_json_error

NEW_SOURCE = "fiche-fonds-hirondelle.md"
NEW_QUESTION = "Qui gère le fonds Hirondelle de Trifouilly-les-Oies ?"
NEW_FICHE = """# Le fonds Hirondelle de Trifouilly-les-Oies

## En bref

Le fonds Hirondelle est un fonds de garantie solidaire créé en 2024 par la commune de Trifouilly-les-Oies pour \
soutenir les coopératives d'habitants. Il est doté de 250 000 euros. Le fonds Hirondelle est géré par la \
coopérative financière Alouette, qui instruit les demandes de garantie.

## Qui peut en bénéficier ?

Les coopératives d'habitants installées sur la commune peuvent demander une garantie du fonds Hirondelle auprès \
du service développement économique de la mairie. La garantie couvre au plus la moitié du prêt.
"""
BUSY_QUESTION = "Qu'est-ce qu'un pôle territorial de coopération économique ?"


def cited_sources(client: httpx.Client, question: str) -> set[str]:
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return {c["source"] for c in response.json()["citations"]}


ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def listed_sources(client: httpx.Client) -> set[str]:
    return {d["source"] for d in client.get("/v1/documents", headers=ADMIN_HEADERS).json()["documents"]}


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def upload(client: httpx.Client, name: str, data: bytes, content_type: str = "text/markdown") -> httpx.Response:
    return client.post("/v1/documents", files={"file": (name, data, content_type)})


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_admin_endpoints_refuse_missing_or_wrong_token(client: httpx.Client, api_server: Server) -> None:
    files = {"file": ("x.md", b"# Titre\n\nUn texte.", "text/markdown")}
    assert_json_error(client.post("/v1/documents", files=files), 401, "unauthorized")
    wrong = {"Authorization": "Bearer pas-le-bon"}
    assert_json_error(client.post("/v1/documents", files=files, headers=wrong), 403, "forbidden")
    assert_json_error(client.delete("/v1/documents/fiche-ptce.md"), 401, "unauthorized")
    assert_json_error(client.delete("/v1/documents/fiche-ptce.md", headers=wrong), 403, "forbidden")
    assert not (api_server.docs / "x.md").exists()
    assert (api_server.docs / "fiche-ptce.md").exists()


def test_listing_documents_needs_the_admin_token(client: httpx.Client, admin: httpx.Client) -> None:
    assert_json_error(client.get("/v1/documents"), 401, "unauthorized")
    assert_json_error(client.get("/v1/documents", headers={"Authorization": "Bearer faux"}), 403, "forbidden")
    listing = admin.get("/v1/documents").json()
    pdf = next(d for d in listing["documents"] if d["source"] == "fiche-agrement-esus.pdf")
    assert pdf["doc_type"] == "pdf" and pdf["pages"] >= 1 and pdf["chunks"] > 0
    assert listing["chunks"] == sum(d["chunks"] for d in listing["documents"])


def test_upload_reindexes_in_background_then_delete(
    client: httpx.Client, admin: httpx.Client, api_server: Server
) -> None:
    assert NEW_SOURCE not in cited_sources(client, NEW_QUESTION)
    # Queries run without pause during the re-index; each records the indexing state before and after it.
    records: list[tuple[int, str, str]] = []
    stop = threading.Event()

    def keep_asking() -> None:
        with api_server.client() as http:
            while not stop.is_set():
                before = http.get("/health").json()["indexing"]["state"]
                status = http.post("/v1/ask", json={"question": BUSY_QUESTION}).status_code
                records.append((status, before, http.get("/health").json()["indexing"]["state"]))

    worker = threading.Thread(target=keep_asking)
    worker.start()
    try:
        response = upload(admin, NEW_SOURCE, NEW_FICHE.encode())
        assert response.status_code == 202, response.text
        assert response.json()["source"] == NEW_SOURCE and response.json()["status"] == "indexing"
        wait_for(lambda: NEW_SOURCE in cited_sources(client, NEW_QUESTION))
    finally:
        stop.set()
        worker.join()
    assert records and all(status == 200 for status, _, _ in records)
    assert any(before == after == "running" for _, before, after in records)  # answered while re-indexing
    answer = client.post("/v1/ask", json={"question": NEW_QUESTION}).json()
    assert "Alouette" in answer["answer"]
    assert client.get("/health").json()["indexing"]["state"] == "succeeded"
    assert NEW_SOURCE in listed_sources(client)
    assert (api_server.docs / NEW_SOURCE).read_text(encoding="utf-8") == NEW_FICHE
    assert leftovers(api_server.docs) == []

    response = admin.delete(f"/v1/documents/{NEW_SOURCE}")
    assert response.status_code == 202, response.text
    assert not (api_server.docs / NEW_SOURCE).exists()
    wait_for(lambda: NEW_SOURCE not in listed_sources(client))
    assert NEW_SOURCE not in cited_sources(client, NEW_QUESTION)


def test_delete_unknown_or_outside_documents(admin: httpx.Client, api_server: Server) -> None:
    assert_json_error(admin.delete("/v1/documents/absent.md"), 404, "document_not_found")
    assert_json_error(admin.delete("/v1/documents/..%2Fdocuments%2Ffiche-ptce.md"), 404, "document_not_found")
    assert (api_server.docs / "fiche-ptce.md").exists()


def assert_refused_and_index_intact(client: httpx.Client, api_server: Server, name: str, before: set[str]) -> None:
    assert not (api_server.docs / name).exists()
    assert leftovers(api_server.docs) == []
    assert listed_sources(client) == before
    assert "fiche-agrement-esus.pdf" in cited_sources(client, "Qui délivre l'agrément ESUS ?")


def test_upload_refuses_an_unsupported_extension(client: httpx.Client, admin: httpx.Client, api_server: Server) -> None:
    before = listed_sources(client)
    response = upload(admin, "tableau.xlsx", b"PK\x03\x04 pas un document", "application/octet-stream")
    assert "format non pris en charge" in assert_json_error(response, 415, "unsupported_file")
    assert_refused_and_index_intact(client, api_server, "tableau.xlsx", before)


def test_upload_refuses_an_oversized_file(client: httpx.Client, admin: httpx.Client, api_server: Server) -> None:
    before = listed_sources(client)
    body = ("# Trop long\n\n" + "Une phrase sur l'économie sociale et solidaire. " * 40_000).encode()  # ~2 MB
    assert "1 Mo" in assert_json_error(upload(admin, "trop-long.md", body), 413, "payload_too_large")
    # Just over the file limit, under the request limit: refused by the file check itself.
    body = b"# Juste trop long\n\n" + b"a" * (1024 * 1024 + 10)
    assert_json_error(upload(admin, "juste-trop-long.md", body), 413, "file_too_large")
    assert_refused_and_index_intact(client, api_server, "trop-long.md", before)
    assert not (api_server.docs / "juste-trop-long.md").exists()


def test_upload_refuses_a_corrupt_pdf(client: httpx.Client, admin: httpx.Client, api_server: Server) -> None:
    before = listed_sources(client)
    corrupt = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\n" + bytes(range(256)) * 40 + b"\n%%EOF"
    response = upload(admin, "fiche-abimee.pdf", corrupt, "application/pdf")
    assert "PDF" in assert_json_error(response, 422, "unreadable_file")
    assert_refused_and_index_intact(client, api_server, "fiche-abimee.pdf", before)


def test_upload_refuses_bad_names_and_missing_file(client: httpx.Client, admin: httpx.Client) -> None:
    assert_json_error(upload(admin, ".cache.md", b"# Titre\n\nTexte."), 400, "invalid_filename")
    assert_json_error(admin.post("/v1/documents", data={"autre": "x"}), 400, "missing_file")
    response = upload(admin, "../../evil.md", b"# Titre\n\nUn texte assez long pour un passage.")
    assert response.status_code == 202 and response.json()["source"] == "evil.md"  # folders are stripped
    assert admin.delete("/v1/documents/evil.md").status_code == 202
