"""Scoring one response and totalling a run, on hand-made answers (no index, no model)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from essbot.evaluation.gold import GoldItem, parse_row
from essbot.evaluation.results import JudgeScores, Response, score_response
from essbot.evaluation.runner import evaluate
from tests.evaluation.conftest import answer, passage

ESUS = parse_row(
    {
        "id": "esus",
        "question": "Qui délivre l'agrément ESUS ?",
        "answerable": True,
        "expected_sources": ["fiche-esus"],
        "expected_keywords": ["préfet", "cinq ans"],
        "kind": "fact",
    }
)
SCIC = parse_row(
    {
        "id": "scic",
        "question": "Qu'est-ce qu'une SCIC ?",
        "answerable": True,
        "expected_sources": ["fiche-scic"],
        "expected_keywords": ["coopérative"],
        "kind": "paraphrase",
    }
)
RSA = parse_row({"id": "rsa", "question": "Montant du RSA en 2025 ?", "answerable": False, "kind": "unanswerable"})
ESUS_TEXT = "L'agrément ESUS est délivré par le préfet du département."


def _esus_response() -> Response:
    passages = [
        passage("fiche-glossaire.md", "Glossaire : l'ESS regroupe des structures variées."),
        passage("fiche-esus.pdf", ESUS_TEXT),
        passage("fiche-ptce.md", "Un PTCE regroupe des acteurs."),
    ]
    text = "L'agrément ESUS est délivré par le préfet du département [1]. Un PTCE regroupe des acteurs [2]."
    return Response(passages, answer(ESUS.question, text, passages, cited=[2, 3], total_ms=30.0), 30.0)


def test_score_response_computes_every_check() -> None:
    result = score_response(ESUS, _esus_response())
    assert result.first_hit_rank == 2
    assert (result.hit_at_1, result.hit_at_5, result.reciprocal_rank) == (0.0, 1.0, 0.5)
    assert result.keyword_recall == 0.5 and result.missing_keywords == ["cinq ans"]
    assert result.citation_hits == [1, 2] and result.citation_precision == 0.5
    assert result.citation_support == [2, 2]
    assert result.abstained is False and result.latency_ms == 30.0
    assert result.failed == ["keywords", "citations"]
    assert [p["expected"] for p in result.retrieved] == [False, True, False]
    assert [p["cited"] for p in result.retrieved] == [False, True, True]
    assert result.citations[0] == {
        "id": 1,
        "source": "fiche-esus.pdf",
        "title": "Titre",
        "page": None,
        "section": "Section",
        "expected": True,
    }


def test_abstaining_on_an_answerable_question_scores_zero_keywords() -> None:
    passages = [passage("fiche-scic.html", "La SCIC est une société coopérative d'intérêt collectif.")]
    result = score_response(
        SCIC, Response(passages, answer(SCIC.question, "Je ne trouve pas.", passages, [], abstained=True), 5.0)
    )
    assert result.keyword_recall == 0.0 and result.missing_keywords == ["coopérative"]
    assert result.citation_precision is None
    assert result.failed == ["abstained"]


def test_answering_an_unanswerable_question_fails_the_abstention_check() -> None:
    passages = [passage("fiche-esus.pdf", ESUS_TEXT)]
    result = score_response(RSA, Response(passages, answer(RSA.question, f"{ESUS_TEXT[:-1]} [1].", passages, [1]), 8.0))
    assert result.hit_at_5 is None and result.keyword_recall is None and result.citation_precision is None
    assert result.failed == ["answered"]


def test_retrieval_only_response_has_no_answer_metrics() -> None:
    result = score_response(ESUS, Response([passage("fiche-esus.pdf", ESUS_TEXT)], None, 2.0))
    assert result.answer is None and result.abstained is None and result.keyword_recall is None
    assert result.hit_at_1 == 1.0 and result.failed == []


class _Scripted:
    """A responder replaying prepared responses, by question id."""

    def __init__(self, responses: dict[str, Response]) -> None:
        self.responses = responses
        self.seen: list[str] = []

    def respond(self, item: GoldItem) -> Response:
        self.seen.append(item.id)
        return self.responses[item.id]


class _FixedJudge:
    def judge(self, question: str, answer: str, contexts: Sequence[str]) -> JudgeScores:
        return JudgeScores(0.25, 0.8)


def test_evaluate_totals_a_run() -> None:
    scic_passages = [passage("fiche-scic.html", "La SCIC est une société coopérative d'intérêt collectif.")]
    rsa_passages = [passage("fiche-esus.pdf", ESUS_TEXT, dense=0.7)]
    responses = {
        "esus": _esus_response(),
        "scic": Response(
            scic_passages, answer(SCIC.question, "Je ne trouve pas.", scic_passages, [], True, 10.0), 10.0
        ),
        "rsa": Response(rsa_passages, answer(RSA.question, "Je ne trouve pas.", rsa_passages, [], True, 20.0), 20.0),
    }
    responder = _Scripted(responses)
    run = evaluate([ESUS, SCIC, RSA], responder, "essai", {"gold": "x.jsonl"}, judge=_FixedJudge())
    totals = run.totals
    assert responder.seen == ["esus", "esus", "scic", "rsa"]  # one warm-up question, not scored
    assert (totals["questions"], totals["answerable"], totals["unanswerable"]) == (3, 2, 1)
    assert totals["hit@1"] == 0.5 and totals["hit@5"] == 1.0 and totals["mrr@10"] == 0.75
    assert totals["hit_curve"][:3] == [0.5, 1.0, 1.0]
    assert totals["keyword_recall"] == 0.25  # (0.5 + 0) / 2
    assert totals["citation_precision"] == 0.5 and totals["citation_support"] == 1.0
    # abstained on scic (wrong) and rsa (right): precision 1/2, recall 1/1, accuracy 2/3
    assert totals["abstention_precision"] == 0.5 and totals["abstention_recall"] == 1.0
    assert totals["abstention_accuracy"] == pytest.approx(2 / 3)
    assert totals["latency_p50_ms"] == 20.0 and totals["latency_p95_ms"] == pytest.approx(29.0)
    assert totals["faithfulness"] == 0.25 and totals["answer_relevancy"] == 0.8  # abstentions are not judged
    assert totals["failures"] == {"keywords": 1, "citations": 1, "faithfulness": 1, "abstained": 1}
    assert set(run.by_kind) == {"fact", "paraphrase", "unanswerable"}
    assert run.by_kind["unanswerable"]["abstention_recall"] == 1.0
