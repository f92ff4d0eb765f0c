"""RGAA: axe-core on the chat page, the widget closed and open, and answers with sources (issue 13, point 3).

No serious or critical WCAG A/AA violation; the full list of each run is kept in tests/artifacts/axe-*.json.
The widget is used with the keyboard only: open, ask, reach the sources, close, and the focus comes back.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from essbot.ui import messages
from tests.ui.browser_checks import assert_no_serious_violations, english_labels, open_card, wait_for_settled
from tests.ui.conftest import RunningServer
from tests.ui.test_sources_browser import MARKDOWN_QUESTION
from tests.ui.test_widget_browser import host_site  # noqa: F401  (fixture: examples/embed.html on another origin)

pytestmark = pytest.mark.slow


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_chat_page_and_an_answer_with_sources(page: Any, ui_server: RunningServer, artifacts: Path) -> None:
    page.goto(f"{ui_server.url}/chat/")
    expect(page.locator("#starters button").first).to_be_enabled()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert_no_serious_violations(page, "chat", artifacts)

    # A PDF source (the cited page as an image) and a Markdown one (the document view in an iframe), both open.
    page.get_by_role("button", name="Qu'est-ce qu'un SPASER ?").click()
    answer = page.locator(".message-content").nth(1)
    expect(answer.locator('a[href="#source-1"]').first).to_have_text("[1]")
    expect(page.locator("button.negative-feedback-off")).to_have_count(1)
    wait_for_settled(answer)
    page.locator("#chat-input").fill(MARKDOWN_QUESTION)
    page.locator("#chat-input").press("Enter")
    second = page.locator(".message-content").nth(3)
    expect(page.locator("button.negative-feedback-off")).to_have_count(2)
    wait_for_settled(second)
    pdf_card = open_card(page, answer, 1)
    expect(pdf_card.locator("img[data-essbot-preview='pdf']")).to_have_attribute("alt", re.compile(r"^Page citée"))
    view_card = open_card(page, second, 1)
    frame = view_card.locator("iframe[data-essbot-preview='document']")
    expect(frame).to_have_attribute("title", re.compile(r"^Document ouvert au passage cité"))
    assert_no_serious_violations(page, "chat-answer", artifacts)
    assert english_labels(page) == []
    pdf_card.locator("img[data-essbot-preview]").evaluate("e => e.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(artifacts / "a11y-chat-answer.png"))
    frame.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.screenshot(path=str(artifacts / "a11y-chat-answer-document.png"))

    # The document view itself (axe does not enter the sandboxed frame): checked as a page of its own. Its
    # Content-Security-Policy forbids every script, axe's too: this page only lets the test inject it.
    context = page.context.browser.new_context(bypass_csp=True, locale="fr-FR")
    try:
        view = context.new_page()
        view.goto(frame.get_attribute("src"))
        expect(view.locator("#extrait")).to_be_visible()
        assert_no_serious_violations(view, "document-view", artifacts)
        assert english_labels(view) == []
        view.screenshot(path=str(artifacts / "a11y-document-view.png"))
    finally:
        context.close()


def focused(page: Any) -> str:
    """What has the keyboard focus, looking inside shadow roots: "tag#id.class | accessible label"."""
    return str(
        page.evaluate(
            """() => {
              let node = document.activeElement;
              while (node && node.shadowRoot && node.shadowRoot.activeElement) node = node.shadowRoot.activeElement;
              if (!node) return "";
              const label = node.getAttribute("aria-label") || node.textContent || "";
              return `${node.tagName.toLowerCase()}#${node.id}.${node.className} | ${label.trim().slice(0, 80)}`;
            }"""
        )
    )


def expect_focus(page: Any, wanted: str, timeout_s: float = 3.0) -> None:
    """The focus reaches an element whose description contains `wanted` within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while wanted not in focused(page):
        assert time.monotonic() < deadline, f"focus on {focused(page)!r}, not on {wanted!r}"
        page.wait_for_timeout(100)


