"""Choose the abstention floors on the dev splits of the gold sets, and print them (never reads a test row).

Usage:
    python evals/calibrate_abstention.py [--index-root indexes]

Needs the indexes of each corpus: indexes/default (documents/), indexes/eval-seeds and indexes/eval-lois (built
by `essbot eval --gold evals/seeds.jsonl` / `lois.jsonl`, or `essbot ingest ../shared/... --index ...`). Gold sets
whose index is missing are left out with a message. Searches the floors of coverage, best shaped sentence and
dense similarity (abstain below any of them, or when a named term is missing) and the contrast margin (abstain when
a contrast passage beats the corpus by more, `answer/contrast.py`), and prints the best few by precision + recall
of abstention, with a penalty for false abstentions above 5 %, to copy into Settings (`abstain_min_coverage`,
`abstain_min_sentence`, `abstain_contrast_margin`) and `essbot.answer.abstain.DENSE_FLOORS`, after the configured
floors' own dev figures. A candidate is adopted only if the test splits then stay above their regression floors
(`tests/evaluation/test_regression.py`): on 2 December the dev optimum with the contrast check (coverage 0.16,
dense 0.835) lost three right abstentions on test and gained no keyword, and was not adopted.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from essbot.answer.abstain import FEATURES, STRONG_COVERAGE, abstention_features, dense_floor
from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.errors import IndexNotFoundError
from essbot.evaluation.gold import load_gold
from essbot.index.embeddings import create_embedding

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "documents": "default",
    "conversations": "default",
    "out_of_scope": "default",
    "seeds": "eval-seeds",
    "lois": "eval-lois",
}


def collect(index_root: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rows, labels, ids = [], [], []
    assistants: dict[str, Assistant] = {}
    for name, index in SETS.items():
        if index not in assistants:
            try:
                assistants[index] = Assistant.load(index_root / index)
            except IndexNotFoundError:
                print(f"{name}: index {index_root / index} absent, jeu ignoré")
                continue
        assistant = assistants[index]
        for item in load_gold(ROOT / "evals" / f"{name}.jsonl"):
            if item.split != "dev":
                continue
            question, _, query, passages, _, ranked = assistant._prepare(
                item.question, item.history_dicts(), None, None
            )
            features, _ = abstention_features(question, query, passages, assistant.weights, ranked)
            contrast = assistant._contrast(query, None) if passages else None
            rows.append([features[f] for f in FEATURES] + [contrast.margin if contrast else -1.0])
            labels.append(1 if item.answerable else 0)
            ids.append(item.id)
    return np.array(rows), np.array(labels), ids


def scores(
    x: np.ndarray, y: np.ndarray, floors: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """Precision, recall and false-abstention rate of abstaining below the floors (above the contrast margin), and
    their objective."""
    coverage, sentence, dense, missing, contrast = x.T
    abstain = (coverage < floors[0]) | (sentence < floors[1]) | ((dense < floors[2]) & (coverage < STRONG_COVERAGE))
    abstain |= (missing > 0) | (contrast > floors[3])
    right = float(np.sum(abstain & (y == 0)))
    precision = right / max(int(abstain.sum()), 1)
    recall = right / max(int(np.sum(y == 0)), 1)
    false_rate = float(np.sum(abstain & (y == 1))) / max(int(np.sum(y == 1)), 1)
    return precision, recall, false_rate, precision + recall - 2 * max(0.0, false_rate - 0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-root", type=Path, default=ROOT / "indexes")
    args = parser.parse_args()
    x, y, _ = collect(args.index_root)
    grid = [
        (c, s, d, m)
        for c in np.arange(0.10, 0.50, 0.02)
        for s in np.arange(0.20, 0.60, 0.02)
        for d in (0.0, 0.82, 0.83, 0.84, 0.845, 0.85, 0.855, 0.86)
        for m in (0.0, 0.01, 0.02, 0.03, 0.05, 1.0)  # 1.0: no contrast check
    ]
    ranked = sorted(grid, key=lambda floors: -scores(x, y, floors)[3])
    print(f"dev rows: {len(y)} ({int(np.sum(y == 0))} unanswerable); features: {(*FEATURES, 'contrast')}")
    settings = Settings()
    configured = (
        settings.abstain_min_coverage,
        settings.abstain_min_sentence,
        dense_floor(settings, create_embedding(settings).model_id),
        settings.abstain_contrast_margin,
    )
    precision, recall, false_rate, _ = scores(x, y, configured)
    print(
        f"configured {configured}  →  precision {precision:.3f}  recall {recall:.3f}  false abstention {false_rate:.3f}"
    )
    for floors in ranked[:8]:
        precision, recall, false_rate, _ = scores(x, y, floors)
        print(
            f"coverage ≥ {floors[0]:.2f}  sentence ≥ {floors[1]:.2f}  dense ≥ {floors[2]:.3f}  "
            f"contrast ≤ {floors[3]:.2f}  →  "
            f"precision {precision:.3f}  recall {recall:.3f}  false abstention {false_rate:.3f}"
        )


if __name__ == "__main__":
    main()
