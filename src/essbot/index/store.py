"""The on-disk index: FAISS vectors (through llama-index's FaissVectorStore), docstore, BM25 and manifest.

Layout of `indexes/<name>/`: manifest.json · faiss.index · docstore.jsonl · bm25/
A build writes a sibling temporary folder and swaps it in with renames, under a lock file, so a crash or a
kill never leaves a half-written index in place.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from essbot import messages
from essbot.errors import IndexBusyError, IndexIncompatibleError, IndexNotFoundError
from essbot.index.bm25 import FrenchBM25
from essbot.types import Chunk, FileRecord

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FAISS_FILE = "faiss.index"
DOCSTORE = "docstore.jsonl"
BM25_DIR = "bm25"


@dataclass
class Manifest:
    embedding_model: str
    dim: int
    splitter: dict[str, Any]
    files: dict[str, FileRecord] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    built_at: str = ""
    chunk_count: int = 0

    def to_json(self) -> str:
        data = asdict(self)
        data["files"] = {source: asdict(record) for source, record in sorted(self.files.items())}
        return json.dumps(data, ensure_ascii=False, indent=2)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        files = {source: FileRecord(**record) for source, record in data.pop("files", {}).items()}
        return cls(files=files, **data)


def _backup_dir(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.old"


def _readable_dir(index_dir: Path) -> Path:
    """The live folder, or its backup if a previous swap was interrupted between its two renames."""
    if not (index_dir / MANIFEST).is_file() and (_backup_dir(index_dir) / MANIFEST).is_file():
        return _backup_dir(index_dir)
    return index_dir


def read_manifest(index_dir: Path) -> Manifest | None:
    path = _readable_dir(index_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, TypeError, KeyError) as exc:
        raise IndexIncompatibleError(messages.INDEX_CORRUPT.format(path=index_dir, detail=MANIFEST), str(exc)) from exc


def check_compatible(manifest: Manifest, index_dir: Path, model_id: str | None) -> None:
    """Refuse an index of another format or embedding model, with the French way out."""
    if manifest.format_version != FORMAT_VERSION:
        raise IndexIncompatibleError(
            messages.INDEX_FORMAT_MISMATCH.format(
                path=index_dir, found=manifest.format_version, expected=FORMAT_VERSION
            )
        )
    if model_id is not None and manifest.embedding_model != model_id:
        raise IndexIncompatibleError(
            messages.INDEX_MODEL_MISMATCH.format(path=index_dir, built=manifest.embedding_model, configured=model_id)
        )


class VectorIndex:
    """A loaded index: chunks in FAISS order, the FAISS vector store, BM25 and the manifest."""

    def __init__(self, path: Path, manifest: Manifest, chunks: list[Chunk], vector_store: Any, bm25: FrenchBM25):
        self.path = path
        self.manifest = manifest
        self.chunks = chunks
        self.vector_store = vector_store
        self.bm25 = bm25

    @classmethod
    def load(cls, index_dir: Path, model_id: str | None = None) -> VectorIndex:
        """Load an index; `model_id` (the configured embedding) must match the one it was built with."""
        from llama_index.vector_stores.faiss import FaissVectorStore

        manifest = read_manifest(index_dir)
        if manifest is None:
            raise IndexNotFoundError(messages.INDEX_NOT_FOUND.format(path=index_dir))
        check_compatible(manifest, index_dir, model_id)
        folder = _readable_dir(index_dir)
        try:
            with open(folder / DOCSTORE, encoding="utf-8") as handle:
                chunks = [Chunk.from_dict(json.loads(line)) for line in handle if line.strip()]
            vector_store = FaissVectorStore.from_persist_path(str(folder / FAISS_FILE))
            bm25 = FrenchBM25.load(folder / BM25_DIR, len(chunks))
        except (OSError, ValueError, RuntimeError, TypeError, KeyError) as exc:
            raise IndexIncompatibleError(
                messages.INDEX_CORRUPT.format(path=index_dir, detail=type(exc).__name__), str(exc)
            ) from exc
        if vector_store.client.ntotal != len(chunks):
            raise IndexIncompatibleError(
                messages.INDEX_CORRUPT.format(path=index_dir, detail="docstore et FAISS désaccordés")
            )
        return cls(index_dir, manifest, chunks, vector_store, bm25)

    def vectors(self) -> np.ndarray:
        """All stored vectors, in chunk order (used to reuse embeddings across builds)."""
        faiss_index = self.vector_store.client
        if faiss_index.ntotal == 0:
            return np.zeros((0, self.manifest.dim), dtype=np.float32)
        return faiss_index.reconstruct_n(0, faiss_index.ntotal)

    def dense_search(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Inner product on normalized vectors (cosine): (position, score) pairs, best first."""
        from llama_index.core.vector_stores.types import VectorStoreQuery

        k = min(k, len(self.chunks))
        if k <= 0:
            return []
        result = self.vector_store.query(VectorStoreQuery(query_embedding=query_vector.tolist(), similarity_top_k=k))
        return [(int(i), float(s)) for i, s in zip(result.ids or [], result.similarities or [], strict=True)]


def write_index(folder: Path, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray) -> None:
    """Write every file of an index into `folder` (which must not be the live index)."""
    import faiss
    from llama_index.core.schema import BaseNode, TextNode
    from llama_index.vector_stores.faiss import FaissVectorStore

    folder.mkdir(parents=True)
    vector_store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(manifest.dim))
    if len(chunks):
        nodes: list[BaseNode] = [
            TextNode(id_=chunk.chunk_id, text="", embedding=vector.tolist())
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]
        vector_store.add(nodes)
    vector_store.persist(str(folder / FAISS_FILE))
    FrenchBM25.build([chunk.embed_text for chunk in chunks]).save(folder / BM25_DIR)
    with open(folder / DOCSTORE, "w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(chunk.to_dict(), ensure_ascii=False) + "\n")
    manifest.chunk_count = len(chunks)
    manifest.built_at = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    # The manifest is written last: a folder without it is never taken for an index.
    (folder / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")


def _swap_in(tmp: Path, index_dir: Path) -> None:
    backup = _backup_dir(index_dir)
    if index_dir.exists():
        os.rename(index_dir, backup)
    os.rename(tmp, index_dir)
    shutil.rmtree(backup, ignore_errors=True)


def _recover(index_dir: Path) -> None:
    """Finish or undo what an interrupted build left behind (called under the lock)."""
    backup = _backup_dir(index_dir)
    if backup.exists():
        if (index_dir / MANIFEST).is_file():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            shutil.rmtree(index_dir, ignore_errors=True)
            os.rename(backup, index_dir)
    for stale in index_dir.parent.glob(f".{index_dir.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index; a second one gets a clear French error instead of waiting."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.parent / f".{index_dir.name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(messages.INDEX_BUSY.format(path=index_dir)) from exc
        try:
            _recover(index_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_index(index_dir: Path, manifest: Manifest, chunks: list[Chunk], vectors: np.ndarray) -> None:
    """Build into a temporary sibling folder, then swap it in (call under `index_lock`)."""
    tmp = index_dir.parent / f".{index_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        write_index(tmp, manifest, chunks, vectors)
        _swap_in(tmp, index_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
