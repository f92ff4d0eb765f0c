"""LEGI archives read within bounds, in every compression a dump may use, and the date recorded for an uploaded
LEGI file (used by the loader, part of the content hash so that a new date re-indexes an unchanged file)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.ingest.legi import chunk_legi
from essbot.ingest.legi_archive import date_file, record_date
from essbot.ingest.loaders import SkippedFile
from essbot.ingest.pipeline import file_sha256, ingest
from tests.conftest import stored_chunks

LEGI_DIR = Path(__file__).parents[1] / "data" / "legi"


def dump(path: Path, mode: str = "w:gz", extra: int = 0) -> Path:
    """The fixtures in an archive (`mode` chooses the compression), plus `extra` empty non-XML members."""
    with tarfile.open(path, mode) as archive:  # type: ignore[call-overload]
        for file in sorted(LEGI_DIR.glob("*.xml")):
            archive.add(file, arcname=f"legi/article/{file.name}")
        for i in range(extra):
            info = tarfile.TarInfo(f"legi/struct/{i}.txt")
            archive.addfile(info)
    return path


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz", "w"])
def test_every_compression_of_a_dump_is_read(tmp_path: Path, mode: str) -> None:
    path = dump(tmp_path / "legi.tar.gz", mode)
    _, chunks = chunk_legi(path, path.name, Settings().replace(legi_date="2024-01-01"))
    assert sorted(c.article or "" for c in chunks) == ["1", "L. 3332-17-1", "L. 3332-17-2"]


def test_bounds_on_members_and_inflated_size(tmp_path: Path) -> None:
    path = dump(tmp_path / "legi.tar.gz", extra=20)
    settings = Settings().replace(legi_date="2024-01-01")
    assert len(chunk_legi(path, path.name, settings.replace(legi_max_members=28))[1]) == 3  # 8 articles + 20
    with pytest.raises(SkippedFile, match="archive de plus de 27 fichiers"):
        chunk_legi(path, path.name, settings.replace(legi_max_members=27))
    with pytest.raises(SkippedFile, match="se décompresse au-delà de 0 Mo"):
        chunk_legi(path, path.name, settings.replace(legi_max_inflated_mb=0.01))


def test_recorded_date_selects_the_versions_and_changes_the_hash(tmp_path: Path) -> None:
    path = dump(tmp_path / "legi.tar.gz")
    settings = Settings().replace(legi_date="2024-01-01")
    plain = file_sha256(path)
    record_date(path, Settings().replace(legi_date="2016-01-01").legi_at)
    assert date_file(path).read_text(encoding="utf-8") == "2016-01-01\n"
    _, chunks = chunk_legi(path, path.name, settings)  # the recorded date wins over the setting
    assert {c.article: c.updated for c in chunks}["13"] == "2015-08-19"
    dated = file_sha256(path)
    assert dated != plain
    record_date(path, Settings().replace(legi_date="2017-01-01").legi_at)
    assert file_sha256(path) not in {plain, dated}
    record_date(path, None)
    assert file_sha256(path) == plain and not date_file(path).exists()
    date_file(path).write_text("hier", encoding="utf-8")
    with pytest.raises(SkippedFile, match="date d'indexation LEGI enregistrée illisible"):
        chunk_legi(path, path.name, settings)


def test_a_new_recorded_date_reindexes_the_unchanged_archive(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    path = dump(docs / "legi.tar.gz")
    settings = Settings(index_dir=tmp_path / "index", legi_date="2024-01-01")
    ingest([docs], settings, embedding=embedding)
    assert "13" not in {c.article for c in stored_chunks(settings.index_dir)}
    record_date(path, Settings().replace(legi_date="2016-01-01").legi_at)
    report = ingest([docs], settings, embedding=embedding)
    assert report.indexed == ["legi.tar.gz"]
    assert [s.source for s in report.skipped] == ["legi.tar.gz:legi/article/LEGIARTI000099999999.xml"]  # not the date
    assert "13" in {c.article for c in stored_chunks(settings.index_dir)}
