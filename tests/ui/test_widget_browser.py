"""The embeddable widget: examples/embed.html served from another origin, talking to `essbot serve`."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from essbot.ui import messages
from tests.data.poisoned_fiche import IMG_TAG, QUESTION, SCRIPT_TAG
from tests.ui.conftest import REPO, RunningServer

pytestmark = pytest.mark.slow

EMBED_PAGE = REPO / "examples" / "embed.html"
EXAMPLE_SERVER = "http://127.0.0.1:8000"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def host_site(tmp_path: Path, serve_server: RunningServer, widget_host_port: int) -> Iterator[str]:
    """examples/embed.html, pointed at the test server, served from another port: another origin."""
    html = EMBED_PAGE.read_text(encoding="utf-8")
    assert f'<script src="{EXAMPLE_SERVER}/widget.js"></script>' in html
    (tmp_path / "index.html").write_text(html.replace(EXAMPLE_SERVER, serve_server.url), encoding="utf-8")
    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    httpd = ThreadingHTTPServer(("127.0.0.1", widget_host_port), handler)  # the origin listed in cors_origins
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/index.html"
    httpd.shutdown()
    httpd.server_close()


def test_widget_on_another_site_answers_with_sources(
    page: Any, host_site: str, serve_server: RunningServer, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    assert host_site.split("/")[2] != serve_server.url.split("/")[2]  # really cross-origin
    page.goto(host_site)
    expect(page.get_by_role("heading", name="Commune de Val-des-Coopératives")).to_be_visible()

    # Keyboard: the bubble is a real, labelled button.
    launcher = page.get_by_role("button", name=messages.WIDGET_BUTTON_LABEL)
    launcher.focus()
    launcher.press("Enter")

    widget = page.locator("#chainlit-copilot")
    expect(widget.locator("#starters button").first).to_be_enabled()
    question = widget.locator("#chat-input")
    expect(question).to_have_attribute("placeholder", re.compile("^Posez votre question"))
    question.fill("Qu'est-ce qu'un PTCE ?")
    question.press("Enter")

    answer = widget.locator(".message-content").nth(1)
    expect(answer).to_contain_text("pôle territorial de coopération économique")
    expect(answer).to_contain_text("[1]")
    answer.locator("details[data-essbot-sources] > summary").click()  # « Sources (n) », closed by default
    source = answer.get_by_text(re.compile(r"^\[1\] Les pôles territoriaux")).first
    expect(source).to_be_visible()
    expect(widget.locator("button.negative-feedback-off")).to_have_count(1)
    # The end of the answer and its first source in the picture.
    source.evaluate("e => e.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(300)  # let the scroll settle before the picture
    page.screenshot(path=str(artifacts / "widget.png"))

    # Markup from a document is reduced to its text in the widget too, never run.
    question.fill(QUESTION)
    question.press("Enter")
    poisoned = widget.locator(".message-content").nth(3)
    expect(poisoned).to_contain_text("Lilas-Solidaire")
    expect(poisoned).not_to_contain_text(SCRIPT_TAG)
    expect(poisoned).not_to_contain_text(IMG_TAG)
    assert page.evaluate("window.__xss") is None
