"""LocalStore: the store contract (exact and IVF), its files, crash safety and concurrent readers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from essbot.errors import IndexIncompatibleError, IndexNotFoundError
from essbot.index.local import LocalStore
from essbot.index.protocol import ChunkStore
from tests.index import contract

LOCAL_OPTIONS = {
    "flat": {},
    # Tiny thresholds: FAISS becomes an IVF index after a few chunks, and a snapshot follows every change.
    "ivf": {"ann_threshold": 4, "snapshot_every": 0},
}


def make_factory(folder: Path, opened: list[LocalStore], **options: object) -> Callable[[], ChunkStore]:
    def factory() -> ChunkStore:
        if (folder / "store.sqlite").exists():
            store = LocalStore.open(folder, **options)
        else:
            store = LocalStore.create(folder, contract.MODEL, contract.DIM, {"v": 1}, **options)
        opened.append(store)
        return store

    return factory


@pytest.fixture(params=sorted(LOCAL_OPTIONS))
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], ChunkStore]]:
    opened: list[LocalStore] = []
    yield make_factory(tmp_path / "store", opened, **LOCAL_OPTIONS[request.param])
    for store in opened:
        store.close()


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda check: check.__name__)
def test_contract(check: Callable[[Callable[[], ChunkStore]], None], factory: Callable[[], ChunkStore]) -> None:
    check(factory)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalStore]:
    store = LocalStore.create(tmp_path / "store", contract.MODEL, contract.DIM, {"v": 1})
    yield store
    store.close()


def faiss_ids(store: LocalStore) -> set[int]:
    import faiss

    index = store._vectors.index
    if isinstance(index, faiss.IndexIDMap2):
        return set(faiss.vector_to_array(index.id_map).tolist())
    return set(range(0)) if index.ntotal == 0 else set(_ivf_ids(index))


def _ivf_ids(index: object) -> list[int]:
    import faiss

    invlists = faiss.extract_index_ivf(index).invlists
    ids: list[int] = []
    for list_no in range(invlists.nlist):
        size = invlists.list_size(list_no)
        if size:
            ids.extend(faiss.rev_swig_ptr(invlists.get_ids(list_no), size).tolist())
    return ids


def sql_ids(folder: Path) -> set[int]:
    with sqlite3.connect(folder / "store.sqlite") as connection:
        return {row[0] for row in connection.execute("SELECT id FROM chunks")}


# --- files on disk ---------------------------------------------------------------------------------


def test_database_is_in_wal_mode_and_snapshot_is_written_on_flush(store: LocalStore) -> None:
    contract.fill(store)
    store.flush()
    names = {path.name for path in store.folder.iterdir()}
    assert "store.sqlite" in names
    assert [name for name in names if name.startswith("vectors-") and name.endswith(".faiss")]
    assert not [name for name in names if name.endswith(".tmp")]
    with sqlite3.connect(store.folder / "store.sqlite") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopened_store_replays_changes_made_after_its_snapshot(store: LocalStore) -> None:
    docs = contract.fill(store)
    store.flush()
    contract.put(store, "nouveau.md", 42, ["Un texte ajouté après la photographie de l'index."])
    store.remove_document("fiches/spaser.md")
    reopened = LocalStore.open(store.folder)
    query = docs["fiches/esus.md"][1][0]
    assert reopened.dense_search(query, 20) == store.dense_search(query, 20)
    assert faiss_ids(reopened) == sql_ids(store.folder)
    reopened.close()


def test_lost_or_damaged_snapshot_is_rebuilt_from_sqlite(store: LocalStore) -> None:
    docs = contract.fill(store)
    store.flush()
    for path in store.folder.glob("vectors-*.faiss"):
        path.write_bytes(b"not a faiss index")
    reopened = LocalStore.open(store.folder)
    chunks, vectors = docs["guides/ptce.pdf"]
    assert reopened.dense_search(vectors[0], 1)[0][0] == chunks[0].chunk_id
    assert faiss_ids(reopened) == sql_ids(store.folder)
    reopened.close()


def test_large_store_switches_to_ivf_and_still_removes_in_place(tmp_path: Path) -> None:
    store = LocalStore.create(tmp_path / "s", contract.MODEL, contract.DIM, {}, ann_threshold=50, snapshot_every=0)
    for i in range(12):
        contract.put(store, f"doc-{i:02d}.md", i, [f"Passage {j} du document {i}." for j in range(10)])
    store.flush()
    reader = LocalStore.open(tmp_path / "s", ann_threshold=50)
    query = contract.vectors_for(10, 3)[4]
    assert reader.dense_search(query, 1)[0][0] == "doc-03.md#4"
    assert reader._vectors.kind == "ivf"
    store.remove_document("doc-03.md")
    assert all(not i.startswith("doc-03.md") for i, _ in reader.dense_search(query, 50))
    assert [i.split("#")[0] for i, _ in reader.dense_search(query, 3, {"source": "doc-07"})] == ["doc-07.md"] * 3
    reader.close()
    store.close()


# --- refusing what cannot be used ------------------------------------------------------------------


def test_missing_store_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match=r"Aucun index trouvé .*essbot ingest documents/ --index"):
        LocalStore.open(tmp_path / "nowhere")


def test_index_in_the_previous_format_asks_for_a_rebuild(tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text("{}", encoding="utf-8")
    (old / "faiss.index").write_bytes(b"")
    with pytest.raises(
        IndexIncompatibleError, match=r"format 1, or cette version d'essbot attend le format 2.*--rebuild"
    ):
        LocalStore.open(old)


def test_store_of_another_model_or_format_is_refused(store: LocalStore) -> None:
    with pytest.raises(IndexIncompatibleError, match=r"« test:contract-model ».*« autre:modele ».*--rebuild"):
        LocalStore.open(store.folder, "autre:modele")
    with sqlite3.connect(store.folder / "store.sqlite") as connection:
        connection.execute("UPDATE meta SET value = '3' WHERE key = 'format_version'")
    with pytest.raises(IndexIncompatibleError, match=r"format 3.*--rebuild"):
        LocalStore.open(store.folder)


def test_damaged_database_is_reported(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "store.sqlite").write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(IndexIncompatibleError, match="incomplet ou endommagé"):
        LocalStore.open(folder)


# --- readers while a writer writes -----------------------------------------------------------------


def test_readers_in_threads_keep_answering_while_documents_change(store: LocalStore) -> None:
    contract.fill(store)
    reader = LocalStore.open(store.folder)
    errors: list[BaseException] = []
    stop = threading.Event()
    query = contract.vectors_for(1, 11)[0]

    def read() -> None:
        try:
            while not stop.is_set():
                found = reader.dense_search(query, 5)
                assert found and len({i for i, _ in found}) == len(found)
                reader.fetch([i for i, _ in found])
                reader.lexical_search("agrément ESUS", 5, {"source": "fiches/"})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for round_ in range(30):
        contract.put(store, f"flux-{round_ % 5}.md", round_, [f"Version {round_} du document."])
        if round_ % 7 == 0:
            store.flush()
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert faiss_ids(reader) | set() == sql_ids(store.folder) or reader.dense_search(query, 1)
    reader.dense_search(query, 1)
    assert faiss_ids(reader) == sql_ids(store.folder)
    reader.close()


# --- a real kill -----------------------------------------------------------------------------------

WRITER = """
import sys
from pathlib import Path
from essbot.index.local import LocalStore
from tests.index import contract

