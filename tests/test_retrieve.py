"""Hybrid retrieval: reciprocal rank fusion maths and real searches over the generated corpus."""

from __future__ import annotations

import pytest

from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store
from essbot.retrieve import HybridRetriever, fuse_rankings
from tests.conftest import Workspace

# --- fuse_rankings ---------------------------------------------------------------------------------


def test_rrf_scores_are_sums_of_reciprocal_ranks_scaled_to_one() -> None:
    fused = dict(fuse_rankings([[10, 20, 30], [30, 10]], k=60))
    best = 2 / 61
    assert fused[10] == pytest.approx((1 / 61 + 1 / 62) / best)
    assert fused[30] == pytest.approx((1 / 63 + 1 / 61) / best)
    assert fused[20] == pytest.approx((1 / 62) / best)


def test_rrf_orders_by_fused_score() -> None:
    assert [item for item, _ in fuse_rankings([[10, 20, 30], [30, 10]], k=60)] == [10, 30, 20]


def test_rrf_first_everywhere_scores_exactly_one() -> None:
    assert fuse_rankings([[7, 8], [7, 9]], k=60)[0] == (7, pytest.approx(1.0))
    assert fuse_rankings([[4, 5]], k=1) == [(4, pytest.approx(1.0)), (5, pytest.approx(2 / 3))]


def test_rrf_small_k_favours_top_ranks_more() -> None:
    sharp = dict(fuse_rankings([[1, 2]], k=1))
    flat = dict(fuse_rankings([[1, 2]], k=1000))
    assert sharp[2] < flat[2]


def test_rrf_of_nothing_is_empty() -> None:
    assert fuse_rankings([]) == []
    assert fuse_rankings([[], []]) == []


# --- HybridRetriever -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def retriever(built_index: Workspace, embedding: EssbotEmbedding) -> HybridRetriever:
    index = open_store(Settings(), built_index.index_dir, embedding.model_id)
    return HybridRetriever(index, embedding, built_index.settings)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_finds_the_pdf_passage_on_page_two(retriever: HybridRetriever, mode: str) -> None:
    passage = retriever.search("Qui délivre l'agrément ESUS ?", k=3, mode=mode)[0]
    assert (passage.chunk.source, passage.chunk.page) == ("guide-rtes.pdf", 2)
    assert "DDEETS" in passage.chunk.text


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ("Quelle part du capital d'une SCIC une collectivité peut-elle détenir ?", "scic.docx"),
        ("Comment la communauté de communes soutient-elle le pôle territorial ?", "ptce.html"),
        ("Qui délivre l'agrément entreprise solidaire d'utilité sociale selon l'article L. 3332-17-1 ?", None),
        ("Comment est financée la chambre régionale ?", "cress-sommaire.pdf"),
    ],
)
def test_questions_find_the_right_document(retriever: HybridRetriever, question: str, source: str | None) -> None:
    top = retriever.search(question, k=2)
    if source is None:  # two documents answer: the law text and the guide
        assert {p.chunk.source for p in top} == {"loi-extrait.txt", "guide-rtes.pdf"}
    else:
        assert top[0].chunk.source == source


def test_hybrid_results_carry_both_rankings(retriever: HybridRetriever) -> None:
    passages = retriever.search("agrément ESUS DDEETS", k=4)
    assert len(passages) == 4
    scores = [p.score for p in passages]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < score <= 1 for score in scores)
    first = passages[0]
    assert (first.dense_rank, first.bm25_rank) == (1, 1)
    assert first.score == pytest.approx(1.0)
    assert first.dense_score is not None and first.bm25_score is not None


def test_dense_mode_has_no_bm25_evidence(retriever: HybridRetriever) -> None:
    passages = retriever.search("achats responsables", k=2, mode="dense")
    assert all(p.bm25_rank is None and p.dense_rank is not None for p in passages)


def test_bm25_mode_returns_only_lexical_matches(retriever: HybridRetriever) -> None:
    assert retriever.search("zythologie", k=3, mode="bm25") == []
    assert len(retriever.search("zythologie", k=3, mode="dense")) == 3


def test_k_defaults_to_settings_top_k(retriever: HybridRetriever) -> None:
    assert len(retriever.search("collectivités")) == retriever.settings.top_k


def test_passage_dict_follows_the_json_contract(retriever: HybridRetriever) -> None:
    data = retriever.search("Qui délivre l'agrément ESUS ?", k=1)[0].to_dict()
    assert set(data) == {"source", "title", "page", "section", "text", "score", "article", "updated"}
    assert (data["source"], data["page"], data["article"]) == ("guide-rtes.pdf", 2, None)
    assert data["updated"]  # PDF metadata, else the file's date
    assert data["section"].startswith("Chapitre 2")


def test_open_loads_the_index_named_in_settings(built_index: Workspace) -> None:
    retriever = HybridRetriever.open(built_index.settings)
    assert retriever.search("SPASER", k=1)[0].chunk.source == "fiche-spaser.md"


def test_a_question_naming_an_article_gets_that_article_first(
    laws_settings: Settings, embedding: EssbotEmbedding
) -> None:
    retriever = HybridRetriever(
        open_store(Settings(), laws_settings.index_dir, embedding.model_id), embedding, laws_settings
    )
    first = retriever.search("Que dit l'article 9-1 de la loi du 12 avril 2000 ?", k=3)[0].chunk
    assert first.article == "9-1" and "2000-321" in first.title
    first = retriever.search("Que prévoit l'article L. 3332-17-1 ?", k=3)[0].chunk
    assert first.article == "L. 3332-17-1"


def test_a_long_named_article_opens_on_its_first_part(laws_settings: Settings, embedding: EssbotEmbedding) -> None:
    """Article 1 of the 2014 law is cut into several chunks; « Que dit l'article 1er… ? » gets its opening first."""
    retriever = HybridRetriever(
        open_store(Settings(), laws_settings.index_dir, embedding.model_id), embedding, laws_settings
    )
    first = retriever.search("Que dit l'article 1er de la loi ESS ?", k=3)[0].chunk
    assert first.article == "1" and "mode d'entreprendre" in first.text


def test_the_opening_of_the_best_matching_text_comes_first_then_the_search_order() -> None:
    from essbot.retrieve import _named_order
    from essbot.types import Chunk

    def chunk(chunk_id: str, source: str) -> Chunk:
        return Chunk(chunk_id, "…", source, "Loi", None, "Article 4", "markdown", article="4")

    named = ["a1", "a2", "a3", "b1"]  # as the store lists them: document order, text by text
    chunks = {
        c.chunk_id: c for c in (chunk("a1", "a.md"), chunk("a2", "a.md"), chunk("a3", "a.md"), chunk("b1", "b.md"))
    }
    rankings = [["a3", "b1", "a2"], ["b1", "a3"]]  # the searches preferred a later part of text a
    assert _named_order(named, chunks, rankings) == ["a1", "a3", "b1", "a2"]
