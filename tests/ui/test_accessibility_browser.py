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
from tests.ui.browser_checks import assert_no_serious_violations, english_labels
from tests.ui.conftest import RunningServer
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

    page.get_by_role("button", name="Qu'est-ce qu'un SPASER ?").click()
    answer = page.locator(".message-content").nth(1)
    expect(answer).to_contain_text("[1]")
    expect(page.locator("button.negative-feedback-off")).to_have_count(1)
    expect(answer.locator(".inline-pdf canvas").first).to_be_visible()
    assert_no_serious_violations(page, "chat-answer", artifacts)
    assert english_labels(page) == []
    page.screenshot(path=str(artifacts / "a11y-chat-answer.png"))


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
    page.keyboard.type("Qu'est-ce qu'un SPASER ?")
    page.keyboard.press("Enter")
    answer = widget.locator(".message-content").nth(1)
    expect(answer).to_contain_text("[1]")
    expect(widget.locator("button.negative-feedback-off")).to_have_count(1)
    # The sources follow the answer's text, in the answer (screen readers reach them in order).
    expect(answer.get_by_text(re.compile(r"^\[1\] .+, p\. \d+$")).first).to_be_visible()
    expect(answer.locator(".inline-pdf canvas").first).to_be_visible()
    assert_no_serious_violations(page, "widget-answer", artifacts)
    assert english_labels(page) == []
    page.screenshot(path=str(artifacts / "a11y-widget-answer.png"))

    # Open a source: Shift+Tab back to the cited page's preview, Enter opens it large, Escape closes it.
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if "Agrandir l'aperçu" in focused(page):
            break
    assert "Agrandir l'aperçu : PDF — " in focused(page), focused(page)
    page.keyboard.press("Enter")
    viewer = widget.get_by_role("dialog", name="Aperçu du PDF")
    expect(viewer).to_be_visible()
    expect(viewer.locator("canvas").first).to_be_visible()
    page.screenshot(path=str(artifacts / "a11y-widget-pdf-viewer.png"))
    assert_no_serious_violations(page, "widget-pdf-viewer", artifacts)
    assert english_labels(page) == []
    page.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect_focus(page, "Agrandir l'aperçu : PDF — ")
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
