"""French cleaning: normalization, de-duplication, boilerplate, running headers, heading detection."""

from __future__ import annotations

import pytest

from essbot.ingest.clean import (
    ARTICLE_LEVEL,
    clean_document,
    dedupe_lines,
    drop_boilerplate,
    heading_level,
    join_wrapped,
    normalize_text,
    remove_running_headers,
)
from essbot.ingest.loaders import LoadedDocument, Page

# --- normalize_text --------------------------------------------------------------------------------


def test_normalize_composes_accents_and_removes_invisible_characters() -> None:
    assert normalize_text("e\u0301conomie\u00adso\u200bciale\ufeff") == "économiesociale"


def test_normalize_collapses_spaces_and_line_endings() -> None:
    assert (
        normalize_text("  Loi\u00a0n°\u202f2014-856\t du  31 juillet \r\nsuite\r")
        == "Loi n° 2014-856 du 31 juillet\nsuite\n"
    )


def test_normalize_joins_hyphenated_line_ends() -> None:
    assert normalize_text("leur accompa-\ngnement et la coopéra-\ntion") == "leur accompagnement et la coopération"


def test_normalize_keeps_hyphen_before_a_capitalized_line() -> None:
    assert normalize_text("Aix-\nMarseille") == "Aix-\nMarseille"


# --- dedupe_lines ----------------------------------------------------------------------------------


def test_dedupe_keeps_first_copy_ignoring_case_punctuation_and_apostrophes() -> None:
    lines = ["L’agrément ESUS est délivré.", "Autre chose.", "l'agrément ESUS est délivré", "Fin."]
    assert dedupe_lines(lines) == ["L’agrément ESUS est délivré.", "Autre chose.", "Fin."]


def test_dedupe_leaves_headings_and_blank_lines_alone() -> None:
    lines = ["## Définition", "Texte.", "", "## Définition", "Texte.", ""]
    assert dedupe_lines(lines) == ["## Définition", "Texte.", "", "## Définition", ""]


def test_dedupe_shares_seen_set_across_pages() -> None:
    seen: set[str] = set()
    assert dedupe_lines(["Paragraphe commun."], seen) == ["Paragraphe commun."]
    assert dedupe_lines(["Paragraphe commun.", "Nouveau."], seen) == ["Nouveau."]


def test_dedupe_of_markdown_keeps_a_wrapped_piece_of_sentence_that_recurs() -> None:
    lines = [
        "Une entreprise soumise, en application de l'",
        "article L. 2322-1 du code du travail",
        ", informe ses salariés.",
        "",
        "Une société qui, en application de l'",
        "article L. 2322-1 du code du travail",
        ", cède ses parts.",
    ]
    assert dedupe_lines(lines, soft_wraps=True) == lines
    assert dedupe_lines(lines).count("article L. 2322-1 du code du travail") == 1  # line by line (PDF, HTML)


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("en application de l'", "article 1er", "en application de l'article 1er"),
        ("du code du travail", ", lorsque", "du code du travail, lorsque"),
        ("relevant du", "code civil", "relevant du code civil"),
    ],
)
def test_wrapped_lines_close_up_around_apostrophes_and_commas(first: str, second: str, joined: str) -> None:
    assert join_wrapped(first, second) == joined


def test_dedupe_of_markdown_still_drops_a_repeated_paragraph() -> None:
    lines = ["## Titre", "Paragraphe répété.", "", "Autre texte", "sur deux lignes.", "", "Paragraphe répété.", ""]
    assert dedupe_lines(lines, soft_wraps=True) == [*lines[:6], ""]


# --- drop_boilerplate ------------------------------------------------------------------------------


def test_drop_boilerplate_removes_cookie_panel_until_real_content() -> None:
    lines = [
        "Panneau de gestion des cookies",
        "Ce site utilise des cookies nécessaires à son bon fonctionnement.",
        "Les services de mesure d'audience permettent de générer des statistiques.",
        "Tout accepter",
        "## Le SPASER",
        "Le schéma est adopté par l'assemblée délibérante.",
    ]
    assert drop_boilerplate(lines) == ["## Le SPASER", "Le schéma est adopté par l'assemblée délibérante."]


def test_drop_boilerplate_removes_share_prompts_and_wordless_lines() -> None:
    lines = ["Partager sur LinkedIn", "Imprimer", "• 2019", "12/03/2024", "Retour en haut", "Un vrai paragraphe."]
    assert drop_boilerplate(lines) == ["Un vrai paragraphe."]


@pytest.mark.parametrize(
    "paragraph",
    [
        "Les services de l'État accompagnent les collectivités dans leurs démarches.",
        "La biscuiterie solidaire fabrique des cookies et emploie dix salariés en insertion.",
        "Les données statistiques de l'observatoire régional sont publiées chaque année.",
    ],
)
def test_drop_boilerplate_keeps_normal_paragraphs(paragraph: str) -> None:
    assert drop_boilerplate(["Introduction.", paragraph, ""]) == ["Introduction.", paragraph, ""]


# --- remove_running_headers ------------------------------------------------------------------------


ORDINALS = ["première", "deuxième", "troisième"]


def guide_pages(count: int, body: list[str]) -> list[list[str]]:
    """Pages framed by a running title and a page number, with page-specific lines at both edges."""
    return [
        [
            "Guide RTES 2024",
            f"Début de la {ORDINALS[i]} page.",
            *body,
            f"Fin de la {ORDINALS[i]}.",
            f"Page {i + 1} / {count}",
        ]
        for i in range(count)
    ]


