"""Hostile files benchmark (issue 12): time and peak memory of the parsing child on each attack.

Usage: PYTHONPATH=src:. python benchmarks/hostile_files.py [--out benchmarks/results/hostile_files.json]
Each file is parsed by a fresh IsolatedParser in a fresh process, so the peak RSS of its children is the
parsing worker's alone. The bomb is measured twice: with the default zip check, and with the check lifted
(max_decompressed_mb=500) so that the memory cap of the child is what stops it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES: list[tuple[str, str, dict[str, float]]] = [
    ("malforme.docx", "write_docx_malformed_xml", {}),
    ("tronque.docx", "write_docx_truncated_part", {}),
    ("bombe.docx", "write_docx_bomb", {}),
    ("bombe.docx", "write_docx_bomb", {"max_decompressed_mb": 500.0}),
    ("imbrique.html", "write_nested_html", {}),
    ("mot.md", "write_one_word_markdown", {}),
]

_ONE_CASE = """
import json, resource, sys, time
from pathlib import Path
from essbot.config import Settings
from essbot.ingest.isolation import IsolatedParser
from essbot.ingest.loaders import SkippedFile
path, changes = Path(sys.argv[1]), json.loads(sys.argv[2])
started = time.perf_counter()
with IsolatedParser(Settings().replace(**changes)) as parser:
    try:
        result = f"{len(parser.chunk(path, path.name)[1])} passage(s)"
    except SkippedFile as skip:
        result = "ignoré : " + skip.reason
print(json.dumps({
    "seconds": round(time.perf_counter() - started, 2),
    "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    # VmHWM, not ru_maxrss: the latter keeps the high-water mark of the process that forked this one.
    "caller_peak_rss_mb": round(int(next(
        line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")
    )) / 1024, 1),
    "result": result,
}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "hostile_files.json")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.data import hostile_files

    rows = []
    with tempfile.TemporaryDirectory(prefix="essbot-hostile-") as tmp:
        for name, writer, changes in CASES:
            path = getattr(hostile_files, writer)(Path(tmp) / name)
            run = subprocess.run(
                [sys.executable, "-c", _ONE_CASE, str(path), json.dumps(changes)],
                check=True,
                capture_output=True,
                text=True,
            )
            row = {"file": name, "size_kb": round(path.stat().st_size / 1024), "settings": changes}
            row.update(json.loads(run.stdout.strip().splitlines()[-1]))
            print(row)
            rows.append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"Résultats écrits dans {args.out}")


if __name__ == "__main__":
    main()
