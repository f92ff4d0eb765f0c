"""The Assistant: the public Python API that turns a question and its history into a verified Answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import unicodedata
from collections.abc import AsyncIterator, Generator, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from essbot import messages
from essbot.answer.abstain import AbstentionCheck, dense_floor, should_abstain
from essbot.answer.citations import CitationVerifier
from essbot.answer.comparison import (
    compared_in_conversation,
    compared_terms,
    definition_question,
    interleave,
    rank_both,
)
from essbot.answer.contrast import ContrastMatch, ContrastSet
from essbot.answer.evidence import SentenceVectors
from essbot.answer.followup import FollowupPolicy, followup_kind, llm_rewrite, resolve_query
from essbot.answer.generators import ExtractiveGenerator, GenerationRequest, create_generator
from essbot.answer.prompts import says_not_found
from essbot.answer.provenance import stale_caution
from essbot.answer.safety import check_text
from essbot.answer.scoring import (
    ScoredSentence,
    asked_words,
    demote_references,
    promote_definitions,
    promote_named,
    question_kind,
    rare_acronyms,
    score_sentences,
)
from essbot.answer.smalltalk import core_question, small_talk_reply
from essbot.answer.types import Answer, Message
from essbot.answer.weights import TermWeights
from essbot.config import Settings, load_settings
from essbot.errors import GenerationError, QuestionError
from essbot.retrieve import HybridRetriever
from essbot.text.tokens import tokenize_french
from essbot.types import Passage

logger = logging.getLogger(__name__)

HistoryInput = Sequence[Message | Mapping[str, Any]] | None


class _AnswerPools:
    """One bounded pool of answer threads per process and size, shared by every Assistant (re-indexing
    replaces the Assistant, not its threads)."""

    _pools: dict[int, ThreadPoolExecutor] = {}  # noqa: RUF012 - process-wide on purpose
    _lock = threading.Lock()

    @classmethod
    def get(cls, workers: int) -> ThreadPoolExecutor:
        workers = max(1, workers)
        with cls._lock:
            if workers not in cls._pools:
                cls._pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="essbot-answer")
            return cls._pools[workers]


def parse_history(history: HistoryInput) -> list[Message]:
    """Accept Message objects or {"role", "content"} mappings; anything else is a QuestionError."""
    if history is None:
        return []
    if isinstance(history, str | bytes) or not isinstance(history, Sequence):
        raise QuestionError(messages.HISTORY_INVALID.format(detail="une liste est attendue"))
    parsed = []
    for i, item in enumerate(history):
        role: Any
        content: Any
        if isinstance(item, Message):
            role, content = item.role, item.content
        elif isinstance(item, Mapping):
            role, content = item.get("role"), item.get("content")
        else:
            raise QuestionError(messages.HISTORY_INVALID.format(detail=f"élément {i + 1} : objet attendu"))
        if role not in ("user", "assistant") or not isinstance(content, str):
            raise QuestionError(messages.HISTORY_INVALID.format(detail=f"élément {i + 1} : role ou content invalide"))
        if problem := check_text(content):
            raise QuestionError(messages.HISTORY_INVALID.format(detail=f"élément {i + 1} : {problem}"))
        parsed.append(item if isinstance(item, Message) else Message(role, content))
    return parsed


def bound_history(turns: list[Message], settings: Settings) -> list[Message]:
    """The last turns only, each cut to a bounded length: a long history costs no more than a short one."""
    limit = settings.max_turn_chars
    return [
        Message(m.role, unicodedata.normalize("NFC", m.content[:limit])) for m in turns[-settings.max_history_turns :]
    ]


_ASKS_DEFINITION = "définition"  # added to the search of a definition question


class Assistant:
    """Answers French questions about the ESS from one index, with verified citations.

    Thread-safe: one instance can serve many requests of a web server at once.
    """

    def __init__(self, retriever: HybridRetriever, settings: Settings, generator: Any | None = None) -> None:
        self.retriever = retriever
        self.settings = settings
        self._generation = retriever.store.generation()
        self._generation_checked = time.monotonic()
        self._generation_lock = threading.Lock()
        self.weights = TermWeights(*retriever.store.term_weights())
        evidence = SentenceVectors(retriever.embedding, settings) if settings.sentence_vectors else None
        self.generator = generator or create_generator(settings, self.weights, evidence=evidence)
        self._fallback = ExtractiveGenerator(settings, self.weights, evidence)
        self.min_dense = dense_floor(settings, retriever.embedding.model_id)
        self.contrast = ContrastSet.from_settings(settings.contrast_corpus, retriever.embedding)
        self.policy = FollowupPolicy.from_settings(settings)
        tokenize_french("amorçage")  # loads the lemma dictionary now, not during the first user's question

    @classmethod
    def load(cls, index_dir: str | Path | None = None, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """Open an index with the given (or loaded) Settings; keyword arguments override settings fields."""
        settings = settings or load_settings()
        if index_dir is not None:
            overrides["index_dir"] = Path(index_dir)
        settings = settings.replace(**overrides)
        return cls(HybridRetriever.open(settings), settings)

    def _refresh_weights(self) -> None:
        """Another process (a replica sharing the database, an ingest) changed the corpus: take its term weights,
        and check the embedding model it was built with (`_follow_model`).

        Checked at most every `weights_refresh_s` seconds, by one request at a time."""
        now = time.monotonic()
        if now - self._generation_checked < self.settings.weights_refresh_s:
            return
        if not self._generation_lock.acquire(blocking=False):
            return
        try:
            self._generation_checked = now
            generation = self.retriever.store.generation()
            if generation != self._generation:
                self.weights.update(*self.retriever.store.term_weights())
                self._follow_model()
                self._generation = generation
        finally:
            self._generation_lock.release()

    def _follow_model(self) -> None:
        """A rebuild by another process may have bound the store to another embedding model: this encoder's
        vectors no longer compare with the stored ones, so the dense search is suspended (the lexical one goes on
        answering, the reason is logged and shown by /health) until the store and the encoder agree again."""
        built, configured = self.retriever.store.built_with(), self.retriever.embedding.model_id
        reason = ""
        if built != configured:
            reason = messages.DENSE_SEARCH_SUSPENDED.format(built=built, configured=configured)
        if reason != self.retriever.dense_suspended:
            logger.warning(reason or messages.DENSE_SEARCH_RESUMED.format(model=configured))
        self.retriever.dense_suspended = reason

    # --- validation -----------------------------------------------------------------------------
    def _validate(self, question: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError(messages.QUESTION_EMPTY)
        if problem := check_text(question):
            raise QuestionError(messages.QUESTION_INVALID_TEXT.format(problem=problem))
        # Composed accents: the question's patterns (« délai », « à quelle date ») see « é », not « e » + « ◌́ ».
        question = unicodedata.normalize("NFC", " ".join(question.split()))
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                messages.QUESTION_TOO_LONG.format(length=len(question), limit=self.settings.max_question_chars)
            )
        return question

    def _rewrite_with_llm(self, question: str, history: Sequence[Message]) -> str | None:
        if getattr(self.generator, "complete", None) is None:
            return None
        try:
            return llm_rewrite(self.generator)(question, history)
        except GenerationError:
            return None  # the grammar-built contextual query is used instead

    def _prepare(
        self,
        question: str,
        history: HistoryInput,
        k: int | None,
        filters: Mapping[str, Any] | None,
        timings: dict[str, float] | None = None,
    ) -> tuple[str, list[Message], str, list[Passage], AbstentionCheck, list[ScoredSentence]]:
        """Validate, condense a follow-up, retrieve, score the passages' sentences, decide whether to abstain."""
        question = self._validate(question)
        turns = bound_history(parse_history(history), self.settings)
        if (reply := small_talk_reply(question)) is not None:
            return question, turns, question, [], AbstentionCheck(True, "small_talk", reply=reply), []
        # « Bonjour, … ? Merci d'avance » : the greeting and the thanks are not searched.
        question = core_question(question)
        self._refresh_weights()
        searched: dict[str, float] = {}

        wanted = k or self.settings.top_k

        # « Qu'est-ce que… ? »: a passage defining the term is looked for a little deeper (promote_definitions), among
        # the question's results and, after them, those of a search asking for a definition in so many words (with a
        # term found everywhere, « l'ESS », the question's own words rank passages that merely name it).
        def search(text: str, asked_question: str = question) -> list[Passage]:
            definition = question_kind(asked_question) == "definition"
            named = bool(rare_acronyms(text, self.weights))
            depth = max(wanted, self.settings.definition_depth) if definition or named else wanted
            found = self.retriever.search(asked_words(text), k=depth, filters=filters, timings=searched)
            if named:
                found = promote_named(text, found, self.weights)
            spent = searched["retrieve"]
            if definition:
                asked = f"{text} {_ASKS_DEFINITION}"
                seen = {p.chunk.chunk_id for p in found}
                more = self.retriever.search(asked, k=depth, filters=filters, timings=searched)
                found += [p for p in more if p.chunk.chunk_id not in seen]  # candidates for promotion only
                spent += searched["retrieve"]
            if timings is not None:
                timings["retrieve"] = timings.get("retrieve", 0.0) + spent
            # Within the k passages kept, a list of sources comes after what the documents say (no passage is added).
            return demote_references(
                asked_question, promote_definitions(asked_question, text, found, self.weights, wanted)
            )

        asked_before = [m.content for m in turns if m.role == "user"]
        terms = compared_terms(question) or compared_in_conversation(question, asked_before)
        if terms is not None:
            # « Quelle différence entre X et Y ? »: what X is and what Y is (it names both: no follow-up).
            first, second = (search(q, q) for q in map(definition_question, terms))
            passages = interleave(first, second, 2 * wanted)
            ranked = rank_both(
                terms, (first, second), passages, lambda q, found: score_sentences(q, q, found, self.weights)
            )
            named = f"{terms[0]} {terms[1]}"
            check = should_abstain(question, named, passages, self.weights, self.settings, self.min_dense, ranked)
            return question, turns, question, passages, check, ranked
        query, passages = resolve_query(question, turns, search, self.weights, self.policy, self._rewrite_with_llm)
        # Scored once, for the abstention check and the extractive answer.
        kind = followup_kind(question, turns)  # « Et pour une SCOP ? » asks what the question it continues asked
        ranked = score_sentences(question, query, passages, self.weights, kind=kind) if passages else []
        evidence = passages[: self.settings.abstain_depth]
        contrast = self._contrast(query, filters) if passages else None
        check = should_abstain(question, query, evidence, self.weights, self.settings, self.min_dense, ranked, contrast)
        return question, turns, query, passages, check, ranked

    def _contrast(self, query: str, filters: Mapping[str, Any] | None) -> ContrastMatch | None:
        """The searched text against the contrast passages and the corpus's nearest passage (`answer/contrast.py`)."""
        if self.contrast is None or self.retriever.dense_suspended:
            return None
        vector = self.retriever.embedding.encode_query(asked_words(query))  # the search's vector, kept
        nearest = self.retriever.store.dense_search(vector, 1, filters)
        return self.contrast.match(vector, nearest[0][1]) if nearest else None

    def retrieve(
        self,
        question: str,
        history: HistoryInput = None,
        k: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> tuple[str, list[Passage], AbstentionCheck]:
        """Retrieval and the abstention decision, without generation (used by evals and the UI)."""
        _, _, query, passages, check, _ = self._prepare(question, history, k, filters)
        return query, passages, check

    # --- answering ------------------------------------------------------------------------------
    def stream(
        self,
        question: str,
        history: HistoryInput = None,
        k: int | None = None,
        filters: Mapping[str, Any] | None = None,
        cancel: threading.Event | None = None,
    ) -> Generator[str | Answer, None, None]:
        """Yield verified text pieces as they become final, then the Answer (its text is their concatenation).

        Setting `cancel` stops generation at the next delta (the client has gone): nothing more is yielded.
        """
        started = time.perf_counter()
        timings: dict[str, float] = {}
        question, turns, query, passages, check, ranked = self._prepare(question, history, k, filters, timings)
        if check.abstain:
            yield check.message
            yield self._finish(question, check.message, True, [], passages, timings, started)
            return

        request = GenerationRequest(question, query, passages, turns, ranked)
        generate_started = time.perf_counter()
        parts: list[str] = []
        verifier = CitationVerifier(passages)
        try:
            for delta in self._deltas(self.generator, request, cancel):
                parts.append(delta)
                if text := verifier.feed(delta):
                    yield text
        except GenerationError:
            if self.settings.llm_fallback != "extractive" or self.generator is self._fallback or parts:
                raise
            for delta in self._deltas(self._fallback, request, cancel):
                parts.append(delta)
                if text := verifier.feed(delta):
                    yield text
        if cancel is not None and cancel.is_set():
            return
        if text := verifier.flush():
            yield text
        timings["generate"] = (time.perf_counter() - generate_started) * 1000

        raw = "".join(parts)
        verified = verifier.result()
        if says_not_found(raw) or not verified.citations:
            message = messages.ABSTAIN_NO_VERIFIED_CLAIM if not says_not_found(raw) else messages.ABSTAIN_NOT_FOUND
            if not verified.text:
                yield message  # nothing was shown: the abstention is streamed like any answer
            yield self._finish(question, message, True, [], passages, timings, started)
            return
        text = verified.text
        # After verification, as a sentence of its own without a marker: it cites nothing.
        if caution := stale_caution(verified.citations, self.settings.stale_source_years):
            text = f"{text}\n\n{caution}"
            yield f"\n\n{caution}"
        yield self._finish(question, text, False, verified.citations, passages, timings, started)

    @staticmethod
    def _deltas(generator: Any, request: GenerationRequest, cancel: threading.Event | None) -> Iterator[str]:
        """The generator's deltas until it ends or `cancel` is set; closing it closes the LLM's stream."""
        deltas = generator.stream(request)
        try:
            for delta in deltas:
                if cancel is not None and cancel.is_set():
                    return
                yield delta
        finally:
            if callable(close := getattr(deltas, "close", None)):
                close()

    @staticmethod
    def _finish(
        question: str,
        text: str,
        abstained: bool,
        citations: list[Any],
        passages: list[Passage],
        timings: dict[str, float],
        started: float,
    ) -> Answer:
        timings["total"] = (time.perf_counter() - started) * 1000
        return Answer(question, text, abstained, citations, passages, timings)

    def ask(
        self,
        question: str,
        history: HistoryInput = None,
        k: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Answer:
        """Answer a question (with the conversation so far, if any)."""
        final = None
        for item in self.stream(question, history, k, filters):
            if isinstance(item, Answer):
                final = item
        assert final is not None  # stream always ends with an Answer
        return final

    async def aask(
        self,
        question: str,
        history: HistoryInput = None,
        k: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> Answer:
        """Async twin of `ask`, on the bounded answer pool; cancelling the task stops the generation."""
        async for item in self.astream(question, history, k, filters):
            if isinstance(item, Answer):
                return item
        raise AssertionError("stream always ends with an Answer")

    async def astream(
        self,
        question: str,
        history: HistoryInput = None,
        k: int | None = None,
        filters: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[str | Answer]:
        """Async twin of `stream`, run on the bounded answer pool (settings.answer_workers threads).

        When the consumer stops (client gone, task cancelled), the worker stops at the next delta and its
        thread returns to the pool; a question still waiting for a thread is dropped.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        cancel = threading.Event()

        def post(kind: str, value: Any) -> None:
            with contextlib.suppress(RuntimeError):  # the event loop may be closed after a cancellation
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))

        def produce() -> None:
            try:
                if cancel.is_set():
                    return
                with contextlib.closing(self.stream(question, history, k, filters, cancel)) as items:
                    for item in items:
                        if cancel.is_set():
                            return
                        post("item", item)
            except BaseException as exc:
                post("error", exc)
            finally:
                post("end", None)

        _AnswerPools.get(self.settings.answer_workers).submit(produce)
        try:
            while True:
                kind, value = await queue.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise value
                yield value
        finally:
            cancel.set()