def test_running_header_and_page_footer_are_removed() -> None:
    cleaned = remove_running_headers(guide_pages(3, ["Milieu."]))
    assert cleaned == [[f"Début de la {ordinal} page.", "Milieu.", f"Fin de la {ordinal}."] for ordinal in ORDINALS]


def test_numbered_article_headings_at_page_tops_are_kept() -> None:
    pages = [["Code du travail", f"Article {n}", "Texte.", "Suite.", "Fin.", f"{n}/3"] for n in (1, 2, 3)]
    cleaned = remove_running_headers(pages)
    assert [page[0] for page in cleaned] == ["Article 1", "Article 2", "Article 3"]
    assert not any("Code du travail" in line or "/3" in line for page in cleaned for line in page)


def test_repeated_line_in_the_middle_of_pages_is_kept() -> None:
    cleaned = remove_running_headers(guide_pages(3, ["Avant.", "Guide RTES 2024", "Après."]))
    assert all(page.count("Guide RTES 2024") == 1 for page in cleaned)


def test_line_repeated_on_too_few_pages_is_kept() -> None:
    pages = [["Avant-propos", "x"], ["Introduction", "y"], ["Avant-propos", "z"], ["Conclusion", "w"]]
    assert remove_running_headers(pages) == pages  # 2 pages out of 4 is below the 60 % share


def test_single_page_is_left_untouched() -> None:
    page = [["Guide RTES 2024", "Texte.", "Page 1 / 1"]]
    assert remove_running_headers(page) == page


# --- heading_level ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# Fiche SPASER", (1, False)),
        ("### Article 3", (3, True)),
        ("Article 1er", (ARTICLE_LEVEL, True)),
        ("Art. L. 3332-17-1", (ARTICLE_LEVEL, True)),
        ("Article 2 : Définition de l'utilité sociale", (ARTICLE_LEVEL, True)),
        ("Titre Ier : Dispositions communes", (3, False)),
        ("Chapitre II : Les entreprises solidaires", (4, False)),
        ("Section 3 : La commande publique", (5, False)),
    ],
)
def test_heading_level_recognizes_headings(line: str, expected: tuple[int, bool]) -> None:
    assert heading_level(line, set(), previous="Fin du paragraphe précédent.") == expected


@pytest.mark.parametrize(
    "line",
    [
        "Article 2 prévoit que les collectivités peuvent adopter un schéma.",
        "Chapitre 2 de ce guide.",
        "Les collectivités soutiennent les entreprises de l'économie sociale.",
        "Article 1er " + "très long " * 20,
    ],
)
def test_heading_level_rejects_sentences(line: str) -> None:
    assert heading_level(line, set(), previous="") == (0, False)


def test_wrapped_article_reference_is_not_a_heading() -> None:
    assert heading_level("article 1er de la loi", set(), previous="… dans les conditions prévues à l'") == (0, False)
    assert heading_level("Article 1er", set(), previous="les entreprises mentionnées à l'") == (0, False)


def test_outline_titles_are_headings() -> None:
    outline = {"les missions de la cress"}
    assert heading_level("Les missions de la CRESS", outline, previous="") == (2, False)
    assert heading_level("Les missions de la région", outline, previous="") == (0, False)


# --- clean_document --------------------------------------------------------------------------------


def test_clean_pdf_document_rejoins_lines_and_drops_page_furniture() -> None:
    pages = [
        Page(n, "\n".join(lines))
        for n, lines in enumerate(
            guide_pages(2, ["Les collectivités soutiennent la coopé-", "ration locale.", "Elles financent."]), 1
        )
    ]
    blocks = clean_document(LoadedDocument("guide.pdf", "Guide", "pdf", pages))
    assert [(b.text, b.page) for b in blocks] == [
        ("Début de la première page.", 1),
        ("Les collectivités soutiennent la coopération locale. Elles financent.", 1),
        ("Fin de la première.", 1),
        ("Début de la deuxième page.", 2),  # the paragraph repeated from page 1 is kept once
        ("Fin de la deuxième.", 2),
    ]


def test_clean_markdown_document_keeps_headings_and_joins_wrapped_lines() -> None:
    text = "# Fiche\n\n## Définition\n\nUn PTCE regroupe\ndes acteurs.\n- une liste\n\n## Rôle\n\nLa région finance."
    blocks = clean_document(LoadedDocument("f.md", "Fiche", "markdown", [Page(None, text)]))
    assert [(b.text, b.level) for b in blocks] == [
        ("Fiche", 1),
        ("Définition", 2),
        ("Un PTCE regroupe des acteurs.\n- une liste", 0),
        ("Rôle", 2),
        ("La région finance.", 0),
    ]


def test_a_paragraph_cut_by_a_page_break_is_joined_on_its_first_page() -> None:
    from essbot.ingest.clean import Block, join_across_pages

    blocks = [
        Block("Le texte fondateur est la loi de 2014, qui créait un", 0, 3),
        Block("cadre commun pour les entreprises de l'ESS.", 0, 4),
        Block("Une nouvelle phrase commence ici.", 0, 4),
        Block("Titre", 1, 5),
        Block("minuscule après un titre", 0, 5),
    ]
    joined = join_across_pages(blocks)
    assert joined[0] == Block(
        "Le texte fondateur est la loi de 2014, qui créait un cadre commun pour les entreprises de l'ESS.", 0, 3
    )
    assert [b.text for b in joined[1:]] == ["Une nouvelle phrase commence ici.", "Titre", "minuscule après un titre"]
