"""French BM25: tokenization and ranking, on small texts and on the real code extracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.index.bm25 import FrenchBM25
from essbot.text.tokens import tokenize_french
from essbot.types import Chunk
from tests.conftest import LAWS_DIR, chunks_of, shared_file

TEXTS = [
    "L'agrément ESUS est délivré par la DDEETS du département.",
    "Le SPASER fixe des objectifs d'achats publics responsables.",
    "Les coopératives d'intérêt collectif associent salariés et usagers.",
]


def test_accents_and_case_are_folded() -> None:
    assert tokenize_french("Économie ÉCONOMIQUE") == tokenize_french("economie economique")
    assert tokenize_french("coopératives") == tokenize_french("cooperative")  # stemmed as well


def test_elisions_are_removed() -> None:
    assert tokenize_french("l'agrément d'utilité qu'une jusqu'à") == tokenize_french("agrément utilité")
    assert tokenize_french("l’économie") == tokenize_french("économie")  # typographic apostrophe


def test_stop_words_are_dropped() -> None:
    assert tokenize_french("le la les de des du et à au ou qui que cette a été") == []


def test_numbers_are_kept_whole() -> None:
    assert "2014" in tokenize_french("la loi du 31 juillet 2014")


@pytest.mark.parametrize(
    "spelling",
    ["L. 3332-17-1", "L3332-17-1", "l 3332-17-1", "art. L. 3332-17-1", "article L.3332-17-1 du code du travail"],
)
def test_code_article_references_become_one_token(spelling: str) -> None:
    assert "l3332_17_1" in tokenize_french(spelling)


def test_different_code_articles_do_not_share_tokens() -> None:
    assert not set(tokenize_french("L. 3332-17-1")) & set(tokenize_french("L. 1611-4"))


def test_search_ranks_the_matching_text_first() -> None:
    bm25 = FrenchBM25.build(TEXTS)
    results = bm25.search("Qui délivre l'agrément ?", k=3)
    assert results[0][0] == 0
    assert [position for position, _ in results] == [0]  # texts sharing no term are left out
    assert results[0][1] > 0


def test_search_without_known_terms_returns_nothing() -> None:
    bm25 = FrenchBM25.build(TEXTS)
    assert bm25.search("zythologie", k=3) == []
    assert bm25.search("le la les", k=3) == []


def test_search_k_larger_than_the_index_is_fine() -> None:
    results = FrenchBM25.build(TEXTS).search("achats publics coopératives", k=50)
    assert sorted(position for position, _ in results) == [1, 2]


def test_save_and_load_give_the_same_ranking(tmp_path: Path) -> None:
    bm25 = FrenchBM25.build(TEXTS)
    bm25.save(tmp_path / "bm25")
    loaded = FrenchBM25.load(tmp_path / "bm25", len(TEXTS))
    query = "objectifs d'achats responsables"
    assert loaded.search(query, 3) == bm25.search(query, 3)


@pytest.fixture(scope="module")
def codes_chunks_and_bm25() -> tuple[list[Chunk], FrenchBM25]:
    chunks = chunks_of(shared_file(LAWS_DIR, "codes-extraits*.md"))
    return chunks, FrenchBM25.build([chunk.embed_text for chunk in chunks])


@pytest.mark.parametrize("query", ["L3332-17-1", "art. L. 3332-17-1", "Que dit l'article L. 3332-17-1 ?"])
def test_real_code_article_is_found_however_it_is_written(
    codes_chunks_and_bm25: tuple[list[Chunk], FrenchBM25], query: str
) -> None:
    chunks, bm25 = codes_chunks_and_bm25
    top = [chunks[position] for position, _ in bm25.search(query, k=3)]
    assert "l3332_17_1" in tokenize_french(top[0].embed_text)
    assert any("L3332-17-1" in chunk.section for chunk in top)  # the article itself, not only the preamble
