"""Answers and passages become markdown that chainlit shows as plain text."""

from __future__ import annotations

import pytest

from essbot.ui.rendering import answer_markdown, escape_inline, escape_markdown
from tests.data.poisoned_fiche import IMG_TAG, LINK, SCRIPT_TAG


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
