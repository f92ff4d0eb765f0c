"""Connections to the database of the `postgres` store: one for set-up, then a pool shared by the threads."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from essbot.index.postgres import messages
from essbot.index.postgres.errors import StoreUnavailableError


def database_label(url: str) -> str:
    """The address to show in messages and logs: user, host, port and database, never the password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception as exc:  # psycopg.ProgrammingError: the message does not echo the password
        raise StoreUnavailableError(messages.DATABASE_BAD_URL.format(detail=type(exc).__name__)) from None
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = str(parts.get("host") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname') or ''}"


def _unreachable(label: str, exc: Exception) -> StoreUnavailableError:
    detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return StoreUnavailableError(messages.DATABASE_UNREACHABLE.format(url=label, detail=detail), str(exc))


@contextlib.contextmanager
def connect(url: str, label: str) -> Iterator[Any]:
    """One autocommit connection (schema set-up), with a French error when the server cannot be reached."""
    import psycopg

    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise _unreachable(label, exc) from None
    with conn:
        yield conn


def _configure(conn: Any) -> None:
    from pgvector.psycopg import register_vector

    register_vector(conn)


def open_pool(url: str, label: str, size: int) -> Any:
    """A pool of autocommit connections that know pgvector's type; waits until the first one is up.

    Statements are not prepared: a generic plan would not see a filter's source prefix and could not use its
    index, and planning these short queries costs well under a millisecond."""
    from psycopg_pool import ConnectionPool, PoolTimeout

    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=max(size, 1),
        kwargs={"autocommit": True, "prepare_threshold": None},
        configure=_configure,
        open=True,
    )
    try:
        pool.wait(timeout=10)
    except PoolTimeout as exc:
        pool.close()
        raise _unreachable(label, exc) from None
    return pool
