"""The `postgres` chunk store: PostgreSQL ≥ 15 with pgvector, shared by several `essbot serve` replicas.

Install with `pip install 'essbot[postgres]'`; configure with ESSBOT_DATABASE_URL. `essbot migrate` copies a local
index into it without re-embedding.
"""

from __future__ import annotations

from essbot.index.postgres.errors import StoreUnavailableError
from essbot.index.postgres.store import PostgresStore, open_postgres_store

__all__ = ["PostgresStore", "StoreUnavailableError", "open_postgres_store"]
