"""Run a gold set through a system (the Assistant, retrieval alone, or a baseline) and score every answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from essbot.answer.engine import Assistant
from essbot.answer.followup import FollowupPolicy, resolve_query
from essbot.answer.types import Message
from essbot.answer.weights import TermWeights
from essbot.config import Settings
from essbot.errors import EssbotError
from essbot.evaluation import messages
from essbot.evaluation.gold import GoldItem
from essbot.evaluation.results import (
    DEPTH,
    JudgeScores,
    QuestionResult,
    Response,
    score_response,
    summarize,
    summarize_by_kind,
)
from essbot.retrieve import HybridRetriever
from essbot.types import Passage


class Responder(Protocol):
    """A system under evaluation: turns a gold question into a Response."""

    def respond(self, item: GoldItem) -> Response: ...


class Judge(Protocol):
    def judge(self, question: str, answer: str, contexts: Sequence[str]) -> JudgeScores: ...


class RecordingRetriever(HybridRetriever):
    """The retriever of an index, forced to one mode, that remembers the rankings to depth 10 of its searches.

    A follow-up may be searched twice (alone and with its context, see `resolve_query`): `ranking_for` gives the
    ranking of the search whose passages the answer actually used, not merely the last one.

    With the default settings (candidates >= 30, no re-ranker) one deep search gives exactly the ranking a
    k-search would give (same candidate depth, sequential de-duplication): its first k passages are returned.
    Otherwise a second search records the deeper ranking without changing what the answer sees.
    """

    def __init__(self, base: HybridRetriever, mode: str = "hybrid", depth: int = DEPTH) -> None:
        super().__init__(base.store, base.embedding, base.settings, base.reranker)
        self.mode = mode
        self.depth = depth
        self.last_ranking: list[Passage] = []
        self.rankings: list[list[Passage]] = []  # every search since `clear`, in order

    def clear(self) -> None:
        self.last_ranking, self.rankings = [], []

    def ranking_for(self, used: Sequence[Passage]) -> list[Passage]:
        """The ranking the answer saw: the passages `used`, in their order (the engine may have moved a defining
        passage up), then the rest of the recorded search they all come from (the last search if none)."""
        wanted = {p.chunk.chunk_id for p in used}
        source = next((r for r in reversed(self.rankings) if wanted <= {p.chunk.chunk_id for p in r}), None)
        if source is None:
            return self.last_ranking
        return list(used) + [p for p in source if p.chunk.chunk_id not in wanted]

    def search(
        self,
        question: str,
        k: int | None = None,
        mode: str = "hybrid",
        filters: Mapping[str, str | Sequence[str]] | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Passage]:
        k = k or self.settings.top_k
        deep = max(k, self.depth)
        candidates = self.settings.candidates
        if self.reranker is None and max(candidates, 3 * k) == max(candidates, 3 * deep):
            ranking = super().search(question, deep, self.mode, filters, timings)
            self.last_ranking = ranking
            self.rankings.append(ranking)
            return ranking[:k]
        passages = super().search(question, k, self.mode, filters, timings)
        self.last_ranking = super().search(question, deep, self.mode, filters) if deep > k else passages
        self.rankings.append(self.last_ranking)
        return passages


class AssistantResponder:
    """The full essbot pipeline: condense, retrieve (in one mode), abstain or generate, verify citations."""

    def __init__(self, assistant: Assistant, mode: str = "hybrid", k: int | None = None) -> None:
        self.retriever = RecordingRetriever(assistant.retriever, mode)
        self.assistant = Assistant(self.retriever, assistant.settings, assistant.generator)
        self.k = k

    @classmethod
    def open(cls, settings: Settings, mode: str = "hybrid") -> AssistantResponder:
        return cls(Assistant(HybridRetriever.open(settings), settings), mode)

    def respond(self, item: GoldItem) -> Response:
        self.retriever.clear()
        started = time.perf_counter()
        try:
            answer = self.assistant.ask(item.question, item.history_dicts() or None, k=self.k)
        except EssbotError as exc:
            from essbot.answer.types import Answer

            elapsed = (time.perf_counter() - started) * 1000
            failed = Answer(
                item.question, exc.user_message, True, [], list(self.retriever.last_ranking[:5]), {"total": elapsed}
            )
            return Response(list(self.retriever.last_ranking), failed, elapsed, exc.user_message)
        ranking = self.retriever.ranking_for(answer.retrieved)
        return Response(list(ranking), answer, answer.timings_ms.get("total", 0.0))


class RetrievalResponder:
    """Retrieval only (no answer): the follow-up heuristic, then one search in the given mode."""

    def __init__(self, retriever: HybridRetriever, mode: str = "hybrid") -> None:
        self.retriever = retriever
        self.mode = mode
        self.weights = TermWeights(*retriever.store.term_weights())
        self.policy = FollowupPolicy.from_settings(retriever.settings)

    def respond(self, item: GoldItem) -> Response:
        started = time.perf_counter()
        history = [Message(turn.role, turn.content) for turn in item.history]  # type: ignore[arg-type]
        _, ranking = resolve_query(
            item.question,
            history,
            lambda text: self.retriever.search(text, k=DEPTH, mode=self.mode),
            self.weights,
            self.policy,
        )
        return Response(ranking, None, (time.perf_counter() - started) * 1000)


@dataclass
class EvalRun:
    """One configuration run on one gold set: per-question results and totals."""

    name: str
    results: list[QuestionResult]
    meta: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "meta": self.meta,
            "totals": self.totals,
            "by_kind": self.by_kind,
            "questions": [result.to_dict() for result in self.results],
        }


def settings_summary(settings: Settings, mode: str = "hybrid") -> dict[str, Any]:
    """The settings that change evaluation results, recorded in every report."""
    return {
        "index_dir": str(settings.index_dir),
        "mode": mode,
        "embedding": settings.embedding_backend,
        "embedding_model": settings.embedding_model,
        "generator": settings.generator,
        "top_k": settings.top_k,
        "candidates": settings.candidates,
        "rrf_k": settings.rrf_k,
        "rerank_model": settings.rerank_model,
        "chunk_size_words": settings.chunk_size_words,
        "chunk_overlap_words": settings.chunk_overlap_words,
        **{name: value for name, value in vars(settings).items() if name.startswith("abstain_")},
    }


def _judge(judge: Judge | None, item: GoldItem, response: Response) -> JudgeScores | None:
    answer = response.answer
    if judge is None or answer is None or answer.abstained or response.error:
        return None
    contexts = [p.chunk.text for p in answer.retrieved]
    try:
        return judge.judge(item.question, answer.answer, contexts)
    except EssbotError as exc:
        return JudgeScores(error=messages.JUDGE_FAILED.format(detail=exc.user_message))


def evaluate(
    items: Sequence[GoldItem],
    responder: Responder,
    name: str = "essbot",
    meta: Mapping[str, Any] | None = None,
    judge: Judge | None = None,
    progress: bool = False,
    on_result: Callable[[QuestionResult], None] | None = None,
    warm_up: bool = True,
) -> EvalRun:
    """Ask every gold question, score the answers and total them (a progress bar when `progress`).

    One question is asked first and thrown away, so that lazy loading does not count in the latencies.
    """
    if warm_up and items:
        responder.respond(items[0])
    iterable: Any = items
    if progress:
        from tqdm import tqdm

        iterable = tqdm(items, desc=messages.PROGRESS.format(name=name), unit="question", leave=False)
    results = []
    for item in iterable:
        response = responder.respond(item)
        result = score_response(item, response, _judge(judge, item, response))
        results.append(result)
        if on_result is not None:
            on_result(result)
    return EvalRun(name, results, dict(meta or {}), summarize(results), summarize_by_kind(results))
