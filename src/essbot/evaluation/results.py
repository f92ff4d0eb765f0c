"""Per-question results and set totals: what report.json holds (metric definitions in metrics.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from essbot.answer.types import Answer
from essbot.evaluation import metrics
from essbot.evaluation.gold import GoldItem
from essbot.types import Passage

DEPTH = 10  # retrieval ranking depth recorded for MRR@10 and the hit@k curve
PASSAGE_PREVIEW = 240


@dataclass
class Response:
    """What a system under evaluation produced for one gold question."""

    ranking: list[Passage]  # ranked retrieval list, up to DEPTH
    answer: Answer | None = None  # None for retrieval-only runs
    latency_ms: float = 0.0
    error: str | None = None


@dataclass
class JudgeScores:
    faithfulness: float | None = None
    answer_relevancy: float | None = None
    error: str | None = None


@dataclass
class QuestionResult:
    """One gold question, what the system answered, each metric and the checks that failed."""

    id: str
    kind: str
    question: str
    history: list[dict[str, str]]
    answerable: bool
    expected_sources: list[str]
    expected_keywords: list[str]
    reference_answer: str
    answer: str | None
    abstained: bool | None
    citations: list[dict[str, Any]]
    retrieved: list[dict[str, Any]]
    first_hit_rank: int | None
    hit_at_1: float | None
    hit_at_5: float | None
    reciprocal_rank: float | None
    keyword_recall: float | None
    missing_keywords: list[str]
    citation_hits: list[int]  # [from an expected source, total]
    citation_precision: float | None
    citation_support: list[int]  # [backed sentences, cited sentences]
    support_rate: float | None
    latency_ms: float
    top_score: float | None
    top_dense: float | None
    faithfulness: float | None = None
    answer_relevancy: float | None = None
    judge_error: str | None = None
    error: str | None = None
    failed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _passage_dict(rank: int, passage: Passage, expected: Sequence[str], cited: set[str]) -> dict[str, Any]:
    chunk = passage.chunk
    text = " ".join(chunk.text.split())
    return {
        "rank": rank,
        "source": chunk.source,
        "page": chunk.page,
        "section": chunk.section,
        "score": round(passage.score, 4),
        "dense_score": None if passage.dense_score is None else round(passage.dense_score, 4),
        "bm25_score": None if passage.bm25_score is None else round(passage.bm25_score, 4),
        "expected": metrics.matches_expected(chunk.source, expected),
        "cited": chunk.chunk_id in cited,
        "text": text if len(text) <= PASSAGE_PREVIEW else text[:PASSAGE_PREVIEW] + "…",
    }


def _evidence(answer: Answer) -> dict[int, str]:
    """Each citation's passage as the engine checked it: text with its title and headings."""
    by_text = {(p.chunk.source, p.chunk.text): p.chunk.embed_text for p in answer.retrieved}
    return {c.id: by_text.get((c.source, c.text), f"{c.title}\n{c.section}\n{c.text}") for c in answer.citations}


def _cited_chunk_ids(answer: Answer | None) -> set[str]:
    if answer is None:
        return set()
    keys = {(c.source, c.text) for c in answer.citations}
    return {p.chunk.chunk_id for p in answer.retrieved if (p.chunk.source, p.chunk.text) in keys}


def _failed_checks(result: QuestionResult) -> list[str]:
    failed = []
    if result.error:
        failed.append("error")
    if result.answerable and result.hit_at_5 == 0.0:
        failed.append("retrieval")
    if result.abstained is not None and not result.error:
        if result.answerable and result.abstained:
            failed.append("abstained")
        if not result.answerable and not result.abstained:
            failed.append("answered")
        if result.answerable and not result.abstained and result.missing_keywords:
            failed.append("keywords")
    if result.citation_precision is not None and result.citation_precision < 1.0:
        failed.append("citations")
    if result.support_rate is not None and result.support_rate < 1.0:
        failed.append("support")
    if result.faithfulness is not None and result.faithfulness < 0.5:
        failed.append("faithfulness")
    return failed


