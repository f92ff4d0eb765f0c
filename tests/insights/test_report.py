"""`essbot insights`: HTML and CSV from a real question log and feedback store, grouped with the real model."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from essbot.cli import main
from essbot.index.embeddings import EssbotEmbedding
from essbot.insights import messages
from essbot.insights.log import QuestionLog
from essbot.insights.report import build_report, collect_items
from essbot.ui.feedback import FeedbackStore
from tests.insights.conftest import COMMENT, NOW, InsightsData


def run_insights(data: InsightsData, out: Path, *extra: str) -> str:
    args = ["insights", "--db", str(data.question_db), "--feedback-db", str(data.feedback_db), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, *extra])
    assert result.exit_code == 0, result.output
    return result.output


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=delimiter))


def test_report_groups_abstentions_and_thumbs_down_by_topic(insights_data: InsightsData, tmp_path: Path) -> None:
    output = run_insights(insights_data, tmp_path / "out")
    assert "7 question(s) à examiner, 2 sujet(s)" in output

    rows = read_csv(tmp_path / "out" / "insights.csv")
    assert list(rows[0]) == list(messages.CSV_COLUMNS)
    by_topic: dict[str, list[str]] = {}
    for row in rows:
        by_topic.setdefault(row["sujet"], []).append(row["question"])
    assert sorted(len(q) for q in by_topic.values()) == [3, 4]
    esus = next(q for q in by_topic.values() if len(q) == 4)
    assert all("ESUS" in q or "solidaire" in q for q in esus)
    assert not any("SPASER" in row["question"] for row in rows)  # answered and rated 👍
    first = next(row for row in rows if row["question"].startswith("Comment obtenir"))
    assert first["question"].endswith("Écrivez à [courriel]")
    assert (first["motif"], first["commentaire"], first["canal"]) == ("avis négatif", COMMENT, "discussion")
    assert "fiche-agrement-esus.pdf — Qui délivre l'agrément ?, p. 2 — score 0,80" in first["passages_proches"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first["semaine"])


def test_html_is_self_contained_and_escaped(insights_data: InsightsData, tmp_path: Path) -> None:
    run_insights(insights_data, tmp_path / "out")
    page = (tmp_path / "out" / "insights.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<b>" not in page
    assert "la durée de l&#x27;agrément &amp; le délai « exact »" in page
    assert not re.search(r"(?:src|href)\s*=|url\(|@import|//[a-z]", page, re.IGNORECASE)
    assert page.count('class="group"') == 2 and 'id="weeks"' in page


def test_since_keeps_the_recent_questions_only(insights_data: InsightsData, tmp_path: Path) -> None:
    since = (NOW - timedelta(days=7)).date().isoformat()
    run_insights(insights_data, tmp_path / "out", "--since", since, "--excel")
    rows = read_csv(tmp_path / "out" / "insights.csv", delimiter=";")
    assert len(rows) == 4
    assert all(row["date"][:10] >= since for row in rows)


def test_weekly_counts_and_ratings_joined_to_their_question(insights_data: InsightsData) -> None:
    questions = QuestionLog(insights_data.question_db).rows()
    feedback = FeedbackStore(insights_data.feedback_db).rows()
    items = collect_items(questions, feedback)
    assert len(items) == 7
    rated = [item for item in items if item.rated_down]
    assert [item.comment for item in rated] == [COMMENT, "Réponse incomplète"]
    assert all(item.passages for item in items)  # joined to the logged question, with its passages

    report = build_report(questions, feedback, lambda texts: __import__("numpy").eye(len(texts)))
    assert sum(week.questions for week in report.weeks) == len(questions) == 8
    assert sum(week.abstained for week in report.weeks) == 5
    assert sum(week.rated_down for week in report.weeks) == 2
    assert sum(week.to_examine for week in report.weeks) == 7
    assert [w.monday for w in report.weeks] == sorted(w.monday for w in report.weeks)
    assert all(w.monday.weekday() == 0 for w in report.weeks)


def test_thumbs_down_whose_question_left_the_log_is_still_reported(
    insights_data: InsightsData, embedding: EssbotEmbedding
) -> None:
    feedback = FeedbackStore(insights_data.feedback_db).rows()
    report = build_report([], feedback, embedding.encode_queries)
    questions = [item.question for group in report.groups for item in group.items]
    assert len(questions) == 2 and all("agrément" in q for q in questions)


def test_no_question_to_examine_gives_an_empty_report(tmp_path: Path) -> None:
    output = run_insights(InsightsData(tmp_path / "absent.sqlite3", tmp_path / "absent2.sqlite3"), tmp_path / "out")
    assert "0 question(s) à examiner, 0 sujet(s)" in output
    assert messages.NO_ITEMS in (tmp_path / "out" / "insights.html").read_text(encoding="utf-8")
