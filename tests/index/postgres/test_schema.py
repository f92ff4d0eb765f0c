"""The schema of the `postgres` store: created at open, upgraded in order from an older version, never downgraded."""

from __future__ import annotations

import threading

import psycopg
import pytest

from essbot.index.postgres import PostgresStore, StoreUnavailableError
from essbot.index.postgres.schema import LATEST, upgrade_schema
from tests.index.postgres.helpers import DIM, MODEL, unit_vectors


def schema_version(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute("SELECT version FROM essbot.schema_version").fetchone()[0])


def test_open_creates_the_latest_schema_once_even_when_replicas_start_together(postgres_url: str) -> None:
    errors: list[BaseException] = []

    def open_and_close() -> None:
        try:
            PostgresStore.open(postgres_url, MODEL, DIM).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_and_close) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert schema_version(postgres_url) == LATEST


def test_upgrade_from_version_1_keeps_the_chunks_and_indexes_their_stems(postgres_url: str) -> None:
    from pgvector.psycopg import register_vector

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert upgrade_schema(conn, target=1) == 0
        register_vector(conn)
        conn.execute(
            "INSERT INTO essbot.settings VALUES ('embedding_model', %s), ('dim', %s), ('format_version', '1')",
            (MODEL, str(DIM)),
        )
        conn.execute("INSERT INTO essbot.documents (source, sha256, size, mtime_ns) VALUES ('old.md', 'x', 1, 1)")
        conn.execute(
            "INSERT INTO essbot.chunks (chunk_id, source, position, text, title, section, doc_type, embedding)"
            " VALUES ('old#0', 'old.md', 0, 'La délégation de service public', 'Ancien', '', 'fiche', %s)",
            (unit_vectors(1, 0)[0],),
        )
        conn.execute("UPDATE essbot.state SET chunks = 1")
    assert schema_version(postgres_url) == 1

    with PostgresStore.open(postgres_url, MODEL) as store:
        assert schema_version(postgres_url) == LATEST
        assert [chunk_id for chunk_id, _ in store.lexical_search("delegation", 3)] == ["old#0"]
        assert "deleg" in store.term_weights()[0]
        assert store.fetch(["old#0"])[0].title == "Ancien"


def test_a_schema_newer_than_this_essbot_is_refused(postgres_url: str) -> None:
    PostgresStore.open(postgres_url, MODEL, DIM).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE essbot.schema_version SET version = 99")
    with pytest.raises(StoreUnavailableError, match="plus récente"):
        PostgresStore.open(postgres_url, MODEL, DIM)


def test_stems_are_stored_in_the_row(postgres_url: str) -> None:
    """Scoring a lexical candidate reads its stems from the chunk's row, not from the TOAST table."""
    with PostgresStore.open(postgres_url, MODEL, DIM), psycopg.connect(postgres_url) as conn:
        storage = conn.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = 'essbot.chunks'::regclass AND attname = 'tsv'"
        ).fetchone()[0]
    assert storage == "m"
