"""The embedded store: SQLite (WAL) for documents, chunks and settings, FAISS with stable ids, FTS5 over stems."""

from essbot.index.local.folder import index_lock
from essbot.index.local.schema import FORMAT_VERSION
from essbot.index.local.store import LocalStore

__all__ = ["FORMAT_VERSION", "LocalStore", "index_lock"]
