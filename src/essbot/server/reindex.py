"""The live Assistant and the background re-index that replaces it without interrupting queries.

Requests take `LiveAssistant.current` once and keep that Assistant to the end. An incremental ingest writes
only the documents that changed, one transaction each, into the store in service (its searches see each change
once committed); a new Assistant on the same store (fresh term weights) is then swapped in with one reference
assignment. After a rebuild (a new store swapped in on disk) the new Assistant opens the new store.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from typing import Literal

from essbot import messages
from essbot.answer.engine import Assistant
from essbot.answer.generators import ExtractiveGenerator
from essbot.config import Settings
from essbot.errors import EssbotError, IngestCancelledError
from essbot.index.embeddings import EssbotEmbedding, create_embedding
from essbot.index.stores import open_store, writing
from essbot.ingest.isolation import IsolatedParser
from essbot.ingest.pipeline import ingest
from essbot.retrieve import HybridRetriever

logger = logging.getLogger("essbot.server")

State = Literal["idle", "running", "succeeded", "failed", "cancelled"]


@dataclasses.dataclass(frozen=True)
class IndexingStatus:
    state: State = "idle"
    started_at: float | None = None
    finished_at: float | None = None
    message: str = ""
    generation: int = 0  # indexes swapped in since start-up
    pending: bool = False  # another run is queued after the current one
    timeout_s: float = 0.0  # a run lasting longer is cancelled


class LiveAssistant:
    """Holds the Assistant that serves queries; replaced whole, never modified in place."""

    def __init__(self, assistant: Assistant) -> None:
        self._current = assistant

    @property
    def current(self) -> Assistant:
        return self._current

    def swap(self, assistant: Assistant) -> None:
        self._current = assistant  # a single reference assignment: atomic for concurrent readers


def reopen_assistant(old: Assistant, reopen_store: bool = True) -> Assistant:
    """A new Assistant on the index now in service, reusing the loaded query encoder, re-ranker and LLM.

    `reopen_store`: the store was replaced on disk (a rebuild) and must be opened again; otherwise the store in
    service already holds the changes."""
    retriever = old.retriever
    store = retriever.store
    if reopen_store:
        with writing(old.settings):  # never open a store while a rebuild swaps it in
            store = open_store(old.settings, model_id=retriever.embedding.model_id)
    # Both retrievers share one encoder (and so the lock it owns).
    fresh = HybridRetriever(store, retriever.embedding, old.settings, retriever.reranker)
    # The extractive generator holds the corpus term weights: rebuild it; an LLM generator is kept as is.
    generator = None if isinstance(old.generator, ExtractiveGenerator) else old.generator
    return Assistant(fresh, old.settings, generator)


class Reindexer:
    """Runs incremental ingests of the documents folder in one background thread, one at a time.

    Requests made while an ingest runs are merged into one more run afterwards, so the last upload is
    always indexed and two ingests never overlap. A run can be cancelled, and is cancelled when it lasts
    longer than settings.reindex_timeout_s; files are parsed in a child process (IsolatedParser) kept from
    one run to the next.
    """

    def __init__(
        self,
        live: LiveAssistant,
        settings: Settings,
        embedding_factory: Callable[[Settings], EssbotEmbedding] = create_embedding,
    ) -> None:
        self.live = live
        self.settings = settings
        self._embedding_factory = embedding_factory
        self._embedding: EssbotEmbedding | None = None  # ingest's own encoder: queries keep theirs
        self._lock = threading.Lock()  # guards _pending, _worker and _status
        self._pending = False
        self._worker: threading.Thread | None = None
        self._status = IndexingStatus(timeout_s=settings.reindex_timeout_s)
        self._idle = threading.Event()
        self._idle.set()
        self._cancel = threading.Event()
        self._deadline = 0.0  # time.monotonic() past which the running ingest stops
        self._parser = IsolatedParser(settings, should_stop=self._should_stop)

    @property
    def status(self) -> IndexingStatus:
        with self._lock:
            return dataclasses.replace(self._status, pending=self._pending)

    def cancel(self) -> bool:
        """Stop the running re-index (the index in service stays) and drop the queued one; False when idle."""
        with self._lock:
            self._pending = False
            running = self._worker is not None
            if running:
                self._cancel.set()
            return running

    def _should_stop(self) -> bool:
        return self._cancel.is_set() or time.monotonic() > self._deadline

    def request(self) -> None:
        """Ask for a re-index; returns at once."""
        with self._lock:
            self._pending = True
            self._idle.clear()
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="essbot-reindex", daemon=True)
                self._worker.start()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until no re-index is pending or running (for shutdown and scripts)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._worker = None
                    self._idle.set()
                    return
                self._pending = False
                self._cancel.clear()
                self._deadline = time.monotonic() + self.settings.reindex_timeout_s
                previous = self._status
                self._status = dataclasses.replace(
                    previous, state="running", started_at=time.time(), finished_at=None, message=""
                )
            status = self._reindex_once(self._status)
            with self._lock:
                self._status = status

    def _reindex_once(self, running: IndexingStatus) -> IndexingStatus:
        def finished(state: State, message: str, generation: int) -> IndexingStatus:
            return dataclasses.replace(
                running, state=state, finished_at=time.time(), message=message, generation=generation
            )

        try:
            if self._embedding is None:
                self._embedding = self._embedding_factory(self.settings)
            report = ingest(
                [self.settings.documents_dir],
                self.settings,
                embedding=self._embedding,
                parser=self._parser,
                should_stop=self._should_stop,
            )
            if not report.changed:
                return finished("succeeded", report.summary(), running.generation)
            self.live.swap(reopen_assistant(self.live.current, reopen_store=report.rebuilt))
            logger.info("re-index done, new index in service: %s", report.summary())
            return finished("succeeded", report.summary(), running.generation + 1)
        except IngestCancelledError:
            timed_out = not self._cancel.is_set()
            logger.warning("re-index %s", "timed out" if timed_out else "cancelled")
            message = (
                messages.API_REINDEX_TIMED_OUT.format(seconds=self.settings.reindex_timeout_s)
                if timed_out
                else messages.API_REINDEX_CANCELLED
            )
            return finished("cancelled", message, running.generation)
        except EssbotError as exc:
            logger.warning("re-index failed: %s (%s)", exc.user_message, exc.cause)
            return finished("failed", messages.API_REINDEX_FAILED.format(detail=exc.user_message), running.generation)
        except Exception as exc:  # the worker records every failure instead of dying silently
            logger.exception("re-index failed")
            detail = type(exc).__name__
            return finished("failed", messages.API_REINDEX_FAILED.format(detail=detail), running.generation)
