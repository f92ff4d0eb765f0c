"""`LocalStore`: the embedded chunk store (SQLite in WAL mode + FAISS + FTS5) in one folder, `indexes/<name>/`.

Layout: `store.sqlite` (documents, chunks, vectors, lexical index, settings) and `vectors-<seq>.faiss` (a FAISS
snapshot, a cache of the vectors SQLite holds; see `vectors.py`). A change to one document is one SQLite
transaction (chunks, vectors, FTS5 rows and the vector log together), so a kill at any moment leaves either the
previous or the new state of that document; FAISS is brought in step from the log when it is next used.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from essbot import messages
from essbot.errors import IndexIncompatibleError, IndexNotFoundError
from essbot.index.local import schema
from essbot.index.local.lexical import (
    count_terms,
    filter_sql,
    lexical_search,
    placeholders,
    stems_of,
    term_weights,
)
from essbot.index.local.vectors import VectorCache
from essbot.index.protocol import Filters, StoreStats
from essbot.types import Chunk, FileRecord, article_key

# The files of an index in the format before this one: found alone, they call for `essbot ingest --rebuild`.
OLD_FORMAT_FILES = ("manifest.json", "faiss.index", "docstore.jsonl")
_CHUNK_COLUMNS = "chunk_id, text, source, title, page, section, doc_type, heading_path, article, updated"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _chunk(row: Sequence[Any]) -> Chunk:
    chunk_id, text, source, title, page, section, doc_type, heading_path, article, updated = row
    return Chunk(
        chunk_id, text, source, title, page, section, doc_type, tuple(json.loads(heading_path)), article, updated
    )


def _record(row: Sequence[Any]) -> FileRecord:
    source, sha256, size, mtime_ns, title, doc_type, pages, chunk_ids, skipped = row
    return FileRecord(source, sha256, size, mtime_ns, title, doc_type, pages, json.loads(chunk_ids), skipped)


class LocalStore:
    """A `ChunkStore` in one folder; safe to share between threads, and between processes (one writer at a time)."""

    backend = "local"

    def __init__(self, folder: Path, ann_threshold: int = 50_000, nprobe: int = 32, snapshot_every: int = 2_000):
        self.folder = folder
        self._connections: list[sqlite3.Connection] = []
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._closed = False
        meta = schema.read_meta(self._connection())
        self.embedding_model = meta["embedding_model"]
        self.dim = int(meta["dim"])
        self.splitter: dict[str, Any] = json.loads(meta["splitter"])
        self.snapshot_every = snapshot_every
        self._vectors = VectorCache(folder, self.dim, ann_threshold, nprobe)
        self._vectors_generation: int | None = None
        self._tokens = (
            0  # stems added minus removed by the transaction under way  # generation the FAISS cache is in step with
        )

    # --- opening ---------------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, model_id: str | None = None, **options: Any) -> LocalStore:
        """Open a store; `model_id` (the configured embedding) must match the one it was built with."""
        database = folder / schema.DATABASE
        if not database.is_file():
            if any((folder / name).exists() for name in OLD_FORMAT_FILES):
                raise IndexIncompatibleError(
                    messages.INDEX_FORMAT_MISMATCH.format(path=folder, found=1, expected=schema.FORMAT_VERSION)
                )
            raise IndexNotFoundError(messages.INDEX_NOT_FOUND.format(path=folder))
        try:
            store = cls(folder, **options)
        except (sqlite3.DatabaseError, KeyError, ValueError) as exc:
            raise IndexIncompatibleError(
                messages.INDEX_CORRUPT.format(path=folder, detail=schema.DATABASE), str(exc)
            ) from exc
        found = int(schema.read_meta(store._connection()).get("format_version", 0))
        if found != schema.FORMAT_VERSION:
            store.close()
            raise IndexIncompatibleError(
                messages.INDEX_FORMAT_MISMATCH.format(path=folder, found=found, expected=schema.FORMAT_VERSION)
            )
        if model_id is not None and store.embedding_model != model_id:
            store.close()
            raise IndexIncompatibleError(
                messages.INDEX_MODEL_MISMATCH.format(path=folder, built=store.embedding_model, configured=model_id)
            )
        return store

    @classmethod
    def create(cls, folder: Path, model_id: str, dim: int, splitter: dict[str, Any], **options: Any) -> LocalStore:
        """A new empty store in `folder` (created; must hold no store yet)."""
        folder.mkdir(parents=True, exist_ok=True)
        if (folder / schema.DATABASE).exists():
            raise FileExistsError(folder / schema.DATABASE)
        schema.create(folder / schema.DATABASE, model_id, dim, splitter)
        return cls(folder, **options)

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (SQLite connections are not shared between threads)."""
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            if self._closed:
                raise RuntimeError("store closed")
            connection = schema.connect(self.folder / schema.DATABASE)
            self._local.connection = connection
            self._connections.append(connection)
        return connection

    # --- documents -------------------------------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        rows = self._connection().execute("SELECT * FROM documents ORDER BY source").fetchall()
        return {row[0]: _record(row) for row in rows}

    def put_document(self, record: FileRecord, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace every chunk of `record.source` by these, in one transaction."""
        matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(chunks), self.dim)
        if any(chunk.source != record.source for chunk in chunks):
            raise ValueError("every chunk must belong to the record's source")
        stems = [stems_of(chunk.embed_text) for chunk in chunks]
        stored = FileRecord(**{**record.__dict__, "chunk_ids": [chunk.chunk_id for chunk in chunks]})
        with self._transaction() as connection:
            removed = self._delete_chunks(connection, record.source)
            connection.execute(
                "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    stored.source,
                    stored.sha256,
                    stored.size,
                    stored.mtime_ns,
                    stored.title,
                    stored.doc_type,
                    stored.pages,
                    json.dumps(stored.chunk_ids),
                    stored.skipped,
                ),
            )
            added = [
                self._insert_chunk(connection, position, chunk, stem, vector)
                for position, (chunk, stem, vector) in enumerate(zip(chunks, stems, matrix, strict=True))
            ]
            self._tokens += count_terms(connection, stems, 1)
            self._log_and_count(connection, removed, added)
        self._maybe_snapshot()

    def remove_document(self, source: str) -> None:
        with self._transaction() as connection:
            removed = self._delete_chunks(connection, source)
            connection.execute("DELETE FROM documents WHERE source = ?", (source,))
            self._log_and_count(connection, removed, [])
        self._maybe_snapshot()

    def _insert_chunk(
        self, connection: sqlite3.Connection, position: int, chunk: Chunk, stems: str, vector: np.ndarray
    ) -> int:
        cursor = connection.execute(
            "INSERT INTO chunks (chunk_id, source, position, text, title, page, section, doc_type, heading_path, "
            "article, article_key, updated, text_hash, stems) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                chunk.chunk_id,
                chunk.source,
                position,
                chunk.text,
                chunk.title,
                chunk.page,
                chunk.section,
                chunk.doc_type,
                json.dumps(list(chunk.heading_path), ensure_ascii=False),
                chunk.article,
                article_key(chunk.article) if chunk.article else None,
                chunk.updated,
                text_hash(chunk.embed_text),
                stems,
            ),
        )
        row_id = int(cursor.lastrowid or 0)
        connection.execute("INSERT INTO lexical (rowid, stems) VALUES (?, ?)", (row_id, stems))
        connection.execute("INSERT INTO vectors (id, vector) VALUES (?, ?)", (row_id, vector.tobytes()))
        return row_id

    def _delete_chunks(self, connection: sqlite3.Connection, source: str) -> list[int]:
        rows = connection.execute("SELECT id, stems FROM chunks WHERE source = ?", (source,)).fetchall()
        if not rows:
            return []
        connection.executemany("INSERT INTO lexical (lexical, rowid, stems) VALUES ('delete', ?, ?)", rows)
        self._tokens += count_terms(connection, [stems for _, stems in rows], -1)
        ids = [row_id for row_id, _ in rows]
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            connection.execute(f"DELETE FROM vectors WHERE id IN ({placeholders(part)})", part)
        connection.execute("DELETE FROM chunks WHERE source = ?", (source,))
        return ids

    def _log_and_count(self, connection: sqlite3.Connection, removed: list[int], added: list[int]) -> None:
        connection.executemany("INSERT INTO vector_log (id) VALUES (?)", [(i,) for i in [*removed, *added]])
        meta = schema.read_meta(connection)
        tokens, self._tokens = self._tokens, 0
        schema.write_meta(
            connection,
            token_count=int(meta.get("token_count", 0)) + tokens,
            generation=int(meta["generation"]) + 1,
            chunk_count=int(meta.get("chunk_count", 0)) + len(added) - len(removed),
            updated_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        )

    def _transaction(self) -> Any:
        store = self

        class _Transaction:
            def __enter__(self) -> sqlite3.Connection:
                store._write_lock.acquire()
                store._tokens = 0
                self.connection = store._connection()
                self.connection.execute("BEGIN IMMEDIATE")
                return self.connection

            def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
                try:
                    self.connection.execute("COMMIT" if kind is None else "ROLLBACK")
                finally:
                    store._write_lock.release()

        return _Transaction()

    def _maybe_snapshot(self) -> None:
        """Write a FAISS snapshot once the log since the last one is long enough to make opening slow."""
        connection = self._connection()
        meta = schema.read_meta(connection)
        pending = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM vector_log").fetchone()[0] - int(
            meta.get("snapshot_seq", 0)
        )
        if pending <= max(self.snapshot_every, int(meta.get("chunk_count", 0)) // 4):
            return
        self.flush()

    def flush(self) -> None:
        """Bring FAISS in step and write its snapshot (so the next open loads it instead of replaying)."""
        self._in_step()
        with self._write_lock, self._vectors.lock.writing():
            self._vectors.write_snapshot(self._connection(), self._previous_snapshot())

    def _previous_snapshot(self) -> int:
        return int(schema.read_meta(self._connection()).get("snapshot_seq", 0))

    # --- searching -------------------------------------------------------------------------------
    def _in_step(self) -> VectorCache:
        """The FAISS cache, loaded on first use and brought in step with the last commit of any process."""
        connection = self._connection()
        generation = self.generation()
        if self._vectors_generation == generation:
            return self._vectors
        with self._refresh_lock, self._vectors.lock.writing():
            generation = self.generation()
            if self._vectors_generation != generation:
                meta = schema.read_meta(connection)
                if self._vectors.index is None or self._vectors.seq < int(meta.get("log_floor", 0)):
                    self._vectors.load(connection)
                else:
                    self._vectors.replay(connection)
                self._vectors_generation = generation
        return self._vectors

    def _allowed_ids(self, filters: Filters | None) -> np.ndarray | None:
        if not filters:
            return None
        where, params = filter_sql(filters)
        rows = self._connection().execute(f"SELECT c.id FROM chunks c WHERE 1{where}", params).fetchall()
        return np.asarray([row[0] for row in rows], dtype=np.int64)

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        cache = self._in_step()
        allowed = self._allowed_ids(filters)
        with cache.lock.reading():
            pairs = cache.search(vector, k, allowed)
        names = self._chunk_ids([row_id for row_id, _ in pairs])
        return [(names[row_id], score) for row_id, score in pairs if row_id in names]

    def lexical_search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        return lexical_search(self._connection(), query, k, filters)

    def _chunk_ids(self, row_ids: list[int]) -> dict[int, str]:
        if not row_ids:
            return {}
        sql = f"SELECT id, chunk_id FROM chunks WHERE id IN ({placeholders(row_ids)})"
        return dict(self._connection().execute(sql, row_ids).fetchall())

    def fetch(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        found: dict[str, Chunk] = {}
        connection = self._connection()
        unique = list(dict.fromkeys(chunk_ids))
        for start in range(0, len(unique), 900):
            part = unique[start : start + 900]
            sql = f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE chunk_id IN ({placeholders(part)})"
            found.update((row[0], _chunk(row)) for row in connection.execute(sql, part))
        return [found[chunk_id] for chunk_id in chunk_ids if chunk_id in found]

    def article_chunks(self, key: str) -> list[str]:
        rows = self._connection().execute("SELECT chunk_id FROM chunks WHERE article_key = ? ORDER BY id", (key,))
        return [row[0] for row in rows]

    def term_weights(self) -> tuple[dict[str, float], int]:
        return term_weights(self._connection())

    def stored_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors already stored for chunks whose `embed_text` is one of these (to embed a text only once)."""
        by_hash = {text_hash(text): text for text in texts}
        found: dict[str, np.ndarray] = {}
        hashes = list(by_hash)
        for start in range(0, len(hashes), 900):
            part = hashes[start : start + 900]
            sql = (
                "SELECT c.text_hash, v.vector FROM chunks c JOIN vectors v ON v.id = c.id "
                f"WHERE c.text_hash IN ({placeholders(part)})"
            )
            for digest, blob in self._connection().execute(sql, part):
                found[by_hash[digest]] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    # --- whole store -----------------------------------------------------------------------------
    def documents(self) -> Iterator[tuple[FileRecord, list[Chunk], np.ndarray]]:
        connection = self._connection()
        for record in self.files().values():
            if record.skipped:
                continue
            rows = connection.execute(
                f"SELECT {_CHUNK_COLUMNS}, v.vector FROM chunks c JOIN vectors v ON v.id = c.id "
                "WHERE c.source = ? ORDER BY c.position",
                (record.source,),
            ).fetchall()
            chunks = [_chunk(row[:-1]) for row in rows]
            matrix = np.frombuffer(b"".join(row[-1] for row in rows), dtype=np.float32).reshape(len(rows), self.dim)
            yield record, chunks, matrix.copy()

    def generation(self) -> int:
        row = self._connection().execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        return int(row[0])

    def built_with(self) -> str:
        """A local store is rebuilt into a new folder: the one this object reads keeps its model."""
        return self.embedding_model

    def stats(self) -> StoreStats:
        connection = self._connection()
        meta = schema.read_meta(connection)
        documents = connection.execute("SELECT COUNT(*) FROM documents WHERE skipped IS NULL").fetchone()[0]
        disk = sum(path.stat().st_size for path in self.folder.iterdir() if path.is_file())
        return StoreStats(
            backend=self.backend,
            documents=documents,
            chunks=int(meta.get("chunk_count", 0)),
            dim=self.dim,
            embedding_model=self.embedding_model,
            updated_at=meta.get("updated_at", ""),
            disk_bytes=disk,
        )

    def close(self) -> None:
        self._closed = True
        for connection in self._connections:
            connection.close()
        self._connections.clear()
        self._vectors.index = None
