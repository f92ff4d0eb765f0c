"""Hybrid retrieval: dense FAISS and French BM25 rankings fused with reciprocal rank fusion."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding, create_embedding
from essbot.index.store import VectorIndex
from essbot.ingest.split import Chunk


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score (0–1) and the evidence behind it."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        chunk = self.chunk
        return {
            "source": chunk.source, "title": chunk.title, "page": chunk.page, "section": chunk.section,
            "text": chunk.text, "score": round(self.score, 4),
        }


def fuse_rankings(rankings: Sequence[Sequence[int]], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion, scaled so that first place in every ranking scores 1.0."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    best = len(rankings) / (k + 1) if rankings else 1.0
    return sorted(((item, score / best) for item, score in scores.items()), key=lambda pair: -pair[1])


class HybridRetriever:
    """Searches one loaded index with a dense and a lexical ranking."""

    def __init__(self, index: VectorIndex, embedding: EssbotEmbedding, settings: Settings) -> None:
        self.index = index
        self.embedding = embedding
        self.settings = settings
        self.last_timings_ms: dict[str, float] = {}

    @classmethod
    def open(cls, settings: Settings, index_dir: Path | None = None) -> HybridRetriever:
        embedding = create_embedding(settings)
        index = VectorIndex.load(index_dir or settings.index_dir, embedding.model_id)
        return cls(index, embedding, settings)

    def search(self, question: str, k: int | None = None, mode: str = "hybrid") -> list[Passage]:
        """Top-k passages for a question; mode is "hybrid", "dense" or "bm25"."""
        k = k or self.settings.top_k
        depth = max(self.settings.candidates, k)
        started = time.perf_counter()
        dense = self.index.dense_search(self.embedding.encode_query(question), depth) if mode != "bm25" else []
        after_dense = time.perf_counter()
        lexical = self.index.bm25.search(question, depth) if mode != "dense" else []
        after_bm25 = time.perf_counter()
        rankings = [ranking for ranking in ([i for i, _ in dense], [i for i, _ in lexical]) if ranking]
        dense_info = {i: (rank, score) for rank, (i, score) in enumerate(dense, start=1)}
        bm25_info = {i: (rank, score) for rank, (i, score) in enumerate(lexical, start=1)}
        passages = []
        for position, score in fuse_rankings(rankings, self.settings.rrf_k)[:k]:
            d_rank, d_score = dense_info.get(position, (None, None))
            b_rank, b_score = bm25_info.get(position, (None, None))
            passages.append(Passage(self.index.chunks[position], score, d_score, b_score, d_rank, b_rank))
        self.last_timings_ms = {
            "dense": (after_dense - started) * 1000, "bm25": (after_bm25 - after_dense) * 1000,
            "total": (time.perf_counter() - started) * 1000,
        }
        return passages
