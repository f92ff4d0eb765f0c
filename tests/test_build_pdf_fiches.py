"""scripts/build_pdf_fiches.py: the front matter becomes PDF metadata and never reaches the page text."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import pytest

pypdf = pytest.importorskip("pypdf")
SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "build_pdf_fiches.py"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.fixture(scope="module")
def builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_pdf_fiches", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_front_matter_is_split_from_the_text(builder: ModuleType) -> None:
    meta, text = builder.split_front_matter("---\ntitle: Une fiche\ndate: 2026-12-01\n---\n# Une fiche\n\nCorps.\n")
    assert meta == {"title": "Une fiche", "date": "2026-12-01"}
    assert text.startswith("# Une fiche")
    assert builder.split_front_matter("# Sans en-tête\n") == ({}, "# Sans en-tête\n")


def test_bad_date_is_rejected(builder: ModuleType) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        builder.fiche_date({"date": "décembre 2026"}, Path("x.md"))


@pytest.mark.skipif(not FONT.is_file(), reason="polices DejaVu absentes (apt-get install fonts-dejavu-core)")
def test_pdf_carries_title_and_date_but_not_the_front_matter(builder: ModuleType, tmp_path: Path) -> None:
    src = tmp_path / "fiche-test.md"
    src.write_text(
        "---\ntitle: Fiche de test datée\ndate: 2026-12-01\n---\n# Fiche de test\n\n## En bref\n\nUn paragraphe.\n",
        encoding="utf-8",
    )
    out = builder.build_pdf(src, tmp_path)
    reader = pypdf.PdfReader(str(out))
    assert reader.metadata.title == "Fiche de test datée"
    assert reader.metadata.creation_date == datetime(2026, 12, 1, tzinfo=UTC)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "Un paragraphe." in text
    assert "date:" not in text and "---" not in text
