"""The chunk store chosen by `Settings.store`: the one place that knows which backends exist.

Everything above the index (ingestion, retrieval, the server) goes through these functions and the
`ChunkStore` protocol, never through a backend's own module.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from essbot import messages
from essbot.config import Settings
from essbot.errors import ConfigError
from essbot.index.local import LocalStore, index_lock
from essbot.index.local.folder import readable_dir, swap_in, temporary_dir
from essbot.index.local.schema import DATABASE
from essbot.index.protocol import ChunkStore

# "local": SQLite + FAISS in the index folder; "postgres": the database of ESSBOT_DATABASE_URL (shared by replicas).
BACKENDS = ("local", "postgres")
# The advisory lock that lets one ingest at a time write a `postgres` store (any 64-bit number of our own).
_WRITER_LOCK = 0x65737362_6F74  # "essbot"


def _check_backend(settings: Settings) -> None:
    if settings.store not in BACKENDS:
        raise ConfigError(messages.STORE_UNKNOWN.format(name=settings.store, known=", ".join(BACKENDS)))


def _local_options(settings: Settings) -> dict[str, Any]:
    return {"ann_threshold": settings.store_ann_threshold, "nprobe": settings.store_ann_nprobe}


def open_store(settings: Settings, index_dir: Path | None = None, model_id: str | None = None) -> ChunkStore:
    """The existing store of this index; `model_id` (the configured embedding) must be the one it was built with."""
    _check_backend(settings)
    if settings.store == "postgres":
        from essbot.index.postgres.store import open_postgres_store

        return open_postgres_store(settings, model_id)
    folder = readable_dir(index_dir or settings.index_dir)
    return LocalStore.open(folder, model_id, **_local_options(settings))


def store_exists(settings: Settings, index_dir: Path | None = None) -> bool:
    """Whether something (of any format) is stored for this index."""
    _check_backend(settings)
    if settings.store == "postgres":
        from essbot.index.postgres.store import open_postgres_store

        store = open_postgres_store(settings)
        try:
            return bool(store.embedding_model)  # an empty database is bound to a model by its first document
        finally:
            store.close()
    folder = readable_dir(index_dir or settings.index_dir)
    return (folder / DATABASE).is_file() or (folder / "manifest.json").is_file()


@contextlib.contextmanager
def writing(settings: Settings, index_dir: Path | None = None) -> Iterator[None]:
    """Hold the one-writer lock of this index (IndexBusyError when another process writes it)."""
    _check_backend(settings)
    if settings.store == "postgres":
        with _database_writer_lock(settings):
            yield
        return
    with index_lock(index_dir or settings.index_dir):
        yield


@contextlib.contextmanager
def _database_writer_lock(settings: Settings) -> Iterator[None]:
    """A session advisory lock: a second ingest into the same database gets the French « busy » error. The
    holder drops what a killed rebuild left behind (no rebuild can be running)."""
    from essbot.errors import IndexBusyError
    from essbot.index.postgres.connection import connect, database_label
    from essbot.index.postgres.schema import drop_leftovers

    label = database_label(settings.database_url.get_secret_value())
    with connect(settings.database_url.get_secret_value(), label) as conn:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (_WRITER_LOCK,)).fetchone()[0]:
            raise IndexBusyError(messages.INDEX_BUSY.format(path=label))
        try:
            drop_leftovers(conn)
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_WRITER_LOCK,))


@contextlib.contextmanager
def replacing_store(
    settings: Settings, index_dir: Path, model_id: str, dim: int, splitter: dict[str, Any]
) -> Iterator[ChunkStore]:
    """A new empty store that replaces the one of this index when the block ends without error (call under
    `writing`); on error or kill the previous store stays as it was.

    On `postgres` the new store is a shadow schema swapped in at the end: the replicas keep answering from the
    previous one meanwhile (`essbot.index.postgres.rebuild`)."""
    _check_backend(settings)
    if settings.store == "postgres":
        from essbot.index.postgres.rebuild import rebuilding

        with rebuilding(settings.database_url.get_secret_value(), model_id, dim, splitter) as database:
            yield database
        return
    tmp = temporary_dir(index_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    store = LocalStore.create(tmp, model_id, dim, splitter, **_local_options(settings))
    try:
        yield store
        store.flush()
        store.close()
        swap_in(tmp, index_dir)
    finally:
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)
