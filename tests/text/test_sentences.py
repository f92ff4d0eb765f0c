from essbot.text.sentences import coverage, split_sentences


def test_split_keeps_legal_abbreviations_inside_sentences() -> None:
    text = "Il relève de l'art. L. 3332-17-1 du code du travail. Il vaut 5 ans. Voir le n° 12."
    assert split_sentences(text) == [
        "Il relève de l'art. L. 3332-17-1 du code du travail.",
        "Il vaut 5 ans.",
        "Voir le n° 12.",
    ]


def test_split_strips_list_markers_and_bold() -> None:
    assert split_sentences("- **Durée** : cinq ans.\n• Instruction par la DDETS.") == [
        "Durée : cinq ans.",
        "Instruction par la DDETS.",
    ]


def test_coverage_ignores_accents_stop_words_and_inflection() -> None:
    assert coverage("Le préfet délivre l'agrément", "l'agrément est délivré par le prefet") == 1.0
    assert coverage("Le maire délivre l'agrément", "l'agrément est délivré par le préfet") < 1.0


def test_split_keeps_bold_article_numbers_inside_sentences() -> None:
    text = "Voir l'art. **L. 1111-1** (marché) et l'art. **L. 1121-1** (concession). Puis le reste."
    assert split_sentences(text) == [
        "Voir l'art. L. 1111-1 (marché) et l'art. L. 1121-1 (concession).",
        "Puis le reste.",
    ]
