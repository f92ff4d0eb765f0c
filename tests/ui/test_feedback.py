"""Feedback store (SQLite) and `essbot feedback export --csv`."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from essbot.answer.types import Answer, Citation
from essbot.ui import feedback as feedback_module
from essbot.ui.commands import feedback
from essbot.ui.feedback import AnswerRecord, FeedbackStore

ANSWER = Answer(
    "Qui délivre l'agrément ESUS ?",
    "Le préfet [1].",
    False,
    [Citation(1, "fiche-agrement-esus.pdf", "L'agrément ESUS", 3, "Qui fait quoi", "Le préfet…", 0.9)],
)


def test_rating_a_remembered_answer_stores_a_self_contained_row(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "sub" / "feedback.sqlite3")
    store.remember("msg-1", AnswerRecord.from_answer(ANSWER.question, ANSWER, "webapp"))
    feedback_id = store.save("msg-1", 1, thread_id="thread-1")
    [row] = store.rows()
    assert row.id == feedback_id
    assert (row.value, row.rating, row.comment) == (1, "up", "")
    assert (row.question, row.answer, row.sources) == (
        ANSWER.question,
        "Le préfet [1].",
        "[1] fiche-agrement-esus.pdf p. 3",
    )
    assert (row.channel, row.thread_id, row.message_id, row.abstained) == ("webapp", "thread-1", "msg-1", False)


def test_rating_again_updates_the_same_row_and_delete_removes_it(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.remember("msg-1", AnswerRecord.from_answer(ANSWER.question, ANSWER))
    first = store.save("msg-1", 1)
    assert store.save("msg-1", 0, "Incomplet") == first
    [row] = store.rows()
    assert (row.value, row.comment) == (0, "Incomplet")
    assert store.delete(first)
    assert store.rows() == []


def test_unknown_answers_cannot_be_rated(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    with pytest.raises(LookupError):
        store.save("forged-id", 0, "spam")
    assert store.rows() == []


def test_memory_of_answers_is_bounded(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3", remember_limit=2)
    for i in range(3):
        store.remember(f"msg-{i}", AnswerRecord("q", "a", False, ""))
    with pytest.raises(LookupError):
        store.save("msg-0", 1)
    store.save("msg-2", 1)


def test_export_command_writes_csv_to_stdout_and_files(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(db)
    store.remember("msg-1", AnswerRecord.from_answer(ANSWER.question, ANSWER))
    store.save("msg-1", 0, 'Pas clair ; "préfet" ou DDETS ?')
    runner = CliRunner()

    result = runner.invoke(feedback, ["export", "--csv", "--db", str(db)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["comment"] == 'Pas clair ; "préfet" ou DDETS ?'
    assert rows[0]["rating"] == "down"

    out = tmp_path / "avis.csv"
    result = runner.invoke(feedback, ["export", "--csv", "--excel", str(out), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "1 avis exporté(s)" in result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    [exported] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert exported["question"] == ANSWER.question


def test_export_with_no_feedback_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(feedback, ["export", "--csv", "--db", str(tmp_path / "absent.sqlite3")])
    assert result.exit_code == 0
    assert result.stdout.startswith("id,created_at")
    assert "Aucun avis enregistré" in result.stderr


TWO_SOURCES = Answer(
    "Qui délivre l'agrément ESUS ? Écrivez-moi à elu@commune.fr",
    "Le préfet [1], sur dossier [2].",
    False,
    [
        Citation(1, "fiche-agrement-esus.pdf", "L'agrément ESUS", 3, "Qui fait quoi", "…", 0.9, None, "2026-11-01"),
        Citation(2, "guide.md", "Guide", None, "Le dossier  de demande", "…", 0.7, None, "2025"),
    ],
)


def test_export_gives_section_page_and_date_of_each_cited_source(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    store = FeedbackStore(db)
    store.remember("msg-1", AnswerRecord.from_answer(TWO_SOURCES.question, TWO_SOURCES))
    store.save("msg-1", 0, "Rappelez-moi au 06 12 34 56 78")
    result = CliRunner().invoke(feedback, ["export", "--db", str(db)])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.output)))
    assert list(row)[-3:] == ["source_sections", "source_pages", "source_dates"]
    assert row["source_sections"] == "Qui fait quoi | Le dossier de demande"
    assert row["source_pages"] == "3 | "
    assert row["source_dates"] == "2026-11-01 | 2025"
    # What users type is masked before it is stored.
    assert row["question"] == "Qui délivre l'agrément ESUS ? Écrivez-moi à [courriel]"
    assert row["comment"] == "Rappelez-moi au [téléphone]"
    assert b"elu@commune.fr" not in db.read_bytes() and b"06 12 34" not in db.read_bytes()


def test_a_database_from_before_the_citation_columns_is_upgraded(tmp_path: Path) -> None:
    db = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(db) as old:
        old.execute(feedback_module.SCHEMA.split(",\n    citations")[0] + "\n)")
        old.execute(
            "INSERT INTO feedback (id, message_id, value, question, sources, created_at, updated_at) "
            "VALUES ('f1', 'm1', 1, 'Ancienne ?', '[1] a.pdf p. 2', '2026-01-01', '2026-01-01')"
        )
    store = FeedbackStore(db)
    [row] = store.rows()
    assert (row.question, row.sources, row.source_sections) == ("Ancienne ?", "[1] a.pdf p. 2", "")
    store.remember("m2", AnswerRecord.from_answer(TWO_SOURCES.question, TWO_SOURCES))
    store.save("m2", 1)
    assert store.rows()[-1].source_pages == "3 | "
