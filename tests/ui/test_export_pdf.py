"""The conversation PDF, parsed back with pypdf: questions, answers, numbered sources and passages, accents."""

from __future__ import annotations

import io
from datetime import datetime

from pypdf import PdfReader

from essbot.answer.types import Answer, Citation
from essbot.ui.export_pdf import Exchange, conversation_file_name, conversation_pdf

WHEN = datetime(2026, 12, 1, 10, 45)
ESUS = Exchange(
    "Qui délivre l'agrément « ESUS » ?",
    Answer(
        "Qui délivre l'agrément « ESUS » ?",
        "L'agrément est délivré par le préfet de département [1]. La demande se fait en ligne [2].",
        False,
        [
            Citation(
                1,
                "fiche-agrement-esus.pdf",
                "L'agrément ESUS",
                2,
                "Qui délivre l'agrément ?",
                "L'agrément ESUS est délivré par le préfet du département où l'entreprise a son siège, après "
                "instruction par la DDETS. <script>alert('x')</script> Coût : 0 €.",
                0.81,
                None,
                "2026-11-01",
            ),
            Citation(2, "guide/démarches.md", "Démarches", None, "Dépôt en ligne", "Sur le site **démarches**.", 0.6),
        ],
    ),
)
ABSTAINED = Exchange(
    "Quelle est la recette de la tarte tatin ?",
    Answer("Quelle est la recette de la tarte tatin ?", "Les documents ne répondent pas à cette question.", True),
)


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_holds_questions_answers_and_numbered_sources_with_accents() -> None:
    data = conversation_pdf([ESUS, ABSTAINED], WHEN)
    assert data.startswith(b"%PDF-")
    text = flat(pdf_text(data))
    assert "Conversation avec essbot" in text
    assert "Exportée le 1er décembre 2026 à 10:45" in text
    assert "Question 1 Qui délivre l'agrément « ESUS » ?" in text
    assert "L'agrément est délivré par le préfet de département [1]." in text
    assert "[1] L'agrément ESUS — Qui délivre l'agrément ?" in text
    assert "fiche-agrement-esus.pdf, p. 2 — mis à jour le 1er novembre 2026" in text
    assert "« L'agrément ESUS est délivré par le préfet du département" in text
    assert "Coût : 0 €" in text
    assert "[2] Démarches — Dépôt en ligne" in text and "guide/démarches.md" in text
    assert "Question 2 Quelle est la recette de la tarte tatin ?" in text
    assert "Réponse non trouvée dans les documents." in text
    assert "page 1/" in text


def test_markup_from_documents_is_reduced_to_its_words_as_in_the_chat() -> None:
    text = flat(pdf_text(conversation_pdf([ESUS], WHEN)))
    assert "<script>" not in text and "</script>" not in text
    assert "la DDETS. alert('x') Coût : 0 €." in text  # the words stay, the tags go (as in every channel)
    assert "Sur le site **démarches**." in text  # written as text, never interpreted


def test_metadata_and_file_name() -> None:
    reader = PdfReader(io.BytesIO(conversation_pdf([ESUS], WHEN)))
    assert reader.metadata is not None and reader.metadata.title == "Conversation avec essbot"
    assert conversation_file_name(WHEN) == "conversation-essbot-2026-12-01.pdf"


def test_long_conversation_spans_pages_and_long_passages_are_cut() -> None:
    long_citation = Citation(1, "a.pdf", "Titre", 1, "Section", "mot " * 2000, 0.5)
    exchange = Exchange("Question longue ?", Answer("Question longue ?", "Réponse [1].", False, [long_citation]))
    data = conversation_pdf([exchange] * 12, WHEN)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 3
    assert "[…]" in pdf_text(data)
