"""Official texts (DILA « LEGI » open data) uploaded through `POST /v1/documents` on the real server: the version
in force at `at`, searchable after the re-index, deleted again; and every hostile archive refused for real."""

from __future__ import annotations

import io
import tarfile
from datetime import date
from pathlib import Path

import httpx

from essbot.answer.provenance import date_phrase, source_label
from essbot.answer.types import Citation
from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.ingest.legi_archive import date_file
from essbot.server.documents import DocumentLibrary
from essbot.server.reindex import LiveAssistant, Reindexer
from essbot.types import Chunk
from tests.server.conftest import LEGI_MAX_INFLATED_MB, LEGI_MAX_MEMBERS, Corpus, Server, live_copy
from tests.server.test_api import assert_json_error
from tests.server.test_documents import leftovers, listed_sources, wait_for

LEGI_DIR = Path(__file__).parents[1] / "data" / "legi"
DUMP_FOLDER = "legi/global/code_et_TNC_en_vigueur/article/LEGI/ARTI"  # where a DILA dump keeps article files
SOURCE = "legi-ess.tar.gz"
MALFORMED = "LEGIARTI000099999999.xml"
SPASER_QUESTION = (
    "Quel acheteur adopte un schéma de promotion des achats publics socialement et écologiquement responsables ?"
)
FONDS_QUESTION = "Quelles entreprises peuvent recevoir les sommes collectées par les fonds solidaires ?"
ARTICLE = (LEGI_DIR / "LEGIARTI000029337288.xml").read_bytes()  # L3332-17-2, in force since 2 August 2014


