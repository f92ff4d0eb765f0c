"""Hybrid retrieval: dense FAISS and French BM25 rankings fused with reciprocal rank fusion.

Near-duplicate passages are collapsed, optional metadata filters narrow the candidates, and an optional
re-ranker (a cross-encoder on disk) can reorder the fused list behind the same interface.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding, create_embedding
from essbot.index.store import VectorIndex
from essbot.ingest.split import article_number
from essbot.text.tokens import tokenize_french
from essbot.types import Chunk, Passage, article_key


class Reranker(Protocol):
    def rerank(self, question: str, passages: list[Passage]) -> list[Passage]: ...


class CrossEncoderReranker:
    """Re-orders passages with a sentence-transformers cross-encoder found on disk (never downloaded)."""

    def __init__(self, model_path: str) -> None:
        from sentence_transformers import CrossEncoder

        self._model = CrossEncoder(model_path, device="cpu", local_files_only=True)

    def rerank(self, question: str, passages: list[Passage]) -> list[Passage]:
        if not passages:
            return passages
        scores = self._model.predict([(question, p.chunk.text) for p in passages])
        order = sorted(range(len(passages)), key=lambda i: -float(scores[i]))
        return [passages[i] for i in order]


def fuse_rankings(rankings: Sequence[Sequence[int]], k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal rank fusion, scaled so that first place in every ranking scores 1.0."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    best = len(rankings) / (k + 1) if rankings else 1.0
    return sorted(((item, score / best) for item, score in scores.items()), key=lambda pair: -pair[1])


def _matches(chunk: Chunk, filters: Mapping[str, str | Sequence[str]]) -> bool:
    """Filters: `source` (prefix, or a list of prefixes) and `doc_type` (exact, or a list)."""
    for key, wanted in filters.items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        if key == "source" and not any(chunk.source.startswith(v) for v in values):
            return False
        if key == "doc_type" and chunk.doc_type not in values:
            return False
    return True


# « l'article 11 », « art. L. 3332-17-1 », « article 1er », « L. 2113-13 »: the articles a question names.
_ARTICLE_REFERENCE = re.compile(
    r"\b(?:article|art\.)\s+((?:[LRD]\.?\s?)?\d+(?:-\d+)*(?:\s?(?:er|ère))?|premier)\b|\b([LRD]\.?\s?\d{3,4}(?:-\d+)+)\b",
    re.IGNORECASE,
)


def named_articles(question: str) -> list[str]:
    """The article numbers a question names, normalised as chunks store them (« L. 3332-17-1 », « 9-1 »)."""
    numbers = []
    for match in _ARTICLE_REFERENCE.finditer(question):
        number = article_number(f"Article {match.group(1) or match.group(2)}")
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def _is_near_duplicate(tokens: frozenset[str], kept: list[frozenset[str]], threshold: float) -> bool:
    for other in kept:
        union = len(tokens | other)
        if union and len(tokens & other) / union >= threshold:
            return True
    return False


def _fused_rank(position: int, rankings: Sequence[Sequence[int]]) -> int:
    return min((list(r).index(position) for r in rankings if position in r), default=10**6)


class HybridRetriever:
    """Searches one loaded index with a dense and a lexical ranking; safe to share between threads."""

    def __init__(
        self, index: VectorIndex, embedding: EssbotEmbedding, settings: Settings, reranker: Reranker | None = None
    ) -> None:
        self.index = index
        self.embedding = embedding
        self.settings = settings
        self.reranker = reranker
        self._articles: dict[str, list[int]] = {}
        for position, chunk in enumerate(index.chunks):
            if chunk.article:
                self._articles.setdefault(article_key(chunk.article), []).append(position)

    @classmethod
    def open(cls, settings: Settings, index_dir: Path | None = None) -> HybridRetriever:
        embedding = create_embedding(settings)
        index = VectorIndex.load(index_dir or settings.index_dir, embedding.model_id)
        reranker = CrossEncoderReranker(settings.rerank_model) if settings.rerank_model else None
        return cls(index, embedding, settings, reranker)

    def search(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        filters: Mapping[str, str | Sequence[str]] | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        """Top-k passages for a question; mode is "hybrid", "dense" or "bm25"."""
        k = k or self.settings.top_k
        # Filters and de-duplication discard candidates, so look deeper when they apply.
        depth = max(self.settings.candidates, 3 * k) * (4 if filters else 1)
        started = time.perf_counter()
        dense: list[tuple[int, float]] = []
        if mode != "bm25":
            dense = self.index.dense_search(self.embedding.encode_query(question), depth)
        lexical = self.index.bm25.search(question, depth) if mode != "dense" else []
        if filters:
            dense = [(i, s) for i, s in dense if _matches(self.index.chunks[i], filters)]
            lexical = [(i, s) for i, s in lexical if _matches(self.index.chunks[i], filters)]
        dense_info = {i: (rank, score) for rank, (i, score) in enumerate(dense, start=1)}
        bm25_info = {i: (rank, score) for rank, (i, score) in enumerate(lexical, start=1)}
        rankings = [ranking for ranking in ([i for i, _ in dense], [i for i, _ in lexical]) if ranking]
        # A question that names an article gets that article first (several texts may share its number:
        # the fused ranking orders them, then the rest follows).
        named = [p for n in named_articles(question) for p in self._articles.get(article_key(n), [])]
        if filters:
            named = [p for p in named if _matches(self.index.chunks[p], filters)]
        if named:
            rankings.insert(0, sorted(named, key=lambda p: _fused_rank(p, rankings)))

        passages: list[Passage] = []
        kept_tokens: list[frozenset[str]] = []
        want = 2 * k if self.reranker else k
        fused = fuse_rankings(rankings, self.settings.rrf_k)
        if named:
            first = set(named)
            fused = [pair for pair in fused if pair[0] in first] + [pair for pair in fused if pair[0] not in first]
        for position, score in fused:
            chunk = self.index.chunks[position]
            tokens = frozenset(tokenize_french(chunk.text))
            if _is_near_duplicate(tokens, kept_tokens, self.settings.dedupe_threshold):
                continue
            kept_tokens.append(tokens)
            d_rank, d_score = dense_info.get(position, (None, None))
            b_rank, b_score = bm25_info.get(position, (None, None))
            passages.append(Passage(chunk, score, d_score, b_score, d_rank, b_rank))
            if len(passages) >= want:
                break
        if self.reranker:
            passages = self.reranker.rerank(question, passages)[:k]
        if timings is not None:
            timings["retrieve"] = (time.perf_counter() - started) * 1000
        return passages
