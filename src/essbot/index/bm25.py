"""French BM25 (bm25s) over the tokens of `essbot.text.tokens`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from essbot.text.tokens import tokenize_french


class FrenchBM25:
    """A BM25 index over the chunk texts, in the same order as the FAISS index."""

    def __init__(self, retriever: Any, size: int) -> None:
        self._retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> FrenchBM25:
        import bm25s

        retriever = bm25s.BM25(method="lucene")
        tokens = [tokenize_french(text) or ["_vide_"] for text in texts]
        retriever.index(tokens, show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> FrenchBM25:
        import bm25s

        return cls(bm25s.BM25.load(str(directory), show_progress=False, verbosity=0), size)

    def term_weights(self) -> dict[str, float]:
        """Inverse document frequency of every indexed term (rarer terms weigh more)."""
        indptr = np.asarray(self._retriever.scores["indptr"])
        total = max(self.size, 1)
        weights = {}
        for token, token_id in self._retriever.vocab_dict.items():
            if token and token_id + 1 < len(indptr):
                frequency = int(indptr[token_id + 1] - indptr[token_id])
                weights[token] = float(np.log((total + 1) / (frequency + 0.5)))
        return weights

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """Return (position, score) pairs, best first, for documents sharing at least one term."""
        vocab = self._retriever.vocab_dict
        tokens = [token for token in tokenize_french(query) if token in vocab]
        if not tokens or self.size == 0:
            return []
        scores = self._retriever.get_scores(tokens)
        k = min(k, self.size)
        top = np.argpartition(-scores, k - 1)[:k]
        ranked = sorted(((int(i), float(scores[i])) for i in top if scores[i] > 0), key=lambda pair: -pair[1])
        return ranked
