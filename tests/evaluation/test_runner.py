"""Running the 5-question sample through the real pipeline on the tiny generated index."""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.answer.engine import Assistant
from essbot.evaluation.gold import load_gold
from essbot.evaluation.runner import AssistantResponder, RecordingRetriever, RetrievalResponder, evaluate


def test_recording_retriever_returns_what_a_plain_search_returns(tiny_assistant: Assistant) -> None:
    plain = tiny_assistant.retriever
    recording = RecordingRetriever(plain, "hybrid", depth=10)
    question = "Qui délivre l'agrément entreprise solidaire d'utilité sociale ?"
    passages = recording.search(question, k=3)
    assert [p.chunk.chunk_id for p in passages] == [p.chunk.chunk_id for p in plain.search(question, k=3)]
    assert [p.chunk.chunk_id for p in recording.last_ranking[:3]] == [p.chunk.chunk_id for p in passages]
    assert len(recording.last_ranking) >= len(passages)


def test_the_ranking_scored_is_the_one_the_answer_used_not_the_last_search(tiny_assistant: Assistant) -> None:
    """A follow-up may be searched with its context and then alone: hit@1 must judge the search that was used."""
    recording = RecordingRetriever(tiny_assistant.retriever, "hybrid", depth=10)
    used = recording.search("capital d'une SCIC détenu par une collectivité", k=3)
    recording.search("Qui délivre l'agrément entreprise solidaire d'utilité sociale ?", k=3)
    assert recording.last_ranking[0].chunk.chunk_id != used[0].chunk.chunk_id
    assert recording.ranking_for(used)[0].chunk.chunk_id == used[0].chunk.chunk_id
    recording.clear()
    assert recording.ranking_for(used) == []


def test_responses_of_follow_ups_rank_the_passages_of_their_answer(default_assistant: Assistant) -> None:
    """« Une coopérative peut-elle demander son renouvellement ? » names a subject and leans on « son »: it is
    searched with its context, then alone, and the context wins (the answer uses the first of the two searches)."""
    from essbot.evaluation.gold import parse_row

    responder = AssistantResponder(default_assistant)
    history = [{"role": "user", "content": "Qu'est-ce que l'agrément ESUS ?"}, {"role": "assistant", "content": "…"}]
    for question in ("Une coopérative peut-elle demander son renouvellement ?", "Et combien de temps dure-t-il ?"):
        item = parse_row({"id": "x", "question": question, "history": history, "answerable": False})
        response = responder.respond(item)
        assert response.answer is not None and response.answer.retrieved
        used = [p.chunk.chunk_id for p in response.answer.retrieved]
        assert [p.chunk.chunk_id for p in response.ranking[: len(used)]] == used


@pytest.mark.parametrize("mode", ["dense", "bm25"])
def test_recording_retriever_forces_its_mode(tiny_assistant: Assistant, mode: str) -> None:
    recording = RecordingRetriever(tiny_assistant.retriever, mode)
    passages = recording.search("capital d'une SCIC détenu par une collectivité", k=3)
    if mode == "dense":
        assert all(p.bm25_score is None and p.dense_score is not None for p in passages)
    else:
        assert all(p.dense_score is None and p.bm25_score is not None for p in passages)


def test_sample_gold_on_the_tiny_index(sample_gold: Path, tiny_assistant: Assistant) -> None:
    items = load_gold(sample_gold)
    run = evaluate(items, AssistantResponder(tiny_assistant), "hybrid", {"gold": str(sample_gold)})
    by_id = {result.id: result for result in run.results}
    totals = run.totals
    assert (totals["questions"], totals["answerable"], totals["unanswerable"]) == (5, 4, 1)
    assert totals["hit@5"] == 1.0
    assert all(result.latency_ms > 0 for result in run.results)
    assert all(len(result.retrieved) > 5 for result in run.results)  # the ranking is recorded deeper than k
    # The follow-up was asked with its history: its subject (the PTCE) came from the previous turn.
    followup = by_id["ptce-suivi"]
    assert followup.retrieved[0]["source"] == "ptce.html"
    scic = by_id["scic"]
    assert scic.abstained is False and scic.keyword_recall == 1.0 and scic.citation_precision == 1.0
    assert by_id["hors-sujet"].abstained is True
    assert totals["abstention_recall"] == 1.0


def test_retrieval_only_run(sample_gold: Path, tiny_assistant: Assistant) -> None:
    items = load_gold(sample_gold)
    run = evaluate(items, RetrievalResponder(tiny_assistant.retriever, "bm25"), "bm25")
    assert run.totals["hit@5"] == 1.0
    assert run.totals["keyword_recall"] is None and run.totals["abstention_accuracy"] is None
    assert all(result.answer is None for result in run.results)
