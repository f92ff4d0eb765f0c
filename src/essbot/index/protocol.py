"""The contract every chunk store keeps, whatever holds the data (embedded files or a shared database).

A store holds documents (`FileRecord`), their chunks, one normalised vector per chunk and a French lexical index.
It changes one document at a time: `put_document` replaces every chunk of a source in one transaction and
`remove_document` drops them, so the cost of a change follows the size of the document, not of the corpus.
Searches take their filters inside (a narrow filter still finds its k best), and return chunk ids, best first;
`fetch` turns ids into chunks. Readers never see a half-written document.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from essbot.types import Chunk, FileRecord

# `source`: a prefix, or a list of prefixes; `doc_type`: exact, or a list.
Filters = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class StoreStats:
    """What `essbot` shows about a store (no filesystem path: it may be public)."""

    backend: str
    documents: int
    chunks: int
    dim: int
    embedding_model: str
    updated_at: str
    disk_bytes: int | None = None


class ChunkStore(Protocol):
    backend: str
    embedding_model: str
    dim: int
    splitter: dict[str, Any]  # `Settings.splitter_signature()` the chunks were cut with

    def files(self) -> dict[str, FileRecord]:
        """Every known source, ingested or skipped (with its French reason), keyed by source path."""
        ...

    def put_document(self, record: FileRecord, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace all chunks of `record.source` by these (vectors normalised, one row per chunk), atomically.

        A record with `skipped` set and no chunks is remembered as failed (not retried until it changes)."""
        ...

    def remove_document(self, source: str) -> None:
        """Forget a source and every chunk of it (no error if unknown)."""
        ...

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, inner product) pairs, best first, among chunks matching the filters."""
        ...

    def lexical_search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25-like score > 0) pairs, best first, over French stems (`essbot.text.tokens`)."""
        ...

    def fetch(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """The chunks of these ids, in the same order (unknown ids are left out)."""
        ...

    def article_chunks(self, article_key: str) -> list[str]:
        """Ids of the chunks that are the law article with this key (`essbot.types.article_key`)."""
        ...

    def term_weights(self) -> tuple[dict[str, float], int]:
        """Inverse document frequency of every indexed stem, and the number of chunks it was computed on."""
        ...

    def stored_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors already stored for chunks whose `embed_text` is one of these texts (so a text is embedded once,
        whichever document it moves to), keyed by text."""
        ...

    def documents(self) -> Iterator[tuple[FileRecord, list[Chunk], np.ndarray]]:
        """Every ingested document with its chunks and vectors (to copy a store without re-embedding)."""
        ...

    def generation(self) -> int:
        """A number that changes whenever a document is put or removed (by this process or another one)."""
        ...

    def built_with(self) -> str:
        """The embedding model of the store in service, read again (another process may have rebuilt it with
        another model since this one was opened)."""
        ...

    def stats(self) -> StoreStats: ...

    def close(self) -> None: ...


def matches(chunk: Chunk, filters: Filters | None) -> bool:
    """The filter rule every backend applies (inside its search, not after a cut)."""
    for key, wanted in (filters or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        if key == "source" and not any(chunk.source.startswith(v) for v in values):
            return False
        if key == "doc_type" and chunk.doc_type not in values:
            return False
    return True