def tar_gz(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def file_member(name: str, data: bytes) -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def fixture_dump() -> bytes:
    """The team-written fixtures as a dump ships them: deep in folders, every version of each article."""
    files = sorted(LEGI_DIR.glob("*.xml"))
    return tar_gz([file_member(f"{DUMP_FOLDER}/{path.name}", path.read_bytes()) for path in files])


def upload_legi(admin: httpx.Client, name: str, data: bytes, **params: str) -> httpx.Response:
    return admin.post("/v1/documents", params=params, files={"file": (name, data, "application/gzip")})


def ask(client: httpx.Client, question: str) -> dict[str, object]:
    response = client.post("/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def legi_citations(client: httpx.Client, question: str) -> list[dict[str, object]]:
    citations = ask(client, question)["citations"]
    assert isinstance(citations, list)
    return [c for c in citations if c["source"] == SOURCE]


def chunks_of(client: httpx.Client, source: str) -> int:
    documents = client.get("/v1/documents").json()["documents"]
    return next((d["chunks"] for d in documents if d["source"] == source), 0)


def test_legi_dump_upload_keeps_the_version_in_force_then_delete(admin: httpx.Client, api_server: Server) -> None:
    response = upload_legi(admin, SOURCE, fixture_dump(), at="2024-01-01")
    assert response.status_code == 202, response.text
    change = response.json()
    # In force on 1 January 2024: L3332-17-1 (2019 version), L3332-17-2 and article 1 of the 2014 law.
    assert change["legi_at"] == "2024-01-01" and change["articles"] == 3 and change["replaced"] is False
    assert [part["name"] for part in change["skipped"]] == [f"{DUMP_FOLDER}/{MALFORMED}"]
    assert "XML mal formé" in change["skipped"][0]["reason"]
    assert "3 article(s) en vigueur au 01/01/2024" in change["message"]
    wait_for(lambda: chunks_of(admin, SOURCE) == 3)  # one chunk per article
    try:
        [cited] = legi_citations(admin, FONDS_QUESTION)
        assert cited["article"] == "L. 3332-17-2" and cited["updated"] == "2014-08-02"
        citation = Citation(**{key: cited[key] for key in Citation.__dataclass_fields__})
        assert f"{source_label(citation)} — {date_phrase(citation)}" == (
            "Art. L. 3332-17-2, code du travail — version en vigueur depuis le 2 août 2014"
        )
        assert not legi_citations(admin, SPASER_QUESTION)  # article 13 was abrogated in 2019

        # The same archive at another date: the file is unchanged, its date is not; the 2016 versions come back.
        response = upload_legi(admin, SOURCE, fixture_dump(), at="2016-01-01", replace="true")
        assert response.status_code == 202, response.text
        assert response.json()["replaced"] is True and response.json()["articles"] == 4
        wait_for(lambda: chunks_of(admin, SOURCE) == 4)
        [cited] = legi_citations(admin, SPASER_QUESTION)
        assert cited["article"] == "13" and cited["updated"] == "2015-08-19"
        wait_for(lambda: not [p for p in leftovers(api_server.docs) if p.startswith(".backup-")])
        assert leftovers(api_server.docs) == [f".{SOURCE}.legi-at"]  # the date the file is indexed at
    finally:
        assert admin.delete(f"/v1/documents/{SOURCE}").status_code == 202
    wait_for(lambda: SOURCE not in listed_sources(admin))
    assert not legi_citations(admin, FONDS_QUESTION)
    assert leftovers(api_server.docs) == []


def test_single_article_upload_defaults_to_today(admin: httpx.Client, api_server: Server) -> None:
    response = admin.post("/v1/documents", files={"file": ("LEGIARTI000029337288.xml", ARTICLE, "application/xml")})
    assert response.status_code == 202, response.text
    assert response.json()["articles"] == 1 and response.json()["skipped"] == []
    assert leftovers(api_server.docs) == []  # no date recorded: the server's date (today) applies
    wait_for(lambda: chunks_of(admin, "LEGIARTI000029337288.xml") == 1)
    assert admin.delete("/v1/documents/LEGIARTI000029337288.xml").status_code == 202
    wait_for(lambda: "LEGIARTI000029337288.xml" not in listed_sources(admin))


def test_bad_dates_are_refused_in_french(admin: httpx.Client, api_server: Server) -> None:
    response = upload_legi(admin, "a.tar.gz", fixture_dump(), at="01/01/2024")
    assert "AAAA-MM-JJ" in assert_json_error(response, 400, "invalid_date")
    markdown = {"file": ("f.md", b"# T\n\nTexte.", "text/markdown")}
    response = admin.post("/v1/documents", params={"at": "2024-01-01"}, files=markdown)
    assert "textes officiels LEGI" in assert_json_error(response, 400, "date_not_applicable")
    # No article in force that day: refused, nothing stored.
    response = upload_legi(admin, "a.tar.gz", fixture_dump(), at="2000-01-01")
    assert "sans article en vigueur au 01/01/2000" in assert_json_error(response, 422, "unreadable_file")
    assert not (api_server.docs / "a.tar.gz").exists() and leftovers(api_server.docs) == []


# --- hostile archives: each attack is run against the server, which must refuse it and keep nothing ---


class Zeros:
    """An endless run of zero bytes, so that a bomb is built without holding it in memory."""

    def read(self, size: int) -> bytes:
        return bytes(size)


def assert_refused(admin: httpx.Client, api_server: Server, name: str, data: bytes, expected: str) -> str:
    before = listed_sources(admin)
    message = assert_json_error(upload_legi(admin, name, data), 422, "unreadable_file")
    assert expected in message, message
    assert not (api_server.docs / name).exists() and leftovers(api_server.docs) == []
    assert listed_sources(admin) == before
    return message


def test_gzip_bomb_stops_at_the_inflated_bound(admin: httpx.Client, api_server: Server) -> None:
    size = (LEGI_MAX_INFLATED_MB + 10) * 1024 * 1024  # one member of zeros, declared at its true size
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=9) as archive:
        info = tarfile.TarInfo("legi/bombe.xml")
        info.size = size
        archive.addfile(info, Zeros())  # type: ignore[arg-type]
    bomb = buffer.getvalue()
    assert len(bomb) < 100_000  # 30 MB inflated from a few tens of kB
    assert_refused(admin, api_server, "bombe.tar.gz", bomb, f"au-delà de {LEGI_MAX_INFLATED_MB} Mo")
    # Many members each under the per-article bound: their total is what counts.
    chunk = bytes(3 * 1024 * 1024)
    members = [file_member(f"legi/{i}.xml", chunk) for i in range(LEGI_MAX_INFLATED_MB // 3 + 1)]
    assert_refused(admin, api_server, "bombes.tar.gz", tar_gz(members), f"au-delà de {LEGI_MAX_INFLATED_MB} Mo")


def test_too_many_members_are_refused(admin: httpx.Client, api_server: Server) -> None:
    members = [file_member(f"legi/vide-{i}.txt", b"") for i in range(LEGI_MAX_MEMBERS + 1)]
    assert_refused(admin, api_server, "nombreux.tar.gz", tar_gz(members), f"plus de {LEGI_MAX_MEMBERS} fichiers")


def test_path_traversal_and_links_are_refused(admin: httpx.Client, api_server: Server, tmp_path: Path) -> None:
    outside = api_server.docs.parent / "evil.xml"
    for name in ["../evil.xml", "legi/../../evil.xml", str(outside), "..\\evil.xml"]:
        archive = tar_gz([file_member(name, ARTICLE), file_member(f"{DUMP_FOLDER}/ok.xml", ARTICLE)])
        assert_refused(admin, api_server, "chemin.tar.gz", archive, "sort de l'archive")
    assert not outside.exists() and not (api_server.docs.parent.parent / "evil.xml").exists()
    for kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
        link = tarfile.TarInfo(f"{DUMP_FOLDER}/lien.xml")
        link.type, link.linkname = kind, "/etc/passwd"
        archive = tar_gz([file_member(f"{DUMP_FOLDER}/ok.xml", ARTICLE), (link, None)])
        assert_refused(admin, api_server, "lien.tar.gz", archive, "est un lien")
    fifo = tarfile.TarInfo(f"{DUMP_FOLDER}/tube.xml")
    fifo.type = tarfile.FIFOTYPE
    assert_refused(admin, api_server, "tube.tar.gz", tar_gz([(fifo, None)]), "ni un fichier ni un dossier")


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE ARTICLE [<!ENTITY l0 "ha">'
    + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    + "]><ARTICLE>&l9;</ARTICLE>"
).encode()
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE ARTICLE [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    + ARTICLE.split(b"?>", 1)[1].replace(b"fonds solidaires", b"fonds solidaires &secret;", 1)
)


def test_entity_expansion_is_refused_alone_and_skipped_in_an_archive(admin: httpx.Client, api_server: Server) -> None:
    for name, xml in [("LEGIARTI000000000666.xml", BILLION_LAUGHS), ("LEGIARTI000000000777.xml", EXTERNAL_ENTITY)]:
        response = admin.post("/v1/documents", files={"file": (name, xml, "application/xml")})
        assert "entités ou références externes interdites" in assert_json_error(response, 422, "unreadable_file")
        assert not (api_server.docs / name).exists()
    archive = tar_gz(
        [
            file_member(f"{DUMP_FOLDER}/LEGIARTI000029337288.xml", ARTICLE),
            file_member(f"{DUMP_FOLDER}/rires.xml", BILLION_LAUGHS),
            file_member(f"{DUMP_FOLDER}/secret.xml", EXTERNAL_ENTITY),
        ]
    )
    response = upload_legi(admin, "entites.tar.gz", archive)
    assert response.status_code == 202, response.text
    try:
        change = response.json()
        assert change["articles"] == 1
        assert {part["name"].rsplit("/", 1)[1] for part in change["skipped"]} == {"rires.xml", "secret.xml"}
        assert all("entités ou références externes interdites" in part["reason"] for part in change["skipped"])
        wait_for(lambda: chunks_of(admin, "entites.tar.gz") == 1)
        assert "root:" not in str(ask(admin, FONDS_QUESTION))
    finally:
        assert admin.delete("/v1/documents/entites.tar.gz").status_code == 202
    wait_for(lambda: "entites.tar.gz" not in listed_sources(admin))


def test_deeply_nested_article_is_skipped(admin: httpx.Client, api_server: Server) -> None:
    nested = ARTICLE.replace(b"<p>Les entreprises", b"<b>" * 50_000 + b"<p>Les entreprises").replace(
        b"solidaires.</p>", b"solidaires.</p>" + b"</b>" * 50_000
    )
    response = admin.post("/v1/documents", files={"file": ("LEGIARTI000000000888.xml", nested, "application/xml")})
    assert "imbriquée" in assert_json_error(response, 422, "unreadable_file")


def test_corrupt_encrypted_and_oversized_archives_are_refused(admin: httpx.Client, api_server: Server) -> None:
    dump = fixture_dump()
    assert_refused(admin, api_server, "tronquee.tar.gz", dump[: len(dump) // 2], "illisible ou corrompue")
    assert_refused(admin, api_server, "bruit.tar.gz", bytes(range(256)) * 8, "illisible ou corrompue")
    encrypted = b"Salted__" + bytes(range(256)) * 8  # what `openssl enc -aes-256-cbc` writes
    assert_refused(admin, api_server, "chiffree.tar.gz", encrypted, "archive chiffrée")
    armored = b"-----BEGIN PGP MESSAGE-----\n\nhQEMA...\n-----END PGP MESSAGE-----\n"
    assert_refused(admin, api_server, "chiffree.tgz", armored, "archive chiffrée")
    too_large = dump + bytes(1024 * 1024)
    assert_json_error(upload_legi(admin, "enorme.tar.gz", too_large), 413, "file_too_large")
    assert not (api_server.docs / "enorme.tar.gz").exists() and leftovers(api_server.docs) == []


def test_a_failed_reindex_after_a_dated_replacement_restores_the_file_and_its_date(
    tmp_path: Path, api_corpus: Corpus, embedding: EssbotEmbedding
) -> None:
    """The previous LEGI file comes back with the date it was indexed at, and the index keeps its articles."""
    served = live_copy(tmp_path, api_corpus, embedding)
    docs, index, settings, live = served.docs, served.index, served.settings, served.live
    try:
        reindexer = Reindexer(live, settings, embedding_factory=lambda _: embedding)
        DocumentLibrary(settings, reindexer).save_upload(SOURCE, io.BytesIO(fixture_dump()), at=date(2024, 1, 1))
        reindexer.request()
        assert reindexer.wait_idle(timeout=600) and reindexer.status.state == "succeeded", reindexer.status
        original = (docs / SOURCE).read_bytes()
        assert date_file(docs / SOURCE).read_text(encoding="utf-8").strip() == "2024-01-01"
        articles = sorted(c.article or "" for c in store_chunks(live, SOURCE))
        assert len(articles) == 3

        # The replacement (another archive, another date) cannot be indexed: its run has no time at all.
        stopped = Settings(index_dir=index, documents_dir=docs, reindex_timeout_s=0.0)
        failing = Reindexer(live, stopped, embedding_factory=lambda _: embedding)
        library = DocumentLibrary(stopped, failing)
        replacement = tar_gz(
            [file_member(f"{DUMP_FOLDER}/{path.name}", path.read_bytes()) for path in legi_files()[:2]]
        )
        saved = library.save_upload(SOURCE, io.BytesIO(replacement), replace=True, at=date(2016, 1, 1))
        assert saved.backup is not None and (docs / SOURCE).read_bytes() == replacement
        failing.request()
        library.settle_backup(SOURCE, saved.backup)  # what the server's backup thread runs
        assert failing.status.state == "cancelled", failing.status

        assert (docs / SOURCE).read_bytes() == original
        assert date_file(docs / SOURCE).read_text(encoding="utf-8").strip() == "2024-01-01"
        assert not [p for p in leftovers(docs) if p.startswith(".backup-")]
        assert sorted(c.article or "" for c in store_chunks(live, SOURCE)) == articles
    finally:
        served.close()


def legi_files() -> list[Path]:
    return sorted(LEGI_DIR.glob("*.xml"))


def store_chunks(live: LiveAssistant, source: str) -> list[Chunk]:
    """The chunks the store in service holds for `source`."""
    store = live.current.retriever.store
    record = store.files().get(source)
    return store.fetch(record.chunk_ids) if record is not None else []
