"""The FAISS side of a local store: a cache of the vectors SQLite holds, kept in step through a log.

SQLite is the source of truth (table `vectors`, one row per chunk, keyed by the chunk's stable int64 id).
FAISS is rebuilt from it only when no snapshot exists: otherwise the newest snapshot file
(`vectors-<seq>.faiss`, written to a temporary file and renamed) is loaded and the ids of `vector_log` after
`seq` are replayed (removed, then added back when they still exist). Replaying is idempotent, so a crash at any
point between the snapshot's rename and the log's trimming leaves a state that loads correctly.

Up to `ann_threshold` vectors the index is exact (`IndexIDMap2` over `IndexFlatIP`); above it, an inverted-file
index (`IndexIVFFlat`, inner product) that, unlike HNSW, can remove vectors in place. Filters become an
`IDSelector`; a narrow filter on an IVF index is scored exactly over its own vectors.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

SNAPSHOT = re.compile(r"^vectors-(\d+)\.faiss$")
_READ_BATCH = 20_000
# Up to this many filtered chunks an IVF index scores them exactly (cheaper and complete); above, the IVF search
# takes the filter as a selector, and falls back on the exact scores when that finds fewer than k.
EXACT_FILTER_LIMIT = 2_000


class ReadWriteLock:
    """Many searches at once, or one refresh of the FAISS index."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self._condition.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._condition:
            self._condition.wait_for(lambda: not self._writing and self._readers == 0)
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


def snapshots(folder: Path) -> list[tuple[int, Path]]:
    """FAISS snapshot files of a store, newest first."""
    found = []
    for path in folder.iterdir():
        if match := SNAPSHOT.match(path.name):
            found.append((int(match.group(1)), path))
    return sorted(found, reverse=True)


def read_vectors(connection: sqlite3.Connection, ids: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """(ids that exist, their vectors) for the given ids."""
    found_ids: list[int] = []
    blobs: list[bytes] = []
    for start in range(0, len(ids), 900):
        part = [int(i) for i in ids[start : start + 900]]
        marks = ",".join("?" * len(part))
        for row_id, blob in connection.execute(f"SELECT id, vector FROM vectors WHERE id IN ({marks})", part):
            found_ids.append(row_id)
            blobs.append(blob)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), dim)
    return np.asarray(found_ids, dtype=np.int64), matrix


