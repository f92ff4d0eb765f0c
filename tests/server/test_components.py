"""Server parts tested in-process: the rate limiter, upload names, French validation messages, chat mapping,
and the guard against re-indexing a documents folder that is not the indexed one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from essbot.answer.engine import Assistant
from essbot.answer.types import Citation
from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.store import VectorIndex
from essbot.retrieve import HybridRetriever
from essbot.server.chat_completions import format_sources, split_conversation
from essbot.server.documents import DocumentLibrary, safe_file_name
from essbot.server.http_errors import HttpError, validation_message
from essbot.server.ratelimit import SlidingWindowLimiter
from essbot.server.reindex import LiveAssistant, Reindexer
from essbot.server.schemas import ChatMessage
from tests.server.conftest import Corpus


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sliding_window_limits_each_client_separately() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(2, window_s=60, clock=clock)
    assert limiter.retry_after("a") == 0 and limiter.retry_after("a") == 0
    clock.now += 10
    assert limiter.retry_after("a") == pytest.approx(50)  # the first hit leaves the window in 50 s
    assert limiter.retry_after("b") == 0  # another client has its own budget
    clock.now += 50.5
    assert limiter.retry_after("a") == 0


def test_idle_clients_are_forgotten() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(5, window_s=60, clock=clock)
    for i in range(999):
        limiter.retry_after(f"10.0.0.{i}")
    clock.now += 61
    limiter.retry_after("10.0.1.1")  # the 1000th call sweeps
    assert len(limiter) == 1


@pytest.mark.parametrize("raw", ["", ".env", "~$brouillon.docx", "a/b/..", "x" * 300, "<script>.md", "a\x00.md"])
def test_unsafe_upload_names_are_refused(raw: str) -> None:
    with pytest.raises(HttpError) as caught:
        safe_file_name(raw)
    assert caught.value.status == 400


def test_upload_names_lose_their_folders() -> None:
    assert safe_file_name("../../etc/fiche ESS (2024).md") == "fiche ESS (2024).md"
    assert safe_file_name("C:\\Users\\agent\\fiche-économie.pdf") == "fiche-économie.pdf"


def test_validation_messages_are_french_and_name_the_field() -> None:
    message = validation_message([{"type": "missing", "loc": ("body", "question")}])
    assert message == "Requête invalide : champ « question » : champ obligatoire manquant."
    history = validation_message([{"type": "literal_error", "loc": ("body", "history", 0, "role")}])
    assert history.startswith("Historique de conversation invalide (champ « history.0.role » : valeur non acceptée)")


def test_chat_history_drops_system_messages_and_our_sources_block() -> None:
    chat = [
        ChatMessage(role="system", content="Sois bref."),
        ChatMessage(role="user", content=[{"type": "text", "text": "Qu'est-ce qu'une SCIC ?"}]),
        ChatMessage(role="assistant", content="Une coopérative [1].\n\nSources :\n[1] SCIC — En bref (scic.html)"),
        ChatMessage(role="user", content="Et qui peut y entrer ?"),
        ChatMessage(role="tool", content="{}"),
    ]
    question, history = split_conversation(chat)
    assert question == "Et qui peut y entrer ?"
    assert [(m.role, m.content) for m in history] == [
        ("user", "Qu'est-ce qu'une SCIC ?"),
        ("assistant", "Une coopérative [1]."),
    ]


def test_sources_block_format() -> None:
    citations = [
        Citation(1, "esus.pdf", "L'agrément ESUS", 2, "Qui délivre ?", "…", 0.9),
        Citation(2, "glossaire.md", "Glossaire", None, "ESUS", "…", 0.5),
    ]
    assert format_sources(citations) == (
        "[1] L'agrément ESUS — Qui délivre ?, p. 2 (esus.pdf)\n[2] Glossaire — ESUS (glossaire.md)"
    )


def test_changes_are_refused_when_the_folder_is_not_the_indexed_one(
    api_corpus: Corpus, embedding: EssbotEmbedding, tmp_path: Path
) -> None:
    settings = Settings(index_dir=api_corpus.index, documents_dir=tmp_path / "autre-dossier")
    index = VectorIndex.load(api_corpus.index, embedding.model_id)
    live = LiveAssistant(Assistant(HybridRetriever(index, embedding, settings), settings))
    library = DocumentLibrary(settings, Reindexer(live, settings))
    with pytest.raises(HttpError) as caught:
        library.save_upload("nouvelle.md", io.BytesIO(b"# Titre\n\nUn texte sur les SCIC et les collectivites."))
    assert caught.value.code == "documents_folder_mismatch"
    assert not (tmp_path / "autre-dossier" / "nouvelle.md").exists()
    # The real folder passes the check.
    real_folder = settings.replace(documents_dir=api_corpus.docs)
    DocumentLibrary(real_folder, Reindexer(live, real_folder)).check_folder_matches_index()
