"""Server parts tested in-process: the rate limiter, upload names, French validation messages, chat mapping,
and the guard against re-indexing a documents folder that is not the indexed one."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest

from essbot.answer.engine import Assistant
from essbot.answer.types import Citation
from essbot.config import Settings
from essbot.errors import ConfigError
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store
from essbot.retrieve import HybridRetriever
from essbot.server.chat_completions import format_sources, split_conversation
from essbot.server.documents import DocumentLibrary, safe_file_name
from essbot.server.http_errors import HttpError, validation_message
from essbot.server.ratelimit import ClientLimiter, client_address, parse_networks, parse_origins
from essbot.server.reindex import LiveAssistant, Reindexer
from essbot.server.schemas import ChatMessage
from tests.server.conftest import Corpus


def test_each_client_has_its_own_budget_per_channel() -> None:
    async def scenario() -> list[bool]:
        limiter = ClientLimiter(2)
        hits = [await limiter.hit("10.0.0.1") for _ in range(3)]
        refused = hits[-1]
        assert refused.retry_after_s >= 1 and "2 par minute" in refused.message
        others = [await limiter.hit("10.0.0.2"), await limiter.hit("10.0.0.1", "chat")]
        return [v.allowed for v in hits + others]

    assert asyncio.run(scenario()) == [True, True, False, True, True]


def test_forwarded_addresses_are_believed_from_trusted_proxies_only() -> None:
    trusted = parse_networks("10.0.0.0/8, 192.0.2.7")
    forwarded = {"x-forwarded-for": "203.0.113.9, 10.1.2.3"}
    assert client_address("127.0.0.1", forwarded, trusted) == "127.0.0.1"  # a local peer is no proxy by default
    assert client_address("192.0.2.7", forwarded, trusted) == "203.0.113.9"  # right-most untrusted hop
    assert client_address("192.0.2.7", {}, trusted) == "192.0.2.7"
    assert client_address("127.0.0.1", forwarded, []) == "127.0.0.1"
    with pytest.raises(ConfigError):
        parse_networks("pas-une-adresse")


def test_null_origin_is_never_allowed() -> None:
    assert parse_origins("null, https://mairie.example/ ,") == ["https://mairie.example"]


@pytest.mark.parametrize(
    "raw",
    ["", ".env", "~$brouillon.docx", "a/b/..", "x" * 300, "<script>.md", "a\x00.md", "é" * 130 + ".md", "\ud800.md"],
)
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
    index = open_store(Settings(), api_corpus.index, embedding.model_id)
    live = LiveAssistant(Assistant(HybridRetriever(index, embedding, settings), settings))
    library = DocumentLibrary(settings, Reindexer(live, settings))
    with pytest.raises(HttpError) as caught:
        library.save_upload("nouvelle.md", io.BytesIO(b"# Titre\n\nUn texte sur les SCIC et les collectivites."))
    assert caught.value.code == "documents_folder_mismatch"
    assert not (tmp_path / "autre-dossier" / "nouvelle.md").exists()
    # The real folder passes the check.
    real_folder = settings.replace(documents_dir=api_corpus.docs)
    DocumentLibrary(real_folder, Reindexer(live, real_folder)).check_folder_matches_index()
