"""Documents with chosen texts and random normalised vectors, for the tests of the `postgres` store."""

from __future__ import annotations

import numpy as np

from essbot.types import Chunk, FileRecord

MODEL = "test:random-8"
DIM = 8


def unit_vectors(count: int, seed: int, dim: int = DIM) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def document(
    source: str, texts: list[str], *, doc_type: str = "fiche", seed: int = 0, article: str | None = None
) -> tuple[FileRecord, list[Chunk], np.ndarray]:
    """A document of one chunk per text (the first one is the law article `article` when given)."""
    chunks = [
        Chunk(
            f"{source}#{index}",
            text,
            source,
            f"Titre de {source}",
            index + 1,
            "Section",
            doc_type,
            ("Partie", "Chapitre"),
            article if index == 0 else None,
            "2025-03-01",
        )
        for index, text in enumerate(texts)
    ]
    record = FileRecord(source, f"sha-{source}-{seed}", 100, 1, f"Titre de {source}", doc_type, None)
    return record, chunks, unit_vectors(len(chunks), seed)