def tab_until(page: Any, wanted: str, limit: int = 60) -> str:
    """Press Tab until the focused element's description contains `wanted`; return it."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        seen.append(now)
        if wanted in now:
            return now
    raise AssertionError(f"{wanted!r} never focused with Tab; focus went through:\n" + "\n".join(seen))


def test_widget_closed_open_and_answer_with_the_keyboard_only(
    page: Any,
    host_site: str,  # noqa: F811
    artifacts: Path,
) -> None:
    page.goto(host_site)
    launcher = page.get_by_role("button", name=messages.WIDGET_BUTTON_LABEL)
    expect(launcher).to_be_visible()
    assert_no_serious_violations(page, "widget-closed", artifacts)

    # Open: Tab to the bubble, then Space (Enter is used by test_widget_browser).
    tab_until(page, messages.WIDGET_BUTTON_LABEL)
    page.keyboard.press("Space")
    widget = page.locator("#chainlit-copilot")
    expect(widget.locator("#starters button").first).to_be_enabled()
    expect(widget.get_by_role("dialog", name="Assistant essbot")).to_be_visible()  # the panel has a title
    page.screenshot(path=str(artifacts / "a11y-widget-open.png"))
    assert_no_serious_violations(page, "widget-open", artifacts)

    # Ask: reach the question field with Tab, type, send with Enter.
    tab_until(page, "textarea#chat-input")
    page.keyboard.type("Qu'est-ce qu'un PTCE ?")
    page.keyboard.press("Enter")
    answer = widget.locator(".message-content").nth(1)
    expect(answer.locator('a[href="#source-1"]').first).to_have_text("[1]")
    expect(widget.locator("button.negative-feedback-off")).to_have_count(1)
    # The sources follow the answer's text, in the answer (screen readers reach them in order), closed.
    wait_for_settled(answer)
    sources = answer.locator("details[data-essbot-sources]")
    assert sources.get_attribute("open") is None
    assert_no_serious_violations(page, "widget-answer", artifacts)
    assert english_labels(page) == []
    page.screenshot(path=str(artifacts / "a11y-widget-answer.png"))

    # Read the sources: Shift+Tab back to « Sources (n) », Enter opens it, Tab to card 1, Enter opens it, Tab to
    # « Ouvrir le document… ».
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if "summary" in focused(page) and "Sources (" in focused(page):
            break
    assert re.search(r"^summary#\.[^|]* \| Sources \(\d+\)$", focused(page)), focused(page)
    page.keyboard.press("Enter")
    expect(sources).to_have_attribute("open", "")
    tab_until(page, "| [1] Les pôles territoriaux", limit=3)
    page.keyboard.press("Enter")
    card = sources.locator('[data-card="1"]')
    expect(card).to_have_attribute("open", "")
    expect(card.locator("blockquote")).to_be_visible()
    frame = card.locator("iframe[data-essbot-preview='document']")
    expect(frame).to_be_visible()
    frame.element_handle().content_frame().wait_for_selector("#extrait")
    # A width change just after opening sets the frame's address again to re-anchor it (EssbotSources.jsx); a Tab
    # pressed at that moment once landed on the page's body in a loaded full run (cause not reproduced: the frame is
    # not reloaded, only scrolled to its anchor): let it settle.
    page.wait_for_timeout(600)
    frame.element_handle().content_frame().wait_for_selector("#extrait")
    link = tab_until(page, "Ouvrir le document au passage cité", limit=6)
    assert link.startswith("a#"), link
    page.screenshot(path=str(artifacts / "a11y-widget-sources.png"))
    assert_no_serious_violations(page, "widget-sources", artifacts)
    assert english_labels(page) == []
    card.locator("> summary").focus()
    page.keyboard.press("Enter")  # the card closes from the keyboard too
    expect(card).not_to_have_attribute("open", "")

    tab_until(page, "textarea#chat-input")
    # Rate the answer: Shift+Tab from the question field to « Réponse pas utile », Enter opens a titled dialog.
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        if "Réponse pas utile" in focused(page):
            break
    assert "Réponse pas utile" in focused(page), focused(page)
    page.keyboard.press("Enter")
    dialog = widget.get_by_role("dialog", name="Votre avis sur cette réponse")
    expect(dialog).to_be_visible()
    assert_no_serious_violations(page, "widget-feedback-dialog", artifacts)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect_focus(page, "Réponse pas utile")

    # Close the widget with Escape: the focus returns to the button that opens it.
    page.keyboard.press("Escape")
    expect(widget.locator("#chainlit-copilot-chat")).to_have_count(0)
    expect_focus(page, "chainlit-copilot-button")
    page.keyboard.press("Enter")
    expect(widget.locator("#chainlit-copilot-chat")).to_be_visible()
