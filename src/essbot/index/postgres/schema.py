"""The database schema of the `postgres` store, created and upgraded by essbot itself.

Every table lives in the PostgreSQL schema `essbot`; a rebuild fills a shadow schema `essbot_build_<pid>` with the
same tables and renames it to `essbot` in one transaction (`swap_in`). The SQL is written against `essbot.` and
`in_schema` rewrites that qualifier for a store on another schema.

`essbot.schema_version` holds the number of the last step applied; `upgrade_schema` applies the missing steps in
order, in one transaction, under an advisory lock, so that several replicas starting together upgrade once and the
others wait, then find nothing to do. A step is SQL or a Python function (to compute what SQL cannot, such as the
French stems of existing chunks).

The vector column gets its dimension (and its HNSW index) only when the store is bound to an embedding model
(`bind_model`): the dimension belongs to the model, not to the schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from essbot.index.postgres import messages
from essbot.index.postgres.errors import StoreUnavailableError
from essbot.index.postgres.lexical import indexed_terms

SCHEMA = "essbot"
# A rebuild's shadow schema, and the schema it replaced until it is dropped; either is left behind by a killed
# process, and the next writer drops it (`drop_leftovers`).
BUILD_PREFIX = "essbot_build_"
RETIRED_PREFIX = "essbot_retired_"
_QUALIFIER = re.compile(r"(?<![\w.])essbot(?=[.;])")  # `essbot.chunks`, `CREATE SCHEMA … essbot;`
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@lru_cache(maxsize=1024)
def in_schema(sql: str, schema: str) -> str:
    """`sql` (written against `essbot.`) addressing the tables of `schema` instead."""
    if schema == SCHEMA:
        return sql
    if not _NAME.fullmatch(schema):
        raise ValueError(f"invalid schema name {schema!r}")
    return _QUALIFIER.sub(schema, sql)


# Any constant shared by every essbot process: two `essbot serve` starting together take turns.
_LOCK_KEY = 0x455353_626F74  # "ESS" "bot"

_V1_TABLES = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE SCHEMA IF NOT EXISTS essbot;
CREATE TABLE essbot.settings (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE essbot.state (
    id integer PRIMARY KEY CHECK (id = 1),
    generation bigint NOT NULL DEFAULT 0,
    chunks bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO essbot.state (id) VALUES (1);
CREATE TABLE essbot.documents (
    source text PRIMARY KEY,
    sha256 text NOT NULL,
    size bigint NOT NULL,
    mtime_ns bigint NOT NULL,
    title text NOT NULL DEFAULT '',
    doc_type text NOT NULL DEFAULT '',
    pages integer,
    skipped text,
    chunk_ids text[] NOT NULL DEFAULT '{}'
);
CREATE TABLE essbot.chunks (
    chunk_id text PRIMARY KEY,
    source text NOT NULL REFERENCES essbot.documents (source) ON DELETE CASCADE,
    position integer NOT NULL,
    text text NOT NULL,
    title text NOT NULL,
    page integer,
    section text NOT NULL,
    doc_type text NOT NULL,
    heading_path text[] NOT NULL DEFAULT '{}',
    article text,
    article_key text,
    updated text,
    embed_hash text,
    embedding vector NOT NULL
);
CREATE INDEX chunks_source ON essbot.chunks (source text_pattern_ops, position);
CREATE INDEX chunks_doc_type ON essbot.chunks (doc_type);
CREATE INDEX chunks_embed_hash ON essbot.chunks (embed_hash);
CREATE INDEX chunks_article_key ON essbot.chunks (article_key) WHERE article_key IS NOT NULL;
"""

# The French lexical index: folded, stemmed tokens computed by essbot.text.tokens (the same as the local
# store's), stored as a tsvector with positions; `terms` keeps each stem's document frequency up to date.
_V2_LEXICAL = """
ALTER TABLE essbot.chunks ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector;
ALTER TABLE essbot.chunks ADD COLUMN ntok integer NOT NULL DEFAULT 0;
ALTER TABLE essbot.state ADD COLUMN tokens bigint NOT NULL DEFAULT 0;
CREATE TABLE essbot.terms (term text PRIMARY KEY, df integer NOT NULL);
"""

_V2_INDEX = "CREATE INDEX chunks_tsv ON essbot.chunks USING gin (tsv)"


def _backfill_lexical(cur: Any, schema: str) -> None:
    """Stem the chunks written before the lexical index existed (in Python: the stems are essbot's)."""
    cur.execute(in_schema("SELECT chunk_id, title, heading_path, text FROM essbot.chunks", schema))
    for chunk_id, title, heading_path, text in cur.fetchall():
        context = " > ".join(part for part in (title, *heading_path) if part)
        tsv, ntok = indexed_terms(f"{context}\n{text}" if context else text)
        cur.execute(
            in_schema("UPDATE essbot.chunks SET tsv = %s::tsvector, ntok = %s WHERE chunk_id = %s", schema),
            (tsv, ntok, chunk_id),
        )
    cur.execute(
        in_schema(
            "INSERT INTO essbot.terms (term, df) SELECT u.lexeme, count(*) FROM essbot.chunks c, unnest(c.tsv) u "
            "GROUP BY u.lexeme",
            schema,
        )
    )
    cur.execute(
        in_schema("UPDATE essbot.state SET tokens = (SELECT coalesce(sum(ntok), 0) FROM essbot.chunks)", schema)
    )


# The stems stay in the chunk's row (compressed) rather than in the TOAST table: scoring a lexical candidate then
# reads no second table (a third less time per candidate at 100k chunks). Rows written before keep their storage
# until rewritten (`essbot ingest --rebuild`).
_V3_INLINE_STEMS = "ALTER TABLE essbot.chunks ALTER COLUMN tsv SET STORAGE MAIN"

