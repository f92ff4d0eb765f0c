"""Browser-test fixtures: a small real index, essbot servers in subprocesses, headless Debian chromium.

Nothing here imports chainlit into the pytest process: chainlit writes into its configuration directory when
imported, so the UI only ever runs in the server subprocesses, as in production.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.ingest.pipeline import ingest
from tests.data.poisoned_fiche import write_poisoned_fiche

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A PDF (page numbers, previews), another PDF, and a Markdown fiche; plus the poisoned fiche.
REAL_FICHES = ("fiche-spaser.pdf", "fiche-agrement-esus.pdf", "fiche-ptce.md")
SERVER_START_TIMEOUT_S = 120


@dataclass(frozen=True)
class UICorpus:
    docs: Path
    index_dir: Path


@dataclass(frozen=True)
class RunningServer:
    url: str
    feedback_db: Path
    process: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="session")
def ui_corpus(tmp_path_factory: pytest.TempPathFactory, embedding: EssbotEmbedding) -> UICorpus:
    """Real fiches and the poisoned one, indexed once per session."""
    root = tmp_path_factory.mktemp("ui-corpus")
    docs = root / "documents"
    docs.mkdir()
    for name in REAL_FICHES:
        shutil.copy2(REPO / "documents" / name, docs / name)
    write_poisoned_fiche(docs)
    settings = Settings(index_dir=root / "index", documents_dir=docs)
    ingest([docs], settings, embedding=embedding)
    return UICorpus(docs, settings.index_dir)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with code {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"server not up at {url} after {SERVER_START_TIMEOUT_S} s:\n{log.read_text(errors='replace')[-3000:]}")


def start_server(module: str, corpus: UICorpus, workdir: Path, **extra_env: str) -> RunningServer:
    """`python -m essbot.ui` (essbot ui) or `python -m essbot.server` (essbot serve) on a free loopback port."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    feedback_db = workdir / "feedback.sqlite3"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ESSBOT_", "CHAINLIT_", "LITERAL_")) and key != "DATABASE_URL"
    }
    env.update(ESSBOT_DOCUMENTS_DIR=str(corpus.docs), ESSBOT_FEEDBACK_DB=str(feedback_db), **extra_env)
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--index",
                str(corpus.index_dir),
            ],
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{url}/chat/", process, log)
    except BaseException:
        stop_server(process)
        raise
    return RunningServer(url, feedback_db, process, log)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture(scope="session")
def ui_server(ui_corpus: UICorpus, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """`essbot ui`: the chat page alone."""
    server = start_server("essbot.ui", ui_corpus, tmp_path_factory.mktemp("essbot-ui"))
    yield server
    stop_server(server.process)


@pytest.fixture(scope="session")
def widget_host_port() -> int:
    """The port of the test site that embeds the widget, chosen before the server starts: its origin must be
    listed in cors_origins (no site may embed the chat by default)."""
    return free_port()


@pytest.fixture(scope="session")
def serve_server(
    ui_corpus: UICorpus, tmp_path_factory: pytest.TempPathFactory, widget_host_port: int
) -> Iterator[RunningServer]:
    """`essbot serve`: the HTTP API with the chat and the widget mounted in the same process."""
    try:
        from essbot.server import api  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"essbot.server is not available ({exc})")
    origin = f"http://127.0.0.1:{widget_host_port}"
    server = start_server(
        "essbot.server", ui_corpus, tmp_path_factory.mktemp("essbot-serve"), ESSBOT_CORS_ORIGINS=origin
    )
    yield server
    stop_server(server.process)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless chromium driven by Playwright (its own browser download is not used)."""
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium (the Makefile does it in CI)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra)")
    # The first answer waits for the index and the embedding model to load in the server.
    sync_api.expect.set_options(timeout=60_000)
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh French page; fails the test on any JavaScript dialog (an alert() would mean injected script)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    context.set_default_timeout(60_000)
    new_page = context.new_page()
    dialogs: list[str] = []
    new_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield new_page
    context.close()
    assert not dialogs, f"unexpected JavaScript dialogs: {dialogs}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """tests/artifacts/ (git-ignored): screenshots kept after the run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
