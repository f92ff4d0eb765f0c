"""Give every gold row without a `split` a frozen one: `dev` (tune on it) or `test` (report it).

Usage:
    python evals/assign_splits.py evals/*.jsonl

Rows are grouped by `kind`; inside a group they are ordered by a hash of their id and alternate test/dev, so
each kind is split about half and half, independently of the file's order. A row that already has a split keeps
it: adding questions never moves an old one from test to dev.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path


def _order(row_id: str) -> str:
    return hashlib.sha256(row_id.encode("utf-8")).hexdigest()


def assign(rows: list[dict]) -> list[dict]:
    """Fill in `split` for the rows that lack one, stratified by kind (existing splits count in the balance)."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row.get("kind") or ("fact" if row.get("answerable") else "unanswerable")].append(row)
    for group in groups.values():
        counts = {"dev": 0, "test": 0}
        for row in group:
            if row.get("split") in counts:
                counts[row["split"]] += 1
        for row in sorted((r for r in group if "split" not in r), key=lambda r: _order(r["id"])):
            row["split"] = "test" if counts["test"] <= counts["dev"] else "dev"
            counts[row["split"]] += 1
    return rows


def main(paths: list[str]) -> int:
    for name in paths:
        path = Path(name)
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        assign(rows)
        ordered = [
            {"id": r["id"], "split": r["split"], **{k: v for k, v in r.items() if k not in ("id", "split")}}
            for r in rows
        ]
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ordered), encoding="utf-8")
        tally = {s: sum(r["split"] == s for r in rows) for s in ("dev", "test")}
        print(f"{path}: {tally['dev']} dev, {tally['test']} test")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
