"""Ingest throughput on Ray with 1 and 2 workers, and on the serial path for reference, over the same files.

Usage: python benchmarks/ingest_ray.py [--out benchmarks/results/ingest-ray.json] [--workers 1 2] [--skip-serial]
Needs `pip install 'essbot[ray]'`. Corpus: documents/ plus ../shared/seeds (when present). Each run builds a
fresh index from scratch (parsing, splitting, embedding and writing); Ray is started once, before the runs
(its start-up is reported apart), and each Ray run includes starting its workers (model load, parsing process).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def corpus() -> list[Path]:
    return [folder for folder in (ROOT / "documents", SEEDS) if folder.is_dir()]


def timed_ingest(folders: list[Path], index_dir: Path, ray_address: str | None, workers: int) -> dict[str, float]:
    from essbot.config import Settings
    from essbot.ingest.pipeline import ingest

    settings = Settings(index_dir=index_dir, ray_workers=workers)
    started = time.perf_counter()
    report = ingest(folders, settings, rebuild=True, ray_address=ray_address)
    seconds = time.perf_counter() - started
    files = len(report.indexed) + len(report.skipped)
    return {
        "seconds": round(seconds, 2),
        "files": files,
        "chunks": report.chunks_total,
        "files_per_s": round(files / seconds, 3),
        "chunks_per_s": round(report.chunks_total / seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ingest-ray.json")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--skip-serial", action="store_true")
    args = parser.parse_args()

    import ray

    folders = corpus()
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "ray": ray.__version__},
        "load_average_before": os.getloadavg(),
        "corpus": [folder.name for folder in folders],
        "runs": {},
    }
    runs: dict[str, dict[str, float]] = results["runs"]  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(prefix="essbot-bench-ray-") as tmp:
        if not args.skip_serial:
            runs["serial"] = timed_ingest(folders, Path(tmp) / "serial", None, 0)
            print(f"serial: {runs['serial']}", flush=True)
        started = time.perf_counter()
        ray.init(num_cpus=max(args.workers), include_dashboard=False, log_to_driver=False)
        results["ray_start_seconds"] = round(time.perf_counter() - started, 2)
        try:
            for workers in args.workers:
                name = f"ray_{workers}_worker{'s' if workers > 1 else ''}"
                runs[name] = timed_ingest(folders, Path(tmp) / name, "local", workers)
                print(f"{name}: {runs[name]}", flush=True)
        finally:
            ray.shutdown()
    results["load_average_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
