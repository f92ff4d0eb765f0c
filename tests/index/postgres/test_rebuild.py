"""A rebuild of a `postgres` store on a real embedded PostgreSQL: built in a shadow schema while a reader keeps
answering from the store in service, swapped in at the end, and never harmful when it fails or is killed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import psycopg
import pytest

from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.errors import IngestCancelledError
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.postgres import PostgresStore
from essbot.index.stores import open_store, replacing_store, writing
from essbot.ingest.pipeline import ingest
from essbot.retrieve import HybridRetriever
from essbot.server.api import create_app
from tests.data.make_fixtures import GOOD_FILES, write_files
from tests.index.postgres.helpers import DIM, MODEL, document, unit_vectors

REPO = Path(__file__).resolve().parents[3]


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "unused").replace(store="postgres", database_url=url)


def _schemas(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'essbot%' ORDER BY 1").fetchall()
    return [name for (name,) in rows]


def _sources(store: PostgresStore) -> set[str]:
    return set(store.files())


@pytest.fixture
def reader(postgres_url: str):
    """A replica's store, serving `old.md` (one chunk about « régie de quartier »)."""
    with PostgresStore.open(postgres_url, MODEL, DIM) as store:
        store.put_document(*document("old.md", ["Une régie de quartier emploie des habitants"]))
        yield store


def test_reader_answers_from_the_old_store_during_a_rebuild_and_sees_the_new_one_after(
    reader: PostgresStore, postgres_url: str, tmp_path: Path
) -> None:
    settings = _settings(postgres_url, tmp_path)
    before = reader.generation()
    old_vector = document("old.md", ["x"])[2][0]
    answers: list[int] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def keep_asking() -> None:  # another replica answering all along the rebuild and the swap
        while not stop.is_set():
            try:
                answers.append(
                    len(reader.lexical_search("régie coopérative", 5)) + len(reader.dense_search(old_vector, 1))
                )
            except BaseException as exc:  # any error fails the test
                failures.append(exc)

    asking = threading.Thread(target=keep_asking)
    asking.start()
    try:
        with writing(settings), replacing_store(settings, tmp_path, MODEL, DIM, {}) as new:
            new.put_document(*document("new.md", ["Une société coopérative d'intérêt collectif"], seed=1))
            assert new.stats().chunks == 1 and _sources(new) == {"new.md"}
            # The store in service is untouched, for a replica already running and for one starting now.
            with PostgresStore.open(postgres_url, MODEL) as starting:
                for store in (reader, starting):
                    assert _sources(store) == {"old.md"}
                    assert [cid for cid, _ in store.lexical_search("régie", 3)] == ["old.md#0"]
                    assert store.lexical_search("coopérative", 3) == []
                    assert store.generation() == before
            answered_during_build = len(answers)
    finally:
        stop.set()
        asking.join()
    assert failures == []
    assert answered_during_build > 0 and all(count >= 1 for count in answers)
    # The same reader, without reopening anything, now reads the new store.
    assert reader.generation() > before
    assert _sources(reader) == {"new.md"}
    assert [cid for cid, _ in reader.lexical_search("coopérative", 3)] == ["new.md#0"]
    assert reader.lexical_search("régie", 3) == []
    assert reader.stats().chunks == 1
    assert _schemas(postgres_url) == ["essbot"]  # the old store was dropped


def test_failed_rebuild_keeps_the_store_in_service(reader: PostgresStore, postgres_url: str, tmp_path: Path) -> None:
    settings = _settings(postgres_url, tmp_path)
    before = reader.generation()
    with (
        pytest.raises(RuntimeError, match="panne"),
        writing(settings),
        replacing_store(settings, tmp_path, MODEL, DIM, {}) as new,
    ):
        new.put_document(*document("new.md", ["Une société coopérative"], seed=1))
        raise RuntimeError("panne au milieu de la reconstruction")
    assert _sources(reader) == {"old.md"}
    assert [cid for cid, _ in reader.lexical_search("régie", 3)] == ["old.md#0"]
    assert reader.generation() == before
    assert _schemas(postgres_url) == ["essbot"]  # the shadow was dropped