Step = str | Callable[[Any, str], None]
# Ordered, append-only: never edit a released step, add the next one.
MIGRATIONS: Sequence[Sequence[Step]] = (
    (_V1_TABLES,),
    (_V2_LEXICAL, _backfill_lexical, _V2_INDEX),
    (_V3_INLINE_STEMS,),
)
LATEST = len(MIGRATIONS)


def _current_version(cur: Any, schema: str) -> int:
    cur.execute("SELECT to_regclass(%s)", (f"{schema}.schema_version",))
    if cur.fetchone()[0] is None:
        return 0
    cur.execute(in_schema("SELECT version FROM essbot.schema_version", schema))
    row = cur.fetchone()
    return int(row[0]) if row else 0


def upgrade_schema(conn: Any, target: int = LATEST, schema: str = SCHEMA) -> int:
    """Apply the missing migration steps up to `target` in one transaction; return the version found before."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        found = _current_version(cur, schema)
        if found > LATEST:
            raise StoreUnavailableError(messages.SCHEMA_TOO_NEW.format(found=found, expected=LATEST))
        for version in range(found + 1, target + 1):
            for step in MIGRATIONS[version - 1]:
                if callable(step):
                    step(cur, schema)
                else:
                    cur.execute(in_schema(step, schema))
            if version == 1:
                cur.execute(in_schema("CREATE TABLE essbot.schema_version (version integer NOT NULL)", schema))
                cur.execute(in_schema("INSERT INTO essbot.schema_version VALUES (1)", schema))
            else:
                cur.execute(in_schema("UPDATE essbot.schema_version SET version = %s", schema), (version,))
        return found


def read_settings(conn: Any, schema: str = SCHEMA) -> dict[str, str]:
    with conn.cursor() as cur:
        cur.execute(in_schema("SELECT key, value FROM essbot.settings", schema))
        return dict(cur.fetchall())


def bind_model(
    conn: Any, embedding_model: str, dim: int, format_version: int, splitter: str = "{}", schema: str = SCHEMA
) -> None:
    """Record the embedding model of an empty store and give the vector column its dimension and HNSW index."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        cur.execute(in_schema("SELECT count(*) FROM essbot.settings WHERE key = 'embedding_model'", schema))
        if cur.fetchone()[0]:  # another process bound it first
            return
        values = {
            "embedding_model": embedding_model,
            "dim": str(dim),
            "format_version": str(format_version),
            "splitter": splitter,
        }
        cur.executemany(in_schema("INSERT INTO essbot.settings VALUES (%s, %s)", schema), list(values.items()))
        cur.execute(in_schema(f"ALTER TABLE essbot.chunks ALTER COLUMN embedding TYPE vector({int(dim)})", schema))
        cur.execute(in_schema(HNSW_INDEX, schema))


# Inner product on normalised vectors (cosine); m and ef_construction are pgvector's defaults.
HNSW_INDEX = "CREATE INDEX IF NOT EXISTS chunks_embedding ON essbot.chunks USING hnsw (embedding vector_ip_ops)"


def drop_everything(conn: Any, schema: str = SCHEMA) -> None:
    """Remove every table of `schema` (a shadow that failed, an empty start in tests)."""
    in_schema("", schema)  # checks the name
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def drop_leftovers(conn: Any) -> list[str]:
    """Drop the shadow and retired schemas that a killed rebuild left behind (call under the writers' lock,
    when no rebuild can be running); returns their names."""
    rows = conn.execute(
        "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) OR starts_with(nspname, %s) ORDER BY 1",
        (BUILD_PREFIX, RETIRED_PREFIX),
    ).fetchall()
    names = [name for (name,) in rows if _NAME.fullmatch(name)]
    for name in names:
        drop_everything(conn, name)
    return names


def check_swappable(cur: Any) -> None:
    """Refuse to rebuild when an extension lives in the schema `essbot`: dropping the retired schema would drop it."""
    cur.execute(
        "SELECT string_agg(e.extname, ', ') FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE n.nspname = 'essbot'"
    )
    found = cur.fetchone()[0]
    if found:
        raise StoreUnavailableError(messages.EXTENSION_IN_SCHEMA.format(extensions=found))


def swap_in(conn: Any, shadow: str) -> str | None:
    """Put the complete store of schema `shadow` in service as `essbot`, in one transaction.

    Both schemas are renamed: readers resolve `essbot.chunks` at each statement, so a query running during the
    swap finishes on the old tables and the next one reads the new ones, with no pause and nothing to reopen.
    The new generation is above the old one, so every replica sees a change. Returns the name of the retired
    schema, to drop afterwards (`drop_everything`), or None when there was none."""
    retired = RETIRED_PREFIX + shadow.removeprefix(BUILD_PREFIX)
    for name in (shadow, retired):
        in_schema("", name)  # checks the name
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        check_swappable(cur)
        cur.execute("SELECT to_regclass('essbot.state')")
        live = cur.fetchone()[0] is not None
        generation = 0
        if live:
            cur.execute("SELECT generation FROM essbot.state")
            row = cur.fetchone()
            generation = int(row[0]) if row else 0
        cur.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'essbot'")
        exists = cur.fetchone() is not None
        if exists:
            cur.execute(f"ALTER SCHEMA essbot RENAME TO {retired}")
        cur.execute(f"ALTER SCHEMA {shadow} RENAME TO essbot")
        cur.execute(
            "UPDATE essbot.state SET generation = greatest(generation, %s) + 1, updated_at = now()", (generation,)
        )
    return retired if exists else None
