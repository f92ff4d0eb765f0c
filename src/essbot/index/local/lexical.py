"""The lexical side of a local store: SQLite FTS5 over French stems, with the filters inside the SQL, and Lucene's
BM25 computed from per-stem document counts kept in the table `terms`."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence

from essbot.index.protocol import Filters
from essbot.text.tokens import tokenize_french

_LAST_CHARACTER = "\U0010ffff"
K1, B = 1.5, 0.75
POSTINGS_BUDGET = 5_000  # postings FTS5 may read to find the candidates of one question
CANDIDATES = 100  # candidates scored with every stem of the question


def stems_of(text: str) -> str:
    """What FTS5 indexes for a chunk: its French stems, space-separated."""
    return " ".join(tokenize_french(text))


def count_terms(connection: sqlite3.Connection, stems: Sequence[str], sign: int) -> int:
    """Add (sign 1) or take away (sign -1) the chunks holding each stem from `terms`; returns the tokens counted."""
    counts: dict[str, int] = {}
    tokens = 0
    for text in stems:
        words = text.split()
        tokens += len(words)
        for stem in set(words):
            counts[stem] = counts.get(stem, 0) + sign
    connection.executemany(
        "INSERT INTO terms (term, docs) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET docs = docs + excluded.docs",
        counts.items(),
    )
    if sign < 0:
        connection.executemany("DELETE FROM terms WHERE term = ? AND docs <= 0", [(stem,) for stem in counts])
    return sign * tokens


def filter_sql(filters: Filters | None, alias: str = "c") -> tuple[str, list[object]]:
    """A WHERE fragment (starting with AND, or empty) applying `essbot.index.protocol.matches` in SQL."""
    clauses: list[str] = []
    params: list[object] = []
    for key, wanted in (filters or {}).items():
        values = [wanted] if isinstance(wanted, str) else list(wanted)
        if key == "source":
            if not values:
                clauses.append("0")
            else:
                # A range on the indexed column: every string starting with the prefix sorts between these two.
                clauses.append("(" + " OR ".join(f"({alias}.source >= ? AND {alias}.source < ?)" for _ in values) + ")")
                for value in values:
                    params.extend((value, value + _LAST_CHARACTER))
        elif key == "doc_type":
            clauses.append(f"{alias}.doc_type IN ({','.join('?' * len(values))})" if values else "0")
            params.extend(values)
    return "".join(f" AND {clause}" for clause in clauses), params


def lexical_search(
    connection: sqlite3.Connection, query: str, k: int, filters: Filters | None
) -> list[tuple[str, float]]:
    """(chunk id, BM25 score > 0) pairs, best first.

    FTS5 finds the candidates through the question's rarer stems (at most POSTINGS_BUDGET postings read, so a
    question full of common words stays fast on a large corpus), then every candidate is scored with Lucene's BM25
    over all the question's stems (k1 = 1.5, b = 0.75, the formula of the former bm25s index)."""
    stems = list(dict.fromkeys(tokenize_french(query)))
    if not stems or k <= 0:
        return []
    counts = dict(connection.execute(f"SELECT term, docs FROM terms WHERE term IN ({placeholders(stems)})", stems))
    known = sorted((stem for stem in stems if counts.get(stem, 0) > 0), key=lambda stem: counts[stem])
    if not known:
        return []
    essential: list[str] = []
    postings = 0
    for stem in known:
        if essential and postings + counts[stem] > POSTINGS_BUDGET:
            break
        essential.append(stem)
        postings += counts[stem]
    expression = " OR ".join(f'"{stem}"' for stem in essential)
    where, params = filter_sql(filters)
    if where:
        sql = (
            "SELECT c.id FROM lexical JOIN chunks c ON c.id = lexical.rowid "
            f"WHERE lexical MATCH ?{where} ORDER BY bm25(lexical) LIMIT ?"
        )
    else:  # the FTS5 table alone: its own top-n sort by rank
        sql = "SELECT rowid FROM lexical WHERE lexical MATCH ? ORDER BY rank LIMIT ?"
    ids = [row[0] for row in connection.execute(sql, [expression, *params, max(CANDIDATES, k)])]
    rows = connection.execute(
        f"SELECT id, chunk_id, stems FROM chunks WHERE id IN ({placeholders(ids)})", ids
    ).fetchall()
    meta = dict(connection.execute("SELECT key, value FROM meta WHERE key IN ('chunk_count', 'token_count')"))
    size = max(int(meta.get("chunk_count", 0)), 1)
    average_length = max(int(meta.get("token_count", 0)) / size, 1.0)
    idf = {stem: math.log(1 + (size - counts[stem] + 0.5) / (counts[stem] + 0.5)) for stem in known}
    scored = []
    for row_id, chunk_id, text in rows:
        tokens = text.split()
        norm = K1 * (1 - B + B * len(tokens) / average_length)
        # Only the question's few stems are counted (in C), not every stem of the chunk.
        frequencies = {stem: tokens.count(stem) for stem in idf}
        score = sum(weight * frequencies[stem] / (frequencies[stem] + norm) for stem, weight in idf.items())
        if score > 0:
            scored.append((-score, row_id, chunk_id))
    scored.sort()
    return [(chunk_id, -negative) for negative, _, chunk_id in scored[:k]]


def term_weights(connection: sqlite3.Connection) -> tuple[dict[str, float], int]:
    """Inverse document frequency of every indexed stem, as the extractive answer and the evaluation use it."""
    row = connection.execute("SELECT value FROM meta WHERE key = 'chunk_count'").fetchone()
    total = int(row[0]) if row else 0
    size = max(total, 1)
    weights = {
        term: math.log((size + 1) / (docs + 0.5))
        for term, docs in connection.execute("SELECT term, docs FROM terms WHERE docs > 0")
    }
    return weights, total


def placeholders(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))
