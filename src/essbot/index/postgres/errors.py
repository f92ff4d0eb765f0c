"""The errors of the `postgres` store (French messages in `essbot.index.postgres.messages`)."""

from __future__ import annotations

from essbot.errors import EssbotError


class StoreUnavailableError(EssbotError):
    """The database cannot be reached or used (connection refused, pgvector missing, schema too new)."""
