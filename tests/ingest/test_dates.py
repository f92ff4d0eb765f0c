"""Every document is dated: front matter, HTML meta, PDF metadata, the law exports' own lines, file date."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from essbot.config import Settings
from essbot.ingest.dates import iso_date, split_front_matter
from essbot.ingest.loaders import load_document
from tests.conftest import LAWS_DIR, chunks_of, shared_file
from tests.data import make_fixtures as fx

MAX_BYTES = Settings().max_file_bytes
DOCUMENTS_DIR = Path(__file__).parents[2] / "documents"


def set_file_date(path: Path, day: str) -> Path:
    stamp = datetime.fromisoformat(f"{day}T12:00:00").timestamp()
    os.utime(path, (stamp, stamp))
    return path


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("2026-11-15", "2026-11-15"),
        ("2026-11-15T08:30:00+01:00", "2026-11-15"),
        ("'2026-11-15'", "2026-11-15"),
        ("15/11/2026", "2026-11-15"),
        ("D:20240105120000+01'00'", "2024-01-05"),
        ("2015", "2015"),
        ("2026-02-30", None),
        ("bientôt", None),
    ],
)
def test_iso_date_reads_the_common_forms(raw: str, iso: str | None) -> None:
    assert iso_date(raw) == iso


def test_markdown_front_matter_gives_title_and_date_and_is_not_indexed(tmp_path: Path) -> None:
    path = tmp_path / "fiche.md"
    path.write_text(
        "---\ntitle: Le DLA\ndate: 2026-11-15\nsources: https://www.avise.org\n---\n# Le dispositif local\n\n"
        "Le DLA accompagne les structures de l'ESS.\n",
        encoding="utf-8",
    )
    doc = load_document(set_file_date(path, "2020-01-01"), path.name, MAX_BYTES)
    assert (doc.title, doc.updated) == ("Le DLA", "2026-11-15")
    chunks = chunks_of(path)
    assert [c.updated for c in chunks] == ["2026-11-15"]
    assert not any("sources:" in c.text or "avise.org" in c.text or "---" in c.text for c in chunks)


def test_front_matter_updated_key_is_accepted_and_plain_dashes_are_not_front_matter() -> None:
    keys, body = split_front_matter("---\nupdated: 12/04/2000\n---\nTexte.")
    assert (keys, body) == ({"updated": "12/04/2000"}, "Texte.")
    text = "Intro\n---\ndate: 2020-01-01\n---\n"
    assert split_front_matter(text) == ({}, text)


@pytest.mark.parametrize(
    "meta",
    [
        '<meta name="date" content="2026-11-15">',
        '<meta name="dcterms.modified" content="2026-11-15">',
        '<meta property="article:modified_time" content="2026-11-15T10:00:00+00:00">',
        '<meta http-equiv="last-modified" content="2026-11-15">',
    ],
)
def test_html_date_comes_from_its_meta_tags(tmp_path: Path, meta: str) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        f"<html><head>{meta}<title>CRESS</title></head><body><main><h1>Les CRESS</h1>"
        "<p>Les chambres régionales de l'économie sociale et solidaire représentent les entreprises de l'ESS.</p>"
        "</main></body></html>",
        encoding="utf-8",
    )
    assert load_document(set_file_date(path, "2020-01-01"), path.name, MAX_BYTES).updated == "2026-11-15"


def test_pdf_date_is_moddate_else_creationdate(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    source = fx.write_report_pdf(tmp_path / "guide.pdf")
    for name, metadata, expected in [
        ("modifie.pdf", {"/ModDate": "D:20240105120000Z", "/CreationDate": "D:20200101000000Z"}, "2024-01-05"),
        ("cree.pdf", {"/CreationDate": "D:20200101000000Z"}, "2020-01-01"),
    ]:
        writer = PdfWriter()
        writer.append(PdfReader(source))
        writer.metadata = None
        writer.add_metadata(metadata)
        path = tmp_path / name
        with path.open("wb") as out:
            writer.write(out)
        assert load_document(set_file_date(path, "2001-02-03"), name, MAX_BYTES).updated == expected


def test_file_date_is_the_last_resort(tmp_path: Path) -> None:
    path = set_file_date(fx.write_markdown(tmp_path / "fiche.md"), "2001-02-03")
    assert {c.updated for c in chunks_of(path)} == {"2001-02-03"}


# --- the 2015 law exports of ../shared/corpus/lois --------------------------------------------------


def test_law_exports_are_dated_2015_or_by_their_version_line() -> None:
    codes = chunks_of(shared_file(LAWS_DIR, "codes-extraits-*.md"))
    esus = next(c for c in codes if c.article == "L. 3332-17-1")
    assert esus.updated == "2014-08-02"  # "- Version : 2014-08-02 — LOI n°2014-856 …"
    assert next(c for c in codes if c.article == "L. 2311-7").updated == "2006-01-01"
    assert {c.updated for c in codes if c.article is None} == {"2015"}  # "export Etalab ~2015"
    subsidy = chunks_of(shared_file(LAWS_DIR, "loi-2000-321_*.md"))
    assert {(c.article, c.updated) for c in subsidy if c.article} == {("9-1", "2015"), ("10", "2015")}


def test_every_law_article_chunk_has_its_number_and_every_chunk_a_date() -> None:
    for path in sorted(LAWS_DIR.glob("*.md")) if LAWS_DIR.is_dir() else []:
        chunks = chunks_of(path)
        assert all(c.updated for c in chunks), path.name
        assert all(c.article for c in chunks if any("Article" in h for h in c.heading_path[-1:])), path.name
    ess = chunks_of(shared_file(LAWS_DIR, "loi-2014-856-*.md"))
    assert {"1", "13", "98"} <= {c.article for c in ess}


@pytest.mark.skipif(not DOCUMENTS_DIR.is_dir(), reason="no documents/ folder")
def test_every_chunk_of_the_default_documents_is_dated() -> None:
    chunks = [chunk for path in sorted(DOCUMENTS_DIR.iterdir()) if path.is_file() for chunk in chunks_of(path)]
    assert chunks and all(chunk.updated for chunk in chunks)
