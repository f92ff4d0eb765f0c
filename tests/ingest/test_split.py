"""Section-aware splitting, on generated files and on the real law texts and seeds of ../shared."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from essbot.ingest.clean import Block
from essbot.ingest.split import chunk_id_for, split_into_chunks
from essbot.types import Chunk
from tests.conftest import LAWS_DIR, SEEDS_DIR, chunks_of, shared_file
from tests.data import make_fixtures as fx


def split(blocks: list[Block], size: int = 160, overlap: int = 24, source: str = "doc.md") -> list[Chunk]:
    return split_into_chunks(
        blocks, source=source, title="Titre", doc_type="markdown", chunk_size_words=size, chunk_overlap_words=overlap
    )


def words(count: int, stem: str = "mot") -> str:
    return " ".join(f"{stem}{i}." if i % 12 == 11 else f"{stem}{i}" for i in range(count))


# --- generated documents ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "unicode_font",
    [
        pytest.param(True, id="dejavu", marks=pytest.mark.skipif(not fx.has_unicode_font(), reason="no DejaVu")),
        pytest.param(False, id="helvetica-ascii"),
    ],
)
def test_pdf_chunks_carry_their_page_and_chapter(tmp_path: Path, unicode_font: bool) -> None:
    chunks = chunks_of(fx.write_report_pdf(tmp_path / "guide.pdf", unicode_font))
    ddeets = [chunk for chunk in chunks if "DDEETS" in chunk.text]
    assert len(ddeets) == 1
    assert ddeets[0].page == 2
    assert ddeets[0].section.startswith("Chapitre 2 : L")
    assert [chunk.page for chunk in chunks] == [1, 2, 3]


def test_pdf_running_header_and_footer_are_not_in_chunks(tmp_path: Path) -> None:
    chunks = chunks_of(fx.write_report_pdf(tmp_path / "guide.pdf"))
    for chunk in chunks:
        assert "Guide RTES" not in chunk.embed_text
        assert not re.search(r"Page \d+ / \d+", chunk.embed_text)


def test_pdf_hyphenated_line_ends_are_joined(tmp_path: Path) -> None:
    text = " ".join(chunk.text for chunk in chunks_of(fx.write_report_pdf(tmp_path / "guide.pdf")))
    assert "accompagnement dans la dur" in text
    assert "responsables est obligatoire" in text
    assert "accompa-" not in text and "respon-" not in text


def test_pdf_outline_titles_become_sections(tmp_path: Path) -> None:
    chunks = chunks_of(fx.write_outline_pdf(tmp_path / "cress.pdf"))
    unicode_font = fx.has_unicode_font()
    expected = [
        (fx.pdf_text(title, unicode_font), fx.pdf_text(body, unicode_font)) for title, body in fx.OUTLINE_SECTIONS
    ]
    assert [(chunk.section, chunk.text) for chunk in chunks] == expected


def test_html_headings_become_sections_without_page_furniture(tmp_path: Path) -> None:
    chunks = chunks_of(fx.write_html(tmp_path / "ptce.html", with_main=False))
    assert [chunk.section for chunk in chunks] == [
        "Les pôles territoriaux de coopération économique",
        "Le soutien des collectivités",
    ]
    assert all(chunk.page is None and chunk.doc_type == "html" for chunk in chunks)
    everything = " ".join(chunk.embed_text for chunk in chunks)
    assert not [noise for noise in fx.HTML_NOISE.values() if noise in everything]


def test_docx_heading_path_is_nested(tmp_path: Path) -> None:
    chunks = chunks_of(fx.write_docx(tmp_path / "scic.docx"))
    assert [chunk.heading_path for chunk in chunks] == [
        ("Qu'est-ce qu'une SCIC ?",),
        ("Qu'est-ce qu'une SCIC ?", "Le rôle des collectivités"),
    ]
    assert chunks[1].embed_text.startswith("Guide des SCIC > Qu'est-ce qu'une SCIC ? > Le rôle des collectivités\n")


def test_markdown_title_heading_is_not_repeated_in_the_path(tmp_path: Path) -> None:
    chunks = chunks_of(fx.write_markdown(tmp_path / "fiche.md"))
    assert [(chunk.title, chunk.section, chunk.heading_path) for chunk in chunks] == [
        ("Fiche : le SPASER", "Définition", ("Définition",)),
        ("Fiche : le SPASER", "Qui doit l'adopter ?", ("Qui doit l'adopter ?",)),
    ]


def test_law_like_text_is_cut_per_article_under_titre_and_chapitre(tmp_path: Path) -> None:
    chunks = chunks_of(fx.write_law_text(tmp_path / "loi.txt"))
    articles = {chunk.section: chunk for chunk in chunks if chunk.heading_path}
    assert list(articles) == ["Article 1er", "Article 2", "Art. L. 3332-17-1"]
    for chunk in articles.values():
        assert chunk.heading_path[:2] == (
            "Titre Ier : Dispositions communes",
            "Chapitre II : Les entreprises solidaires",
        )
    # A reference wrapped onto its own line stays inside the article that makes it.
    assert "à l'\narticle 1er de la présente loi" in articles["Article 2"].text


# --- splitting rules -------------------------------------------------------------------------------


def test_long_section_is_split_into_overlapping_windows() -> None:
    chunks = split([Block("Partie", 2, None), Block(words(400), 0, None)], size=100, overlap=20)
    assert len(chunks) >= 4
    assert all(len(chunk.text.split()) <= 100 for chunk in chunks)
    assert all(chunk.section == "Partie" for chunk in chunks)
    first, second = chunks[0].text.split(), chunks[1].text.split()
    assert set(first[-10:]) & set(second[:30])  # consecutive windows overlap


def test_article_slightly_over_the_size_is_kept_whole() -> None:
    text = words(130)
    article = split([Block("Article 4", 8, None, is_article=True), Block(text, 0, None)], size=100)
    section = split([Block("Partie 4", 2, None), Block(text, 0, None)], size=100)
    assert [chunk.text for chunk in article] == [text]
    assert len(section) > 1


def test_chunks_never_cross_pages() -> None:
    blocks = [Block("Chapitre 1", 4, 1), Block("Fin de page un.", 0, 1), Block("Début de page deux.", 0, 2)]
    chunks = split(blocks)
    assert [(chunk.page, chunk.text, chunk.section) for chunk in chunks] == [
        (1, "Fin de page un.", "Chapitre 1"),
        (2, "Début de page deux.", "Chapitre 1"),
    ]


def test_chunk_ids_are_content_hashes() -> None:
    blocks = [Block("Partie", 2, None), Block("Texte stable.", 0, None)]
    first, again = split(blocks), split(blocks)
    assert first[0].chunk_id == again[0].chunk_id == chunk_id_for("doc.md", None, ("Partie",), "Texte stable.")
    assert split(blocks, source="autre.md")[0].chunk_id != first[0].chunk_id
    assert split([blocks[0], Block("Texte modifié.", 0, None)])[0].chunk_id != first[0].chunk_id


def test_identical_text_twice_at_the_same_place_gets_distinct_ids() -> None:
    blocks = [Block("Exemple", 2, None), Block("Même texte.", 0, None)] * 2
    chunks = split(blocks)
    assert [chunk.text for chunk in chunks] == ["Même texte.", "Même texte."]
    assert chunks[0].chunk_id != chunks[1].chunk_id


def test_chunk_round_trips_through_dict() -> None:
    chunk = split([Block("A", 2, 3), Block("B", 3, 3), Block("Texte.", 0, 3)])[0]
    assert chunk.heading_path == ("A", "B")
    assert Chunk.from_dict(chunk.to_dict()) == chunk


def test_text_without_heading_uses_the_title_as_section() -> None:
    assert split([Block("Texte seul.", 0, None)])[0].section == "Titre"


# --- real texts from ../shared ---------------------------------------------------------------------

LAW_2014_ARTICLES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 15, 17, 18, 23, 26, 49, 52, 58, 61, 62, 63, 67, 68, 72, 77]
LAW_2014_ARTICLES += [79, 95, 96, 97, 98]


@pytest.fixture
def law_2014_path() -> Path:
    return shared_file(LAWS_DIR, "loi-2014-856*.md")


@pytest.fixture
def law_2014_chunks(law_2014_path: Path) -> list[Chunk]:
    return chunks_of(law_2014_path)


def article_bodies(path: Path) -> dict[str, str]:
    """Raw text under each `##### Article N` heading of the Markdown law file, up to the next heading."""
    parts = re.split(r"^#+ (.*)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return {heading: body for heading, body in zip(parts[1::2], parts[2::2], strict=True) if heading.startswith("Art")}


def test_law_2014_has_chunks_for_each_article_and_no_chunk_spans_two(
    law_2014_chunks: list[Chunk], law_2014_path: Path
) -> None:
    bodies = article_bodies(law_2014_path)
    assert {f"Article {n}" for n in LAW_2014_ARTICLES} <= {chunk.section for chunk in law_2014_chunks}
    for chunk in law_2014_chunks:
        if chunk.section.startswith("Article"):
            assert chunk.heading_path[-1] == chunk.section
            for paragraph in chunk.text.split("\n\n"):
                assert paragraph in bodies[chunk.section], (chunk.section, paragraph[:80])


@pytest.mark.parametrize(
    ("article", "titre", "chapitre"),
    [
        ("Article 1", "Titre Ier : DISPOSITIONS COMMUNES", "Chapitre Ier : Principes et champ"),
        ("Article 13", "Titre Ier : DISPOSITIONS COMMUNES", "Chapitre III : Les dispositifs"),
        ("Article 49", "Titre III : DISPOSITIONS RELATIVES AU DROIT DES COOP", "Chapitre II : Dispositions propres"),
    ],
)
def test_law_2014_article_path_has_its_titre_and_chapitre(
    law_2014_chunks: list[Chunk], article: str, titre: str, chapitre: str
) -> None:
    paths = {chunk.heading_path for chunk in law_2014_chunks if chunk.section == article}
    assert paths, article
    for path in paths:
        assert path[0].startswith(titre)
        assert path[1].startswith(chapitre)


def test_law_2014_article_13_is_about_public_procurement(law_2014_chunks: list[Chunk]) -> None:
    text = " ".join(chunk.text for chunk in law_2014_chunks if chunk.section == "Article 13")
    assert "achats publics socialement responsables" in text


def test_codes_extract_has_a_section_for_l3332_17_1() -> None:
    chunks = chunks_of(shared_file(LAWS_DIR, "codes-extraits*.md"))
    esus = [chunk for chunk in chunks if "L3332-17-1" in chunk.section]
    assert esus
    assert any("utilité sociale" in chunk.text for chunk in esus)


def test_a_reference_wrapped_onto_its_own_line_stays_in_every_sentence_citing_it() -> None:
    """The export wraps « l'article L. 2322-1 du code du travail » onto a line of its own, several times over: each
    sentence keeps it (it once lost every copy after the first, read as a repeated paragraph)."""
    chunks = chunks_of(shared_file(LAWS_DIR, "codes-extraits*.md"))
    text = " ".join(chunk.text for chunk in chunks if chunk.article == "L. 23-10-1")
    assert "en application de l'article L. 2322-1 du code du travail, lorsque" in " ".join(text.split())


def test_scraped_seed_has_no_repeated_paragraph_and_no_cookie_panel() -> None:
    path = shared_file(SEEDS_DIR, "004_*.txt")
    raw_lines = Counter(line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    assert max(raw_lines.values()) > 1  # the scrape really does repeat paragraphs
    chunks = chunks_of(path, chunk_overlap_words=0)  # without overlap, a line may only appear once
    lines = Counter(line for chunk in chunks for line in chunk.text.split("\n") if line.strip())
    assert [line for line, count in lines.items() if count > 1] == []
    for chunk in chunks:
        assert "cookie" not in chunk.embed_text.lower()
        assert "Panneau de gestion" not in chunk.embed_text
