"""`PostgresStore`: the chunk store in a shared PostgreSQL database with pgvector (see `essbot.index.protocol`).

Why direct psycopg 3 rather than llama-index's `PGVectorStore`: this store needs French full-text search with
accents folded and essbot's own stems (PGVectorStore only offers `to_tsvector(<config>, text)` on its own
`text_search_config`, with no accent folding and no control of the stems), filters on source prefixes and
document types inside both searches, the replacement of a document's chunks and the update of the generation
counter and of the term frequencies in ONE transaction, and a schema of its own (documents, chunks, terms,
settings) created and migrated by essbot under an advisory lock. PGVectorStore owns its table layout and its
SQLAlchemy engine and would give us none of these without reaching into it. psycopg_pool shares connections
between the answering threads; pgvector's adapter sends numpy vectors in binary.

Writes serialise on the single `essbot.state` row (taken FOR UPDATE first in every write transaction); readers
never wait and never see a half-written document. Several `essbot serve` replicas see each other's changes
through `generation()`, which reads that row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from essbot import messages as core_messages
from essbot.errors import IndexIncompatibleError
from essbot.index.postgres import messages
from essbot.index.postgres.connection import connect, database_label, open_pool
from essbot.index.postgres.errors import StoreUnavailableError
from essbot.index.postgres.lexical import ADD_TERMS_SQL, REMOVE_TERMS_SQL, bm25_search, indexed_terms, query_terms
from essbot.index.postgres.schema import SCHEMA, bind_model, drop_everything, in_schema, read_settings, upgrade_schema
from essbot.index.protocol import Filters, StoreStats
from essbot.types import Chunk, FileRecord, article_key

FORMAT_VERSION = 1
# A filter matching at most this many chunks is searched exactly (no HNSW): a narrow filter keeps its k best.
EXACT_SEARCH_LIMIT = 10_000
DEFAULT_EF_SEARCH = 40  # pgvector's default hnsw.ef_search: the graph search width of a session left as it is
_DOCUMENT_FIELDS = ("source", "sha256", "size", "mtime_ns", "title", "doc_type", "pages", "skipped", "chunk_ids")
_DOCUMENT_COLUMNS = ", ".join(_DOCUMENT_FIELDS)
_UPSERT_DOCUMENT = (
    f"INSERT INTO essbot.documents ({_DOCUMENT_COLUMNS}) VALUES ({', '.join(['%s'] * len(_DOCUMENT_FIELDS))})"
    " ON CONFLICT (source) DO UPDATE SET " + ", ".join(f"{name} = excluded.{name}" for name in _DOCUMENT_FIELDS[1:])
)
_CHUNK_COLUMNS = "chunk_id, text, source, title, page, section, doc_type, heading_path, article, updated"


def _escape_like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_clause(filters: Filters | None) -> tuple[str, dict[str, Any]]:
    """SQL conditions on `c` (chunks) keeping the rule of `essbot.index.protocol.matches`, with their parameters."""
    parts: list[str] = []
    params: dict[str, Any] = {}
    for key, wanted in (filters or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        if key == "source":  # one LIKE per prefix: each can use the text_pattern_ops index
            names = [f"source_{index}" for index in range(len(values))]
            parts.append("(" + (" OR ".join(f"c.source LIKE %({name})s" for name in names) or "false") + ")")
            params |= {name: _escape_like(value) + "%" for name, value in zip(names, values, strict=True)}
        elif key == "doc_type":
            parts.append("c.doc_type = ANY(%(doc_types)s)")
            params["doc_types"] = values
    return "".join(f" AND {part}" for part in parts), params


CHUNK_INSERT_COLUMNS = (
    "chunk_id, source, position, text, title, page, section, doc_type, heading_path, article, article_key, updated,"
    " embed_hash, embedding, tsv, ntok"
)


_INSERT_CHUNK = (
    f"INSERT INTO essbot.chunks ({CHUNK_INSERT_COLUMNS}) VALUES"
    f" ({', '.join(['%s'] * (CHUNK_INSERT_COLUMNS.count(',') - 1))}, %s::tsvector, %s)"  # tsv, ntok last
)


def embed_hash(text: str) -> str:
    """The key of a chunk's `embed_text`, to find its stored vector again (`stored_vectors`)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def chunk_row(source: str, position: int, chunk: Chunk, vector: np.ndarray) -> tuple[Any, ...]:
    """The values of CHUNK_INSERT_COLUMNS for one chunk (its French stems computed here); ntok comes last."""
    tsv, ntok = indexed_terms(chunk.embed_text)
    key = article_key(chunk.article) if chunk.article else None
    return (
        chunk.chunk_id, source, position, chunk.text, chunk.title, chunk.page, chunk.section, chunk.doc_type,
        list(chunk.heading_path), chunk.article, key, chunk.updated, embed_hash(chunk.embed_text), vector, tsv, ntok,
    )  # fmt: skip


