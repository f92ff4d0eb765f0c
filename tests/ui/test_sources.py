"""The « Sources (n) » element's props and the answer text whose [n] link to the cards (ui/sources.py)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from essbot.answer.types import Answer, Citation
from essbot.server.document_view import DocumentLinks
from essbot.types import Chunk, Passage
from essbot.ui import messages
from essbot.ui.mount import ASSETS_DIR
from essbot.ui.sources import answer_content, linked_markers, sources_props
from tests.data.poisoned_fiche import IMG_TAG, LINK, SCRIPT_TAG

LINKS = DocumentLinks(b"test key")


def chunk(chunk_id: str, source: str, text: str, page: int | None, section: str = "Qui délivre l'agrément ?") -> Chunk:
    return Chunk(chunk_id, text, source, "L'agrément ESUS", page, section, "pdf", (section,), None, "2026-11-01")


def answer_with(*chunks: Chunk, text: str = "Le préfet délivre l'agrément [1]. Voir aussi [2].") -> Answer:
    citations = [Citation.from_passage(n, Passage(c, 0.8)) for n, c in enumerate(chunks, start=1)]
    return Answer("Qui délivre l'agrément ESUS ?", text, False, citations, [Passage(c, 0.8) for c in chunks])


def test_one_card_per_citation_with_its_place_date_and_signed_preview() -> None:
    pdf = chunk("c1", "fiche-agrement-esus.pdf", "Le préfet délivre l'agrément.", 2)
    markdown = chunk("c2", "fiches/fiche-ptce.md", "Un PTCE regroupe des acteurs.", None, "En bref")
    props = sources_props(answer_with(pdf, markdown), LINKS)

    assert props["summary"] == "Sources (2)"
    first, second = props["cards"]
    assert (first["id"], first["anchor"], first["title"]) == (1, "source-1", "L'agrément ESUS")
    assert (first["section"], first["page"], first["source"]) == ("Qui délivre l'agrément ?", "p. 2", pdf.source)
    assert "2026" in first["updated"]
    assert first["passage"] == "Le préfet délivre l'agrément."
    assert first["kind"] == "pdf"
    assert first["preview"].startswith("../documents/page.png?")
    query = parse_qs(urlsplit(first["preview"]).query)
    assert query["source"] == [pdf.source] and query["chunk"] == ["c1"]
    assert LINKS.is_valid(pdf.source, "c1", query["sig"][0])
    assert first["open"].startswith("../documents/view?") and first["open"].endswith("#extrait")

    assert second["kind"] == "document" and second["page"] == ""
    assert second["preview"] == second["open"]
    assert parse_qs(urlsplit(second["preview"]).query)["source"] == ["fiches/fiche-ptce.md"]
    assert set(props["labels"].values()) >= {messages.CARD_PDF_PREVIEW, messages.CARD_OPEN}


def test_a_citation_without_its_retrieved_passage_gets_no_preview() -> None:
    answer = answer_with(chunk("c1", "a.pdf", "Texte.", 1))
    answer.retrieved = []
    card = sources_props(answer, LINKS)["cards"][0]
    assert (card["kind"], card["preview"], card["open"]) == ("none", "", "")


def test_texts_reach_the_element_as_plain_words_without_markup() -> None:
    poisoned = f"Entretien des espaces {SCRIPT_TAG} et lien social {IMG_TAG}, {LINK}."
    card = sources_props(answer_with(chunk("c1", "r.md", poisoned, None, f"Bref {SCRIPT_TAG}")), LINKS)["cards"][0]
    for value in (card["passage"], card["section"], card["title"]):
        assert "<" not in value and "javascript:" not in value
    assert "cliquez ici" in card["passage"]
    assert "\\" not in card["passage"]  # rendered by React as text: no markdown escaping to show


def test_markdown_bold_marks_are_dropped_from_passages() -> None:
    text = "- **31 juillet 2014** : reconnaissance des PTCE ; 2 ** 3 reste tel quel."
    card = sources_props(answer_with(chunk("c1", "p.md", text, None)), LINKS)["cards"][0]
    assert card["passage"] == "- 31 juillet 2014 : reconnaissance des PTCE ; 2 ** 3 reste tel quel."


def test_citation_markers_link_to_their_cards() -> None:
    pdf = chunk("c1", "a.pdf", "Le préfet délivre l'agrément.", 2)
    other = chunk("c2", "b.pdf", "Voir aussi.", 3)
    content = answer_content(answer_with(pdf, other, text="Le préfet [1]. Ensuite [2] et [1]."))
    assert content == "Le préfet [\\[1\\]](#source-1). Ensuite [\\[2\\]](#source-2) et [\\[1\\]](#source-1)."
    assert "**Sources**" not in content  # no header of the old source list: the element says « Sources (n) » itself
    # A number without a card, or a marker that would start a link, stays text.
    assert linked_markers("[3] et [1](x)", {1}) == "[3] et [1](x)"


def test_abstention_keeps_its_note_and_has_no_links() -> None:
    answer = Answer("Tarte tatin ?", "Les documents ne répondent pas [1].", True)
    content = answer_content(answer)
    assert content.startswith(messages.ABSTAINED_NOTE)
    assert "#source-" not in content


def test_the_element_ships_with_the_chat_assets() -> None:
    jsx = (ASSETS_DIR / "public" / "elements" / "EssbotSources.jsx").read_text(encoding="utf-8")
    assert "export default function EssbotSources" in jsx
    # Texts are rendered as text: never as HTML.
    assert "dangerouslySetInnerHTML" not in jsx and "innerHTML" not in jsx
    assert re.search(r'closest\(\'a\[href\*="#source-"\]\'\)', jsx)