def score_response(item: GoldItem, response: Response, judged: JudgeScores | None = None) -> QuestionResult:
    """Score what the system produced for one gold question."""
    answer = response.answer
    expected = item.expected_sources
    rank = metrics.first_hit_rank([p.chunk.source for p in response.ranking[:DEPTH]], expected)
    abstained = None if answer is None else (answer.abstained or response.error is not None)
    text = None if answer is None else answer.answer
    hits, support = (0, 0), (0, 0)
    keyword_recall: float | None = None
    missing: list[str] = []
    if answer is not None and item.answerable:
        keyword_recall = metrics.keyword_recall(answer.answer, item.expected_keywords, bool(abstained))
        missing = (
            list(item.expected_keywords)
            if abstained
            else metrics.missing_keywords(answer.answer, item.expected_keywords)
        )
        hits = metrics.citation_hits([c.source for c in answer.citations], expected)
    if answer is not None and answer.citations:
        support = metrics.citation_support(answer.answer, _evidence(answer))
    shown = answer.retrieved if answer is not None else response.ranking
    dense = [p.dense_score for p in shown if p.dense_score is not None]
    cited = _cited_chunk_ids(answer)
    judged = judged or JudgeScores()
    result = QuestionResult(
        id=item.id,
        kind=item.kind,
        question=item.question,
        history=item.history_dicts(),
        answerable=item.answerable,
        expected_sources=list(expected),
        expected_keywords=list(item.expected_keywords),
        reference_answer=item.reference_answer,
        answer=text,
        abstained=abstained,
        citations=[]
        if answer is None
        else [
            {
                "id": c.id,
                "source": c.source,
                "title": c.title,
                "page": c.page,
                "section": c.section,
                "expected": metrics.matches_expected(c.source, expected),
            }
            for c in answer.citations
        ],
        retrieved=[_passage_dict(i, p, expected, cited) for i, p in enumerate(response.ranking[:DEPTH], start=1)],
        first_hit_rank=rank,
        hit_at_1=metrics.hit_at(rank, 1) if item.answerable else None,
        hit_at_5=metrics.hit_at(rank, 5) if item.answerable else None,
        reciprocal_rank=metrics.reciprocal_rank(rank, DEPTH) if item.answerable else None,
        keyword_recall=keyword_recall,
        missing_keywords=missing,
        citation_hits=list(hits),
        citation_precision=hits[0] / hits[1] if hits[1] else None,
        citation_support=list(support),
        support_rate=support[0] / support[1] if support[1] else None,
        latency_ms=round(response.latency_ms, 2),
        top_score=round(shown[0].score, 4) if shown else None,
        top_dense=round(max(dense), 4) if dense else None,
        faithfulness=judged.faithfulness,
        answer_relevancy=judged.answer_relevancy,
        judge_error=judged.error,
        error=response.error,
    )
    result.failed = _failed_checks(result)
    return result


def summarize(results: Sequence[QuestionResult]) -> dict[str, Any]:
    """Totals over a set of results (see metrics.py for each definition)."""
    answerable = [r for r in results if r.answerable]
    answered = [r for r in results if r.abstained is not None]
    latencies = [r.latency_ms for r in results]
    totals: dict[str, Any] = {
        "questions": len(results),
        "answerable": len(answerable),
        "unanswerable": len(results) - len(answerable),
        "hit@1": metrics.mean(r.hit_at_1 for r in answerable),
        "hit@5": metrics.mean(r.hit_at_5 for r in answerable),
        "mrr@10": metrics.mean(r.reciprocal_rank for r in answerable),
        "hit_curve": metrics.hit_curve([r.first_hit_rank for r in answerable], DEPTH),
        "keyword_recall": metrics.mean(r.keyword_recall for r in answerable),
        "citation_precision": metrics.ratio((r.citation_hits[0], r.citation_hits[1]) for r in answerable),
        "citation_support": metrics.ratio((r.citation_support[0], r.citation_support[1]) for r in results),
        "abstention_precision": None,
        "abstention_recall": None,
        "abstention_accuracy": None,
        "false_abstention": metrics.mean(1.0 if r.abstained else 0.0 for r in answerable if r.abstained is not None),
        "latency_p50_ms": metrics.percentile(latencies, 50),
        "latency_p95_ms": metrics.percentile(latencies, 95),
        "faithfulness": metrics.mean(r.faithfulness for r in results),
        "answer_relevancy": metrics.mean(r.answer_relevancy for r in results),
        "failed_questions": sum(bool(r.failed) for r in results),
    }
    if answered:
        scores = metrics.abstention_scores([bool(r.abstained) for r in answered], [r.answerable for r in answered])
        totals.update(
            {
                "abstention_precision": scores.precision,
                "abstention_recall": scores.recall,
                "abstention_accuracy": scores.accuracy,
                "abstention_counts": {
                    "correct_abstentions": scores.true_positives,
                    "wrong_abstentions": scores.false_positives,
                    "missed_abstentions": scores.false_negatives,
                },
            }
        )
    failures: dict[str, int] = {}
    for result in results:
        for check in result.failed:
            failures[check] = failures.get(check, 0) + 1
    totals["failures"] = failures
    return totals


def summarize_by_kind(results: Sequence[QuestionResult]) -> dict[str, dict[str, Any]]:
    kinds = sorted({r.kind for r in results})
    return {kind: summarize([r for r in results if r.kind == kind]) for kind in kinds}