def _as_array(value: Any) -> np.ndarray:
    """pgvector returns `Vector` objects (numpy arrays in older versions)."""
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


def _chunk(row: Sequence[Any]) -> Chunk:
    chunk_id, text, source, title, page, section, doc_type, heading_path, article, updated = row
    return Chunk(chunk_id, text, source, title, page, section, doc_type, tuple(heading_path), article, updated)


def _check_pgvector(conn: Any, label: str) -> None:
    """Filtered HNSW scans (`hnsw.iterative_scan`) need pgvector 0.8."""
    version = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'").fetchone()[0]
    numbers = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if numbers < (0, 8):
        raise StoreUnavailableError(messages.PGVECTOR_TOO_OLD.format(url=label, found=version))


def _check_compatible(found: dict[str, str], label: str, embedding_model: str | None) -> None:
    """Refuse a database of another format or embedding model, with the same French way out as a local index."""
    if int(found["format_version"]) != FORMAT_VERSION:
        raise IndexIncompatibleError(
            core_messages.INDEX_FORMAT_MISMATCH.format(
                path=label, found=found["format_version"], expected=FORMAT_VERSION
            )
        )
    if embedding_model is not None and found["embedding_model"] != embedding_model:
        raise IndexIncompatibleError(
            core_messages.INDEX_MODEL_MISMATCH.format(
                path=label, built=found["embedding_model"], configured=embedding_model
            )
        )