store = LocalStore.open(Path(sys.argv[1]), snapshot_every=int(sys.argv[2]))
round_ = 0
while True:
    round_ += 1
    source = f"doc-{round_ % 7}.md"
    if round_ % 5 == 0:
        store.remove_document(source)
    else:
        contract.put(store, source, round_, [f"Version {round_} passage {j}." for j in range(20)], f"v{round_}-")
    if round_ % 11 == 0:
        store.flush()
    print(round_, flush=True)
"""


def check_consistent(folder: Path) -> int:
    """Every document whole (all its chunks from one version), FAISS in step with SQLite; the chunk count."""
    store = LocalStore.open(folder)
    try:
        total = 0
        for record, chunks, vectors in store.documents():
            versions = {chunk.chunk_id.split("#")[1].split("-")[0] for chunk in chunks}
            assert len(versions) == 1 and len(chunks) == 20 == len(record.chunk_ids) == len(vectors)
            assert [c.chunk_id for c in chunks] == record.chunk_ids
            total += len(chunks)
        assert store.stats().chunks == total
        store.dense_search(contract.vectors_for(1, 0)[0], 1)
        assert faiss_ids(store) == sql_ids(folder)
        return total
    finally:
        store.close()


@pytest.mark.parametrize("snapshot_every", [0, 1000])
def test_killed_writer_leaves_every_document_whole(tmp_path: Path, snapshot_every: int) -> None:
    folder = tmp_path / "s"
    LocalStore.create(folder, contract.MODEL, contract.DIM, {}).close()
    repo = Path(__file__).resolve().parents[2]
    rng = np.random.default_rng(0)
    for _ in range(4):
        process = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), str(snapshot_every)],
            cwd=repo,
            env={"PYTHONPATH": f"{repo / 'src'}:{repo}", "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert process.stdout is not None
        process.stdout.readline()  # it has written at least once
        time.sleep(float(rng.uniform(0.05, 0.6)))
        process.kill()
        process.wait(timeout=30)
        check_consistent(folder)
