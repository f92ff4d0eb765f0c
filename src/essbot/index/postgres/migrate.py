"""Copy a store into the `postgres` store without re-embedding: documents, chunks and vectors as they are.

The copy goes through the store protocol (`documents()` of the source, `put_document` on the target), one
transaction per document, so an interrupted copy leaves whole documents and can simply be run again.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from essbot.index.postgres.store import PostgresStore
from essbot.types import Chunk, FileRecord


class CopySource(Protocol):
    """What a copy reads from its source (a part of `essbot.index.protocol.ChunkStore`)."""

    embedding_model: str
    dim: int

    def files(self) -> dict[str, FileRecord]: ...

    def documents(self) -> Iterator[tuple[FileRecord, list[Chunk], np.ndarray]]: ...


def open_source(settings: Any) -> Any:
    """The local index of `settings.index_dir`, opened through the store protocol, as a copy source."""
    from essbot.index.stores import open_store

    return open_store(settings.replace(store="local"), settings.index_dir)


@dataclass
class CopyReport:
    documents: int = 0
    chunks: int = 0
    skipped: int = 0
    seconds: float = 0.0


def copy_documents(source: CopySource, target: PostgresStore, progress: Any = None) -> CopyReport:
    """Put every document of `source` (and every file it skipped, with its reason) into `target`."""
    started = time.perf_counter()
    report = CopyReport()
    files = source.files()
    documents: Iterable[tuple[FileRecord, list[Chunk], np.ndarray]] = source.documents()
    if progress is not None:
        documents = progress(documents, total=sum(1 for record in files.values() if not record.skipped))
    for record, chunks, vectors in documents:
        target.put_document(record, chunks, vectors)
        report.documents += 1
        report.chunks += len(chunks)
    for record in files.values():
        if record.skipped:
            target.put_document(record, [], np.zeros((0, source.dim), dtype=np.float32))
            report.skipped += 1
    report.seconds = time.perf_counter() - started
    return report
