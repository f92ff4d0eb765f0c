"""Rebuilding a `postgres` store while the replicas keep answering: fill a shadow schema, then swap it in.

`essbot ingest --rebuild` (and `essbot migrate --replace`) write every document into a schema of their own,
`essbot_build_<pid>`, with the tables of `essbot`; the replicas go on reading `essbot` meanwhile. When the build
is complete, one transaction renames `essbot` to `essbot_retired_<pid>` and the shadow to `essbot`
(`schema.swap_in`), then the retired schema is dropped. A build that fails drops its shadow; a build killed
(`kill -9`, a lost machine) leaves it behind, and the next writer drops it (`schema.drop_leftovers`, called under
the writers' lock): the store in service is never touched before the swap.

Why renaming schemas rather than a pointer row that readers resolve: PostgreSQL resolves `essbot.chunks` at each
statement, so the rename is seen by every replica at its next query with no code on the read path, no extra
round trip and no cached pointer to refresh; a query already running finishes on the old tables (the DROP that
follows waits for it). A pointer row would make every query read it first and build its SQL from it, and a
reader holding an old pointer could query a schema dropped under it. The swap raises the `generation` above the
old one, so whatever a replica caches per generation is refreshed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from essbot.index.postgres.connection import connect, database_label
from essbot.index.postgres.schema import BUILD_PREFIX, check_swappable, drop_everything, swap_in
from essbot.index.postgres.store import PostgresStore


def shadow_name() -> str:
    return f"{BUILD_PREFIX}{os.getpid()}"


@contextlib.contextmanager
def rebuilding(
    url: str, embedding_model: str, dim: int, splitter: dict[str, Any] | None = None, *, pool_size: int = 2
) -> Iterator[PostgresStore]:
    """A new empty store in a shadow schema, put in service in place of `essbot` when the block ends without
    error; on error the shadow is dropped and the store in service stays as it was. Call it under the writers'
    lock (`essbot.index.stores.writing`), which also drops what a killed rebuild left."""
    label = database_label(url)
    shadow = shadow_name()
    with connect(url, label) as conn, conn.cursor() as cur:
        check_swappable(cur)  # before hours of work, not at the swap
    store = PostgresStore.open(url, embedding_model, dim, splitter=splitter, pool_size=pool_size, schema=shadow)
    try:
        yield store
        store.close()
        with connect(url, label) as conn:
            conn.execute(store.sql("ANALYZE essbot.chunks, essbot.documents, essbot.terms"))  # plans from the start
            retired = swap_in(conn, shadow)
    except BaseException:
        store.close()
        with contextlib.suppress(Exception), connect(url, label) as conn:
            drop_everything(conn, shadow)
        raise
    if retired:  # waits for the queries still running on it; a kill here leaves it to the next writer
        with connect(url, label) as conn:
            drop_everything(conn, retired)
