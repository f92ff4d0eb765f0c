"""Metric functions on hand-made examples, with exact expected values."""

from __future__ import annotations

import pytest

from essbot.evaluation import metrics


def test_normalize_ignores_case_accents_typography_and_markers() -> None:
    normalized = metrics.normalize_for_match("Délivré par l’État [1], soit 5\u00a0% [2; 3].")
    assert normalized == "delivre par l'etat, soit 5 %."
    assert metrics.normalize_for_match("  Œuvre   SOCIALE ") == "oeuvre sociale"


def test_an_article_abbreviated_in_a_citation_matches_the_article_keyword() -> None:
    # « (loi n° 2014-856, art. 8) » answers « article 8 »; « partie 8 » or « l'article 18 » do not.
    assert metrics.missing_keywords("La co-construction (loi n° 2014-856, art. 8) [1].", ["article 8"]) == []
    assert metrics.missing_keywords("Voir la partie 8 et l'article 18.", ["article 8"]) == ["article 8"]


def test_first_hit_rank_uses_source_prefixes() -> None:
    sources = ["fiche-ptce.md", "fiche-agrement-esus.pdf", "fiche-glossaire-ess.md"]
    assert metrics.first_hit_rank(sources, ["fiche-agrement-esus"]) == 2
    assert metrics.first_hit_rank(sources, ["fiche-glossaire", "fiche-agrement"]) == 2
    assert metrics.first_hit_rank(sources, ["fiche-loi"]) is None
    assert metrics.first_hit_rank(sources, ["agrement"]) is None  # a prefix, not a substring


@pytest.mark.parametrize(
    ("rank", "k", "hit", "rr"),
    [
        (1, 1, 1.0, 1.0),
        (2, 1, 0.0, 0.5),
        (4, 5, 1.0, 0.25),
        (6, 5, 0.0, 1 / 6),
        (11, 10, 0.0, 0.0),
        (None, 5, 0.0, 0.0),
    ],
)
def test_hit_and_reciprocal_rank(rank: int | None, k: int, hit: float, rr: float) -> None:
    assert metrics.hit_at(rank, k) == hit
    assert metrics.reciprocal_rank(rank, 10) == pytest.approx(rr)


def test_keyword_recall_is_case_and_accent_insensitive() -> None:
    text = "L'agrément est délivré par le PRÉFET de département [1] pour 5\u202fans."
    assert metrics.keyword_recall(text, ["préfet", "prefet", "5 ans", "DDETS"]) == 0.75
    assert metrics.missing_keywords(text, ["préfet", "DDETS"]) == ["DDETS"]


def test_keyword_recall_on_abstention_and_without_keywords() -> None:
    assert metrics.keyword_recall("Le préfet.", ["préfet"], abstained=True) == 0.0
    assert metrics.keyword_recall("Le préfet.", []) is None


def test_citation_hits_counts_expected_sources() -> None:
    cited = ["fiche-agrement-esus.pdf", "fiche-glossaire-ess.md", "fiche-agrement-esus.pdf"]
    assert metrics.citation_hits(cited, ["fiche-agrement-esus"]) == (2, 3)
    assert metrics.citation_hits([], ["x"]) == (0, 0)


def test_cited_sentences_strips_markers_and_list_prefixes() -> None:
    answer = "L'agrément dure cinq ans [1].\n- Il est délivré par le préfet [2, 3].\nSans citation."
    assert metrics.cited_sentences(answer) == [
        ("L'agrément dure cinq ans.", [1]),
        ("Il est délivré par le préfet.", [2, 3]),
    ]


def test_citation_support_counts_backed_sentences() -> None:
    answer = (
        "L'agrément ESUS est délivré par le préfet du département [1]. "
        "Les coopératives reçoivent des subventions européennes massives [1]. "
        "Le préfet délivre l'agrément [2, 1]."
    )
    evidence = {
        1: "Agrément ESUS. L'agrément est délivré par le préfet du département du siège social.",
        2: "Un texte sans rapport avec la question posée.",
    }
    # Sentence 1 is passage 1's words in order; sentence 2 is not in it; sentence 3 reorders them: unlike the
    # engine's word-coverage check, this metric does not count a reordered or stitched claim as backed.
    assert metrics.citation_support(answer, evidence) == (1, 3)
    verbatim = "Agrément ESUS [2, 1]. L'agrément est délivré par le préfet du département du siège social [1]."
    assert metrics.citation_support(verbatim, evidence) == (2, 2)
    assert metrics.citation_support("Aucune citation ici.", evidence) == (0, 0)
    assert metrics.citation_support("Le préfet délivre l'agrément [9].", evidence) == (0, 1)


def test_abstention_scores_treat_abstaining_as_positive() -> None:
    abstained = [True, True, False, False, True, False]
    answerable = [False, True, False, True, False, True]
    scores = metrics.abstention_scores(abstained, answerable)
    # TP = rows 0 and 4, FP = row 1, FN = row 2; correct = rows 0, 3, 4, 5.
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (2, 1, 1)
    assert scores.precision == pytest.approx(2 / 3)
    assert scores.recall == pytest.approx(2 / 3)
    assert scores.accuracy == pytest.approx(4 / 6)


def test_abstention_scores_undefined_without_positives() -> None:
    scores = metrics.abstention_scores([False, False], [True, True])
    assert scores.precision is None and scores.recall is None and scores.accuracy == 1.0


def test_percentiles_interpolate_linearly() -> None:
    values = [10.0, 20.0, 30.0, 40.0, 1000.0]
    assert metrics.percentile(values, 50) == 30.0
    assert metrics.percentile(values, 95) == pytest.approx(808.0)  # 40 + 0.8 * (1000 - 40)
    assert metrics.percentile([], 50) is None


def test_hit_curve_and_aggregates() -> None:
    assert metrics.hit_curve([1, 3, None, 2], depth=4) == [0.25, 0.5, 0.75, 0.75]
    assert metrics.hit_curve([], depth=3) == []
    assert metrics.mean([1.0, None, 0.0]) == 0.5
    assert metrics.mean([None]) is None
    assert metrics.ratio([(1, 2), (0, 0), (2, 2)]) == 0.75
    assert metrics.ratio([(0, 0)]) is None
