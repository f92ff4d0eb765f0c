"""Ingestion on a real local Ray with 2 workers (`essbot ingest --ray`): same index as the serial path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import psutil
import pytest
from click.testing import Result

from essbot.config import Settings
from essbot.errors import EmbeddingBackendError, EssbotError, IngestCancelledError
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store, store_exists
from essbot.ingest.distributed import is_ray_address, prepare_documents
from essbot.ingest.pipeline import discover_files, ingest
from essbot.types import FileRecord
from tests.data.make_fixtures import GOOD_FILES, write_corrupt_pdf, write_files
from tests.index.embedding_server import free_port

ray = pytest.importorskip("ray", reason="Ray absent: pip install 'essbot[ray]'")

REPO = Path(__file__).resolve().parents[2]
REAL_FILES = [  # real fiches of documents/: a PDF, an HTML page and a Markdown file
    "fiche-services-sociaux-commande-publique.pdf",
    "fiche-cress-ess-france.html",
    "fiche-garanties-emprunt.md",
]
RAY_PROCESSES = ("raylet", "gcs_server", "ray::", "default_worker.py", "essbot.ingest.isolation")


def our_processes(names: tuple[str, ...]) -> list[str]:
    """Command lines of this test process's descendants that contain one of `names`."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            line = " ".join(child.cmdline()) or child.name()
        except psutil.Error:
            continue
        if any(name in line for name in names):
            found.append(line)
    return found


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A real local Ray with 2 CPUs (so 2 workers), shut down after the module with no process left behind."""
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield
    finally:
        ray.shutdown()
        assert not our_processes(RAY_PROCESSES)


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """Generated PDF/DOCX/HTML/MD/TXT, three real fiches of documents/ and one corrupt PDF."""
    folder = tmp_path / "docs"
    write_files(folder, GOOD_FILES)
    for name in REAL_FILES:
        shutil.copy2(REPO / "documents" / name, folder / name)
    write_corrupt_pdf(folder / "rapport-corrompu.pdf")
    return folder


@pytest.mark.slow
def test_ray_ingest_builds_the_same_index_as_the_serial_path(
    local_ray: None, mixed_folder: Path, tmp_path: Path, embedding: EssbotEmbedding
) -> None:
    serial = Settings(index_dir=tmp_path / "serial")
    on_ray = Settings(index_dir=tmp_path / "ray")
    serial_report = ingest([mixed_folder], serial, embedding=embedding)
    ray_report = ingest([mixed_folder], on_ray, embedding=embedding, ray_address="local")

    assert ray_report.indexed == serial_report.indexed and len(ray_report.indexed) == len(GOOD_FILES) + 3
    assert [(s.source, s.reason) for s in ray_report.skipped] == [(s.source, s.reason) for s in serial_report.skipped]
    reasons = {s.source: s.reason for s in ray_report.skipped}
    assert reasons["rapport-corrompu.pdf"].startswith("PDF illisible ou corrompu")
    assert ray_report.embedded == ray_report.chunks_total == serial_report.chunks_total

    serial_store, ray_store = open_store(serial, model_id=embedding.model_id), open_store(on_ray)
    try:
        serial_docs, ray_docs = list(serial_store.documents()), list(ray_store.documents())
        assert [(r, c) for r, c, _ in ray_docs] == [(r, c) for r, c, _ in serial_docs]
        for (_, _, ray_vectors), (_, _, serial_vectors) in zip(ray_docs, serial_docs, strict=True):
            assert np.allclose(ray_vectors, serial_vectors, atol=1e-6)
        assert ray_store.files() == serial_store.files()
    finally:
        serial_store.close()
        ray_store.close()
    assert not our_processes(("essbot.ingest.isolation",))  # every worker closed its parsing process

    # Incremental as before: nothing changed, then one file changed and only that one goes to Ray.
    assert not ingest([mixed_folder], on_ray, ray_address="local").changed
    fiche = mixed_folder / "fiche-spaser.md"
    fiche.write_text(fiche.read_text(encoding="utf-8") + "\n\nUn paragraphe ajouté sur les SCIC.\n", encoding="utf-8")
    again = ingest([mixed_folder], on_ray, ray_address="local")
    assert again.indexed == ["fiche-spaser.md"] and again.chunks_added >= 1


def test_prepare_documents_reports_a_corrupt_file_with_its_french_reason(local_ray: None, tmp_path: Path) -> None:
    path = write_corrupt_pdf(tmp_path / "abime.pdf")
    record = FileRecord("abime.pdf", "0" * 64, path.stat().st_size, path.stat().st_mtime_ns)
    [prepared] = prepare_documents([(path, record)], Settings(), workers=2)
    assert prepared.record.skipped is not None and prepared.record.skipped.startswith("PDF illisible ou corrompu")
    assert prepared.chunks == [] and prepared.vectors is None


def test_files_above_the_size_limit_are_not_even_sent(local_ray: None, tmp_path: Path) -> None:
    path = tmp_path / "gros.md"
    path.write_text("# Titre\n\n" + "mot " * 300_000, encoding="utf-8")
    record = FileRecord("gros.md", "0" * 64, path.stat().st_size, path.stat().st_mtime_ns)
    [prepared] = prepare_documents([(path, record)], Settings(max_file_mb=1.0))
    assert prepared.record.skipped is not None and prepared.record.skipped.startswith("fichier trop volumineux")


def test_an_embedding_failure_on_a_worker_stops_the_run_with_its_french_message(
    local_ray: None, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    write_files(folder, {"fiche-spaser.md": GOOD_FILES["fiche-spaser.md"]})
    settings = Settings(
        index_dir=tmp_path / "index",
        embedding_backend="openai",
        embedding_base_url="http://127.0.0.1:9/v1",  # discard port: nothing answers
        embedding_dim=384,
        embedding_max_retries=0,
    )
    with pytest.raises(EmbeddingBackendError, match="Le service de vectorisation ne répond pas"):
        ingest([folder], settings, ray_address="local")
    assert not store_exists(settings)


def test_a_cancelled_ray_run_stops_its_workers(local_ray: None, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    files = [
        (path, FileRecord(source, "", path.stat().st_size, 0))
        for path, source in ((p, p.name) for p in write_files(folder, GOOD_FILES))
    ]
    with pytest.raises(IngestCancelledError):
        list(prepare_documents(files, Settings(), should_stop=lambda: True))
    assert not our_processes(("essbot.ingest.isolation",))


def test_cli_ingest_with_ray(local_ray: None, tmp_path: Path, run_cli: Callable[..., Result]) -> None:
    folder = tmp_path / "docs"
    write_files(folder, {"ptce.html": GOOD_FILES["ptce.html"], "fiche-spaser.md": GOOD_FILES["fiche-spaser.md"]})
    write_corrupt_pdf(folder / "rapport-corrompu.pdf")
    index = tmp_path / "index"
    # `--ray` right before the folder: the folder is taken as a folder, not as an address
    result = run_cli("ingest", "--index", index, "--ray", folder)
    assert result.exit_code == 0, result.output
    assert "2 fichier(s) indexé(s)" in result.output and "1 ignoré(s)" in result.output
    assert "ignoré : rapport-corrompu.pdf — PDF illisible ou corrompu" in result.output
    store = open_store(Settings(index_dir=index))
    try:
        assert sorted(store.files()) == [source for _, source in discover_files([folder])]
    finally:
        store.close()


def test_ray_addresses_are_checked() -> None:
    assert all(is_ray_address(a) for a in ("auto", "local", "ray://10.0.0.5:10001", "tete-cluster:6379"))
    assert not any(is_ray_address(a) for a in ("", "documents/", "http://hote:8265", "ray://"))
    with pytest.raises(EssbotError, match="Adresse Ray invalide"):
        list(prepare_documents([(Path("x.md"), FileRecord("x.md", "", 1, 0))], Settings(), "documents/"))


def test_cli_without_a_cluster_at_the_address_says_so_in_french(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_files(folder, {"fiche-spaser.md": GOOD_FILES["fiche-spaser.md"]})
    address = f"ray://127.0.0.1:{free_port()}"  # nothing listens there
    # A process of its own: this one may hold the module's local Ray, which would be reused.
    command = [sys.executable, "-c", "from essbot.cli import main; main()"]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RAY_", "ESSBOT_"))}
    result = subprocess.run(
        [*command, "ingest", str(folder), "--index", str(tmp_path / "index"), "--ray", address],
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": os.pathsep.join(sys.path)},
        timeout=300,
    )
    assert result.returncode == 1
    assert f"Impossible de joindre le cluster Ray « {address} » : aucun cluster ne répond" in result.stderr
    assert not (tmp_path / "index" / "manifest.json").exists()


@pytest.mark.slow
def test_a_memory_bomb_is_stopped_by_the_workers_parsing_limits(local_ray: None, tmp_path: Path) -> None:
    from essbot import messages
    from tests.data import hostile_files as hostile
    from tests.data import make_fixtures as fx

    paths = [hostile.write_docx_bomb(tmp_path / "bombe.docx"), fx.write_docx(tmp_path / "scic.docx")]
    files = [(path, FileRecord(path.name, "", path.stat().st_size, path.stat().st_mtime_ns)) for path in paths]
    settings = Settings(max_decompressed_mb=500.0)  # past the zip check: the memory cap must stop it
    prepared = {p.record.source: p for p in prepare_documents(files, settings, workers=1)}
    assert prepared["bombe.docx"].record.skipped == messages.SKIP_PARSE_MEMORY
    good = prepared["scic.docx"]  # the same worker goes on with a fresh parsing process
    assert good.record.skipped is None and good.record.title == "Guide des SCIC" and good.chunks
    assert good.vectors is not None and good.vectors.shape == (len(good.chunks), 384)
