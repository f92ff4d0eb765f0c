"""Throughput of two code revisions on the same machine, same corpus, same hour: `POST /v1/ask` at N clients.

A machine's throughput drifts by ± 15 % within an hour (other tenants, thermal state), so a figure measured on
another day says little about a change. This script runs `benchmarks/http_load.py` of each revision in turn,
in A B B A order (a slow drift weighs on both alike), and reports the paired differences.

The base revision is exported with `git archive` into a temporary folder and builds its own index of today's
`documents/` with its own code (index formats differ between revisions). It runs with the current virtualenv;
packages it needs that the current code no longer uses go in a folder given by --base-deps
(`pip install --target DIR 'bm25s>=0.3.16' PyStemmer defusedxml` for revisions before the local store).

Usage: python benchmarks/http_ab.py [--base 97ee7ae] [--base-deps DIR] [--pairs 3] [--duration 30] [--clients 8]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MAX_PAIRS = 10
DEFAULT_BASE = "97ee7ae"  # the last commit before the store interface (issue 11)


def export_revision(revision: str, folder: Path) -> str:
    """The revision's files in `folder`; returns its full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"], cwd=ROOT, capture_output=True, text=True
    )
    if commit.returncode != 0:
        raise SystemExit(f"Révision inconnue : {revision}")
    archive = folder.with_suffix(".tar")
    subprocess.run(["git", "archive", "--output", str(archive), commit.stdout.strip()], cwd=ROOT, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    archive.unlink()
    return commit.stdout.strip()


def environment(src: Path, extra: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ESSBOT_")}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (src, extra) if p is not None)
    return env


def build_index(code: Path, index: Path, env: dict[str, str]) -> None:
    """`essbot ingest documents/` with the revision's own code (its entry point is not installed)."""
    print(f"Index de {code.name} : {index}…", flush=True)
    command = [sys.executable, "-c", "from essbot.cli import main; main()", "ingest", str(ROOT / "documents")]
    done = subprocess.run(
        [*command, "--index", str(index)], cwd=code, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        raise SystemExit(
            f"L'indexation par {code.name} a échoué ({detail[0]}). Une révision antérieure au stockage SQLite a "
            "besoin de paquets que le code actuel n'utilise plus : voir --base-deps dans l'aide."
        )


def run_load(code: Path, index: Path, env: dict[str, str], clients: int, duration: float, out: Path) -> float:
    """One `http_load.py` run of the revision in `code`; its answers per second."""
    command = [sys.executable, str(code / "benchmarks" / "http_load.py"), "--index", str(index)]
    command += ["--clients", str(clients), "--duration", str(duration), "--ttft-runs", "0", "--out", str(out)]
    subprocess.run(command, cwd=code, env=env, check=True, stdout=subprocess.DEVNULL)
    return float(json.loads(out.read_text())["levels"][0]["answers_per_s"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default=DEFAULT_BASE, help="révision de référence (git)")
    parser.add_argument("--base-deps", type=Path, help="dossier de paquets propres à la révision de référence")
    parser.add_argument("--pairs", type=int, default=3, help=f"paires A B B A (max {MAX_PAIRS})")
    parser.add_argument("--duration", type=float, default=30.0, help="secondes par mesure")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--index", type=Path, default=ROOT / "indexes" / "default", help="index du code actuel")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "http_ab.json")
    args = parser.parse_args()
    pairs = max(1, min(args.pairs, MAX_PAIRS))

    with tempfile.TemporaryDirectory(prefix="essbot-http-ab-") as tmp:
        work = Path(tmp)
        base_code = work / "base"
        base_commit = export_revision(args.base, base_code)
        base_env = environment(base_code / "src", args.base_deps.resolve() if args.base_deps else None)
        current_env = environment(ROOT / "src", None)
        base_index = work / "base-index"
        build_index(base_code, base_index, base_env)
        if not (args.index / "store.sqlite").is_file():
            build_index(ROOT, args.index, current_env)

        runs: dict[str, list[float]] = {"base": [], "current": []}

        def measure(name: str, turn: int) -> None:
            code, index, env = (
                (base_code, base_index, base_env) if name == "base" else (ROOT, args.index.resolve(), current_env)
            )
            value = run_load(code, index, env, args.clients, args.duration, work / f"{name}-{turn}.json")
            runs[name].append(value)
            print(f"  {name:8} {value:6.2f} réponses/s", flush=True)

        load_before = os.getloadavg()
        for turn in range(pairs):  # A B B A: base, current, current, base
            print(f"Paire {turn + 1}/{pairs} ({time.strftime('%H:%M:%S')})", flush=True)
            for name in ("base", "current", "current", "base"):
                measure(name, len(runs[name]))

    diffs = [c - b for b, c in zip(runs["base"], runs["current"], strict=True)]
    summary = {
        name: {"mean": round(statistics.mean(v), 2), "stdev": round(statistics.stdev(v), 2) if len(v) > 1 else 0.0}
        for name, v in runs.items()
    }
    paired = {
        "mean": round(statistics.mean(diffs), 2),
        "standard_error": round(statistics.stdev(diffs) / len(diffs) ** 0.5, 2) if len(diffs) > 1 else None,
    }
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    payload: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_avg_before": load_before},
        "base": base_commit,
        "current": head,
        "clients": args.clients,
        "duration_s": args.duration,
        "order": "A B B A",
        "answers_per_s": runs,
        "summary": summary,
        "paired_difference": paired,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    base, current = summary["base"], summary["current"]
    print(f"\nRéférence {base_commit[:10]} : {base['mean']:.2f} réponses/s (écart-type {base['stdev']:.2f})")
    print(f"Code actuel : {current['mean']:.2f} réponses/s (écart-type {current['stdev']:.2f})")
    error = f" ± {paired['standard_error']:.2f}" if paired["standard_error"] is not None else ""
    print(f"Différence appariée (actuel − référence) : {paired['mean']:+.2f}{error} réponses/s")
    print(f"Résultats écrits dans {args.out}")


if __name__ == "__main__":
    main()
