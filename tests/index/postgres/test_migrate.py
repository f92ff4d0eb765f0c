"""`essbot migrate`: a local index copied into PostgreSQL without re-embedding, end to end on the embedded server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from click.testing import Result

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.postgres import PostgresStore
from essbot.index.postgres.migrate import open_source
from essbot.ingest.pipeline import ingest
from tests.conftest import Workspace


def with_password(url: str, password: str) -> str:
    """The embedded server trusts local connections: a password in the URL is accepted and must stay hidden."""
    return url.replace("postgres:@", f"postgres:{password}@")


def test_migrate_copies_chunks_and_vectors(
    built_index: Workspace, postgres_url: str, run_cli: Callable[..., Result]
) -> None:
    url = with_password(postgres_url, "mot-de-passe-secret")
    result = run_cli("migrate", "--to", url, "--index", built_index.index_dir)
    assert result.exit_code == 0, result.output
    assert "Copie terminée" in result.output and "sans recalcul des vecteurs" in result.output
    assert "mot-de-passe-secret" not in result.output

    source = open_source(built_index.settings)
    documents = list(source.documents())
    chunks = [chunk for _, doc_chunks, _ in documents for chunk in doc_chunks]
    vectors = np.concatenate([doc_vectors for _, _, doc_vectors in documents])
    assert f"{len(documents)} documents, {len(chunks)} passages" in result.output
    with PostgresStore.open(postgres_url, source.embedding_model) as store:
        assert store.dim == source.dim
        assert store.stats().chunks == len(chunks)
        assert {s: r.chunk_ids for s, r in store.files().items()} == {s: r.chunk_ids for s, r in source.files().items()}
        chunk = chunks[5]
        assert store.fetch([chunk.chunk_id]) == [chunk]
        assert store.dense_search(vectors[5], 1)[0][0] == chunk.chunk_id
        copied = {c.chunk_id: v for _, cs, vs in store.documents() for c, v in zip(cs, vs, strict=True)}
        np.testing.assert_allclose(copied[chunk.chunk_id], vectors[5], rtol=1e-6)
        assert store.lexical_search("agrément ESUS", 3)
    source.close()


def test_migrate_refuses_a_filled_database_unless_replaced(
    built_index: Workspace, postgres_url: str, run_cli: Callable[..., Result]
) -> None:
    assert run_cli("migrate", "--to", postgres_url, "--index", built_index.index_dir).exit_code == 0
    again = run_cli("migrate", "--to", postgres_url, "--index", built_index.index_dir)
    assert again.exit_code == 1 and "contient déjà" in again.output and "--replace" in again.output
    replaced = run_cli(
        "migrate", "--index", built_index.index_dir, "--replace", env={"ESSBOT_DATABASE_URL": postgres_url}
    )
    assert replaced.exit_code == 0, replaced.output


def test_migrate_keeps_skipped_files_and_their_reasons(
    bad_folder: Path, tmp_path: Path, embedding: EssbotEmbedding, postgres_url: str, run_cli: Callable[..., Result]
) -> None:
    settings = Settings(index_dir=tmp_path / "index")
    ingest([bad_folder], settings, embedding=embedding)
    source = open_source(settings)
    skipped = {s: r.skipped for s, r in source.files().items() if r.skipped}
    source.close()
    assert skipped
    result = run_cli("migrate", "--to", postgres_url, "--index", settings.index_dir, "-q")
    assert result.exit_code == 0, result.output
    assert f"{len(skipped)} fichiers ignorés" in result.output
    with PostgresStore.open(postgres_url) as store:
        assert {s: r.skipped for s, r in store.files().items() if r.skipped} == skipped


def test_migrate_without_a_database_says_how_to_give_one(
    built_index: Workspace, run_cli: Callable[..., Result]
) -> None:
    result = run_cli("migrate", "--index", built_index.index_dir)
    assert result.exit_code == 1 and "ESSBOT_DATABASE_URL" in result.output
