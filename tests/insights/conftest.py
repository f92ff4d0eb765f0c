"""A question log and a feedback store on two clear topics, as the chat and the API would have filled them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from essbot.answer.types import Answer, Citation
from essbot.insights.log import QuestionLog
from essbot.types import Chunk, Passage
from essbot.ui.feedback import AnswerRecord, FeedbackStore

NOW = datetime.now(UTC)
ESUS_CHUNK = Chunk(
    "e1",
    "L'agrément ESUS est délivré par le préfet.",
    "fiche-agrement-esus.pdf",
    "L'agrément ESUS",
    2,
    "Qui délivre l'agrément ?",
    "pdf",
)
TATIN_CHUNK = Chunk("t1", "Les circuits courts alimentaires…", "fiche-ptce.md", "Les PTCE", None, "Exemples", "md")
HOSTILE = "<script>alert('x')</script> Quelle recette de tarte tatin <b>pour</b> la cantine ?"
COMMENT = "Il manque la durée de l'agrément & le délai « exact »."

# (question, abstained, days ago, rating, comment)
ASKED = [
    ("Comment obtenir l'agrément ESUS pour notre association ? Écrivez à elu@commune.fr", False, 20, 0, COMMENT),
    ("Quelles pièces fournir pour l'agrément ESUS ?", True, 13, None, ""),
    ("Combien de temps dure l'instruction de l'agrément ESUS ?", True, 6, None, ""),
    ("Qui délivre l'agrément entreprise solidaire d'utilité sociale ?", False, 1, 0, "Réponse incomplète"),
    ("Quelle est la recette de la tarte tatin ?", True, 12, None, ""),
    ("Comment réussir une tarte tatin aux pommes ?", True, 5, None, ""),
    (HOSTILE, True, 0, None, ""),
    ("Qu'est-ce qu'un SPASER ?", False, 2, 1, "Parfait"),  # answered and liked: not in the report
]


@dataclass(frozen=True)
class InsightsData:
    question_db: Path
    feedback_db: Path


def _answer(question: str, abstained: bool) -> Answer:
    chunk = TATIN_CHUNK if "tatin" in question else ESUS_CHUNK
    citations = [] if abstained else [Citation.from_passage(1, Passage(chunk, 0.8))]
    return Answer(
        question,
        "Le préfet [1]." if citations else "Pas dans les documents.",
        abstained,
        citations,
        [Passage(chunk, 0.42 if abstained else 0.8)],
    )


def fill(root: Path) -> InsightsData:
    data = InsightsData(root / "questions.sqlite3", root / "feedback.sqlite3")
    log = QuestionLog(data.question_db, retention_days=0)
    feedback = FeedbackStore(data.feedback_db)
    for number, (question, abstained, days, rating, comment) in enumerate(ASKED):
        answer = _answer(question, abstained)
        message = f"msg-{number}"
        log.record(
            question,
            answer,
            "copilot" if number % 2 else "webapp",
            [message, f"run-{number}"],
            asked_at=NOW - timedelta(days=days),
        )
        if rating is not None:
            feedback.remember(f"run-{number}", AnswerRecord.from_answer(question, answer, "webapp"))
            feedback.save(f"run-{number}", rating, comment)
    return data


@pytest.fixture
def insights_data(tmp_path: Path) -> InsightsData:
    return fill(tmp_path / "data")
