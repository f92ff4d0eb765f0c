"""French lexical search (FTS5 over stems in the local store): tokenization and ranking, on small texts and on
the real code extracts."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest

from essbot.index.local import LocalStore, lexical
from essbot.text.tokens import tokenize_french
from essbot.types import Chunk, FileRecord
from tests.conftest import LAWS_DIR, chunks_of, shared_file

TEXTS = [
    "L'agrément ESUS est délivré par la DDEETS du département.",
    "Le SPASER fixe des objectifs d'achats publics responsables.",
    "Les coopératives d'intérêt collectif associent salariés et usagers.",
]


def test_accents_and_case_are_folded() -> None:
    assert tokenize_french("Économie ÉCONOMIQUE") == tokenize_french("economie economique")
    assert tokenize_french("coopératives") == tokenize_french("cooperative")  # stemmed as well


def test_accents_typed_as_combining_marks_give_the_same_tokens() -> None:
    composed = "Qui délivre l'agrément du réseau ?"
    assert tokenize_french(unicodedata.normalize("NFD", composed)) == tokenize_french(composed)


def test_elisions_are_removed() -> None:
    assert tokenize_french("l'agrément d'utilité qu'une jusqu'à") == tokenize_french("agrément utilité")
    assert tokenize_french("l’économie") == tokenize_french("économie")  # typographic apostrophe


def test_stop_words_are_dropped() -> None:
    assert tokenize_french("le la les de des du et à au ou qui que cette a été") == []


@pytest.mark.parametrize(
    ("inflected", "base"),
    [
        ("obtenu", "obtenir"),  # irregular participle: Snowball alone gives « obtenu » and « obten »
        ("ils obtiennent", "obtenir"),
        ("elles financent", "financer"),  # third person plural: Snowball leaves « financent »
        ("les lois", "la loi"),
        ("publiques", "public"),
        ("les élus", "un élu"),
        ("ils ont mis", "mettre"),
        ("prévue", "prévoir"),
    ],
)
def test_inflected_forms_share_the_lemma_stem(inflected: str, base: str) -> None:
    assert tokenize_french(inflected) == tokenize_french(base)


def test_unknown_words_and_names_are_only_stemmed() -> None:
    assert tokenize_french("Occitanie zythologies") == tokenize_french("occitanie zythologie")
    assert tokenize_french("SCIC ESUS") == ["scic", "esus"]


def test_a_form_whose_lemma_is_a_stop_word_is_dropped() -> None:
    assert tokenize_french("elles étaient") == []


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


def lexical_store(folder: Path, texts: list[str]) -> LocalStore:
    """A store holding each text as one chunk of its own document « doc-<position>.md »."""
    store = LocalStore.create(folder, "test:lexical", 4, {})
    for position, text in enumerate(texts):
        chunk = Chunk(f"c{position}", text, f"doc-{position}.md", "", None, "", "markdown")
        record = FileRecord(chunk.source, "0" * 64, 1, 1, chunk_ids=[chunk.chunk_id])
        store.put_document(record, [chunk], np.eye(1, 4, dtype=np.float32))
    return store


def positions(found: list[tuple[str, float]]) -> list[int]:
    return [int(chunk_id[1:]) for chunk_id, _ in found]


def test_search_ranks_the_matching_text_first(tmp_path: Path) -> None:
    results = lexical_store(tmp_path / "s", TEXTS).lexical_search("Qui délivre l'agrément ?", k=3)
    assert positions(results) == [0]  # texts sharing no term are left out
    assert results[0][1] > 0


def test_search_without_known_terms_returns_nothing(tmp_path: Path) -> None:
    store = lexical_store(tmp_path / "s", TEXTS)
    assert store.lexical_search("zythologie", k=3) == []
    assert store.lexical_search("le la les", k=3) == []
    assert store.lexical_search('" OR NEAR( * -- ', k=3) == []  # FTS5 syntax in a question is only text


def test_search_k_larger_than_the_index_is_fine(tmp_path: Path) -> None:
    results = lexical_store(tmp_path / "s", TEXTS).lexical_search("achats publics coopératives", k=50)
    assert sorted(positions(results)) == [1, 2]


def test_rarer_terms_weigh_more(tmp_path: Path) -> None:
    texts = ["agrément ESUS", "agrément simple", "agrément encore", "autre chose", "tout autre", "rien", "vide"]
    found = lexical_store(tmp_path / "s", texts).lexical_search("agrément ESUS", k=4)
    assert positions(found)[0] == 0 and len(found) == 3
    assert found[0][1] > 2 * found[1][1]


def test_candidates_come_from_the_rarer_stems_then_every_stem_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = [f"agrément numéro {i}" for i in range(30)] + ["agrément ESUS agrément", "ESUS seul"]
    store = lexical_store(tmp_path / "s", texts)
    monkeypatch.setattr(lexical, "POSTINGS_BUDGET", 5)  # « agrément » (31 chunks) is too common to list
    found = store.lexical_search("agrément ESUS", k=5)
    assert sorted(positions(found)) == [30, 31]  # only chunks holding « ESUS »…
    alone = dict(store.lexical_search("ESUS", k=5))
    assert dict(found)["c30"] > alone["c30"] and dict(found)["c31"] == pytest.approx(alone["c31"])  # …all stems score
    assert len(store.lexical_search("agrément", k=5)) == 5  # a lone common stem is still searched


@pytest.fixture(scope="module")
def codes_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Chunk], LocalStore]:
    chunks = chunks_of(shared_file(LAWS_DIR, "codes-extraits*.md"))
    return chunks, lexical_store(tmp_path_factory.mktemp("codes") / "s", [chunk.embed_text for chunk in chunks])


@pytest.mark.parametrize("query", ["L3332-17-1", "art. L. 3332-17-1", "Que dit l'article L. 3332-17-1 ?"])
def test_real_code_article_is_found_however_it_is_written(
    codes_store: tuple[list[Chunk], LocalStore], query: str
) -> None:
    chunks, store = codes_store
    top = [chunks[position] for position in positions(store.lexical_search(query, k=3))]
    assert "l3332_17_1" in tokenize_french(top[0].embed_text)
    assert any("L3332-17-1" in chunk.section for chunk in top)  # the article itself, not only the preamble
