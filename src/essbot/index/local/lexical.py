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


def query_stems(connection: sqlite3.Connection, query: str) -> list[str]:
    """The question's stems worth matching: known ones, without those in more than half of the chunks (FTS5's
    BM25 gives them a weight of almost nothing, and listing their rows is what makes a search slow)."""
    stems = list(dict.fromkeys(tokenize_french(query)))
    if not stems:
        return []
    counts = dict(connection.execute(f"SELECT term, docs FROM terms WHERE term IN ({placeholders(stems)})", stems))
    known = [stem for stem in stems if counts.get(stem, 0) > 0]
    half = connection.execute("SELECT value FROM meta WHERE key = 'chunk_count'").fetchone()
    limit = int(half[0]) / 2 if half else float("inf")
    useful = [stem for stem in known if counts[stem] <= limit]
    return useful or known


def count_terms(connection: sqlite3.Connection, stems: Sequence[str], sign: int) -> None:
    """Add (sign 1) or take away (sign -1) the chunks holding each stem from `terms`."""
    counts: dict[str, int] = {}
    for text in stems:
        for stem in set(text.split()):
            counts[stem] = counts.get(stem, 0) + sign
    connection.executemany(
        "INSERT INTO terms (term, docs) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET docs = docs + excluded.docs",
        counts.items(),
    )
    if sign < 0:
        connection.executemany("DELETE FROM terms WHERE term = ? AND docs <= 0", [(stem,) for stem in counts])


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
    stems = query_stems(connection, query)
    if not stems or k <= 0:
        return []
    expression = " OR ".join(f'"{stem}"' for stem in stems)  # stems are word characters: quoting is safe
    where, params = filter_sql(filters)
    rows = connection.execute(
        "SELECT c.chunk_id, -bm25(lexical) AS score FROM lexical JOIN chunks c ON c.id = lexical.rowid "
        f"WHERE lexical MATCH ?{where} ORDER BY score DESC, c.id LIMIT ?",
        [expression, *params, k],
    ).fetchall()
    return [(chunk_id, float(score)) for chunk_id, score in rows if score > 0]


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
