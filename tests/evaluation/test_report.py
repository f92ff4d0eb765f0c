"""report.json structure and report.html content (plots, tables, escaping), without a browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from essbot.evaluation.report import fmt, write_report
from essbot.evaluation.runner import EvalRun
from tests.evaluation.conftest import XSS


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, handmade_run: EvalRun) -> tuple[Path, Path]:
    return write_report(handmade_run, tmp_path_factory.mktemp("report"))


def test_report_json_has_one_object_per_question_and_totals(written: tuple[Path, Path]) -> None:
    json_path, _ = written
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert set(data) == {"name", "meta", "totals", "by_kind", "questions"}
    assert data["meta"]["gold"] == "evals/sample.jsonl"
    for key in (
        "hit@1",
        "hit@5",
        "mrr@10",
        "keyword_recall",
        "citation_precision",
        "citation_support",
        "abstention_precision",
        "abstention_recall",
        "abstention_accuracy",
        "latency_p50_ms",
        "latency_p95_ms",
        "hit_curve",
        "failures",
    ):
        assert key in data["totals"], key
    assert data["totals"]["questions"] == 3 and len(data["questions"]) == 3
    first = data["questions"][0]
    for key in (
        "id",
        "kind",
        "question",
        "answer",
        "abstained",
        "citations",
        "retrieved",
        "first_hit_rank",
        "keyword_recall",
        "missing_keywords",
        "citation_precision",
        "citation_support",
        "latency_ms",
        "failed",
    ):
        assert key in first, key
    assert first["missing_keywords"] == ["cinq ans"] and first["failed"] == ["keywords"]
    assert data["questions"][1]["failed"] == ["abstained"]
    assert data["questions"][2]["failed"] == ["answered"]
    assert data["by_kind"]["unanswerable"]["abstention_recall"] == 0.0


def test_report_html_is_self_contained_with_plots_and_failed_checks(written: tuple[Path, Path]) -> None:
    _, html_path = written
    html = html_path.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in html
    assert html.count('<img class="plot"') == 4
    assert all(src.startswith("data:image/svg+xml;base64,") for src in re.findall(r'<img[^>]* src="([^"]+)"', html))
    assert not re.search(r'(src|href)="https?://', html)  # nothing fetched from the network
    assert 'id="totals"' in html and 'id="questions"' in html
    assert len(re.findall(r"<tr class='(?:failed|passed)'", html)) == 3
    assert "mots-clés attendus absents de la réponse" in html
    assert "abstention à tort (la question a une réponse)" in html
    assert "réponse alors que les documents ne répondent pas" in html


def test_report_html_escapes_questions_answers_and_passages(written: tuple[Path, Path]) -> None:
    _, html_path = written
    html = html_path.read_text(encoding="utf-8")
    assert XSS not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html


def test_fmt() -> None:
    assert fmt(None) == "—"
    assert fmt(0.91234) == "0.912"
    assert fmt(123.6, "latency_p50_ms") == "124"
    assert fmt(7) == "7"
