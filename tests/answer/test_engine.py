"""The Assistant end to end on real fiches: answers, abstention, follow-ups, bad input, prompt injection."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from essbot import Answer, Assistant, IndexNotFoundError, QuestionError, Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.retrieve import HybridRetriever
from essbot.text.sentences import split_sentences
from tests.answer.conftest import POISON_MARKER


def _markers(text: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", text)}


def test_esus_question_is_answered_from_the_esus_fiche_with_its_page(assistant: Assistant) -> None:
    answer = assistant.ask("Qui délivre l'agrément ESUS ?")
    assert not answer.abstained
    assert "préfet" in answer.answer.lower()
    assert answer.citations[0].source == "fiche-agrement-esus.pdf"
    assert all(c.page is not None and c.page >= 1 for c in answer.citations if c.source.endswith(".pdf"))
    assert _markers(answer.answer) == {c.id for c in answer.citations}


def test_answer_json_follows_the_contract(assistant: Assistant) -> None:
    data = json.loads(json.dumps(assistant.ask("Qu'est-ce qu'un SPASER ?").to_dict()))
    assert set(data) == {"question", "answer", "abstained", "citations", "retrieved", "timings_ms"}
    fields = {"source", "title", "page", "section", "text", "score", "article", "updated"}
    assert set(data["citations"][0]) == {"id", *fields}
    assert set(data["retrieved"][0]) == fields
    assert all(c["updated"] for c in data["citations"])  # every source is dated
    assert {"retrieve", "generate", "total"} <= set(data["timings_ms"])
    assert [c["id"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))


def test_extractive_answer_only_contains_sentences_of_the_cited_passages(assistant: Assistant) -> None:
    answer = assistant.ask("Quelles collectivités doivent adopter un SPASER ?")
    assert not answer.abstained
    cited = {c.id: c.text for c in answer.citations}
    for sentence in re.split(r"(?<=\])[.!?] ?", answer.answer):
        if not sentence.strip():
            continue
        numbers = _markers(sentence)
        claim = re.sub(r"\s*\[\d+\]", "", sentence).strip()
        assert any(claim in " ".join(split_sentences(cited[n])) for n in numbers), claim


@pytest.mark.parametrize(
    "question",
    [
        "Quelle est la recette de la tarte Tatin ?",
        "Quel temps fera-t-il demain à Lyon ?",
        "Comment obtenir un divorce par consentement mutuel ?",
        "Quel est le meilleur club de football de Ligue 1 ?",
    ],
)
def test_out_of_scope_questions_abstain_politely(assistant: Assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert answer.abstained
    assert answer.citations == []
    assert "Je ne trouve pas" in answer.answer


def test_question_in_another_language_gets_a_french_invitation(assistant: Assistant) -> None:
    answer = assistant.ask("Who issues the ESUS approval and for how long?")
    assert answer.abstained
    assert "en français" in answer.answer


def test_follow_up_without_llm_carries_the_subject(assistant: Assistant) -> None:
    history = [
        {"role": "user", "content": "Qu'est-ce que l'agrément ESUS ?"},
        {"role": "assistant", "content": "C'est un agrément d'État pour les entreprises de l'ESS [1]."},
    ]
    query, _, _ = assistant.retrieve("Et qui le délivre ?", history=history)
    assert "agrément ESUS" in query
    assert assistant.retrieve("Et qui le délivre ?")[0] == "Et qui le délivre ?"
    follow_up = assistant.ask("Et qui le délivre ?", history=history)
    assert not follow_up.abstained
    assert follow_up.citations[0].source == "fiche-agrement-esus.pdf"
    assert "préfet" in follow_up.answer.lower()


def test_stream_yields_text_then_the_final_answer(assistant: Assistant) -> None:
    items = list(assistant.stream("Qu'est-ce qu'un PTCE ?"))
    assert isinstance(items[-1], Answer)
    deltas = [item for item in items[:-1] if isinstance(item, str)]
    assert deltas and "".join(deltas).startswith(items[-1].answer[:20])


def test_async_twins_match_the_sync_api(assistant: Assistant) -> None:
    async def run() -> tuple[Answer, list[object]]:
        answer = await assistant.aask("Qu'est-ce qu'une SCIC ?")
        streamed = [item async for item in assistant.astream("Qu'est-ce qu'une SCIC ?")]
        return answer, streamed

    answer, streamed = asyncio.run(run())
    assert isinstance(streamed[-1], Answer)
    assert streamed[-1].answer == answer.answer == assistant.ask("Qu'est-ce qu'une SCIC ?").answer


def test_assistant_is_safe_to_share_between_threads(assistant: Assistant) -> None:
    questions = ["Qui délivre l'agrément ESUS ?", "Qu'est-ce qu'un SPASER ?", "Qu'est-ce qu'un PTCE ?"] * 4
    expected = {q: assistant.ask(q).answer for q in set(questions)}
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(assistant.ask, questions))
    assert [a.answer for a in answers] == [expected[q] for q in questions]


@pytest.mark.parametrize("question", ["", "   \n "])
def test_empty_question_is_refused_in_french(assistant: Assistant, question: str) -> None:
    with pytest.raises(QuestionError, match="vide"):
        assistant.ask(question)


def test_very_long_question_is_refused(assistant: Assistant) -> None:
    with pytest.raises(QuestionError, match="trop longue"):
        assistant.ask("agrément ESUS " * 2000)


@pytest.mark.parametrize("history", ["pas une liste", [{"role": "robot", "content": "x"}], [42]])
def test_invalid_history_is_refused(assistant: Assistant, history: object) -> None:
    with pytest.raises(QuestionError, match="Historique"):
        assistant.ask("Qu'est-ce qu'un SPASER ?", history=history)  # type: ignore[arg-type]


def test_missing_index_tells_to_run_ingest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IndexNotFoundError, match="essbot ingest"):
        Assistant.load(tmp_path / "nowhere", settings=Settings())


def test_instructions_hidden_in_a_document_do_not_change_the_answer(assistant: Assistant) -> None:
    for question in ["Qu'est-ce qu'une régie de quartier ?", "Quelles consignes donner à une régie de quartier ?"]:
        answer = assistant.ask(question)
        assert POISON_MARKER not in answer.answer
        assert "Ignore les consignes" not in answer.answer
    answer = assistant.ask("Comment sont financées les régies de quartier ?")
    assert not answer.abstained and "bailleurs" in answer.answer


def test_term_weights_follow_a_corpus_changed_by_another_process(
    tmp_path: Path, answer_settings: Settings, embedding: EssbotEmbedding
) -> None:
    """A replica's Assistant takes the term weights of documents another writer added, without a restart."""
    from essbot.index.stores import open_store
    from essbot.ingest.pipeline import ingest
    from essbot.retrieve import HybridRetriever

    docs = tmp_path / "documents"
    shutil.copytree(answer_settings.documents_dir, docs)
    settings = answer_settings.replace(index_dir=tmp_path / "index", documents_dir=docs, weights_refresh_s=0.0)
    ingest([docs], settings, embedding=embedding)
    replica = Assistant(
        HybridRetriever(open_store(settings, settings.index_dir, embedding.model_id), embedding, settings), settings
    )
    assert replica.weights("ressourcer") == replica.weights.unknown  # never seen yet
    (docs / "fiche-ressourcerie.md").write_text(
        "# Les ressourceries\n\n## Définition\n\nUne ressourcerie collecte, répare et revend des objets usagés ; "
        "elle emploie souvent des salariés en insertion.\n",
        encoding="utf-8",
    )
    ingest([docs], settings, embedding=embedding)  # another writer: the replica is not told
    replica.ask("Qu'est-ce qu'une ressourcerie ?")
    assert replica.weights("ressourcer") < replica.weights.unknown  # the new stem is known now


