"""How long the LEGI loader takes on a large dump and how fast it refuses a gzip bomb (the bounds of issue 10).

A synthetic dump of --articles article files (copies of the team-written fixtures under new identifiers, deep in
folders as the DILA ships them, every version of each article) is read by the loader as the upload check and the
re-index do (`chunk_legi`, in this process); then a gzip bomb (one member of zeros) is read under the default bound
(legi_max_inflated_mb). Prints the figures and writes benchmarks/results/legi_archive.json.

Usage: python benchmarks/legi_archive.py [--articles 20000]
"""

from __future__ import annotations

import argparse
import io
import json
import tarfile
import tempfile
import time
from pathlib import Path

from essbot.config import Settings
from essbot.ingest.legi import chunk_legi
from essbot.ingest.loaders import SkippedFile

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests" / "data" / "legi").glob("LEGIARTI0000[0-3]*.xml"))  # not the damaged one
RESULT = ROOT / "benchmarks" / "results" / "legi_archive.json"


class Zeros:
    def read(self, size: int) -> bytes:
        return bytes(size)


def synthetic_dump(path: Path, articles: int) -> int:
    """`articles` article files, each fixture copied under a new LEGIARTI id and NUM; returns the members."""
    members = 0
    with tarfile.open(path, "w:gz", compresslevel=6) as archive:
        for i in range(articles):
            source = FIXTURES[i % len(FIXTURES)].read_bytes()
            legi_id = f"LEGIARTI{500_000_000_000 + i:012d}"
            data = source.replace(b"<NUM>", f"<NUM>X{i // len(FIXTURES)}-".encode(), 1)
            data = data.replace(source.split(b"<ID>", 1)[1].split(b"</ID>", 1)[0], legi_id.encode(), 1)
            info = tarfile.TarInfo(f"legi/global/code_et_TNC_en_vigueur/article/LEGI/ARTI/{i % 97:02d}/{legi_id}.xml")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            members += 1
    return members


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    args = parser.parse_args()
    settings = Settings()
    results: dict[str, object] = {"articles": args.articles}
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "legi-synthetique.tar.gz"
        results["members"] = synthetic_dump(dump, args.articles)
        results["archive_mb"] = round(dump.stat().st_size / 1024 / 1024, 2)
        started = time.perf_counter()
        _, chunks = chunk_legi(dump, dump.name, settings)
        results["read_s"] = round(time.perf_counter() - started, 2)
        results["chunks_in_force"] = len(chunks)
        results["articles_per_s"] = round(args.articles / results["read_s"])  # type: ignore[operator]

        bomb = Path(tmp) / "bombe.tar.gz"
        with tarfile.open(bomb, "w:gz", compresslevel=9) as archive:
            info = tarfile.TarInfo("legi/bombe.xml")
            info.size = 4 * settings.legi_max_inflated_bytes
            archive.addfile(info, Zeros())  # type: ignore[arg-type]
        results["bomb_mb"] = round(bomb.stat().st_size / 1024 / 1024, 2)
        results["bomb_declared_mb"] = 4 * settings.legi_max_inflated_mb
        started = time.perf_counter()
        try:
            chunk_legi(bomb, bomb.name, settings)
            results["bomb_refused"] = False
        except SkippedFile as skip:
            results["bomb_refused"] = True
            results["bomb_reason"] = skip.reason
        results["bomb_refusal_s"] = round(time.perf_counter() - started, 2)
    for key, value in results.items():
        print(f"{key}: {value}")
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
