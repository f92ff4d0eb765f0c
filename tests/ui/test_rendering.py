"""Answers and passages become markdown that chainlit shows as plain text."""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.answer.types import Answer, Citation
from essbot.ui import messages
from essbot.ui.rendering import (
    answer_content,
    answer_markdown,
    citation_body,
    citation_name,
    escape_inline,
    escape_markdown,
    pdf_path,
)
from tests.data.poisoned_fiche import IMG_TAG, LINK, SCRIPT_TAG


def citation(**changes: object) -> Citation:
    values: dict[str, object] = {
        "id": 1,
        "source": "fiche-agrement-esus.pdf",
        "title": "L'agrément ESUS",
        "page": 2,
        "section": "Qui délivre l'agrément ?",
        "text": "Le préfet délivre l'agrément.",
        "score": 0.8,
    }
    values.update(changes)
    return Citation(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "markup",
    [
        SCRIPT_TAG,
        IMG_TAG,
        LINK,
        "![pixel](http://exemple.fr/p.png)",
        "**gras**",
        "`code`",
        "~~barré~~",
        "a | b",
        "&lt;b&gt;",
        "[1]: http://exemple.fr",
        "$x^2$",
        ":directive[x]",
    ],
)
def test_markup_is_escaped_so_that_nothing_is_interpreted(markup: str) -> None:
    escaped = escape_markdown(markup)
    for char in "<>[]*`~|&$":
        assert char not in escaped.replace("\\" + char, "")
    assert not any(
        escaped[i] == ":" and escaped[i + 1 : i + 2].isalpha() and escaped[i - 1 : i] != "\\"
        for i in range(len(escaped))
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# Titre", "\\# Titre"),
        ("> cité", "\\> cité"),
        ("- puce", "\\- puce"),
        ("+ puce", "\\+ puce"),
        ("1. premier", "1\\. premier"),
        ("2) second", "2\\) second"),
        ("    code", "code"),
        ("===", "\\==="),
    ],
)
def test_block_syntax_at_line_start_is_escaped(line: str, expected: str) -> None:
    assert escape_markdown(f"Texte\n{line}") == f"Texte\n{expected}"


def test_plain_french_text_is_unchanged() -> None:
    text = (
        "L'agrément ESUS dure cinq ans (deux ans au début) : c'est la DDETS qui instruit, p. 2 ; voir l'art. 11 "
        "et https://www.legifrance.gouv.fr."
    )
    assert escape_markdown(text) == text


def test_streamed_fragments_are_escaped_without_context() -> None:
    assert escape_inline("<img") + escape_inline(" src=x>") == escape_inline("<img src=x>")
    assert "\u200b" not in escape_inline("a\u200bb")


def test_citation_markers_stay_readable_but_links_do_not_form() -> None:
    assert answer_markdown("Délivré par le préfet [1]. Durée : 5 ans [2].") == (
        "Délivré par le préfet [1]. Durée : 5 ans [2]."
    )
    assert answer_markdown("[1](javascript:alert(1))").startswith("\\[1\\]")
    assert answer_markdown("[1]: http://exemple.fr").startswith("\\[1\\]")


def test_answer_content_announces_abstention_and_sources() -> None:
    abstained = Answer("q", messages.ABSTAINED_NOTE, True)
    assert answer_content(abstained).startswith(messages.ABSTAINED_NOTE)
    answered = Answer("q", "Le préfet [1].", False, [citation()])
    content = answer_content(answered)
    assert messages.ABSTAINED_NOTE not in content
    assert content.endswith(f"**{messages.SOURCES_HEADER}**")


def test_citation_name_and_body_carry_title_page_section_and_passage() -> None:
    cited = citation(text=f"Le préfet {SCRIPT_TAG} délivre.\n\n- point")
    assert citation_name(cited) == "[1] L'agrément ESUS, p. 2"
    assert citation_name(citation(page=None, source="fiche.md")) == "[1] L'agrément ESUS"
    body = citation_body(cited)
    assert body.splitlines()[0] == "**Qui délivre l'agrément ?** — fiche-agrement-esus.pdf, p. 2"
    assert "> Le préfet \\<script\\>alert(1)\\</script\\> délivre." in body
    assert "> \\- point" in body


def test_pdf_path_only_for_pdfs_inside_the_documents_folder(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "fiche.pdf").write_bytes(b"%PDF-1.4")
    (docs / "fiche.md").write_text("# Fiche", encoding="utf-8")
    (tmp_path / "secret.pdf").write_bytes(b"%PDF-1.4")
    assert pdf_path(docs, "fiche.pdf") == (docs / "fiche.pdf").resolve()
    assert pdf_path(docs, "fiche.md") is None
    assert pdf_path(docs, "absente.pdf") is None
    assert pdf_path(docs, "../secret.pdf") is None
