"""Keeping a conversation in headless chromium: the export button downloads a PDF of the questions, answers and
sources; and each question asked in the chat lands in the question log, masked."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from essbot.insights.log import LoggedQuestion, QuestionLog
from essbot.redaction import PHONE_MASK
from essbot.ui import messages
from tests.ui.conftest import RunningServer
from tests.ui.test_chat_browser import ask, expect, open_chat

pytestmark = pytest.mark.slow


def logged_questions(server: RunningServer, marker: str, timeout_s: float = 20.0) -> list[LoggedQuestion]:
    """The log's rows, newest first, once a question containing `marker` is there (the server is shared by the
    session's browser tests: other tests' questions are in the log too)."""
    log = QuestionLog(server.feedback_db.parent / "indexes" / "questions.sqlite3")  # the default, in its cwd
    deadline = time.monotonic() + timeout_s
    rows: list[LoggedQuestion] = []
    while time.monotonic() < deadline:
        rows = sorted(log.rows(), key=lambda row: -row.id)
        if any(marker in row.question for row in rows):
            break
        time.sleep(0.2)
    return rows


def test_export_button_downloads_the_conversation_as_pdf(page: Any, ui_server: RunningServer, artifacts: Path) -> None:
    open_chat(page, ui_server)
    ask(page, "Qu'est-ce qu'un SPASER ?")
    ask(page, "Quelle est la recette de la tarte tatin ? Rappelez-moi au 06 12 34 56 78")

    button = page.get_by_role("button", name=messages.EXPORT_BUTTON)
    expect(button).to_have_count(1)  # one button, under the latest answer
    button.click()
    link = page.get_by_text(re.compile(r"^conversation-essbot-\d{4}-\d{2}-\d{2}\.pdf$"))
    expect(link).to_be_visible()
    page.screenshot(path=str(artifacts / "chat-export-pdf.png"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    saved = artifacts / "conversation-essbot.pdf"
    download.save_as(saved)

    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(" ".join(page_.extract_text() for page_ in reader.pages).split())
    assert "Conversation avec essbot" in text
    assert "Question 1 Qu'est-ce qu'un SPASER ?" in text
    assert "Question 2 Quelle est la recette de la tarte tatin ?" in text
    assert "Réponse non trouvée dans les documents." in text
    assert re.search(r"\[1\] .*SPASER", text)
    assert re.search(r"fiche-spaser\.pdf, p\. \d+ — mis à jour", text)
    assert "« " in text and " »" in text  # the cited passages, quoted
    assert "é" in text and "à" in text

    rows = logged_questions(ui_server, PHONE_MASK)
    tatin = next(r for r in rows if "tatin" in r.question)  # this test's, the newest
    spaser = next(r for r in rows if "SPASER" in r.question and r.id < tatin.id)
    assert (spaser.channel, spaser.abstained) == ("webapp", False)
    assert spaser.citations and spaser.citations[0].source == "fiche-spaser.pdf" and spaser.passages
    assert tatin.abstained and tatin.question.endswith(f"Rappelez-moi au {PHONE_MASK}")
    assert spaser.message_id  # the chat message, to join a later 👍/👎