class VectorCache:
    """The FAISS index of one store in this process, refreshed from SQLite when another commit happened."""

    def __init__(self, folder: Path, dim: int, ann_threshold: int, nprobe: int) -> None:
        self.folder = folder
        self.dim = dim
        self.ann_threshold = ann_threshold
        self.nprobe = nprobe
        self.index: Any = None
        self.seq = 0  # last vector_log entry applied
        self.lock = ReadWriteLock()

    @property
    def kind(self) -> str:
        return "flat" if self.index is None or isinstance(self.index, _faiss().IndexIDMap2) else "ivf"

    # --- loading and keeping in step -------------------------------------------------------------
    def load(self, connection: sqlite3.Connection) -> None:
        """The newest readable snapshot plus the log after it, or a build from SQLite when there is none."""
        faiss = _faiss()
        for seq, path in snapshots(self.folder):
            try:
                index = faiss.read_index(str(path))
            except (RuntimeError, OSError):
                continue  # removed by a writer meanwhile, or unreadable: try an older one, then rebuild
            if index.d == self.dim:
                self.index, self.seq = index, seq
                self._prepare(self.index)
                self.replay(connection)
                return
        self.rebuild(connection)

    def rebuild(self, connection: sqlite3.Connection) -> None:
        """A new FAISS index from every vector in SQLite (flat or IVF by size)."""
        seq = connection.execute("SELECT COALESCE(MAX(seq), 0) FROM vector_log").fetchone()[0]
        trimmed = int(dict(connection.execute("SELECT key, value FROM meta").fetchall()).get("snapshot_seq", 0))
        count = connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        _faiss().omp_set_num_threads(os.cpu_count() or 1)  # training and adding use every core
        self.index = self._empty_index(connection, count)
        for ids, matrix in self._all_vectors(connection):
            self.index.add_with_ids(matrix, ids)
        self.seq = max(seq, trimmed)

    def replay(self, connection: sqlite3.Connection) -> None:
        """Apply the log entries committed since this index was last brought in step."""
        rows = connection.execute("SELECT seq, id FROM vector_log WHERE seq > ? ORDER BY seq", (self.seq,)).fetchall()
        if not rows:
            return
        touched = np.unique(np.asarray([row_id for _, row_id in rows], dtype=np.int64))
        self.index.remove_ids(touched)
        ids, matrix = read_vectors(connection, touched, self.dim)
        if len(ids):
            self.index.add_with_ids(matrix, ids)
        self.seq = rows[-1][0]

    def write_snapshot(self, connection: sqlite3.Connection, previous: int) -> None:
        """Write the in-step index to `vectors-<seq>.faiss` (temporary file, fsync, rename), then trim the log.

        The log is kept after the `previous` snapshot, so a process in step with that one still replays."""
        faiss = _faiss()
        count = self.index.ntotal
        if self.kind == "flat" and count > self.ann_threshold:
            self.rebuild(connection)  # past the threshold: the snapshot becomes an IVF index
        elif self.kind == "ivf" and count > 4 * self.index.nlist**2:
            self.rebuild(connection)  # grown far past what its centroids were trained on
        target = self.folder / f"vectors-{self.seq}.faiss"
        temporary = target.with_suffix(".faiss.tmp")
        faiss.write_index(self.index, str(temporary))
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("DELETE FROM vector_log WHERE seq <= ?", (previous,))
        connection.executemany(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
            [("snapshot_seq", str(self.seq)), ("snapshot_kind", self.kind), ("log_floor", str(previous))],
        )
        connection.execute("COMMIT")
        for seq, path in snapshots(self.folder):
            if seq < self.seq:
                path.unlink(missing_ok=True)
        for stale in self.folder.glob("vectors-*.faiss.tmp"):
            stale.unlink(missing_ok=True)

    # --- searching -------------------------------------------------------------------------------
    def search(self, vector: np.ndarray, k: int, allowed: np.ndarray | None) -> list[tuple[int, float]]:
        """(id, inner product) pairs, best first, among `allowed` ids when given (call under `lock.reading`)."""
        faiss = _faiss()
        # One query is scanned on one thread: OpenMP threads only wait for each other on a busy machine, and
        # concurrent requests already use the cores.
        faiss.omp_set_num_threads(1)
        query = np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1)
        total = self.index.ntotal
        if allowed is not None:
            if len(allowed) == 0:
                return []
            if self.kind == "ivf" and len(allowed) <= EXACT_FILTER_LIMIT:
                return self._exact(query, k, allowed)
        k = min(k, total if allowed is None else min(total, len(allowed)))
        if k <= 0:
            return []
        selector = faiss.IDSelectorBatch(allowed) if allowed is not None else None
        if self.kind == "ivf":
            params: Any = faiss.SearchParametersIVF(nprobe=self.nprobe, sel=selector)
        else:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, ids = self.index.search(query, k, params=params)
        found = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        if allowed is not None and self.kind == "ivf" and len(found) < k:
            return self._exact(query, k, allowed)
        return found

    def _exact(self, query: np.ndarray, k: int, allowed: np.ndarray) -> list[tuple[int, float]]:
        ids = np.asarray(allowed, dtype=np.int64)
        matrix = self.index.reconstruct_batch(ids)
        scores = matrix @ query[0]
        order = np.argsort(-scores)[:k]
        return [(int(ids[i]), float(scores[i])) for i in order]

    # --- building --------------------------------------------------------------------------------
    def _empty_index(self, connection: sqlite3.Connection, count: int) -> Any:
        faiss = _faiss()
        if count <= self.ann_threshold:
            return faiss.IndexIDMap2(faiss.IndexFlatIP(self.dim))
        nlist = int(max(1, min(count // 40, max(64, np.sqrt(count)))))
        sample = self._sample(connection, min(count, 40 * nlist))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(sample)
        self._prepare(index)
        return index

    def _prepare(self, index: Any) -> None:
        faiss = _faiss()
        if isinstance(index, faiss.IndexIVF):
            index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by id

    def _sample(self, connection: sqlite3.Connection, size: int) -> np.ndarray:
        rows = connection.execute("SELECT vector FROM vectors ORDER BY random() LIMIT ?", (size,)).fetchall()
        return np.frombuffer(b"".join(row[0] for row in rows), dtype=np.float32).reshape(len(rows), self.dim)

    def _all_vectors(self, connection: sqlite3.Connection) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        last = -1
        while True:
            rows = connection.execute(
                "SELECT id, vector FROM vectors WHERE id > ? ORDER BY id LIMIT ?", (last, _READ_BATCH)
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            ids = np.asarray([row[0] for row in rows], dtype=np.int64)
            yield ids, np.frombuffer(b"".join(row[1] for row in rows), dtype=np.float32).reshape(len(rows), self.dim)


def _faiss() -> Any:
    import faiss

    return faiss
