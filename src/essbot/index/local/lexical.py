"""The lexical side of a local store: SQLite FTS5 over French stems, with the filters inside the SQL."""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Sequence

from essbot.index.protocol import Filters
from essbot.text.tokens import tokenize_french


def stems_of(text: str) -> str:
    """What FTS5 indexes for a chunk: its French stems, space-separated."""
    return " ".join(tokenize_french(text))


def match_expression(query: str) -> str:
    """An FTS5 query matching any stem of the question (stems are word characters only: quoting is safe)."""
    seen: list[str] = []
    for token in tokenize_french(query):
        if token not in seen:
            seen.append(token)
    return " OR ".join(f'"{token}"' for token in seen)


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
                clauses.append("(" + " OR ".join(f"substr({alias}.source, 1, ?) = ?" for _ in values) + ")")
                for value in values:
                    params.extend((len(value), value))
        elif key == "doc_type":
            clauses.append(f"{alias}.doc_type IN ({','.join('?' * len(values))})" if values else "0")
            params.extend(values)
    return "".join(f" AND {clause}" for clause in clauses), params


def lexical_search(
    connection: sqlite3.Connection, query: str, k: int, filters: Filters | None
) -> list[tuple[str, float]]:
    """(chunk id, BM25 score > 0) pairs, best first (FTS5's bm25: k1 = 1.2, b = 0.75)."""
    expression = match_expression(query)
    if not expression or k <= 0:
        return []
    where, params = filter_sql(filters)
    rows = connection.execute(
        "SELECT c.chunk_id, -bm25(lexical) AS score FROM lexical JOIN chunks c ON c.id = lexical.rowid "
        f"WHERE lexical MATCH ?{where} ORDER BY score DESC, c.id LIMIT ?",
        [expression, *params, k],
    ).fetchall()
    return [(chunk_id, float(score)) for chunk_id, score in rows if score > 0]


def term_weights(connection: sqlite3.Connection) -> tuple[dict[str, float], int]:
    """Inverse document frequency of every indexed stem, as the extractive answer and the evaluation use it."""
    total = connection.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    size = max(total, 1)
    weights = {
        term: math.log((size + 1) / (docs + 0.5))
        for term, docs in connection.execute("SELECT term, doc FROM lexical_terms")
    }
    return weights, total


def placeholders(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))
