"""Hybrid retrieval: the store's dense and French lexical rankings fused with reciprocal rank fusion.

Near-duplicate passages are collapsed, optional metadata filters apply inside the store's searches, and an optional
re-ranker (a cross-encoder on disk) can reorder the fused list behind the same interface.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import Protocol, TypeVar

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding, create_embedding
from essbot.index.protocol import ChunkStore, Filters, matches
from essbot.index.stores import open_store
from essbot.ingest.split import article_number
from essbot.text.tokens import tokenize_french
from essbot.types import Chunk, Passage, article_key

T = TypeVar("T")


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


def fuse_rankings(rankings: Sequence[Sequence[T]], k: int = 60) -> list[tuple[T, float]]:
    """Reciprocal rank fusion, scaled so that first place in every ranking scores 1.0."""
    scores: dict[T, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    best = len(rankings) / (k + 1) if rankings else 1.0
    return sorted(((item, score / best) for item, score in scores.items()), key=lambda pair: -pair[1])


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


@lru_cache(maxsize=1024)  # about 10 kB a passage
def _token_set(text: str) -> frozenset[str]:
    """A passage's stems for de-duplication; the same popular passages come back question after question."""
    return frozenset(tokenize_french(text))


def _is_near_duplicate(tokens: frozenset[str], kept: list[frozenset[str]], threshold: float) -> bool:
    for other in kept:
        union = len(tokens | other)
        if union and len(tokens & other) / union >= threshold:
            return True
    return False


def _fused_rank(chunk_id: str, rankings: Sequence[Sequence[str]]) -> int:
    return min((list(r).index(chunk_id) for r in rankings if chunk_id in r), default=10**6)


def _named_order(named: Sequence[str], chunks: dict[str, Chunk], rankings: Sequence[Sequence[str]]) -> list[str]:
    """The chunks of a named article (in document order, as the store lists them): the opening of the text that
    matches the question best comes first (what the article says starts there, and a long article is cut into several
    chunks), then the others by their place in the searches."""
    ranked = sorted((i for i in named if i in chunks), key=lambda i: _fused_rank(i, rankings))
    if not ranked:
        return []
    best_source = chunks[ranked[0]].source
    opening = next(i for i in named if i in chunks and chunks[i].source == best_source)
    return [opening, *(i for i in ranked if i != opening)]


class HybridRetriever:
    """Searches one chunk store with a dense and a lexical ranking; safe to share between threads."""

    def __init__(
        self, store: ChunkStore, embedding: EssbotEmbedding, settings: Settings, reranker: Reranker | None = None
    ) -> None:
        self.store = store
        self.embedding = embedding
        self.settings = settings
        self.reranker = reranker
        # Set when the store in service was rebuilt with another embedding model (Assistant._follow_model): its
        # vectors and this encoder's no longer compare, so only the lexical search answers.
        self.dense_suspended = ""
        # On a database the lexical search runs on a connection of its own while the question is encoded and
        # the dense search runs: a hybrid search waits for the slower of the two, not for their sum.
        self._lexical_pool = (
            ThreadPoolExecutor(max(settings.answer_workers, 1), thread_name_prefix="essbot-lexical")
            if getattr(store, "backend", "") == "postgres"
            else None
        )

    @classmethod
    def open(cls, settings: Settings, index_dir: Path | None = None) -> HybridRetriever:
        embedding = create_embedding(settings)
        store = open_store(settings, index_dir, model_id=embedding.model_id)
        reranker = CrossEncoderReranker(settings.rerank_model) if settings.rerank_model else None
        return cls(store, embedding, settings, reranker)

    def search(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        filters: Filters | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        """Top-k passages for a question; mode is "hybrid", "dense" or "bm25"."""
        k = k or self.settings.top_k
        # De-duplication discards candidates, so look deeper than k (filters apply inside the store's searches).
        depth = max(self.settings.candidates, 3 * k)
        started = time.perf_counter()
        dense: list[tuple[str, float]] = []
        pending: Future[list[tuple[str, float]]] | None = None
        if mode == "hybrid" and self._lexical_pool is not None:
            pending = self._lexical_pool.submit(self.store.lexical_search, question, depth, filters)
        if mode != "bm25" and not self.dense_suspended:
            dense = self.store.dense_search(self.embedding.encode_query(question), depth, filters)
        if pending is not None:
            lexical = pending.result()
        else:
            lexical = self.store.lexical_search(question, depth, filters) if mode != "dense" else []
        dense_info = {i: (rank, score) for rank, (i, score) in enumerate(dense, start=1)}
        bm25_info = {i: (rank, score) for rank, (i, score) in enumerate(lexical, start=1)}
        rankings = [ranking for ranking in ([i for i, _ in dense], [i for i, _ in lexical]) if ranking]
        # A question that names an article gets that article first (several texts may share its number:
        # the fused ranking orders them, then the rest follows).
        named = [i for n in named_articles(question) for i in self.store.article_chunks(article_key(n))]
        wanted = list(dict.fromkeys([*named, *dense_info, *bm25_info]))
        chunks = {chunk.chunk_id: chunk for chunk in self.store.fetch(wanted)}
        if filters:
            named = [i for i in named if i in chunks and matches(chunks[i], filters)]
        if named:
            named = _named_order(named, chunks, rankings)
            rankings.insert(0, named)

        passages: list[Passage] = []
        kept_tokens: list[frozenset[str]] = []
        want = 2 * k if self.reranker else k
        fused = fuse_rankings(rankings, self.settings.rrf_k)
        if named:
            scores = dict(fused)
            first = set(named)
            fused = [(i, scores[i]) for i in named if i in scores] + [pair for pair in fused if pair[0] not in first]
        for chunk_id, score in fused:
            chunk = chunks.get(chunk_id)
            if chunk is None:  # removed by a concurrent change between the searches and the fetch
                continue
            tokens = _token_set(chunk.text)
            if _is_near_duplicate(tokens, kept_tokens, self.settings.dedupe_threshold):
                continue
            kept_tokens.append(tokens)
            d_rank, d_score = dense_info.get(chunk_id, (None, None))
            b_rank, b_score = bm25_info.get(chunk_id, (None, None))
            passages.append(Passage(chunk, score, d_score, b_score, d_rank, b_rank))
            if len(passages) >= want:
                break
        if self.reranker:
            passages = self.reranker.rerank(question, passages)[:k]
        if timings is not None:
            timings["retrieve"] = (time.perf_counter() - started) * 1000
        return passages
