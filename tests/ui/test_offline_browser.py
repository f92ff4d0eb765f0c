"""On an intranet without internet: the chat and the widget contact no host but essbot's (issue 13, point 1).

Every request to another host is aborted, as a town hall's firewall would; the pages must still render, stream an
answer and show its sources, without a single outside or failed request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from essbot.ui import messages
from tests.ui.browser_checks import NetworkLog, open_card, wait_for_settled
from tests.ui.conftest import RunningServer
from tests.ui.test_sources_browser import MARKDOWN_QUESTION, PDF_QUESTION
from tests.ui.test_widget_browser import host_site  # noqa: F401  (fixture: examples/embed.html on another origin)

pytestmark = pytest.mark.slow


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.fixture
def intranet(browser: Any) -> Iterator[tuple[Any, NetworkLog]]:
    """A French page whose requests to any host but loopback (essbot and the test site) are blocked."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    context.set_default_timeout(60_000)
    log = NetworkLog()
    log.watch(context, block=True)
    yield context.new_page(), log
    context.close()


def test_chat_page_needs_no_outside_host(
    intranet: tuple[Any, NetworkLog], ui_server: RunningServer, artifacts: Path
) -> None:
    page, log = intranet
    page.goto(f"{ui_server.url}/chat/")
    expect(page.locator("#starters button").first).to_be_enabled()
    page.get_by_role("button", name=PDF_QUESTION).click()
    answer = page.locator(".message-content").nth(1)
    expect(answer.locator('a[href="#source-1"]').first).to_have_text("[1]")
    expect(page.locator("button.negative-feedback-off")).to_have_count(1)
    # The sources: a PDF card (the cited page, an image rendered by essbot) and a Markdown card (the document view).
    wait_for_settled(answer)
    pdf_card = open_card(page, answer, 1)
    expect(pdf_card.locator("> summary")).to_contain_text(re.compile(r"^\[1\] .+, p\. \d+$"))
    page.locator("#chat-input").fill(MARKDOWN_QUESTION)
    page.locator("#chat-input").press("Enter")
    expect(page.locator("button.negative-feedback-off")).to_have_count(2)
    wait_for_settled(page.locator(".message-content").nth(3))
    view_card = open_card(page, page.locator(".message-content").nth(3), 1)
    expect(view_card).to_contain_text("fiche-ptce.md")
    log.wait_until_idle(page)
    page.screenshot(path=str(artifacts / "offline-chat.png"))
    assert log.outside == [], f"{len(log.outside)} outside request(s): {log.outside}"
    assert log.failed == [], f"failed requests: {log.failed}"
    # The served page names no outside host either (a preconnect is a connection, not a request).
    html = page.evaluate("document.documentElement.outerHTML")
    assert not re.search(r"""(?:href|src)=["']?(?:https?:)?//(?!127\.0\.0\.1)""", html), "outside link in the page"


def test_widget_needs_no_outside_host(
    intranet: tuple[Any, NetworkLog],
    host_site: str,  # noqa: F811
    artifacts: Path,
) -> None:
    page, log = intranet
    page.goto(host_site)
    page.get_by_role("button", name=messages.WIDGET_BUTTON_LABEL).click()
    widget = page.locator("#chainlit-copilot")
    expect(widget.locator("#starters button").first).to_be_enabled()
    widget.locator("#chat-input").fill("Qu'est-ce qu'un PTCE ?")
    widget.locator("#chat-input").press("Enter")
    answer = widget.locator(".message-content").nth(1)
    expect(answer.locator('a[href="#source-1"]').first).to_have_text("[1]")
    expect(widget.locator("button.negative-feedback-off")).to_have_count(1)
    wait_for_settled(answer)
    view_card = open_card(page, answer, 1)
    expect(view_card.locator("> summary")).to_contain_text(re.compile(r"^\[1\] Les pôles territoriaux"))
    widget.locator("#chat-input").fill(PDF_QUESTION)
    widget.locator("#chat-input").press("Enter")
    expect(widget.locator("button.negative-feedback-off")).to_have_count(2)
    wait_for_settled(widget.locator(".message-content").nth(3))
    pdf_card = open_card(page, widget.locator(".message-content").nth(3), 1)
    expect(pdf_card.locator("img[data-essbot-preview='pdf']")).to_be_visible()
    log.wait_until_idle(page)
    page.screenshot(path=str(artifacts / "offline-widget.png"))
    assert log.outside == [], f"{len(log.outside)} outside request(s): {log.outside}"
    assert log.failed == [], f"failed requests: {log.failed}"
