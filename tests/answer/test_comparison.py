"""Comparison questions: the two terms are found in French wording, and each is answered by its definition."""

from __future__ import annotations

import pytest

from essbot.answer.comparison import (
    compared_in_conversation,
    compared_terms,
    definition_question,
    interleave,
    rank_both,
)
from essbot.answer.engine import Assistant
from essbot.answer.scoring import score_sentences
from essbot.answer.weights import TermWeights
from essbot.types import Chunk, Passage


@pytest.mark.parametrize(
    ("question", "terms"),
    [
        ("Quelle est la différence entre une régie et une délégation ?", ("une régie", "une délégation")),
        ("Quelles différences entre un CCAS et un CIAS ?", ("un CCAS", "un CIAS")),
        ("Comment distinguer un don d'une subvention ?", ("un don", "une subvention")),
        ("Régie et SPL : quelle différence ?", ("Régie", "SPL")),
        ("En quoi un CCAS et un CIAS diffèrent-ils ?", ("un CCAS", "un CIAS")),
        ("En quoi une régie diffère-t-elle d'une concession ?", ("une régie", "une concession")),
        ("Le GEIQ et l'intérim : en quoi diffèrent-ils ?", ("Le GEIQ", "l'intérim")),
        ("En quoi le CCAS se distingue-t-il du CIAS ?", ("le CCAS", "le CIAS")),
        ("En quoi consiste une régie de quartier ?", None),
        # « sociale et solidaire » is one term: the split is at the « et » that opens a noun phrase.
        (
            "Quelle différence entre l'économie sociale et solidaire et l'économie circulaire ?",
            ("l'économie sociale et solidaire", "l'économie circulaire"),
        ),
        ("Qu'est-ce qu'une régie de quartier ?", None),
        ("Quelle différence entre adhérer à une SCIC et être agréé ESUS ?", None),  # statuses, not two things
        ("Quelle est la différence de prix ?", None),
    ],
)
def test_the_two_compared_terms_are_found(question: str, terms: tuple[str, str] | None) -> None:
    assert compared_terms(question) == terms


def test_each_term_is_asked_as_a_definition() -> None:
    assert definition_question("une régie") == "Qu'est-ce qu'une régie ?"
    assert definition_question("la SPL") == "Qu'est-ce que la SPL ?"


def _passage(chunk_id: str, text: str, section: str) -> Passage:
    return Passage(Chunk(chunk_id, text, "fiche.md", "Fiche", None, section, "markdown"), 1.0)


def test_the_answer_opens_on_each_term_s_definition() -> None:
    regie = [
        _passage(
            "r1",
            "Les régies et les SPL coopèrent souvent pour l'eau. La régie est un service géré par la commune.",
            "Eau",
        ),
    ]
    spl = [_passage("s1", "La SPL est une société dont la commune détient tout le capital.", "SPL")]
    passages = interleave(regie, spl, 4)
    weights = TermWeights({}, 1)
    ranked = rank_both(
        ("la régie", "la SPL"), (regie, spl), passages, lambda q, found: score_sentences(q, q, found, weights)
    )
    assert [s.sentence for s in ranked[:2]] == [
        "La régie est un service géré par la commune.",
        "La SPL est une société dont la commune détient tout le capital.",
    ]
    assert ranked[0].score == ranked[1].score  # both are the answer
    assert [passages[s.passage_rank].chunk.chunk_id for s in ranked[:2]] == ["r1", "s1"]


def test_a_comparison_is_answered_by_both_definitions(default_assistant: Assistant) -> None:
    answer = default_assistant.ask("Quelle est la différence entre une SCOP et une SCIC ?")
    assert "salariés sont associés majoritaires" in answer.answer  # what a SCOP is
    assert "société coopérative d'intérêt collectif (SCIC) est une société coopérative" in answer.answer
    sources = {c.source for c in answer.citations}
    assert len(answer.citations) >= 2 and sources


@pytest.mark.parametrize(
    ("question", "turns", "terms"),
    [
        (
            "Quelle différence entre les deux ?",
            ["Qu'est-ce qu'une régie de quartier ?", "Et un GEIQ ?"],
            ("une régie de quartier", "un GEIQ"),
        ),
        (
            "Comment les distinguer ?",
            ["C'est quoi une CAE ?", "Que signifie le sigle PLIE ?"],
            ("une CAE", "le sigle PLIE"),
        ),
        (
            "En quoi ça diffère d'un chantier d'insertion ?",
            ["On me demande ce qu'est une régie de quartier."],
            ("une régie de quartier", "un chantier d'insertion"),
        ),
        (
            "Et quelle est la différence avec un fonds de dotation ?",
            ["Qu'est-ce qu'une fondation ?"],
            ("une fondation", "un fonds de dotation"),
        ),
        # Nothing asked about before, or only one thing: no comparison.
        ("Quelle différence entre les deux ?", ["Comment organiser un appel à projets ?"], None),
        ("Quelle différence entre les deux ?", ["Qu'est-ce qu'une fondation ?"], None),
        ("Et quelle différence avec un marché public ?", ["Comment organiser un appel à projets ?"], None),
        # An ordinary question is not a comparison.
        ("Quelles sont les deux conditions ?", ["Qu'est-ce qu'une régie ?", "Et un GEIQ ?"], None),
    ],
)
def test_a_comparison_takes_its_terms_from_the_conversation(
    question: str, turns: list[str], terms: tuple[str, str] | None
) -> None:
    assert compared_in_conversation(question, turns) == terms


def test_the_two_things_of_a_conversation_are_compared(default_assistant: Assistant) -> None:
    history = [
        {"role": "user", "content": "Qu'est-ce qu'une SCOP ?"},
        {"role": "assistant", "content": "Une coopérative dont les salariés sont associés majoritaires [1]."},
        {"role": "user", "content": "Et une SCIC ?"},
        {"role": "assistant", "content": "Une coopérative qui associe salariés, usagers et collectivités [1]."},
    ]
    answer = default_assistant.ask("Quelle différence entre les deux ?", history)
    assert "salariés sont associés majoritaires" in answer.answer  # what a SCOP is
    assert "société coopérative d'intérêt collectif (SCIC) est une société coopérative" in answer.answer