class PostgresStore:
    """Documents, chunks, vectors (HNSW, inner product) and French stems in one PostgreSQL database."""

    backend = "postgres"

    def __init__(
        self, pool: Any, label: str, embedding_model: str, dim: int, splitter: dict[str, Any], schema: str = SCHEMA
    ) -> None:
        self._pool = pool
        self.schema = schema  # `essbot`, or the shadow schema a rebuild fills (`essbot.index.postgres.rebuild`)
        self.label = label  # the database's address without its password
        self.embedding_model = embedding_model
        self.dim = dim
        self.splitter = splitter  # `Settings.splitter_signature()` the chunks were cut with

    @classmethod
    def open(
        cls,
        url: str,
        embedding_model: str | None = None,
        dim: int | None = None,
        *,
        splitter: dict[str, Any] | None = None,
        reset: bool = False,
        pool_size: int = 4,
        schema: str = SCHEMA,
    ) -> PostgresStore:
        """Connect, create or upgrade the schema, and check the store was built with `embedding_model`.

        An empty database is bound to `embedding_model` and `dim` (or at the first `put_document` when `dim` is
        None). `reset` drops every table first (tests; a rebuild fills a shadow `schema` instead, see `rebuild`)."""
        label = database_label(url)
        with connect(url, label) as conn:
            if reset:
                drop_everything(conn, schema)
            try:
                upgrade_schema(conn, schema=schema)
            except Exception as exc:
                if "vector" in str(exc) and "extension" in str(exc):
                    raise StoreUnavailableError(messages.PGVECTOR_MISSING.format(url=label, detail=exc)) from exc
                raise
            _check_pgvector(conn, label)
            found = read_settings(conn, schema)
            if found:
                _check_compatible(found, label, embedding_model)
                embedding_model, dim = found["embedding_model"], int(found["dim"])
                splitter = json.loads(found.get("splitter", "{}"))
            elif embedding_model is not None and dim is not None:
                bind_model(conn, embedding_model, dim, FORMAT_VERSION, json.dumps(splitter or {}), schema)
        pool = open_pool(url, label, pool_size)
        return cls(pool, label, embedding_model or "", dim or 0, splitter or {}, schema)

    def sql(self, text: str) -> str:
        """`text`, written against the schema `essbot`, addressing this store's schema."""
        return in_schema(text, self.schema)

    def connection(self) -> Any:
        """A pooled connection (context manager), for bulk loading and maintenance."""
        return self._pool.connection()

    # --- writes ---------------------------------------------------------------------------------------

    def _bind(self, dim: int) -> None:
        if not self.embedding_model:
            raise StoreUnavailableError(messages.DIM_MISMATCH.format(got=dim, url=self.label, expected="?"))
        with self._pool.connection() as conn:
            bind_model(conn, self.embedding_model, dim, FORMAT_VERSION, json.dumps(self.splitter), self.schema)
            self.dim = int(read_settings(conn, self.schema)["dim"])

    def put_document(self, record: FileRecord, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            vectors = vectors.reshape(len(chunks), -1) if len(chunks) else vectors.reshape(0, self.dim)
        if chunks and not self.dim:
            self._bind(vectors.shape[1])
        if vectors.shape != (len(chunks), self.dim):  # a programming error: nothing is written
            raise ValueError(messages.DIM_MISMATCH.format(got=vectors.shape, url=self.label, expected=self.dim))
        rows = [
            chunk_row(record.source, position, chunk, vector)
            for position, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True))
        ]
        tokens = sum(row[-1] for row in rows)
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            removed, removed_tokens = self._lock_and_clear(cur, record.source)
            cur.execute(
                self.sql(_UPSERT_DOCUMENT),
                (
                    record.source,
                    record.sha256,
                    record.size,
                    record.mtime_ns,
                    record.title,
                    record.doc_type,
                    record.pages,
                    record.skipped,
                    [chunk.chunk_id for chunk in chunks],
                ),
            )
            cur.executemany(self.sql(_INSERT_CHUNK), rows)
            cur.execute(self.sql(ADD_TERMS_SQL), (record.source,))
            self._bump(cur, len(rows) - removed, tokens - removed_tokens)

    def remove_document(self, source: str) -> None:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            removed, removed_tokens = self._lock_and_clear(cur, source)
            cur.execute(self.sql("DELETE FROM essbot.documents WHERE source = %s"), (source,))
            if cur.rowcount:
                self._bump(cur, -removed, -removed_tokens)

    def _lock_and_clear(self, cur: Any, source: str) -> tuple[int, int]:
        """Take the writers' lock, then drop the chunks of `source` and their stems; (chunks, tokens) removed."""
        cur.execute(self.sql("SELECT 1 FROM essbot.state WHERE id = 1 FOR UPDATE"))
        cur.execute(self.sql(REMOVE_TERMS_SQL), (source,))
        cur.execute(
            self.sql(
                "WITH gone AS (DELETE FROM essbot.chunks WHERE source = %s RETURNING ntok)"
                " SELECT count(*), coalesce(sum(ntok), 0) FROM gone"
            ),
            (source,),
        )
        count, tokens = cur.fetchone()
        return int(count), int(tokens)

    def _bump(self, cur: Any, chunks: int, tokens: int) -> None:
        cur.execute(
            self.sql(
                "UPDATE essbot.state SET generation = generation + 1, chunks = chunks + %s, tokens = tokens + %s,"
                " updated_at = now() WHERE id = 1"
            ),
            (chunks, tokens),
        )

    # --- reads ----------------------------------------------------------------------------------------

    def files(self) -> dict[str, FileRecord]:
        with self._pool.connection() as conn:
            rows = conn.execute(self.sql(f"SELECT {_DOCUMENT_COLUMNS} FROM essbot.documents")).fetchall()
        return {row[0]: FileRecord(**dict(zip(_DOCUMENT_FIELDS, row, strict=True))) for row in rows}

    def dense_search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        if k <= 0 or not self.dim:
            return []
        where, params = filter_clause(filters)
        params |= {"v": np.asarray(vector, dtype=np.float32).reshape(-1), "k": k}
        nearest = "SELECT c.chunk_id, -({order}) FROM essbot.chunks c WHERE true{where} ORDER BY {order} LIMIT %(k)s"
        if not where and k <= DEFAULT_EF_SEARCH:
            # The usual search (no filter, k within pgvector's default search width): one statement, one round
            # trip, no transaction nor setting to change.
            with self._pool.connection() as conn:
                sql = self.sql(nearest.format(order="c.embedding <#> %(v)s", where=""))
                found = [(chunk_id, float(score)) for chunk_id, score in conn.execute(sql, params).fetchall()]
            return sorted(found, key=lambda pair: -pair[1])
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            order = "c.embedding <#> %(v)s"
            if where:
                cur.execute(
                    self.sql(
                        f"SELECT count(*) FROM (SELECT 1 FROM essbot.chunks c WHERE true{where} LIMIT %(limit)s) x"
                    ),
                    {**params, "limit": EXACT_SEARCH_LIMIT + 1},
                )
                if cur.fetchone()[0] <= EXACT_SEARCH_LIMIT:
                    order = f"({order}) + 0"  # an expression HNSW cannot serve: exact scan of the filtered rows
                else:  # keep scanning the graph until k rows pass the filter
                    cur.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            cur.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(min(max(DEFAULT_EF_SEARCH, k), 1000)),))
            cur.execute(self.sql(nearest.format(order=order, where=where)), params)
            found = [(chunk_id, float(score)) for chunk_id, score in cur.fetchall()]
        return sorted(found, key=lambda pair: -pair[1])

    def lexical_search(self, query: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        if k <= 0 or not query_terms(query):
            return []
        where, params = filter_clause(filters)
        with self._pool.connection() as conn:
            return [
                (chunk_id, score)
                for chunk_id, score in bm25_search(conn, query, k, where, params, self.sql)
                if score > 0
            ]

    def fetch(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        if not chunk_ids:
            return []
        with self._pool.connection() as conn:
            rows = conn.execute(
                self.sql(f"SELECT {_CHUNK_COLUMNS} FROM essbot.chunks WHERE chunk_id = ANY(%s)"), (list(chunk_ids),)
            ).fetchall()
        found = {row[0]: _chunk(row) for row in rows}
        return [found[chunk_id] for chunk_id in chunk_ids if chunk_id in found]

    def article_chunks(self, article_key: str) -> list[str]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                self.sql("SELECT chunk_id FROM essbot.chunks WHERE article_key = %s ORDER BY source, position"),
                (article_key,),
            ).fetchall()
        return [row[0] for row in rows]

    def term_weights(self) -> tuple[dict[str, float], int]:
        """IDF per stem from `essbot.terms`: one read of the vocabulary (tens of thousands of rows, a few ms to
        tens of ms at 100k chunks), no scan of the chunks; callers cache it per `generation()`."""
        with self._pool.connection() as conn:
            total = int(conn.execute(self.sql("SELECT chunks FROM essbot.state")).fetchone()[0])
            rows = conn.execute(self.sql("SELECT term, df FROM essbot.terms WHERE df > 0")).fetchall()
        size = max(total, 1)
        return {term: float(np.log((size + 1) / (df + 0.5))) for term, df in rows}, total

    def documents(self) -> Iterator[tuple[FileRecord, list[Chunk], np.ndarray]]:
        for source, record in sorted(self.files().items()):
            if record.skipped:
                continue
            with self._pool.connection() as conn:
                rows = conn.execute(
                    self.sql(
                        f"SELECT {_CHUNK_COLUMNS}, embedding FROM essbot.chunks WHERE source = %s ORDER BY position"
                    ),
                    (source,),
                ).fetchall()
            vectors = (
                np.stack([_as_array(row[-1]) for row in rows]) if rows else np.zeros((0, self.dim), dtype=np.float32)
            )
            yield record, [_chunk(row[:-1]) for row in rows], vectors.astype(np.float32)

    def stored_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors of chunks whose `embed_text` is one of these texts (found by its hash), keyed by text."""
        wanted = {embed_hash(text): text for text in texts}
        if not wanted:
            return {}
        with self._pool.connection() as conn:
            rows = conn.execute(
                self.sql(
                    "SELECT DISTINCT ON (embed_hash) embed_hash, embedding FROM essbot.chunks"
                    " WHERE embed_hash = ANY(%s)"
                ),
                (list(wanted),),
            ).fetchall()
        return {wanted[key]: _as_array(vector) for key, vector in rows}

    def generation(self) -> int:
        with self._pool.connection() as conn:
            return int(conn.execute(self.sql("SELECT generation FROM essbot.state")).fetchone()[0])

    def built_with(self) -> str:
        """A rebuild swaps in a whole schema (`rebuild`), possibly bound to another model and dimension: read them
        again, so that the statistics tell the truth and a replica can stop comparing its vectors with them."""
        with self._pool.connection() as conn:
            found = read_settings(conn, self.schema)
        if found:
            self.embedding_model, self.dim = found["embedding_model"], int(found["dim"])
        return self.embedding_model

    def stats(self) -> StoreStats:
        with self._pool.connection() as conn:
            documents = conn.execute(
                self.sql("SELECT count(*) FROM essbot.documents WHERE skipped IS NULL")
            ).fetchone()[0]
            chunks, updated_at = conn.execute(self.sql("SELECT chunks, updated_at FROM essbot.state")).fetchone()
            disk = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
                (self.schema,),
            ).fetchone()[0]
        return StoreStats(
            self.backend, int(documents), int(chunks), self.dim, self.embedding_model, updated_at.isoformat(), int(disk)
        )

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_postgres_store(
    settings: Any,
    model_id: str | None = None,
    dim: int | None = None,
    splitter: dict[str, Any] | None = None,
    *,
    reset: bool = False,
) -> PostgresStore:
    """The store at `settings.database_url` (for the store factory), checked against `model_id`; `reset` empties
    it first. Two pooled connections per answering thread (its dense and lexical searches run together, see
    `essbot.retrieve`), and one for writes."""
    url = settings.database_url.get_secret_value()
    if not url:
        raise StoreUnavailableError(messages.DATABASE_NOT_CONFIGURED)
    size = 2 * settings.answer_workers + 1
    return PostgresStore.open(url, model_id, dim, splitter=splitter, reset=reset, pool_size=size)


__all__ = ["EXACT_SEARCH_LIMIT", "PostgresStore", "filter_clause", "open_postgres_store"]
