"""The chat page (`essbot ui`) in headless chromium: starters, streamed answers, sources, feedback, safety."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from essbot.ui import messages
from essbot.ui.commands import feedback
from essbot.ui.feedback import FeedbackRow, FeedbackStore
from tests.data.poisoned_fiche import IMG_TAG, QUESTION, SCRIPT_TAG
from tests.ui.conftest import RunningServer

pytestmark = pytest.mark.slow

SOURCE_WITH_PAGE = re.compile(r"^\[\d+\] .+, p\. \d+$")  # a card's title line


def open_sources(answer: Any) -> None:
    """Open the « Sources (n) » disclosure under an answer (closed by default)."""
    answer.locator("details[data-essbot-sources] > summary").click()


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def open_chat(page: Any, server: RunningServer) -> list[str]:
    """Open the chat page; return the list that collects the socket.io frames (to see the streaming)."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(f if isinstance(f, str) else "")))
    page.goto(f"{server.url}/chat/")
    expect(page.locator("#starters button").first).to_be_enabled()
    return frames


def ask(page: Any, question: str) -> Any:
    """Type a question, send it with the keyboard, return the locator of the new answer once complete."""
    answers = page.locator(".message-content")
    before = answers.count()
    page.locator("#chat-input").fill(question)
    page.locator("#chat-input").press("Enter")
    return wait_for_answer(page, before)


def wait_for_answer(page: Any, before: int) -> Any:
    """The answer after the `before`-th message, once the feedback buttons show that it is final."""
    # Each exchange adds two .message-content blocks: the question, then the answer.
    answer = page.locator(".message-content").nth(before + 1)
    expect(answer).to_be_visible()
    expect(page.locator("button.negative-feedback-off, button.negative-feedback-on")).to_have_count(before // 2 + 1)
    return answer


def wait_for_rows(db: Path, count: int, timeout_s: float = 20.0) -> list[FeedbackRow]:
    deadline = time.monotonic() + timeout_s
    rows: list[FeedbackRow] = []
    while time.monotonic() < deadline:
        rows = FeedbackStore(db).rows()
        if len(rows) >= count:
            return rows
        time.sleep(0.2)
    return rows


def test_starter_gives_a_streamed_answer_with_cited_pdf_page_and_feedback_is_stored(
    page: Any, ui_server: RunningServer, artifacts: Path
) -> None:
    frames = open_chat(page, ui_server)
    expect(page.get_by_text("Bonjour, je suis essbot")).to_be_visible()
    expect(page.locator("#chat-input")).to_have_attribute("placeholder", re.compile("^Posez votre question"))

    page.get_by_role("button", name="Qu'est-ce qu'un SPASER ?").click()
    answer = wait_for_answer(page, 0)

    expect(answer).to_contain_text("SPASER")
    expect(answer).to_contain_text("[1]")
    assert any('"stream_token"' in frame for frame in frames), "the answer was not streamed token by token"
    # The sources are one closed « Sources (n) » disclosure (tests/ui/test_sources_browser.py tests it fully).
    open_sources(answer)
    source = answer.get_by_text(SOURCE_WITH_PAGE).first
    expect(source).to_be_visible()
    expect(source).to_contain_text("SPASER")
    answer.locator('a[href="#source-1"]').first.click()
    expect(answer.locator("blockquote").first).to_be_visible()  # the cited passage
    # The preview of the cited PDF page.
    expect(answer.locator("img[data-essbot-preview='pdf']").first).to_be_visible()

    # The question, the answer and its first sources in one picture.
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.locator(".message-content").first.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "chat-answer.png"))

    page.locator("button.negative-feedback-off").first.click()
    page.get_by_placeholder(re.compile("^Commentaire facultatif")).fill("Il manque le seuil de 50 M€.")
    page.locator("#submit-feedback").click()
    expect(page.get_by_text("Merci, votre avis est enregistré.")).to_be_visible()

    rows = wait_for_rows(ui_server.feedback_db, 1)
    assert len(rows) == 1
    row = rows[0]
    assert (row.value, row.rating, row.comment) == (0, "down", "Il manque le seuil de 50 M€.")
    assert row.question == "Qu'est-ce qu'un SPASER ?"
    assert "SPASER" in row.answer
    assert re.search(r"\[1\] fiche-spaser\.pdf p\. \d+", row.sources)
    assert row.channel == "webapp"

    exported = CliRunner().invoke(feedback, ["export", "--csv", "--db", str(ui_server.feedback_db)])
    assert exported.exit_code == 0, exported.output
    assert "Il manque le seuil de 50 M€." in exported.output
    assert exported.output.splitlines()[0].startswith("id,created_at,updated_at,value,rating,comment")


def test_follow_up_question_keeps_the_conversation(page: Any, ui_server: RunningServer) -> None:
    open_chat(page, ui_server)
    first = ask(page, "Qu'est-ce que l'agrément ESUS ?")
    open_sources(first)
    expect(first.get_by_text(SOURCE_WITH_PAGE).first).to_contain_text("ESUS")

    follow_up = ask(page, "Qui le délivre ?")
    expect(follow_up).to_contain_text("préfet")
    open_sources(follow_up)
    expect(follow_up.get_by_text(SOURCE_WITH_PAGE).first).to_contain_text("L'agrément ESUS")


def test_abstention_is_announced(page: Any, ui_server: RunningServer) -> None:
    open_chat(page, ui_server)
    answer = ask(page, "Quelle est la recette de la tarte tatin ?")
    expect(answer).to_contain_text(messages.ABSTAINED_NOTE.replace("**", ""))
    expect(answer.get_by_text(SOURCE_WITH_PAGE)).to_have_count(0)
    expect(answer.locator("details[data-essbot-sources]")).to_have_count(0)


def test_markup_from_documents_is_shown_as_text_and_never_run(page: Any, ui_server: RunningServer) -> None:
    open_chat(page, ui_server)
    answer = ask(page, QUESTION)
    expect(answer).to_contain_text("Lilas-Solidaire")

    # Markup from a document is reduced to its visible text in every channel (issue 12, item 6): the words stay,
    # the tags, the image and the javascript: link are gone — shown neither as markup nor as text.
    expect(answer).to_contain_text("cliquez ici")
    expect(answer).not_to_contain_text(SCRIPT_TAG)
    expect(answer).not_to_contain_text(IMG_TAG)
    expect(answer).not_to_contain_text("javascript:")
    assert page.evaluate("window.__xss") is None
    assert page.locator("img[src='x'], .message-content script, a[href^='javascript']").count() == 0