_KILLED = """
import os, signal, sys
sys.path[:0] = [{src!r}, {repo!r}]
from pathlib import Path
from essbot.config import Settings
from essbot.index.stores import replacing_store, writing
from tests.index.postgres.helpers import DIM, MODEL, document

settings = Settings(index_dir=Path({index!r}), store="postgres", database_url={url!r})
with writing(settings), replacing_store(settings, Path({index!r}), MODEL, DIM, {{}}) as new:
    new.put_document(*document("new.md", ["Une société coopérative"], seed=1))
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_killed_rebuild_leaves_the_old_store_serving_and_its_shadow_is_dropped_next_time(
    reader: PostgresStore, postgres_url: str, tmp_path: Path
) -> None:
    script = _KILLED.format(src=str(REPO / "src"), repo=str(REPO), index=str(tmp_path / "unused"), url=postgres_url)
    killed = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, timeout=120)
    assert killed.returncode == -9, killed.stderr.decode()
    shadows = [name for name in _schemas(postgres_url) if name.startswith("essbot_build_")]
    assert len(shadows) == 1  # left behind by the killed process
    assert _sources(reader) == {"old.md"}
    assert [cid for cid, _ in reader.lexical_search("régie", 3)] == ["old.md#0"]

    with writing(_settings(postgres_url, tmp_path)):  # the next writer (any ingest) drops it
        assert _schemas(postgres_url) == ["essbot"]
    assert _sources(reader) == {"old.md"}


def test_ingest_rebuild_on_postgres_swaps_at_the_end_and_a_cancelled_one_changes_nothing(
    tmp_path: Path, embedding: EssbotEmbedding, postgres_url: str
) -> None:
    docs = tmp_path / "documents"
    write_files(docs, GOOD_FILES)
    settings = _settings(postgres_url, tmp_path)
    first = ingest([docs], settings, embedding=embedding)
    store = open_store(settings, model_id=embedding.model_id)
    try:
        served = store.files()
        generation = store.generation()
        seen_during_build: list[set[str]] = []

        def cancel_once_built() -> bool:
            """Cancel the rebuild as soon as its shadow holds a document, after looking at the store in service."""
            shadow = [name for name in _schemas(postgres_url) if name.startswith("essbot_build_")]
            if not shadow:
                return False
            with psycopg.connect(postgres_url) as conn:
                written = conn.execute(f"SELECT count(*) FROM {shadow[0]}.documents").fetchone()[0]
            if written:
                seen_during_build.append(_sources(store))
            return bool(written)

        with pytest.raises(IngestCancelledError):
            ingest([docs], settings, rebuild=True, embedding=embedding, should_stop=cancel_once_built)
        assert seen_during_build and seen_during_build[0] == set(served)
        assert store.files() == served and store.generation() == generation
        assert _schemas(postgres_url) == ["essbot"]

        (docs / "ajout.md").write_text("# Ajout\n\nLe fonds Pinson soutient les recycleries.\n", encoding="utf-8")
        rebuilt = ingest([docs], settings, rebuild=True, embedding=embedding)
        assert rebuilt.rebuilt and rebuilt.chunks_total > first.chunks_total
        assert store.generation() > generation  # the replica sees the swap without reopening
        assert set(store.files()) == set(served) | {"ajout.md"}
        best = store.lexical_search("fonds Pinson", 3)[0][0]
        assert store.fetch([best])[0].source == "ajout.md"
        assert _schemas(postgres_url) == ["essbot"]
    finally:
        store.close()


def test_a_replica_whose_model_no_longer_matches_after_a_rebuild_answers_by_keywords_and_says_why(
    tmp_path: Path, embedding: EssbotEmbedding, postgres_url: str
) -> None:
    from fastapi.testclient import TestClient

    docs = tmp_path / "documents"
    write_files(docs, GOOD_FILES)
    settings = _settings(postgres_url, tmp_path).replace(weights_refresh_s=0.0)
    ingest([docs], settings, embedding=embedding)
    store = open_store(settings, model_id=embedding.model_id)
    try:
        replica = Assistant(HybridRetriever(store, embedding, settings), settings)
        question = "Qui délivre l'agrément ESUS ?"
        assert any(p.dense_score is not None for p in replica.ask(question).retrieved)

        # Another process rebuilds the database with another embedding model (8 dimensions instead of 384).
        copied = list(store.documents())
        with writing(settings), replacing_store(settings, tmp_path, MODEL, DIM, {}) as new:
            for seed, (record, chunks, _) in enumerate(copied):
                new.put_document(record, chunks, unit_vectors(len(chunks), seed))

        # The replica's vectors no longer compare with the stored ones: it answers from the lexical search alone.
        answer = replica.ask(question)
        assert answer.citations and all(p.dense_score is None for p in answer.retrieved)
        warning = replica.retriever.dense_suspended
        assert MODEL in warning and embedding.model_id in warning and "suspendue" in warning
        with TestClient(create_app(settings, replica, with_ui=False)) as client:
            health = client.get("/health").json()
        assert health["status"] == "degraded" and health["warning"] == warning
        assert health["embedding_model"] == MODEL  # the store's model, no longer the one it was opened with

        # Rebuilt again with the replica's model: the dense search comes back without a restart.
        with writing(settings), replacing_store(settings, tmp_path, embedding.model_id, embedding.dim, {}) as new:
            for record, chunks, vectors in copied:
                new.put_document(record, chunks, vectors)
        assert any(p.dense_score is not None for p in replica.ask(question).retrieved)
        assert replica.retriever.dense_suspended == ""
    finally:
        store.close()


def test_rebuild_refuses_to_start_when_an_extension_lives_in_the_essbot_schema(
    reader: PostgresStore, postgres_url: str, tmp_path: Path
) -> None:
    from essbot.index.postgres import StoreUnavailableError

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION pg_trgm SCHEMA essbot")  # the swap would drop it with the old schema
    settings = _settings(postgres_url, tmp_path)
    with (
        pytest.raises(StoreUnavailableError) as refused,
        writing(settings),
        replacing_store(settings, tmp_path, MODEL, DIM, {}),
    ):
        pytest.fail("the rebuild started")
    assert "pg_trgm" in refused.value.user_message and "public" in refused.value.user_message
    assert _sources(reader) == {"old.md"} and _schemas(postgres_url) == ["essbot"]
