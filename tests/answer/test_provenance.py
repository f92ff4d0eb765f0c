"""Cited sources named and dated for people, and the caution on answers that lean on old sources."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from essbot.answer.engine import Assistant
from essbot.answer.provenance import date_phrase, french_date, law_text_name, source_label, stale_caution
from essbot.answer.types import Answer, Citation
from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.ingest.pipeline import ingest
from essbot.retrieve import HybridRetriever
from essbot.server.document_view import DocumentLinks
from essbot.ui.feedback import AnswerRecord
from essbot.ui.sources import source_card
from tests.conftest import LAWS_DIR, shared_file

TODAY = date(2026, 12, 1)


def cite(**changes: object) -> Citation:
    base = Citation(1, "fiche.md", "L'agrément ESUS", None, "Qui délivre l'agrément ?", "Le préfet.", 0.8)
    return Citation(**{**base.__dict__, **changes})


@pytest.mark.parametrize(
    ("iso", "french"), [("2024-01-01", "1er janvier 2024"), ("2000-04-12", "12 avril 2000"), ("2015", "2015")]
)
def test_french_date(iso: str, french: str) -> None:
    assert french_date(iso) == french


def test_law_article_labels_name_the_article_and_its_text() -> None:
    loi = cite(
        title="Loi n° 2000-321 du 12 avril 2000 relative aux droits des citoyens — articles 9-1 et 10 (subventions)",
        section="Article 9-1",
        article="9-1",
        updated="2015",
    )
    assert source_label(loi) == "Art. 9-1, loi n° 2000-321 du 12 avril 2000"
    assert date_phrase(loi) == "mis à jour en 2015"
    code_export = cite(title="Extraits de codes liés à la loi ESS", section="Code du travail — Article L3332-17-1")
    assert law_text_name(code_export.title, code_export.section) == "code du travail"
    legi = cite(
        source="legi/LEGIARTI000038610212.xml",
        title="Code du travail",
        section="Article L3332-17-1",
        article="L. 3332-17-1",
        updated="2024-01-01",
    )
    assert f"{source_label(legi)} — {date_phrase(legi)}" == (
        "Art. L. 3332-17-1, code du travail — version en vigueur depuis le 1er janvier 2024"
    )
    assert law_text_name("LOI n° 2014-856 du 31 juillet 2014", "Article 1") == "loi n° 2014-856 du 31 juillet 2014"


def test_other_sources_keep_title_and_section() -> None:
    fiche = cite(updated="2026-11-15")
    assert source_label(fiche) == "L'agrément ESUS — Qui délivre l'agrément ?"
    assert date_phrase(fiche) == "mis à jour le 15 novembre 2026"
    assert date_phrase(cite()) == ""


def test_stale_caution_names_the_oldest_source_older_than_the_setting() -> None:
    recent, old, older = cite(updated="2025-06-01"), cite(updated="2020-04-12"), cite(updated="2015")
    assert stale_caution([recent], 3, TODAY) == ""
    assert stale_caution([recent, old], 3, TODAY) == (
        "Source datée du 12 avril 2020 : vérifiez la version en vigueur sur Légifrance."
    )
    assert stale_caution([old, older], 3, TODAY).startswith("Source datée de 2015 :")
    assert stale_caution([old], 10, TODAY) == "" and stale_caution([old], 0, TODAY) == ""
    assert stale_caution([cite()], 3, TODAY) == ""  # undated: nothing to say


def test_ui_card_and_feedback_export_carry_article_and_date() -> None:
    loi = cite(source="loi.md", title="Loi n° 2000-321 du 12 avril 2000", article="9-1", updated="2015", page=None)
    card = source_card(loi, None, DocumentLinks(b"test key"))
    assert card["title"] == "Art. 9-1, loi n° 2000-321 du 12 avril 2000"
    assert (card["section"], card["source"], card["updated"]) == (
        "Qui délivre l'agrément ?",
        "loi.md",
        "mis à jour en 2015",
    )
    record = AnswerRecord.from_answer("q", Answer("q", "a [1].", False, [loi, cite(id=2, page=3, source="f.pdf")]))
    assert record.sources == "[1] loi.md art. 9-1 (2015) | [2] f.pdf p. 3"


# --- end to end on the 2015 law export --------------------------------------------------------------


@pytest.fixture(scope="module")
def law_settings(tmp_path_factory: pytest.TempPathFactory, embedding: EssbotEmbedding) -> Settings:
    docs = tmp_path_factory.mktemp("lois") / "documents"
    docs.mkdir()
    shutil.copy(shared_file(LAWS_DIR, "loi-2000-321_*.md"), docs)
    settings = Settings(index_dir=docs.parent / "index", documents_dir=docs)
    ingest([docs], settings, embedding=embedding)
    return settings


QUESTION = "Quelles contributions constituent des subventions ?"


def test_answer_citing_the_2015_law_adds_the_caution(law_settings: Settings, embedding: EssbotEmbedding) -> None:
    from essbot.index.stores import open_store

    index = open_store(Settings(), law_settings.index_dir, embedding.model_id)
    assistant = Assistant(HybridRetriever(index, embedding, law_settings), law_settings)
    answer = assistant.ask(QUESTION)
    assert not answer.abstained
    assert (answer.citations[0].article, answer.citations[0].updated) == ("9-1", "2015")
    assert answer.answer.endswith("\n\nSource datée de 2015 : vérifiez la version en vigueur sur Légifrance.")
    streamed = "".join(item for item in assistant.stream(QUESTION) if isinstance(item, str))
    assert streamed.endswith("Légifrance.")
    fresh = Assistant(HybridRetriever(index, embedding, law_settings), law_settings.replace(stale_source_years=20))
    assert "Légifrance" not in fresh.ask(QUESTION).answer


def test_cli_lists_sources_with_article_and_date(law_settings: Settings, run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("ask", QUESTION, "--index", law_settings.index_dir)
    assert "[1] Art. 9-1, loi n° 2000-321 du 12 avril 2000 — mis à jour en 2015 (loi-2000-321_" in result.output
    data = json.loads(run_cli("ask", QUESTION, "--index", law_settings.index_dir, "--json").output)
    assert (data["citations"][0]["article"], data["citations"][0]["updated"]) == ("9-1", "2015")
    assert all(p["updated"] == "2015" for p in data["retrieved"])
