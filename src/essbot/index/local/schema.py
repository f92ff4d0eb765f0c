"""The SQLite side of a local store: tables, connections and the settings it was built with.

One file, `store.sqlite`, in WAL mode: readers keep reading while one writer commits. Every table a change
touches (documents, chunks, vectors, the lexical index and the vector log) is written in one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

FORMAT_VERSION = 2
DATABASE = "store.sqlite"
# unicode61 keeps « _ » inside a token, so article references (« l3332_17_1 ») stay whole; the stems it is
# given are already lower-case and accent-folded.
_LEXICAL_TOKENIZER = "unicode61 remove_diacritics 0 tokenchars '_'"

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    title TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    pages INTEGER,
    chunk_ids TEXT NOT NULL,
    skipped TEXT
);
-- `id` is the chunk's FAISS id: AUTOINCREMENT never reuses one, so a vector log entry names one chunk forever.
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chunk_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    title TEXT NOT NULL,
    page INTEGER,
    section TEXT NOT NULL,
    doc_type TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    article TEXT,
    article_key TEXT,
    updated TEXT,
    text_hash TEXT NOT NULL,
    stems TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_source ON chunks (source, position);
CREATE INDEX IF NOT EXISTS chunks_by_doc_type ON chunks (doc_type);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks (article_key) WHERE article_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS chunks_by_text ON chunks (text_hash);
CREATE TABLE IF NOT EXISTS vectors (id INTEGER PRIMARY KEY, vector BLOB NOT NULL);
-- Every FAISS id added or removed since the last FAISS snapshot, in commit order.
CREATE TABLE IF NOT EXISTS vector_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, id INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS lexical USING fts5(
    stems, content='chunks', content_rowid='id', tokenize="{_LEXICAL_TOKENIZER}"
);
-- How many chunks hold each stem: term weights and query planning without scanning the FTS5 index.
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
"""


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode; autocommit, so transactions are explicit (`BEGIN IMMEDIATE` … `COMMIT`)."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    connection.execute("PRAGMA journal_mode=WAL")
    # NORMAL in WAL: a committed transaction survives a process kill; only power loss may drop the last ones.
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute("PRAGMA foreign_keys=OFF")
    connection.execute("PRAGMA cache_size=-65536")  # 64 MB of page cache
    return connection


def create(path: Path, embedding_model: str, dim: int, splitter: dict[str, Any]) -> None:
    """A new empty store database with the settings it is built with."""
    connection = connect(path)
    try:
        connection.execute("BEGIN IMMEDIATE")
        for statement in _statements(SCHEMA):
            connection.execute(statement)
        now = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        values = {
            "format_version": str(FORMAT_VERSION),
            "embedding_model": embedding_model,
            "dim": str(dim),
            "splitter": json.dumps(splitter, sort_keys=True),
            "generation": "0",
            "updated_at": now,
            "store_id": uuid.uuid4().hex,
            "snapshot_seq": "0",
            "snapshot_kind": "flat",
            "chunk_count": "0",
            "token_count": "0",
        }
        connection.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())
        connection.execute("COMMIT")
    finally:
        connection.close()


def _statements(script: str) -> list[str]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


def read_meta(connection: sqlite3.Connection) -> dict[str, str]:
    return dict(connection.execute("SELECT key, value FROM meta").fetchall())


def write_meta(connection: sqlite3.Connection, **values: object) -> None:
    connection.executemany(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [(k, str(v)) for k, v in values.items()]
    )
