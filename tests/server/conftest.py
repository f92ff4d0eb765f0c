"""A real `essbot serve` (uvicorn in a subprocess, loopback port) on a small index of real fiches."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store
from essbot.ingest.pipeline import ingest
from essbot.retrieve import HybridRetriever
from essbot.server.reindex import LiveAssistant

REPO = Path(__file__).resolve().parents[2]
FICHES = ["fiche-agrement-esus.pdf", "fiche-dla-accompagnement.md", "fiche-ptce.md"]
ADMIN_TOKEN = "jeton-de-test-123"
ALLOWED_ORIGIN = "https://mairie.example"
STARTUP_TIMEOUT_S = 90
LEGI_MAX_MEMBERS, LEGI_MAX_INFLATED_MB = 500, 20


@dataclass
class Corpus:
    docs: Path
    index: Path


@dataclass
class LiveCopy:
    """A private copy of the API corpus and its index, served by a LiveAssistant (for re-index tests)."""

    docs: Path
    index: Path
    settings: Settings
    live: LiveAssistant

    def close(self) -> None:
        self.live.current.retriever.store.close()


def live_copy(root: Path, corpus: Corpus, embedding: EssbotEmbedding) -> LiveCopy:
    docs = shutil.copytree(corpus.docs, root / "documents")
    index = shutil.copytree(corpus.index, root / "index")
    settings = Settings(index_dir=index, documents_dir=docs)
    store = open_store(settings, model_id=embedding.model_id)
    return LiveCopy(
        docs, index, settings, LiveAssistant(Assistant(HybridRetriever(store, embedding, settings), settings))
    )


@dataclass
class Server:
    url: str
    docs: Path
    index: Path
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-chars:]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(workdir: Path, corpus: Corpus, **env: str) -> Server:
    """Start `python -m essbot.server` and wait until /health answers."""
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("ESSBOT_")}
    environment.update({"ESSBOT_DOCUMENTS_DIR": str(corpus.docs), **env})
    log = workdir / f"server-{port}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "essbot.server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--index",
                str(corpus.index),
            ],
            cwd=workdir,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", corpus.docs, corpus.index, process, log)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"essbot serve exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"essbot serve did not answer /health in {STARTUP_TIMEOUT_S} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def api_corpus(tmp_path_factory: pytest.TempPathFactory, embedding: EssbotEmbedding) -> Corpus:
    """Three real fiches (one PDF) copied to a temporary folder and indexed once."""
    root = tmp_path_factory.mktemp("api-corpus")
    docs = root / "documents"
    docs.mkdir()
    for name in FICHES:
        shutil.copy2(REPO / "documents" / name, docs / name)
    index = root / "index"
    ingest([docs], Settings(index_dir=index), embedding=embedding)
    return Corpus(docs, index)


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory, api_corpus: Corpus) -> Iterator[Server]:
    """The main server: admin token set, one allowed CORS origin, no rate limit, 1 MB uploads, LEGI archives of
    at most 500 files and 20 MB once inflated (so that attacks passing these bounds fit in a 1 MB upload)."""
    server = start_server(
        tmp_path_factory.mktemp("api-server"),
        api_corpus,
        ESSBOT_ADMIN_TOKEN=ADMIN_TOKEN,
        ESSBOT_CORS_ORIGINS=ALLOWED_ORIGIN,
        ESSBOT_RATE_LIMIT_PER_MINUTE="0",
        ESSBOT_MAX_UPLOAD_MB="1",
        ESSBOT_LEGI_MAX_MEMBERS=str(LEGI_MAX_MEMBERS),
        ESSBOT_LEGI_MAX_INFLATED_MB=str(LEGI_MAX_INFLATED_MB),
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def limited_server(tmp_path_factory: pytest.TempPathFactory, api_corpus: Corpus) -> Iterator[Server]:
    """A second server, on its own copy of the index, allowing 3 API requests per minute."""
    root = tmp_path_factory.mktemp("limited-server")
    corpus = Corpus(
        shutil.copytree(api_corpus.docs, root / "documents"), shutil.copytree(api_corpus.index, root / "index")
    )
    server = start_server(root, corpus, ESSBOT_RATE_LIMIT_PER_MINUTE="3")
    yield server
    stop_server(server)


@pytest.fixture
def client(api_server: Server) -> Iterator[httpx.Client]:
    with api_server.client() as http:
        yield http


@pytest.fixture
def admin(api_server: Server) -> Iterator[httpx.Client]:
    with api_server.client(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}) as http:
        yield http
