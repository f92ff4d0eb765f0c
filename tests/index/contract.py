"""The behaviour every `ChunkStore` backend keeps, as plain functions taking a store factory.

A backend's test module runs each function of `CHECKS` with its own factory (see test_local_store.py):

    @pytest.mark.parametrize("check", contract.CHECKS, ids=lambda check: check.__name__)
    def test_contract(check, factory): check(factory)

`factory()` returns a new handle on one store, empty before the first call (dimension `contract.DIM`, embedding
model `contract.MODEL`); calling it again opens a second handle on the same data, as another process would.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from essbot.index.protocol import ChunkStore
from essbot.text.tokens import tokenize_french
from essbot.types import Chunk, FileRecord, article_key

DIM = 16
MODEL = "test:contract-model"
StoreFactory = Callable[[], ChunkStore]

TEXTS = {
    "fiches/esus.md": [
        "L'agrément ESUS est délivré par la DDETS du siège de l'entreprise.",
        "La demande d'agrément se fait en ligne avec les statuts.",
    ],
    "fiches/spaser.md": [
        "Le SPASER est adopté par les acheteurs publics dépassant le seuil réglementaire.",
        "Le schéma des achats socialement responsables est publié sur le site de la collectivité.",
    ],
    "lois/code-travail.md": [
        "Article L. 3332-17-1 : l'entreprise solidaire d'utilité sociale poursuit une utilité sociale."
    ],
    "guides/ptce.pdf": ["Un pôle territorial de coopération économique regroupe des entreprises de l'ESS."],
}
DOC_TYPES = {
    "fiches/esus.md": "markdown",
    "fiches/spaser.md": "markdown",
    "lois/code-travail.md": "markdown",
    "guides/ptce.pdf": "pdf",
}


def vectors_for(count: int, seed: int) -> np.ndarray:
    """Random unit vectors (float32), reproducible."""
    matrix = np.random.default_rng(seed).standard_normal((count, DIM)).astype(np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def chunks_of(source: str, texts: list[str] | None = None, version: str = "") -> list[Chunk]:
    texts = texts if texts is not None else TEXTS[source]
    article = "L. 3332-17-1" if source.startswith("lois/") else None
    return [
        Chunk(
            f"{source}#{version}{i}",
            text,
            source,
            source.split("/")[-1],
            (i + 1) if source.endswith(".pdf") else None,
            f"Section {i}",
            DOC_TYPES.get(source, "markdown"),
            ("Titre", f"Partie {i}"),
            article,
            "2026-11-01",
        )
        for i, text in enumerate(texts)
    ]


def record_of(source: str, chunks: list[Chunk], sha: str = "a") -> FileRecord:
    return FileRecord(
        source, sha * 64, 100, 1, source, chunks[0].doc_type if chunks else "", None, [c.chunk_id for c in chunks]
    )


def put(
    store: ChunkStore, source: str, seed: int, texts: list[str] | None = None, version: str = ""
) -> tuple[list[Chunk], np.ndarray]:
    chunks = chunks_of(source, texts, version)
    vectors = vectors_for(len(chunks), seed)
    store.put_document(record_of(source, chunks), chunks, vectors)
    return chunks, vectors


def fill(store: ChunkStore) -> dict[str, tuple[list[Chunk], np.ndarray]]:
    return {source: put(store, source, seed) for seed, source in enumerate(sorted(TEXTS))}


def all_ids(store: ChunkStore) -> set[str]:
    return {c.chunk_id for _, chunks, _ in store.documents() for c in chunks}


# --- the checks ------------------------------------------------------------------------------------


def check_new_store_is_empty(factory: StoreFactory) -> None:
    store = factory()
    assert (store.files(), all_ids(store), store.dim, store.embedding_model) == ({}, set(), DIM, MODEL)
    assert store.dense_search(vectors_for(1, 0)[0], 5) == []
    assert store.lexical_search("agrément", 5) == []
    assert store.stats().chunks == 0


def check_put_then_fetch_returns_every_field(factory: StoreFactory) -> None:
    store = factory()
    docs = fill(store)
    chunks = docs["guides/ptce.pdf"][0] + docs["lois/code-travail.md"][0]
    assert store.fetch([c.chunk_id for c in chunks]) == chunks  # every field, heading_path a tuple
    assert store.files()["fiches/esus.md"] == record_of("fiches/esus.md", docs["fiches/esus.md"][0])


def check_fetch_keeps_the_order_asked_and_leaves_out_unknown_ids(factory: StoreFactory) -> None:
    store = factory()
    docs = fill(store)
    ids = [c.chunk_id for c in docs["fiches/spaser.md"][0] + docs["fiches/esus.md"][0]][::-1]
    assert [c.chunk_id for c in store.fetch([ids[0], "absent", *ids[1:]])] == ids


def check_replacing_a_document_drops_its_old_chunks(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    before = store.stats().chunks
    new_chunks, new_vectors = put(store, "fiches/esus.md", 99, ["La DREETS instruit désormais les demandes."], "v2-")
    assert all_ids(store) >= {c.chunk_id for c in new_chunks}
    assert not any(i.startswith("fiches/esus.md#0") or i == "fiches/esus.md#1" for i in all_ids(store))
    assert store.stats().chunks == before - 1
    assert store.dense_search(new_vectors[0], 1)[0][0] == new_chunks[0].chunk_id
    assert [i for i, _ in store.lexical_search("DDETS", 5)] == []  # the old text is no longer found
    assert store.lexical_search("DREETS", 5)[0][0] == new_chunks[0].chunk_id
    assert store.files()["fiches/esus.md"].chunk_ids == [new_chunks[0].chunk_id]


def check_removing_a_document_forgets_it_everywhere(factory: StoreFactory) -> None:
    store = factory()
    docs = fill(store)
    chunks, vectors = docs["fiches/spaser.md"]
    store.remove_document("fiches/spaser.md")
    store.remove_document("never-seen.md")  # no error
    assert "fiches/spaser.md" not in store.files()
    assert store.fetch([c.chunk_id for c in chunks]) == []
    assert all(i not in {c.chunk_id for c in chunks} for i, _ in store.dense_search(vectors[0], 10))
    assert store.lexical_search("SPASER", 5) == []
    assert store.stats().documents == len(TEXTS) - 1


def check_skipped_record_is_remembered_without_chunks(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    reason = "fichier illisible (PDF chiffré)"
    skipped = FileRecord("fiches/esus.md", "b" * 64, 10, 2, skipped=reason)
    store.put_document(skipped, [], np.zeros((0, DIM), dtype=np.float32))
    assert store.files()["fiches/esus.md"].skipped == reason
    assert not [i for i, _ in store.lexical_search("agrément ESUS DDETS", 5) if i.startswith("fiches/esus.md")]
    assert "fiches/esus.md" not in {record.source for record, _, _ in store.documents()}


def check_dense_search_ranks_by_inner_product(factory: StoreFactory) -> None:
    store = factory()
    docs = fill(store)
    chunks = [c for source in sorted(docs) for c in docs[source][0]]
    matrix = np.concatenate([docs[source][1] for source in sorted(docs)])
    query = vectors_for(1, 1234)[0]
    expected = np.argsort(-(matrix @ query))[:4]
    found = store.dense_search(query, 4)
    assert [i for i, _ in found] == [chunks[j].chunk_id for j in expected]
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert abs(found[0][1] - float(matrix[expected[0]] @ query)) < 1e-4
    assert len(store.dense_search(query, 1000)) == len(chunks)


def check_narrow_filter_still_gets_its_k_best(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    # Many chunks closer to the query than the one document the filter keeps.
    query = vectors_for(1, 7)[0]
    near = np.tile(query, (40, 1)) + 0.01 * vectors_for(40, 8)
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    crowd = chunks_of("autres/proche.md", [f"Passage voisin numéro {i}." for i in range(40)])
    store.put_document(record_of("autres/proche.md", crowd), crowd, near.astype(np.float32))
    found = store.dense_search(query, 3, {"source": "guides/"})
    assert [i for i, _ in found] == ["guides/ptce.pdf#0"]
    found = store.dense_search(query, 3, {"source": ["lois/", "fiches/esus"]})
    assert sorted(i for i, _ in found) == sorted(["lois/code-travail.md#0", "fiches/esus.md#0", "fiches/esus.md#1"])
    assert {i.split("#")[0] for i, _ in store.dense_search(query, 10, {"doc_type": "pdf"})} == {"guides/ptce.pdf"}
    assert store.dense_search(query, 3, {"doc_type": ["absent"]}) == []


def check_lexical_search_matches_french_stems(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    found = store.lexical_search("Qui délivre les agréments ?", 5)  # plural, accents: same stems
    assert found and found[0][0].startswith("fiches/esus.md")
    assert all(score > 0 for _, score in found)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)
    assert store.lexical_search("zythologie", 5) == []
    assert store.lexical_search("le la les de", 5) == []  # stop words only


def check_lexical_search_keeps_article_numbers_whole(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    assert [i for i, _ in store.lexical_search("art. L 3332-17-1", 3)] == ["lois/code-travail.md#0"]
    assert store.lexical_search("L. 3332-17-2", 3) == []


def check_lexical_search_applies_filters_inside(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    crowd = chunks_of("autres/esus.md", [f"Agrément ESUS, agrément ESUS, note {i}." for i in range(40)])
    store.put_document(record_of("autres/esus.md", crowd), crowd, vectors_for(40, 3))
    found = store.lexical_search("agrément ESUS", 2, {"source": "fiches/"})
    assert [i.split("#")[0] for i, _ in found] == ["fiches/esus.md", "fiches/esus.md"]
    assert store.lexical_search("agrément", 5, {"doc_type": "pdf"}) == []


def check_article_chunks_find_the_article_by_key(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    assert store.article_chunks(article_key("L.3332-17-1")) == ["lois/code-travail.md#0"]
    assert store.article_chunks(article_key("L. 1")) == []


def check_term_weights_follow_document_frequency(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    weights, size = store.term_weights()
    assert size == store.stats().chunks == sum(len(t) for t in TEXTS.values())
    (common,) = tokenize_french("agrément")  # in two chunks
    (rare,) = tokenize_french("DDETS")  # in one
    assert 0 < weights[common] < weights[rare]
    assert weights["l3332_17_1"] > 0
    assert "le" not in weights and "l" not in weights


def check_documents_round_trip_into_another_store(factory: StoreFactory) -> None:
    store = factory()
    docs = fill(store)
    copied = {record.source: (record, chunks, vectors) for record, chunks, vectors in store.documents()}
    assert set(copied) == set(docs)
    for source, (record, chunks, vectors) in copied.items():
        assert chunks == docs[source][0]
        assert np.allclose(vectors, docs[source][1], atol=1e-6)
        assert record == store.files()[source]


def check_stored_vectors_are_found_by_text(factory: StoreFactory) -> None:
    store = factory()
    docs = fill(store)
    chunk, vector = docs["fiches/spaser.md"][0][1], docs["fiches/spaser.md"][1][1]
    found = store.stored_vectors([chunk.embed_text, "un texte jamais vu"])
    assert list(found) == [chunk.embed_text]
    assert np.allclose(found[chunk.embed_text], vector, atol=1e-6)


def check_generation_changes_and_other_handles_see_it(factory: StoreFactory) -> None:
    writer = factory()
    reader = factory()
    start = reader.generation()
    assert reader.dense_search(vectors_for(1, 0)[0], 3) == []  # the reader has loaded its (empty) index
    chunks, vectors = put(writer, "fiches/esus.md", 5)
    assert reader.generation() != start
    assert reader.dense_search(vectors[1], 1)[0][0] == chunks[1].chunk_id
    assert reader.lexical_search("DDETS", 1)[0][0] == chunks[0].chunk_id
    middle = reader.generation()
    writer.remove_document("fiches/esus.md")
    assert reader.generation() != middle
    assert reader.dense_search(vectors[1], 3) == []
    reader.close()


def check_stats_count_documents_and_chunks(factory: StoreFactory) -> None:
    store = factory()
    fill(store)
    store.put_document(FileRecord("x.pdf", "c" * 64, 1, 1, skipped="illisible"), [], np.zeros((0, DIM), np.float32))
    stats = store.stats()
    assert (stats.documents, stats.chunks, stats.dim, stats.embedding_model) == (len(TEXTS), 6, DIM, MODEL)
    assert stats.backend and stats.updated_at
    assert store.built_with() == MODEL  # read again from the store: what a replica compares its encoder with


def check_a_failed_put_changes_nothing(factory: StoreFactory) -> None:
    store = factory()
    docs = fill(store)
    generation = store.generation()
    chunks = chunks_of("fiches/esus.md", ["Nouveau texte."], "v3-")
    try:
        store.put_document(record_of("fiches/esus.md", chunks), chunks, vectors_for(2, 1))  # one vector too many
    except ValueError:
        pass
    else:
        raise AssertionError("a put with mismatched vectors must raise ValueError")
    assert store.generation() == generation
    assert [c.chunk_id for c in store.fetch([c.chunk_id for c in docs["fiches/esus.md"][0]])] == [
        c.chunk_id for c in docs["fiches/esus.md"][0]
    ]


CHECKS = [
    check_new_store_is_empty,
    check_put_then_fetch_returns_every_field,
    check_fetch_keeps_the_order_asked_and_leaves_out_unknown_ids,
    check_replacing_a_document_drops_its_old_chunks,
    check_removing_a_document_forgets_it_everywhere,
    check_skipped_record_is_remembered_without_chunks,
    check_dense_search_ranks_by_inner_product,
    check_narrow_filter_still_gets_its_k_best,
    check_lexical_search_matches_french_stems,
    check_lexical_search_keeps_article_numbers_whole,
    check_lexical_search_applies_filters_inside,
    check_article_chunks_find_the_article_by_key,
    check_term_weights_follow_document_frequency,
    check_documents_round_trip_into_another_store,
    check_stored_vectors_are_found_by_text,
    check_generation_changes_and_other_handles_see_it,
    check_stats_count_documents_and_chunks,
    check_a_failed_put_changes_nothing,
]
