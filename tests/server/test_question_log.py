"""Questions through /v1/ask, /v1/ask/stream and /v1/chat/completions land in the question log, masked; a log
that cannot be written never costs an answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from essbot.config import Settings
from essbot.insights.log import QuestionLog
from essbot.redaction import EMAIL_MASK, PHONE_MASK
from essbot.server.api import create_app
from tests.server.conftest import Corpus
from tests.server.sse_client import stream_events

pytestmark = pytest.mark.slow  # three apps, each loading its index and model

QUESTION = "Qui délivre l'agrément ESUS ?"
PERSONAL = "Écrivez-moi à elu.test@mairie.fr ou au 06 12 34 56 78 : quelle est la recette de la tarte tatin ?"


def client_for(corpus: Corpus, question_log_db: Path, **settings: object) -> TestClient:
    config = Settings(index_dir=corpus.index, documents_dir=corpus.docs, question_log_db=question_log_db, **settings)
    return TestClient(create_app(config, with_ui=False))


@pytest.fixture
def logged_client(api_corpus: Corpus, tmp_path: Path) -> Iterator[TestClient]:
    with client_for(api_corpus, tmp_path / "questions.sqlite3") as client:
        yield client


def test_every_api_channel_is_logged_with_personal_data_masked(logged_client: TestClient, tmp_path: Path) -> None:
    assert logged_client.post("/v1/ask", json={"question": QUESTION}).status_code == 200
    assert stream_events(logged_client, "/v1/ask/stream", {"question": QUESTION})[-1][0] == "done"
    chat = {"model": "essbot", "messages": [{"role": "user", "content": QUESTION}]}
    assert logged_client.post("/v1/chat/completions", json=chat).status_code == 200
    assert stream_events(logged_client, "/v1/chat/completions", {**chat, "stream": True})[-1][1] == "[DONE]"
    off_topic = logged_client.post("/v1/ask", json={"question": PERSONAL})
    assert off_topic.json()["abstained"] is True

    rows = QuestionLog(tmp_path / "questions.sqlite3").rows()
    assert [r.channel for r in rows] == ["api", "api", "chat-completions", "chat-completions", "api"]
    assert all(r.question == QUESTION and not r.abstained for r in rows[:4])
    assert all(r.citations and r.citations[0].source == "fiche-agrement-esus.pdf" for r in rows[:4])
    assert rows[4].abstained and not rows[4].citations and rows[4].passages
    assert (
        rows[4].question == f"Écrivez-moi à {EMAIL_MASK} ou au {PHONE_MASK} : quelle est la recette de la tarte tatin ?"
    )
    assert b"elu.test@mairie.fr" not in (tmp_path / "questions.sqlite3").read_bytes()


def test_an_unwritable_log_never_costs_an_answer(api_corpus: Corpus, tmp_path: Path) -> None:
    (tmp_path / "un-fichier").write_text("pas un dossier")
    with client_for(api_corpus, tmp_path / "un-fichier" / "questions.sqlite3") as client:
        response = client.post("/v1/ask", json={"question": QUESTION})
        assert response.status_code == 200 and response.json()["citations"]
        assert stream_events(client, "/v1/ask/stream", {"question": QUESTION})[-1][0] == "done"


def test_the_log_can_be_switched_off(api_corpus: Corpus, tmp_path: Path) -> None:
    with client_for(api_corpus, tmp_path / "questions.sqlite3", question_log=False) as client:
        assert client.post("/v1/ask", json={"question": QUESTION}).status_code == 200
    assert not (tmp_path / "questions.sqlite3").exists()
