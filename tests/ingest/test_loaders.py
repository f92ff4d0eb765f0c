"""Format loaders on real generated files: PDF (pypdf), HTML, Markdown, text, DOCX, and the refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.config import Settings
from essbot.ingest.loaders import LoadedDocument, SkippedFile, html_to_text, load_document
from tests.data import make_fixtures as fx

MAX_BYTES = Settings().max_file_bytes
FONT_MODES = [
    pytest.param(True, id="dejavu", marks=pytest.mark.skipif(not fx.has_unicode_font(), reason="no DejaVu font")),
    pytest.param(False, id="helvetica-ascii"),
]


# Bad files the loader itself refuses (a blank text file is only refused after cleaning).
REFUSED_BY_LOADER = {name: reason for name, reason in fx.BAD_FILE_REASONS.items() if name != "blanc.txt"}


def load(path: Path, max_bytes: int = MAX_BYTES) -> LoadedDocument:
    return load_document(path, path.name, max_bytes)


@pytest.mark.parametrize("unicode_font", FONT_MODES)
def test_pdf_pages_are_numbered_from_one(tmp_path: Path, unicode_font: bool) -> None:
    doc = load(fx.write_report_pdf(tmp_path / "guide.pdf", unicode_font))
    assert doc.doc_type == "pdf"
    assert [page.number for page in doc.pages] == [1, 2, 3]
    assert "DDEETS" in doc.pages[1].text
    assert "DDEETS" not in doc.pages[0].text + doc.pages[2].text


def test_pdf_title_comes_from_metadata(tmp_path: Path) -> None:
    doc = load(fx.write_report_pdf(tmp_path / "guide.pdf"))
    assert doc.title.startswith("Guide de l")
    assert doc.title.endswith("pour les élus")


def test_pdf_outline_titles_are_read(tmp_path: Path) -> None:
    doc = load(fx.write_outline_pdf(tmp_path / "cress.pdf"))
    assert doc.outline == [fx.pdf_text(title, fx.has_unicode_font()) for title, _ in fx.OUTLINE_SECTIONS]


def test_pdf_with_owner_password_only_is_readable(tmp_path: Path) -> None:
    doc = load(fx.write_encrypted_pdf(tmp_path / "restreint.pdf", password=""))
    assert "subventions aux associations" in doc.pages[0].text


@pytest.mark.parametrize(("name", "reason"), REFUSED_BY_LOADER.items())
def test_bad_file_is_refused_with_its_french_reason(tmp_path: Path, name: str, reason: str) -> None:
    path = fx.BAD_FILES[name](tmp_path / name)
    with pytest.raises(SkippedFile) as caught:
        load(path)
    assert caught.value.reason.startswith(reason)
    assert "\n" not in caught.value.reason


def test_corrupt_pdf_reason_names_the_technical_cause(tmp_path: Path) -> None:
    with pytest.raises(SkippedFile, match=r"corrompu \(\w+(Error|Exception)\)"):
        load(fx.write_corrupt_pdf(tmp_path / "x.pdf"))


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = fx.write_markdown(tmp_path / "long.md", fx.MARKDOWN_FICHE * 10)
    with pytest.raises(SkippedFile, match="trop volumineux"):
        load(path, Settings(max_file_mb=0.001).max_file_bytes)
    assert load(path).title == "Fiche : le SPASER"  # same file, default limit


def test_unsupported_extension_lists_accepted_formats(tmp_path: Path) -> None:
    with pytest.raises(SkippedFile, match=r"\(\.xlsx\).*\.docx.*\.pdf"):
        load(fx.write_unsupported(tmp_path / "t.xlsx"))


def test_whitespace_only_text_loads_as_blank(tmp_path: Path) -> None:
    doc = load(fx.write_blank_text(tmp_path / "blanc.txt"))
    assert not doc.pages[0].text.strip()  # refused later, when cleaning leaves nothing


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffCoopératives d'activité et d'emploi\n\nTexte.".encode())
    assert load(path).title == "Coopératives d'activité et d'emploi"


def test_markdown_title_is_the_first_level_one_heading(tmp_path: Path) -> None:
    doc = load(fx.write_markdown(tmp_path / "fiche.md", "Intro sans titre.\n\n# Le vrai titre\n\nTexte.\n"))
    assert (doc.title, doc.doc_type) == ("Le vrai titre", "markdown")
    assert doc.pages[0].number is None


def test_docx_headings_become_markdown_headings(tmp_path: Path) -> None:
    doc = load(fx.write_docx(tmp_path / "scic.docx"))
    lines = [line for line in doc.pages[0].text.splitlines() if line]
    assert doc.title == "Guide des SCIC"
    assert lines[:2] == ["# Guide des SCIC", "## Qu'est-ce qu'une SCIC ?"]
    assert "### Le rôle des collectivités" in lines


def test_corrupt_docx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "abime.docx"
    path.write_bytes(b"PK\x03\x04 truncated zip")
    with pytest.raises(SkippedFile, match="Word illisible"):
        load(path)


@pytest.mark.parametrize("with_main", [True, False], ids=["main", "no-main"])
def test_html_keeps_the_article_and_drops_page_furniture(tmp_path: Path, with_main: bool) -> None:
    path = fx.write_html(tmp_path / "ptce.html", with_main=with_main)
    title, text = html_to_text(path.read_text(encoding="utf-8"))
    assert title == "Les pôles territoriaux de coopération économique"
    assert "# Les pôles territoriaux de coopération économique" in text.splitlines()
    assert "## Le soutien des collectivités" in text.splitlines()
    assert "cofinance l'animation du pôle" in text
    for noise in fx.HTML_NOISE.values():
        assert noise not in text


def test_html_without_h1_uses_the_page_title(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>Annuaire des CRESS</title></head><body><p>Liste.</p></body></html>")
    doc = load(path)
    assert (doc.title, doc.doc_type) == ("Annuaire des CRESS", "html")


@pytest.mark.parametrize("name", fx.GOOD_FILES)
def test_every_good_fixture_loads_with_text(tmp_path: Path, name: str) -> None:
    doc = load(fx.GOOD_FILES[name](tmp_path / name))
    assert doc.source == name
    assert doc.title
    assert any(page.text.strip() for page in doc.pages)


def test_html_nested_list_keeps_reading_order_and_inline_tags_add_no_space() -> None:
    html = (
        "<html><body><main><h1>Les CRESS</h1><p>La chambre régionale (<strong>CRESS</strong>), association.</p>"
        "<ul><li><strong>Art. 6</strong> : missions :<ol><li>représenter l'ESS ;</li><li>appuyer les entreprises.</li>"
        "</ol>Le même article leur donne qualité pour agir.</li><li>Art. 7 : stratégie régionale.</li></ul>"
        "</main></body></html>"
    )
    lines = [line for line in html_to_text(html)[1].splitlines() if line]
    assert lines == [
        "# Les CRESS",
        "La chambre régionale (CRESS), association.",
        "- Art. 6 : missions :",
        "- représenter l'ESS ;",
        "- appuyer les entreprises.",
        "Le même article leur donne qualité pour agir.",
        "- Art. 7 : stratégie régionale.",
    ]
