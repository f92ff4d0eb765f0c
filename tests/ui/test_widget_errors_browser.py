"""The widget explains in French why it cannot open, and what to do (issue 13, point 4).

A site not listed in cors_origins, a server that does not answer, a rate limit (a reverse proxy's 429, and essbot's
own limit on chat messages) and other HTTP errors: never the browser's raw « TypeError: Failed to fetch ».
"""

from __future__ import annotations

import functools
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from essbot.ui import messages
from tests.ui.conftest import RunningServer, UICorpus, free_port, start_server, stop_server

pytestmark = pytest.mark.slow

PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Site de la commune</title></head>
<body><main><h1>Site de la commune</h1></main><script src="{script}"></script></body></html>"""


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


class HostSite(BaseHTTPRequestHandler):
    """A site embedding the widget. Its own /chat/ answers `chat_status`, as a reverse proxy in front of essbot
    would; its /widget.js is essbot's, with `server` as the chat server ("" = found from the script's address)."""

    def __init__(self, *args: Any, site: dict[str, Any], **kwargs: Any) -> None:
        self.site = site
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: str, content_type: str, headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/index.html":
            self._send(200, PAGE.format(script=self.site["script"]), "text/html; charset=utf-8")
        elif self.path == "/widget.js":
            script = self.site["widget_js"].replace('"server": ""', f'"server": "{self.site["server"]}"', 1)
            self._send(200, script, "application/javascript; charset=utf-8")
        elif self.path.startswith("/chat/"):
            status = self.site["chat_status"]
            self._send(status, '{"detail": "refusé"}', "application/json", {"Retry-After": "17"})
        else:
            self._send(404, "introuvable", "text/plain")


@pytest.fixture
def site(serve_server: RunningServer) -> Iterator[dict[str, Any]]:
    """A host site on a port that is not in the server's cors_origins; tests set how it behaves."""
    with urllib.request.urlopen(f"{serve_server.url}/widget.js", timeout=10) as response:
        widget_js = response.read().decode()
    assert '"server": ""' in widget_js
    settings: dict[str, Any] = {"widget_js": widget_js, "server": "", "chat_status": 200, "script": "/widget.js"}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(HostSite, site=settings))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    settings["url"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield settings
    httpd.shutdown()
    httpd.server_close()


def open_widget_expecting_error(page: Any, site: dict[str, Any], artifacts: Path, name: str) -> Any:
    """Open the host page, press the bubble with the keyboard, return the French error shown."""
    page.goto(f"{site['url']}/index.html")
    launcher = page.get_by_role("button", name=messages.WIDGET_BUTTON_LABEL)
    launcher.focus()
    page.keyboard.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(messages.WIDGET_ERRORS["title"])
    expect(page.locator("body")).not_to_contain_text("Failed to fetch")
    expect(page.locator("body")).not_to_contain_text("TypeError")
    page.screenshot(path=str(artifacts / f"widget-error-{name}.png"))
    return alert


def test_site_not_in_cors_origins_is_told_what_the_administrator_must_do(
    page: Any, site: dict[str, Any], serve_server: RunningServer, artifacts: Path
) -> None:
    site["script"] = f"{serve_server.url}/widget.js"  # the real server, which does not list this site
    alert = open_widget_expecting_error(page, site, artifacts, "origin")
    expect(alert).to_contain_text(f"Ce site ({site['url']}) n'est pas autorisé à interroger essbot")
    expect(alert).to_contain_text("cors_origins")
    expect(page.locator("#chainlit-copilot")).to_have_count(0)

    # Escape closes the message and gives the focus back to the bubble, which can try again.
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(alert).to_have_count(0)
    expect(page.get_by_role("button", name=messages.WIDGET_BUTTON_LABEL)).to_be_focused()


def test_unreachable_server(page: Any, site: dict[str, Any], artifacts: Path) -> None:
    site["server"] = f"http://127.0.0.1:{free_port()}/chat"  # nothing listens there
    alert = open_widget_expecting_error(page, site, artifacts, "unreachable")
    expect(alert).to_contain_text(f"Le serveur essbot ({site['server']}) ne répond pas")


def test_rate_limited_by_a_proxy(page: Any, site: dict[str, Any], artifacts: Path) -> None:
    site["chat_status"] = 429
    alert = open_widget_expecting_error(page, site, artifacts, "rate-limited")
    expect(alert).to_contain_text("Trop de demandes ont été envoyées à essbot en peu de temps. Patientez 17 s")


def test_other_http_error(page: Any, site: dict[str, Any], artifacts: Path) -> None:
    site["chat_status"] = 503
    alert = open_widget_expecting_error(page, site, artifacts, "http")
    expect(alert).to_contain_text("Le serveur essbot a répondu par une erreur (code 503)")
    # The close button is labelled in French.
    page.get_by_role("button", name=messages.WIDGET_ERRORS["close"]).click()
    expect(alert).to_have_count(0)


@pytest.fixture
def strict_server(ui_corpus: UICorpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, int]]:
    """`essbot serve` allowing one request per minute per client, embedded by the site on the returned port."""
    port = free_port()
    server = start_server(
        "essbot.server",
        ui_corpus,
        tmp_path_factory.mktemp("essbot-strict"),
        ESSBOT_CORS_ORIGINS=f"http://127.0.0.1:{port}",
        ESSBOT_RATE_LIMIT_PER_MINUTE="1",
    )
    yield server, port
    stop_server(server.process)


def test_essbot_rate_limit_on_chat_messages_is_explained_in_the_widget(
    page: Any, strict_server: tuple[RunningServer, int], artifacts: Path
) -> None:
    server, port = strict_server
    settings: dict[str, Any] = {"widget_js": "", "server": "", "chat_status": 200}
    settings["script"] = f"{server.url}/widget.js"
    httpd = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(HostSite, site=settings))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        page.goto(f"http://127.0.0.1:{port}/index.html")
        page.get_by_role("button", name=messages.WIDGET_BUTTON_LABEL).press("Enter")
        widget = page.locator("#chainlit-copilot")
        # Typed before the chat's session is ready, Enter would send nothing: wait as a user sees it ready.
        expect(widget.locator("#starters button").first).to_be_enabled()
        question = widget.locator("#chat-input")
        question.fill("Qu'est-ce qu'un PTCE ?")
        question.press("Enter")
        answered = widget.locator(".message-content").nth(1)
        expect(answered.locator('a[href="#source-1"]').first).to_have_text("[1]")  # [n] link to their cards
        question.fill("Et une SCIC ?")
        question.press("Enter")
        refused = widget.locator(".message-content").nth(3)
        expect(refused).to_contain_text("Trop de requêtes : au plus 1 par minute. Réessayez dans")
        page.screenshot(path=str(artifacts / "widget-error-chat-rate-limit.png"))
    finally:
        httpd.shutdown()
        httpd.server_close()
