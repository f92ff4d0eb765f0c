"""« Sources (n) » under each answer, in headless chromium: closed by default, [n] opens card n, previews.

On the chat page (`essbot ui`) at desktop size and at 390×844, and in the widget embedded in another site.
Screenshots go to tests/artifacts/sources-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from essbot.ui import messages
from tests.server.test_document_view import yellow_pixels
from tests.ui.conftest import RunningServer
from tests.ui.test_widget_browser import host_site  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

PDF_QUESTION = "Qu'est-ce qu'un SPASER ?"
# Answered from a section far down fiche-ptce.md (« Seuils, chiffres et dates »).
MARKDOWN_QUESTION = "Combien de lauréats au premier appel à projets PTCE en 2014 ?"
SIZES = {"desktop": {"width": 1280, "height": 1000}, "mobile": {"width": 390, "height": 844}}


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def ask(page: Any, root: Any, question: str) -> Any:
    """Send a question with the send button; the answer's locator once its feedback buttons show it is final."""
    answers = root.locator(".message-content")
    before = answers.count()
    root.locator("#chat-input").fill(question)
    root.locator("#chat-submit").click()
    answer = answers.nth(before + 1)
    expect(answer).to_be_visible()
    expect(root.locator("button.negative-feedback-off, button.negative-feedback-on")).to_have_count(before // 2 + 1)
    return answer


def sources_of(answer: Any) -> Any:
    return answer.locator("details[data-essbot-sources]")


def check_closed_then_open_card_one(page: Any, answer: Any) -> Any:
    """The disclosure is closed, then [1] opens it at card 1 (focused, in view); returns card 1."""
    sources = sources_of(answer)
    expect(sources).to_have_count(1)
    summary = sources.locator("> summary")
    expect(summary).to_have_text(re.compile(r"^Sources \(\d+\)$"))
    count = int(re.search(r"\d+", summary.inner_text()).group(0))  # type: ignore[union-attr]
    assert sources.get_attribute("open") is None, "the sources must be closed by default"
    expect(sources.locator("[data-card]")).to_have_count(count)
    expect(sources.locator("[data-card]").first).to_be_hidden()
    assert answer.locator("img[data-essbot-preview], iframe[data-essbot-preview]").count() == 0  # nothing loaded

    answer.locator('a[href="#source-1"]').first.click()
    expect(sources).to_have_attribute("open", "")
    card = sources.locator('[data-card="1"]')
    expect(card).to_have_attribute("open", "")
    expect(card.locator("blockquote")).to_be_visible()
    expect(card.locator("> summary")).to_be_focused()
    page.wait_for_timeout(800)  # the smooth scroll
    expect(card.locator("> summary")).to_be_in_viewport()
    assert len(page.context.pages) == 1, "the citation link opened another tab"
    return card


def check_pdf_preview(page: Any, card: Any) -> None:
    """The cited page as an image, fit to the card's width, the passage highlighted."""
    from PIL import Image

    image = card.locator("img[data-essbot-preview='pdf']")
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    sizes = image.evaluate(
        "img => ({shown: img.offsetWidth, box: img.parentElement.clientWidth, natural: img.naturalWidth})"
    )
    assert sizes["shown"] == sizes["box"] and sizes["natural"] >= sizes["shown"], sizes
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    response = page.request.get(image.get_attribute("src"))
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    import io

    assert yellow_pixels(Image.open(io.BytesIO(response.body())).convert("RGB")) > 2000


@pytest.mark.parametrize("size", ["desktop", "mobile"])
def test_chat_sources_are_closed_and_citation_one_opens_its_pdf_card(
    browser: Any, ui_server: RunningServer, artifacts: Path, size: str
) -> None:
    scale = 2 if size == "mobile" else 1
    context = browser.new_context(viewport=SIZES[size], locale="fr-FR", device_scale_factor=scale)
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto(f"{ui_server.url}/chat/")
        expect(page.locator("#starters button").first).to_be_enabled()
        answer = ask(page, page, PDF_QUESTION)
        page.screenshot(path=str(artifacts / f"sources-closed-{size}.png"))

        card = check_closed_then_open_card_one(page, answer)
        expect(card.locator("> summary")).to_contain_text(re.compile(r"\[1\] .*SPASER.*, p\. \d+"))
        expect(card).to_contain_text("fiche-spaser.pdf")
        check_pdf_preview(page, card)
        card.locator("img[data-essbot-preview]").scroll_into_view_if_needed()
        page.wait_for_timeout(300)
        page.screenshot(path=str(artifacts / f"sources-pdf-{size}.png"))

        # The disclosure closes and opens again from its summary, by keyboard too.
        summary = sources_of(answer).locator("> summary")
        summary.focus()
        page.keyboard.press("Enter")
        expect(sources_of(answer)).not_to_have_attribute("open", "")
        page.keyboard.press("Enter")
        expect(sources_of(answer)).to_have_attribute("open", "")
    finally:
        context.close()


def test_chat_markdown_source_opens_at_its_section_highlighted(
    page: Any, ui_server: RunningServer, artifacts: Path
) -> None:
    page.goto(f"{ui_server.url}/chat/")
    expect(page.locator("#starters button").first).to_be_enabled()
    answer = ask(page, page, MARKDOWN_QUESTION)
    card = check_closed_then_open_card_one(page, answer)
    expect(card).to_contain_text("fiche-ptce.md")
    passage = card.locator("blockquote").inner_text()

    frame_element = card.locator("iframe[data-essbot-preview='document']")
    expect(frame_element).to_be_visible()
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_selector("#extrait")
    cited = frame.locator("#extrait")
    assert cited.inner_text()[:40] in passage or passage[:40] in cited.inner_text()
    assert frame.evaluate("window.scrollY") > 0, "the view did not open at the cited section"
    # Once the card has its final width (after a reflow the view is scrolled back to its anchor), the passage is in
    # view.
    page.wait_for_timeout(600)
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_selector("#extrait")
    cited = frame.locator("#extrait")
    top = cited.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < frame.evaluate("window.innerHeight")
    assert frame.locator("mark").count() >= 1
    assert frame.locator("script, img, a").count() == 0
    heading = frame.locator("h3, h2").filter(has_text="Seuils")
    expect(heading).to_have_count(1)
    frame_element.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(artifacts / "sources-markdown-desktop.png"))

    # The full view in its own tab, still at the passage.
    full = page.request.get(card.get_by_role("link", name=messages.CARD_OPEN).get_attribute("href"))
    assert full.status == 200 and 'id="extrait"' in full.text()


def test_widget_sources_are_closed_and_citation_one_opens_its_card(
    page: Any,
    host_site: str,  # noqa: F811
    serve_server: RunningServer,
    artifacts: Path,
) -> None:
    page.set_viewport_size(SIZES["mobile"])
    page.goto(host_site)
    page.get_by_role("button", name=messages.WIDGET_BUTTON_LABEL).click()
    widget = page.locator("#chainlit-copilot")
    expect(widget.locator("#starters button").first).to_be_enabled()
    answer = ask(page, widget, "Qu'est-ce qu'un PTCE ?")
    card = check_closed_then_open_card_one(page, answer)
    expect(card.locator("> summary")).to_contain_text("[1] Les pôles territoriaux")
    frame_element = card.locator("iframe[data-essbot-preview='document']")
    expect(frame_element).to_be_visible()
    frame = frame_element.element_handle().content_frame()
    frame.wait_for_selector("#extrait")
    assert frame.url.startswith(serve_server.url + "/documents/view?")  # served by essbot, not the host site
    page.wait_for_timeout(500)
    page.screenshot(path=str(artifacts / "sources-widget-mobile.png"))
