"""Grouping logged questions by topic with the real default embedding model."""

from __future__ import annotations

import numpy as np

from essbot.index.embeddings import EssbotEmbedding
from essbot.insights.grouping import cluster, group_questions, top_terms

ESUS = [
    "Comment obtenir l'agrément ESUS pour notre association ?",
    "Quelles pièces fournir pour l'agrément ESUS ?",
    "Combien de temps dure l'instruction de l'agrément ESUS ?",
    "Qui délivre l'agrément entreprise solidaire d'utilité sociale ?",
]
TATIN = [
    "Quelle est la recette de la tarte tatin ?",
    "Comment réussir une tarte tatin aux pommes ?",
    "Temps de cuisson de la tarte tatin ?",
]


def test_questions_on_two_clear_topics_form_two_groups(embedding: EssbotEmbedding) -> None:
    texts = [ESUS[0], TATIN[0], ESUS[1], TATIN[1], ESUS[2], TATIN[2], ESUS[3]]
    grouping = group_questions(texts, embedding.encode_queries(texts))
    assert [sorted(texts[i] for i in members) for members in grouping.members] == [sorted(ESUS), sorted(TATIN)]
    assert texts[grouping.central[0]] in ESUS and texts[grouping.central[1]] in TATIN
    assert "esus" in grouping.terms[0] and "agrément" in grouping.terms[0]
    assert grouping.terms[1][:2] == ["tarte", "tatin"]


def test_a_stricter_threshold_splits_and_a_looser_one_merges(embedding: EssbotEmbedding) -> None:
    vectors = embedding.encode_queries(ESUS + TATIN)
    assert len(cluster(vectors, 0.999)) == len(ESUS + TATIN)
    assert len(cluster(vectors, 0.0)) == 1


def test_edge_cases_without_model() -> None:
    assert cluster(np.zeros((0, 4))) == []
    assert cluster(np.ones((1, 4))) == [[0]]
    # Masks and stop words never label a group.
    assert top_terms(["Écrivez à [courriel] ou au [téléphone] pour le SPASER"], [[0]]) == [["écrivez", "spaser"]]
