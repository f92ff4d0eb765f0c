"""Loading many documents into an empty `postgres` store at once: binary COPY, then the indexes built once.

`put_document` keeps the HNSW and GIN indexes up to date row by row, which is right for one document and slow
for a whole corpus. `bulk_load` drops both indexes, COPYs every chunk (vectors in binary) through a staging
table, fills the term frequencies in one statement and rebuilds the indexes, all in one transaction: readers
see the empty store until it commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from essbot.index.postgres.schema import HNSW_INDEX
from essbot.index.postgres.store import CHUNK_INSERT_COLUMNS, PostgresStore, chunk_row
from essbot.types import Chunk, FileRecord

_STAGING = """
CREATE TEMP TABLE staging (
    chunk_id text, source text, position integer, text text, title text, page integer, section text,
    doc_type text, heading_path text[], article text, article_key text, updated text, embed_hash text,
    embedding vector, tsv text, ntok integer
) ON COMMIT DROP
"""
_STAGING_TYPES = [
    "text", "text", "int4", "text", "text", "int4", "text", "text", "text[]", "text", "text", "text", "text",
    "vector", "text", "int4",
]  # fmt: skip
_COLUMNS = CHUNK_INSERT_COLUMNS.replace("tsv,", "tsv::tsvector,")


def bulk_load(
    store: PostgresStore, documents: Iterable[tuple[FileRecord, list[Chunk], np.ndarray]], memory: str = "1GB"
) -> int:
    """Put these documents into an EMPTY store in one transaction; returns the number of chunks loaded."""
    loaded = 0
    with store.connection() as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute(store.sql("SELECT chunks FROM essbot.state WHERE id = 1 FOR UPDATE"))
        if cur.fetchone()[0]:
            raise ValueError("bulk_load needs an empty store")
        cur.execute("SELECT set_config('maintenance_work_mem', %s, true)", (memory,))
        cur.execute(store.sql("DROP INDEX IF EXISTS essbot.chunks_embedding"))
        cur.execute(store.sql("DROP INDEX IF EXISTS essbot.chunks_tsv"))
        cur.execute(_STAGING)
        documents_rows: list[tuple[Any, ...]] = []
        tokens = 0
        with cur.copy("COPY staging FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(_STAGING_TYPES)
            for record, chunks, vectors in documents:
                documents_rows.append(
                    (record.source, record.sha256, record.size, record.mtime_ns, record.title, record.doc_type,
                     record.pages, record.skipped, [chunk.chunk_id for chunk in chunks])
                )  # fmt: skip
                for position, (chunk, vector) in enumerate(zip(chunks, np.asarray(vectors, np.float32), strict=True)):
                    row = chunk_row(record.source, position, chunk, vector)
                    tokens += row[-1]
                    copy.write_row(row)
                    loaded += 1
        with cur.copy(
            store.sql(
                "COPY essbot.documents (source, sha256, size, mtime_ns, title, doc_type, pages, skipped, chunk_ids)"
                " FROM STDIN"
            )
        ) as copy:
            for row in documents_rows:
                copy.write_row(row)
        cur.execute(store.sql(f"INSERT INTO essbot.chunks ({CHUNK_INSERT_COLUMNS}) SELECT {_COLUMNS} FROM staging"))
        cur.execute(
            store.sql(
                "INSERT INTO essbot.terms (term, df) SELECT u.lexeme, count(*) FROM essbot.chunks c, unnest(c.tsv) u"
                " GROUP BY u.lexeme ON CONFLICT (term) DO UPDATE SET df = excluded.df"
            )
        )
        cur.execute(
            store.sql(
                "UPDATE essbot.state SET generation = generation + 1, chunks = %s, tokens = %s, updated_at = now()"
            ),
            (loaded, tokens),
        )
        cur.execute(store.sql("CREATE INDEX chunks_tsv ON essbot.chunks USING gin (tsv)"))
        cur.execute(store.sql(HNSW_INDEX))
    with store.connection() as conn:
        conn.execute(store.sql("ANALYZE essbot.chunks"))
    return loaded