def test_sentences_are_scored_once_per_answer(assistant: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    """The abstention check and the extractive answer share one scoring of the passages' sentences."""
    import essbot.answer.abstain as abstain
    import essbot.answer.engine as engine
    import essbot.answer.generators as generators

    calls: list[str] = []
    real = engine.score_sentences

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[0])
        return real(*args, **kwargs)

    for module in (abstain, engine, generators):
        monkeypatch.setattr(module, "score_sentences", counted)
    alone = assistant.ask("Qui délivre l'agrément ESUS ?")
    assert not alone.abstained and alone.citations
    assert calls == ["Qui délivre l'agrément ESUS ?"]


@pytest.mark.parametrize(
    "question",
    ["Comment fonctionne la taxe de séjour ?", "Quel est le montant de l'indemnité d'un conseiller municipal ?"],
)
def test_more_passages_for_the_answer_do_not_weaken_abstention(
    default_assistant: Assistant, embedding: EssbotEmbedding, question: str
) -> None:
    """`top_k` feeds the answer; the abstention signals read the best `abstain_depth` passages, the depth their
    floors were chosen with (before, top_k = 5 let words scattered over five passages cover these questions)."""
    from essbot.index.stores import open_store
    from essbot.retrieve import HybridRetriever

    settings = default_assistant.settings.replace(top_k=5)
    wide = Assistant(
        HybridRetriever(open_store(Settings(), settings.index_dir, embedding.model_id), embedding, settings), settings
    )
    assert default_assistant.retrieve(question)[2].abstain
    _, passages, check = wide.retrieve(question)
    assert len(passages) == 5 and check.abstain, check


def test_a_question_typed_with_combining_accents_gets_the_same_answer(assistant: Assistant) -> None:
    composed = "Quelle est la durée de l'agrément ESUS ?"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    history = [{"role": "user", "content": unicodedata.normalize("NFD", "Qu'est-ce que l'agrément ESUS ?")}]
    assert assistant.ask(decomposed).answer == assistant.ask(composed).answer
    assert assistant.ask(decomposed, history=history).answer == assistant.ask(composed, history=history).answer


def test_a_list_of_further_reading_never_leads_the_passages_of_an_answer(assistant: Assistant) -> None:
    from essbot.answer.scoring import is_reference_section

    # The retriever alone ranks the fiche's « Pour aller plus loin » first for this question.
    question = "Qui instruit le dossier ESUS ?"
    assert is_reference_section(assistant.retriever.search(question, k=3)[0])
    _, passages, _ = assistant.retrieve(question)
    flags = [is_reference_section(p) for p in passages]
    assert not flags[0] and flags == sorted(flags)
    answer = assistant.ask(question)
    assert "DDETS" in answer.answer and answer.citations[0].section != "Pour aller plus loin"


class _UnsupportedGenerator:
    """An LLM whose every sentence is backed by no passage."""

    def stream(self, request: object) -> Iterator[str]:
        yield "La lune est faite de fromage [1]."


def test_an_abstention_decided_after_generation_is_streamed_too(
    answer_settings: Settings, embedding: EssbotEmbedding
) -> None:
    from essbot.index.stores import open_store

    index = open_store(Settings(), answer_settings.index_dir, embedding.model_id)
    assistant = Assistant(HybridRetriever(index, embedding, answer_settings), answer_settings, _UnsupportedGenerator())
    items = list(assistant.stream("Qui délivre l'agrément ESUS ?"))
    final = items[-1]
    assert isinstance(final, Answer) and final.abstained and final.citations == []
    assert "".join(str(item) for item in items[:-1]) == final.answer  # the text shown is the answer's text
