"""The question log: personal data masked before storage, bounded rows, retention purge, failures swallowed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from essbot.answer.types import Answer, Citation
from essbot.config import Settings
from essbot.insights.log import MAX_QUESTION_CHARS, QuestionLog, logged_stream
from essbot.redaction import EMAIL_MASK, PHONE_MASK, mask_personal_data
from essbot.types import Chunk, Passage

CHUNK = Chunk("c1", "Le préfet délivre l'agrément.", "fiche-agrement-esus.pdf", "L'agrément ESUS", 2, "Qui ?", "pdf")
ANSWER = Answer(
    "Qui délivre l'agrément ESUS ?",
    "Le préfet [1].",
    False,
    [Citation(1, "fiche-agrement-esus.pdf", "L'agrément ESUS", 2, "Qui ?", "Le préfet…", 0.9, None, "2026-11-01")],
    [Passage(CHUNK, 0.91), Passage(CHUNK, 0.5), Passage(CHUNK, 0.4), Passage(CHUNK, 0.3)],
)
ABSTAINED = Answer("Recette de la tarte tatin ?", "Les documents ne répondent pas.", True, [], [Passage(CHUNK, 0.2)])


@pytest.mark.parametrize(
    "phone",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "0612345678",
        "01.23.45.67.89",
        "+33 6 12 34 56 78",
        "+33612345678",
        "+33 (0)1 23 45 67 89",
        "0033 1 23 45 67 89",
    ],
)
def test_french_phone_numbers_with_any_separator_are_masked(phone: str) -> None:
    masked = mask_personal_data(f"Rappelez-moi au {phone}, merci.")
    assert masked == f"Rappelez-moi au {PHONE_MASK}, merci."


def test_email_inside_a_long_question_is_masked() -> None:
    filler = "Dans le cadre de notre SPASER et des clauses sociales de nos marchés publics, " * 30
    question = f"{filler}écrivez à marie-anne.dupont+ess@mairie-saint-denis.fr pour la suite. {filler}"
    masked = mask_personal_data(question)
    assert "dupont" not in masked and "mairie-saint-denis" not in masked
    assert masked.count(EMAIL_MASK) == 1
    assert masked.startswith(filler) and masked.endswith(filler)


def test_email_variants_are_masked() -> None:
    for text in ("jean @ mairie.fr", "jean(at)mairie.fr", "JEAN.Dupont@Ville-Lyon.GOUV.FR", "x" * 500 + "@mairie.fr"):
        assert mask_personal_data(text) == EMAIL_MASK, text


def test_law_references_amounts_and_dates_are_not_taken_for_phone_numbers() -> None:
    text = "Article L. 3332-17-1, loi n° 2014-856 du 31/07/2014, 1 000 000 €, SIRET 123 456 789 00012, 2024-01-15."
    assert mask_personal_data(text) == text


def test_masking_stays_fast_on_hostile_input() -> None:
    import time

    started = time.perf_counter()
    for text in ("a" * 200_000, "a." * 100_000, "0 " * 100_000, "@a" * 100_000):
        mask_personal_data(text)
    assert time.perf_counter() - started < 2.0


def test_recorded_question_is_masked_cut_and_keeps_what_was_found(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "q" / "questions.sqlite3")
    question = "Mon courriel : elu@commune.fr, tél. 06 12 34 56 78. " + "Et le SPASER ? " * 500
    assert log.record(question, ANSWER, "webapp", ["msg-1", "parent-1"])
    [row] = log.rows()
    assert "elu@commune.fr" not in row.question and "06 12" not in row.question
    assert row.question.startswith(f"Mon courriel : {EMAIL_MASK}, tél. {PHONE_MASK}.")
    assert len(row.question) == MAX_QUESTION_CHARS
    assert (row.channel, row.abstained, row.message_id, row.parent_id) == ("webapp", False, "msg-1", "parent-1")
    assert [p.score for p in row.passages] == [0.91, 0.5, 0.4]  # the top three passages only
    assert row.passages[0].source == "fiche-agrement-esus.pdf" and row.passages[0].section == "Qui ?"
    [cited] = row.citations
    assert (cited.id, cited.source, cited.page, cited.updated) == (1, "fiche-agrement-esus.pdf", 2, "2026-11-01")
    # Nothing unmasked anywhere in the file.
    assert b"elu@commune.fr" not in (tmp_path / "q" / "questions.sqlite3").read_bytes()


def test_a_greeting_is_not_logged_as_a_question(tmp_path: Path) -> None:
    from essbot import messages

    log = QuestionLog(tmp_path / "questions.sqlite3")
    assert log.record("Bonjour", Answer("Bonjour", messages.SMALL_TALK_GREETING, True), "webapp")
    assert log.record(ABSTAINED.question, ABSTAINED, "webapp")
    assert [row.question for row in log.rows()] == [ABSTAINED.question]


def test_retention_purge_deletes_old_questions(tmp_path: Path) -> None:
    writer = QuestionLog(tmp_path / "questions.sqlite3", retention_days=0)
    now = datetime.now(UTC)
    writer.record("ancienne", ABSTAINED, "api", asked_at=now - timedelta(days=200))
    writer.record("récente", ABSTAINED, "api", asked_at=now - timedelta(days=10))
    assert len(writer.rows()) == 2
    log = QuestionLog(tmp_path / "questions.sqlite3", retention_days=180)
    assert log.purge() == 1
    assert [r.question for r in log.rows()] == ["récente"]


def test_first_write_of_a_process_purges_automatically(tmp_path: Path) -> None:
    path = tmp_path / "questions.sqlite3"
    QuestionLog(path, retention_days=0).record("ancienne", ABSTAINED, "api", asked_at=datetime(2020, 1, 1, tzinfo=UTC))
    restarted = QuestionLog(path, retention_days=30)
    restarted.record("nouvelle", ANSWER, "api")
    assert [r.question for r in restarted.rows()] == ["nouvelle"]


def test_row_cap_keeps_the_newest(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "questions.sqlite3", max_rows=3)
    for i in range(5):
        log.record(f"question {i}", ANSWER, "api")
    log.purge()
    assert [r.question for r in log.rows()] == ["question 2", "question 3", "question 4"]


def test_since_filters_rows(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "questions.sqlite3", retention_days=0)
    log.record("vieille", ANSWER, "api", asked_at=datetime(2026, 1, 1, tzinfo=UTC))
    log.record("neuve", ANSWER, "api", asked_at=datetime(2026, 6, 1, tzinfo=UTC))
    assert [r.question for r in log.rows(since=datetime(2026, 3, 1, tzinfo=UTC))] == ["neuve"]


def test_write_failure_is_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    not_a_db = tmp_path / "questions.sqlite3"
    not_a_db.write_bytes(b"ceci n'est pas une base SQLite" * 100)
    assert QuestionLog(not_a_db).record("Qui ?", ANSWER, "api") is False
    assert "question not recorded" in caplog.text
    blocked = tmp_path / "fichier"
    blocked.write_text("x")
    assert QuestionLog(blocked / "sous-dossier" / "q.sqlite3").record("Qui ?", ANSWER, "api") is False


def test_setting_off_means_no_log(tmp_path: Path) -> None:
    assert QuestionLog.from_settings(Settings(question_log=False)) is None
    log = QuestionLog.from_settings(Settings(question_log_db=tmp_path / "q.sqlite3", question_log_retention_days=7))
    assert log is not None and log.retention_days == 7


def test_logged_stream_records_the_final_answer_after_passing_it_on(tmp_path: Path) -> None:
    log = QuestionLog(tmp_path / "questions.sqlite3")

    async def pieces() -> AsyncIterator[str | Answer]:
        yield "Le préfet "
        yield ANSWER

    async def consume() -> list[str | Answer]:
        return [item async for item in logged_stream(pieces(), log, "Qui ? 06 12 34 56 78", "chat-completions")]

    seen = asyncio.run(consume())
    assert seen == ["Le préfet ", ANSWER]
    [row] = log.rows()
    assert (row.question, row.channel) == (f"Qui ? {PHONE_MASK}", "chat-completions")
    with sqlite3.connect(tmp_path / "questions.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM questions").fetchone() == (1,)
