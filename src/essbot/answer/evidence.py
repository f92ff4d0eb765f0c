"""Sentence-level dense evidence for the extractive answer (setting `sentence_vectors`, off by default).

Each candidate sentence of the retrieved passages is encoded with the passage encoder and compared with the
question; the similarities, scaled to [0, 1] among the candidates of one question, add
`sentence_vector_weight` to the lexical sentence score. Vectors are computed when a sentence is first seen and
kept in a bounded cache (sentences repeat across questions: the same passages answer many of them), so the cost
falls on the first questions about a passage, not on ingestion.

Measured on the dev splits with the default encoder (README, Évaluation): no gain worth its cost, hence off by
default; it is meant for a stronger sentence-transformers model on disk.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding


class SentenceVectors:
    """Scaled question-sentence similarities, with a bounded, thread-safe cache of sentence vectors."""

    def __init__(self, embedding: EssbotEmbedding, settings: Settings) -> None:
        self.embedding = embedding
        self.weight = settings.sentence_vector_weight
        self.capacity = settings.sentence_vector_cache
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(self, sentences: Sequence[str]) -> list[np.ndarray | None]:
        with self._lock:
            found = []
            for sentence in sentences:
                vector = self._vectors.get(sentence)
                if vector is not None:
                    self._vectors.move_to_end(sentence)
                found.append(vector)
            return found

    def _store(self, sentences: Sequence[str], vectors: np.ndarray) -> None:
        with self._lock:
            for sentence, vector in zip(sentences, vectors, strict=True):
                self._vectors[sentence] = vector
            while len(self._vectors) > self.capacity:
                self._vectors.popitem(last=False)

    def vectors(self, sentences: Sequence[str]) -> np.ndarray:
        """One unit vector per sentence, encoding only those not seen before."""
        cached = self._cached(sentences)
        missing = list(dict.fromkeys(s for s, v in zip(sentences, cached, strict=True) if v is None))
        fresh: dict[str, np.ndarray] = {}
        if missing:
            encoded = self.embedding.encode_passages(missing)
            self._store(missing, encoded)
            fresh = dict(zip(missing, encoded, strict=True))
        rows = [v if v is not None else fresh[s] for s, v in zip(sentences, cached, strict=True)]
        return np.vstack(rows) if rows else np.zeros((0, self.embedding.dim), dtype=np.float32)

    def bonuses(self, query: str, sentences: Sequence[str]) -> list[float]:
        """`weight` × similarity scaled to [0, 1] among these sentences (all 0 when they are equally close)."""
        if not sentences or self.weight == 0:
            return [0.0] * len(sentences)
        similarities = self.vectors(sentences) @ self.embedding.encode_query(query)
        low, high = float(similarities.min()), float(similarities.max())
        if high - low < 1e-6:
            return [0.0] * len(sentences)
        return [self.weight * (float(s) - low) / (high - low) for s in similarities]
