"""Query benchmark: retrieval and extractive-answer latency (warm), and cold start in a fresh process.

Usage: python benchmarks/query.py [--index indexes/default] [--gold evals/documents.jsonl] [--rounds 3]

Times one hybrid search alone, then retrieval with follow-up resolution and the abstention check (questions
without / with a history), then the whole extractive answer (sentence scoring and citation check included).
Prints the figures and writes benchmarks/results/query.json. Builds the index first if it is missing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLD_START = """
import time, sys
started = time.perf_counter()
from essbot import Assistant
assistant = Assistant.load(sys.argv[1])
loaded = time.perf_counter()
assistant.ask("Qui délivre l'agrément ESUS ?")
print(loaded - started, time.perf_counter() - started)
"""


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path, default=ROOT / "indexes" / "default")
    parser.add_argument("--gold", type=Path, default=ROOT / "evals" / "documents.jsonl")
    parser.add_argument("--rounds", type=int, default=3, help="passes over the gold questions (warm)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "query.json")
    args = parser.parse_args()
    if not (args.index / "store.sqlite").is_file():
        subprocess.run(
            [
                str(Path(sys.executable).with_name("essbot")),
                "ingest",
                str(ROOT / "documents"),
                "--index",
                str(args.index),
                "--quiet",
            ],
            check=True,
        )

    cold = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", COLD_START, str(args.index)], check=True, capture_output=True, text=True
        ).stdout.split()
        cold.append((float(out[0]), float(out[1])))

    from essbot import Assistant

    assistant = Assistant.load(args.index)
    rows = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [(row["question"], row.get("history") or None) for row in rows]
    assistant.ask(questions[0][0])  # warm-up
    search, prepare, answer, followup = [], [], [], []
    encoder = assistant.retriever.embedding
    for _ in range(args.rounds):
        for question, history in questions:
            # Each measure times the question as new: the encoder keeps recent queries' vectors.
            encoder.forget_recent_queries()
            started = time.perf_counter()
            assistant.retriever.search(question)  # one hybrid search, nothing else
            search.append((time.perf_counter() - started) * 1000)
            encoder.forget_recent_queries()
            started = time.perf_counter()
            assistant.retrieve(question, history)  # + follow-up resolution (searches) + abstention check
            (followup if history else prepare).append((time.perf_counter() - started) * 1000)
            encoder.forget_recent_queries()
            started = time.perf_counter()
            assistant.ask(question, history)  # + sentence scoring, extraction, citation check
            answer.append((time.perf_counter() - started) * 1000)

    figures = {
        "questions": len(questions),
        "rounds": args.rounds,
        "chunks": assistant.retriever.store.stats().chunks,
        "retrieval_ms_p50": round(statistics.median(search), 1),
        "retrieval_ms_p95": round(percentile(search, 0.95), 1),
        "retrieval_and_abstention_ms_p95": round(percentile(prepare, 0.95), 1),
        "followup_resolution_and_abstention_ms_p95": round(percentile(followup, 0.95), 1) if followup else None,
        "answer_ms_p50": round(statistics.median(answer), 1),
        "answer_ms_p95": round(percentile(answer, 0.95), 1),
        "cold_load_s_median": round(statistics.median(c[0] for c in cold), 2),
        "cold_start_first_answer_s_median": round(statistics.median(c[1] for c in cold), 2),
        "targets": {"retrieval_ms_p95": 50, "answer_ms_p95": 300, "cold_start_s": 5},
    }
    for key, value in figures.items():
        print(f"  {key:34s} {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"Résultats écrits dans {args.out}")


if __name__ == "__main__":
    main()
