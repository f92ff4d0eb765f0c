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


def test_a_numbered_subdivision_of_an_article_is_not_a_sentence() -> None:
    text = "I. - Le comité se réunit deux fois par an. II. - Il rend un avis motivé."
    assert split_sentences(text) == ["Le comité se réunit deux fois par an.", "Il rend un avis motivé."]


def test_the_quote_marks_of_an_amending_law_are_dropped_from_each_paragraph() -> None:
    # An amending law quotes the paragraphs it inserts: each opens with «, only the last closes with ».
    text = (
        "« II. - La régie est dissoute sans liquidation.\n\n"
        "« Ses agents rejoignent le syndicat.\n\n"
        "« 1° Les biens sont transférés au syndicat ;\n\n"
        "« 2° Les contrats sont repris. »"
    )
    assert split_sentences(text) == [
        "La régie est dissoute sans liquidation.",
        "Ses agents rejoignent le syndicat.",
        "Les biens sont transférés au syndicat ;",
        "Les contrats sont repris.",
    ]
    assert split_sentences("Le « fonds » existe. Il a dit « oui ».") == ["Le « fonds » existe.", "Il a dit « oui »."]


def test_a_quoted_item_is_still_a_list_item() -> None:
    from essbot.answer.scoring import passage_sentences

    flags = [item for _, item in passage_sentences("« La fusion prend effet :\n\n« 1° À la date de l'inscription ;")]
    assert flags == [False, True]
