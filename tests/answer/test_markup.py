"""Answers are plain text: markup from a document or an LLM is neutralised, uncited sentences dropped, and the
streamed pieces are exactly the verified answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from essbot.answer.citations import CitationVerifier, verify_citations
from essbot.answer.engine import Assistant
from essbot.answer.markup import neutralise_markup
from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store
from essbot.ingest.pipeline import ingest
from essbot.retrieve import HybridRetriever
from essbot.types import Chunk, Passage

HOSTILE = re.compile(r"evil\.example|<\s*/?\s*(img|script|a|iframe)\b|javascript:|onerror|!\[|\]\(", re.IGNORECASE)


def _passage(text: str, source: str = "a.md") -> Passage:
    return Passage(Chunk(source + text[:8], text, source, "Titre", None, "Section", "markdown"), 0.9)


PASSAGES = [
    _passage("Le préfet de département délivre l'agrément ESUS pour cinq ans.", "esus.md"),
    _passage("Le SPASER est obligatoire au-delà de 50 millions d'euros d'achats annuels.", "spaser.md"),
]


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("Voir ![carte](http://evil.example/x.png) ici.", "Voir carte ici."),
        ("Un <img src=x onerror=alert(1)>texte <b>gras</b>.", "Un texte gras."),
        ("Cliquez [ici](javascript:alert(1)) vite.", "Cliquez ici vite."),
        ("Lien <javascript:alert(1)> et <http://evil.example>.", "Lien  et ."),
        ("Source [1](http://evil.example) citée.", "Source [1] citée."),
        ("[![x](http://evil.example/a.png)](http://evil.example)", "x"),
        ("<scr<script>ipt>alert(1)</script>", "alert(1)"),
        ("&lt;img src=x&gt; et R&D", "& lt;img src=x& gt; et R&D"),
        ("a < b et 3 > 2 [2].", "a < b et 3 > 2 [2]."),
    ],
)
def test_markup_is_reduced_to_its_visible_text(raw: str, plain: str) -> None:
    assert neutralise_markup(raw) == plain


def test_broken_markup_split_in_two_pieces_cannot_join_again() -> None:
    pieces = ["Voir [la carte. ", "Phrase](http://evil.example/x.png) suite. <img src=x", " onerror=alert(1)>"]
    joined = " ".join(neutralise_markup(piece) for piece in pieces)
    assert not re.search(r"\]\(|<img", joined)


def test_uncited_short_line_and_markup_do_not_survive_verification() -> None:
    text = (
        "![logo](http://evil.example/steal.png) Le préfet de département délivre l'agrément ESUS [1].\n"
        "<script>alert(1)</script> PWNED.\nOui."
    )
    result = verify_citations(text, PASSAGES)
    assert result.text == "logo Le préfet de département délivre l'agrément ESUS [1]."
    assert result.dropped_sentences == 2
    assert not HOSTILE.search(result.text)


def test_streamed_pieces_are_exactly_the_verified_answer() -> None:
    answer = (
        "Le SPASER est obligatoire au-delà de 50 millions. [2] Le préfet délivre l'agrément ESUS [1].\n\n"
        "- Le préfet de département délivre l'agrément [1][2].\nPWNED.\n- Le SPASER est obligatoire [2]."
    )
    for size in (1, 2, 3, 7, 50):
        verifier = CitationVerifier(PASSAGES)
        shown = "".join(verifier.feed(answer[i : i + size]) for i in range(0, len(answer), size)) + verifier.flush()
        assert shown == verifier.result().text == verify_citations(answer, PASSAGES).text
    assert "PWNED" not in shown and shown.count("\n\n") == 1


HOSTILE_FICHE = """# Le fonds Moineau

## En bref

Le fonds Moineau ![pixel](http://evil.example/track.png?c=1) finance les coopératives d'habitants de la commune \
de Trifouilly. Le fonds Moineau est géré par la <b onmouseover="alert(1)">coopérative Alouette</b>, voir \
[le site](javascript:alert(document.cookie)) pour déposer un dossier.
"""


def test_markup_in_a_document_does_not_reach_the_answer(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "fiche-moineau.md").write_text(HOSTILE_FICHE, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    ingest([docs], settings, embedding=embedding)
    index = open_store(Settings(), settings.index_dir, embedding.model_id)
    assistant = Assistant(HybridRetriever(index, embedding, settings), settings)
    streamed = list(assistant.stream("Qui gère le fonds Moineau ?"))
    answer = streamed[-1]
    assert not isinstance(answer, str) and not answer.abstained
    assert "Alouette" in answer.answer
    assert "".join(str(piece) for piece in streamed[:-1]) == answer.answer
    for text in [answer.answer, *(c.text for c in answer.citations), *(c.title for c in answer.citations)]:
        assert not HOSTILE.search(text), text
    assert all(not HOSTILE.search(str(p["text"])) for p in answer.to_dict()["retrieved"])
