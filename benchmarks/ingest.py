"""Ingestion benchmark: throughput, no-change re-ingest, index load time, peak memory, pipeline vs bare encoder.

Usage: python benchmarks/ingest.py [--out benchmarks/results/ingest.json]
Prints the figures and writes them as JSON. Corpora: documents/ and ../shared/seeds (skipped if absent).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
ESSBOT = Path(sys.executable).with_name("essbot")


def _timed_cli(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([str(ESSBOT), *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - started


def _child_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench_corpus(name: str, folder: Path, workdir: Path) -> dict[str, float | int | str]:
    from essbot.config import Settings
    from essbot.index.embeddings import create_embedding
    from essbot.index.stores import open_store
    from essbot.ingest.pipeline import ingest

    index_dir = workdir / name
    # 1. Full ingest from scratch through the real CLI, model load included.
    cli_full = _timed_cli("ingest", str(folder), "--index", str(index_dir), "--quiet")
    # 2. No-change re-ingest through the CLI (process start-up included).
    cli_nochange = _timed_cli("ingest", str(folder), "--index", str(index_dir), "--quiet")
    peak_rss_cli = _child_peak_rss_mb()

    # 3. Index load (index files + embedding model), as a server or the CLI does it.
    settings = Settings(index_dir=index_dir)
    started = time.perf_counter()
    model = create_embedding(settings)
    index = open_store(settings, index_dir, model.model_id)
    index.dense_search(model.encode_query("agrément"), 1)  # loads the vectors
    load_seconds = time.perf_counter() - started

    # 4. Pipeline vs bare encoder on the same chunks, side by side in one process with a warm model.
    texts = [chunk.embed_text for _, chunks, _ in index.documents() for chunk in chunks]
    files = index.files()
    started = time.perf_counter()
    batch = settings.embedding_batch_size
    for i in range(0, len(texts), batch):
        model.encode_passages(sorted(texts, key=len)[i : i + batch])
    encoder_seconds = time.perf_counter() - started
    rebuild_dir = workdir / f"{name}-pipeline"
    report = ingest([folder], settings.replace(index_dir=rebuild_dir), embedding=model)
    pipeline_seconds = report.seconds
    pages = sum(record.pages or 1 for record in files.values() if not record.skipped)
    chunks = len(texts)
    return {
        "corpus": name,
        "files": len(files),
        "pages": pages,
        "chunks": chunks,
        "cli_full_ingest_s": round(cli_full, 2),
        "cli_nochange_reingest_s": round(cli_nochange, 2),
        "index_load_s": round(load_seconds, 3),
        "pipeline_s": round(pipeline_seconds, 2),
        "pipeline_pages_per_s": round(pages / pipeline_seconds, 2),
        "pipeline_chunks_per_s": round(chunks / pipeline_seconds, 2),
        "encoder_passages_per_s": round(chunks / encoder_seconds, 2),
        "pipeline_vs_encoder": round((chunks / pipeline_seconds) / (chunks / encoder_seconds), 3),
        "peak_rss_cli_mb": round(peak_rss_cli, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ingest.json")
    args = parser.parse_args()
    corpora = [("documents", ROOT / "documents")]
    if SEEDS.is_dir():
        corpora.append(("seeds", SEEDS))
    else:
        print(f"../shared/seeds absent ({SEEDS}) : corpus des seeds ignoré.")
    workdir = Path(tempfile.mkdtemp(prefix="essbot-bench-"))
    try:
        results = [bench_corpus(name, folder, workdir) for name, folder in corpora]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    payload = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "peak_rss_bench_process_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "results": results,
    }
    for row in results:
        print(f"\n== {row['corpus']}")
        for key, value in row.items():
            if key != "corpus":
                print(f"  {key:28s} {value}")
    print(f"\n  peak RSS (this process)      {payload['peak_rss_bench_process_mb']} MB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nRésultats écrits dans {args.out}")


if __name__ == "__main__":
    main()
