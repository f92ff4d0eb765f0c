"""The LLM judge with a scripted chat model: reply parsing and the two RAGAS-named scores."""

from __future__ import annotations

import numpy as np
import pytest

from essbot.evaluation.judge import (
    LLMJudge,
    create_judge,
    faithfulness_from_reply,
    parse_json_object,
    questions_from_reply,
)


class _Scripted:
    def __init__(self, replies: list[str]) -> None:
        self.replies = replies
        self.prompts: list[str] = []

    def complete(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.replies.pop(0)


VECTORS = {
    "Qui délivre l'agrément ESUS ?": np.array([1.0, 0.0]),
    "Qui accorde l'agrément ESUS ?": np.array([1.0, 0.0]),
    "Combien de temps dure l'agrément ?": np.array([0.0, 1.0]),
}


def _encode(text: str) -> np.ndarray:
    return VECTORS[text]


def test_parse_json_object_ignores_fences_and_chatter() -> None:
    reply = 'Voici :\n```json\n{"affirmations": [{"texte": "a {b}", "justifiee": 1}]}\n```\nFin.'
    assert parse_json_object(reply) == {"affirmations": [{"texte": "a {b}", "justifiee": 1}]}
    assert parse_json_object("pas de JSON { cassé") is None


def test_faithfulness_is_the_share_of_backed_claims() -> None:
    reply = (
        '{"affirmations": [{"texte": "a", "justifiee": 1}, {"texte": "b", "justifiee": "oui"},'
        ' {"texte": "c", "justifiee": 0}]}'
    )
    assert faithfulness_from_reply(reply) == pytest.approx(2 / 3)
    assert faithfulness_from_reply('"justifiée": 1, "justifiée": 0 (JSON tronqué') == 0.5
    assert faithfulness_from_reply("Je ne sais pas.") is None


def test_questions_fall_back_to_lines_ending_with_a_question_mark() -> None:
    assert questions_from_reply('{"questions": ["Q1 ?", " "], "evasive": 1}') == (["Q1 ?"], True)
    assert questions_from_reply("1. Qui accorde l'agrément ?\n2. Pourquoi ?\nMerci") == (
        ["Qui accorde l'agrément ?", "Pourquoi ?"],
        False,
    )


def test_judge_scores_with_french_prompts() -> None:
    model = _Scripted(
        [
            '{"affirmations": [{"texte": "délivré par le préfet", "justifiee": 1},'
            ' {"texte": "10 ans", "justifiee": 0}]}',
            '{"questions": ["Qui accorde l\'agrément ESUS ?", "Combien de temps dure l\'agrément ?"], "evasive": 0}',
        ]
    )
    scores = LLMJudge(model, _encode).judge(
        "Qui délivre l'agrément ESUS ?", "Le préfet le délivre [1].", ["L'agrément est délivré par le préfet."]
    )
    assert scores.faithfulness == 0.5 and scores.error is None
    assert scores.answer_relevancy == pytest.approx(0.5)  # cosine 1.0 and 0.0
    assert "CONTEXTE" in model.prompts[0] and "[1] L'agrément est délivré par le préfet." in model.prompts[0]
    assert "[1]" not in model.prompts[0].split("RÉPONSE À ÉVALUER")[1]  # markers removed from the answer
    assert "questions différentes, en français" in model.prompts[1]


def test_unreadable_judge_replies_are_reported() -> None:
    model = _Scripted(["Bien sûr !", "Je ne sais pas."])
    scores = LLMJudge(model, _encode).judge("Qui délivre l'agrément ESUS ?", "Le préfet.", ["Le préfet."])
    assert scores.faithfulness is None and scores.answer_relevancy is None
    assert scores.error is not None and "illisible" in scores.error


def test_evasive_answers_have_zero_relevancy() -> None:
    model = _Scripted(['{"questions": ["Qui accorde l\'agrément ESUS ?"], "evasive": 1}'])
    assert LLMJudge(model, _encode).answer_relevancy("Qui délivre l'agrément ESUS ?", "Cela dépend.") == 0.0


def test_no_judge_for_the_extractive_generator() -> None:
    model = _Scripted([])
    assert create_judge("extractive", model, _encode) is None
    assert create_judge("openai", object(), _encode) is None  # no complete() method
    assert isinstance(create_judge("openai", model, _encode), LLMJudge)
