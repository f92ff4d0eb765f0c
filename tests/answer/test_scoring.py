"""Question kinds and answer shapes: general French patterns, tested on questions written for these tests
(none of them is in a gold set)."""

import pytest

from essbot.answer.scoring import BODY, LEGAL_REFERENCE, MONEY, NUMBER, PERSON, is_fragment, is_metadata, question_kind
from essbot.types import Chunk, Passage


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Combien coûte la formation des tuteurs ?", "money"),
        ("Quel est le tarif d'une journée d'accompagnement ?", "money"),
        ("Quel budget prévoir pour un diagnostic de territoire ?", "money"),
        ("Combien d'euros la commune verse-t-elle au centre social ?", "money"),  # « 300 € » answers it
        ("Quel loyer demander pour la salle des fêtes ?", "money"),
        ("Quel est le chiffre d'affaires d'une régie de transport ?", "money"),
        ("Quel taux de TVA pour la cantine ?", "share"),  # a rate: « 5,5 % »
        ("Quelle part du budget les achats responsables doivent-ils représenter ?", "share"),
        ("Combien de salariés faut-il pour être une entreprise adaptée ?", "quantity"),
        ("Quelle est la durée d'une convention pluriannuelle ?", "duration"),
        # « part » asks for a share, not « partenaire »: the word must end there.
        ("Avec quel partenaire la mairie a-t-elle monté sa ressourcerie ?", "other"),
        ("Quel est le partenaire financier du tiers-lieu ?", "other"),
        ("Quels sont les délais de paiement ?", "duration"),
        ("Tous les combien le bureau du syndicat se réunit-il ?", "frequency"),
        ("À quelle fréquence faut-il réviser le plan de prévention ?", "frequency"),
        ("Combien de fois par an le comité des fêtes rend-il ses comptes ?", "frequency"),
        ("Quelle est la périodicité du rapport sur l'eau ?", "frequency"),
        ("Combien de temps dure la concession du cimetière ?", "duration"),
        ("Pendant combien d'années le bail rural court-il ?", "duration"),
        ("Quelle est la durée du contrat de ville ?", "duration"),
        ("Dans quel délai le maire doit-il répondre ?", "duration"),
        ("Quels sont les délais de recours contre le permis ?", "duration"),
        ("Depuis quand les tiers-lieux sont-ils soutenus par l'État ?", "date"),
        ("En quelle année la coopérative a-t-elle été créée ?", "date"),
        ("Quelle est la date du prochain conseil communautaire ?", "date"),
        ("Quelle était l'année de création du syndicat mixte ?", "date"),
        ("Qui est la directrice de l'agence régionale ?", "person"),
        ("Qui en est le trésorier ?", "person"),  # « en »: of what the conversation is about
        ("Et qui y est la référente ?", "person"),
        ("Qui instruit les dossiers de conventionnement ?", "who"),
        ("Quelle administration contrôle les comptes d'une coopérative ?", "who"),
        ("Qu'est-ce qu'une monnaie locale ?", "definition"),
        ("Que signifie l'acronyme CAE ?", "definition"),
        ("Quel est le rôle du comité de pilotage ?", "definition"),
        ("À quoi servent les clauses de réexamen ?", "definition"),
        ("Quelle est la mission d'un tiers de confiance ?", "definition"),
        ("Comment fonctionne une régie de quartier ?", "definition"),
        ("Pour qui ?", "who"),
        ("Et avec qui la commune signe-t-elle la convention ?", "who"),
        ("Et comment marchent les groupements d'employeurs ?", "definition"),
        ("En quoi consiste le bail à réhabilitation ?", "definition"),
        ("Comment la commune fonctionne-t-elle avec le syndicat ?", "other"),  # not « how does X work »
        ("Quel rôle joue la région dans le schéma des transports ?", "other"),  # a role in something: not the thing
        ("Quelles sont les étapes d'un appel à manifestation d'intérêt ?", "list"),
        ("Une régie de quartier peut-elle répondre à un marché ?", "yesno"),
        ("Est-ce qu'une association peut facturer la TVA ?", "yesno"),
        ("Peut-on cumuler deux aides de minimis ?", "yesno"),
        ("Devons-nous publier la délibération au recueil des actes ?", "yesno"),
        ("Puis-je signer seul la convention avec le club de rugby ?", "yesno"),
        ("Avons-nous le droit de verser une avance à la régie ?", "yesno"),
        # After a noun, « qui », « que », « dont », « où » open a relative clause, not a second question.
        ("Le syndicat mixte peut-il reprendre le personnel qui gérait la piscine ?", "yesno"),
        ("Une commune peut-elle vendre le terrain que le club occupe ?", "yesno"),
        ("Peut-on louer la salle à une amicale dont le trésorier est conseiller municipal ?", "yesno"),
        ("Peut-on recruter un apprenti, et qui paie sa formation ?", "other"),  # a second question
        ("Le bureau doit-il se réunir, et où ?", "other"),
        ("Combien de parts pouvons-nous souscrire ?", "quantity"),
        ("Comment organiser une consultation des habitants ?", "other"),
        ("Quel article du code rural encadre les baux ruraux ?", "reference"),
        ("Sur quel texte repose l'obligation de déclarer un meublé ?", "reference"),
        ("Quelles dispositions du code civil protègent le locataire ?", "reference"),
        ("Quelle fraction du coût des travaux la région peut-elle prendre en charge ?", "quantity"),
        # What someone pays is an amount; a number of years, months or weeks is a span of time.
        ("Combien doit payer un club pour utiliser le gymnase ?", "money"),
        ("Combien paient les familles pour le centre de loisirs ?", "money"),
        ("Combien doit-on verser au syndicat des eaux ?", "money"),
        ("Combien d'années dure un bail emphytéotique ?", "duration"),
        ("Combien de mois faut-il pour obtenir la licence ?", "duration"),
        ("Combien doit-il y avoir d'adhérents dans le bureau ?", "quantity"),
    ],
)
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def test_answer_shapes() -> None:
    assert MONEY.search("au-delà de 50 M€ HT") and MONEY.search("23 000 euros")
    assert not MONEY.search("pendant 5 ans")
    # « Combien coûte… ? » is answered by « gratuit » as well as by a figure.
    for free in (
        "l'accès au service est gratuit",
        "une mise à disposition gratuite",
        "accompagne gratuitement",
        "sans frais pour la structure",
        "prêté à titre gracieux",
        "la gratuité de la salle",
    ):
        assert MONEY.search(free), free
    assert NUMBER.search("cinq ans") and not NUMBER.search("le préfet de département")
    assert PERSON.search("présidée par Jean Dupont") and not PERSON.search("le préfet de département")
    assert BODY.search("la décision revient au préfet de région") and not BODY.search("elle dure trois ans")
    for cited in ("prévu à l'article 12 de la loi", "selon l'art. R. 4127-1", "le décret n° 2019-100", "L. 511-3-1"):
        assert LEGAL_REFERENCE.search(cited), cited
    assert not LEGAL_REFERENCE.search("les trois articles de presse parus en 2020")


@pytest.mark.parametrize(
    "sentence",
    [
        "Fiche pratique — mise à jour en mars 2025",
        "Source : fichier `lois/2000/article-9-1.md`, commit 508ff8a7b5a878c0",
        "Voir https://exemple.fr/page",
        "Chemin source : textes/code-rural/livre-ii/article-l211-3.md",
        "- Version : 2019-05-24 — Ordonnance n° 2019-500",
        "Contenu : code rural L211-3 (baux) ; code civil 1719 (obligations du bailleur).",
        "Licence : Licence Ouverte 2.0",
    ],
)
def test_metadata_lines_are_recognised(sentence: str) -> None:
    assert is_metadata(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "La convention est signée pour trois ans à compter de 2024.",
        "Le contenu de la convention : objet, montant et conditions d'utilisation.",
        "La version consolidée de l'article est publiée au Journal officiel.",
        "Les parts sont réparties entre salariés/usagers et collectivités.",
    ],
)
def test_ordinary_sentences_are_not_metadata(sentence: str) -> None:
    assert not is_metadata(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "La loi de 2014, qui créait un",
        "Le dispositif « appui renforcé permet",
        "Les aides (prêts et garanties",
        'Il faut des outils concrets", précise la directrice du centre.',  # the quotation opened sentences earlier
        "Il faut des outils concrets”, précise la directrice du centre.",
    ],
)
def test_fragments_are_recognised(sentence: str) -> None:
    assert is_fragment(sentence)


def test_complete_sentences_are_not_fragments() -> None:
    assert not is_fragment("La loi crée le dispositif « appui renforcé » pour les associations (2024).")
    assert not is_fragment("Peut prétendre à l'agrément \" entreprise solidaire \" l'entreprise qui le demande.")


def test_a_quotation_running_over_sentences_is_quoted_without_its_opening_mark() -> None:
    from essbot.answer.scoring import passage_sentences

    text = (
        '"Ce guide est né d\'un atelier réunissant 12 communes de 3 départements. Il sera mis à jour chaque année", '
        "explique la chargée de mission."
    )
    sentences = [sentence for sentence, _ in passage_sentences(text)]
    assert sentences[0] == "Ce guide est né d'un atelier réunissant 12 communes de 3 départements."
    assert is_fragment(sentences[1])  # its closing mark has no opening one: never quoted
    best = _best("Combien de communes ont participé à l'atelier à l'origine du guide ?", (text, "Actualités", None))
    assert best == sentences[0]


def test_a_closed_question_opens_on_yes_or_no_with_its_reason() -> None:
    from essbot.answer.scoring import score_sentences
    from essbot.answer.weights import TermWeights
    from essbot.types import Chunk, Passage

    text = (
        "Avant toute décision : délibération du conseil, choix du représentant. Oui. Une régie de quartier peut "
        "répondre à un marché public comme toute autre entreprise."
    )
    passage = Passage(Chunk("c1", text, "fiche.md", "Fiche", None, "En bref", "markdown"), 1.0)
    question = "Une régie de quartier peut-elle répondre à un marché ?"
    best = score_sentences(question, question, [passage], TermWeights({}, 1))[0]
    assert best.sentence.startswith("Oui, une régie de quartier peut répondre")


def test_a_definition_opens_on_what_the_term_is_not_on_a_property_or_a_pronoun_s_sentence() -> None:
    # « … sont agréées par… » says something of the term, « Certaines sont des… » leans on the sentence before:
    # the glossary entry under the term's heading is the definition.
    best = _best(
        "Qu'est-ce qu'une régie de quartier ?",
        (
            "Les régies de quartier sont agréées par un label national. Certaines sont des régies de quartier "
            "conventionnées pour l'insertion.",
            "Insertion",
            None,
        ),
        (
            "Association qui réunit habitants, bailleurs et collectivités pour gérer un quartier et y créer des "
            "emplois.",
            "Régie de quartier",
            None,
        ),
    )
    assert best.startswith("Régie de quartier : Association qui réunit habitants"), best


def test_a_question_heading_does_not_make_its_first_item_a_definition() -> None:
    # A passage that starts in a list under « Quelles variantes pour le bail solidaire ? » opens on a variant, not
    # on what the bail solidaire is; the sentence that says what it is comes first.
    best = _best(
        "Qu'est-ce que le bail solidaire ?",
        (
            "Bail solidaire « glissant » (art. 12) : le locataire reprend le bail après deux ans d'accompagnement.",
            "Quelles variantes pour le bail solidaire ?",
            None,
        ),
        (
            "Le bail solidaire est un contrat de location conclu par une association qui sous-loue le logement à "
            "un ménage accompagné.",
            "Se loger autrement : les outils des communes",
            None,
        ),
    )
    assert best.startswith("Le bail solidaire est un contrat"), best


@pytest.mark.parametrize(
    ("sentence", "leans"),
    [
        ("Certaines sont des régies conventionnées.", True),
        ("D'autres peuvent candidater au marché.", True),
        ("Aucune ne peut candidater seule.", True),
        ("Certaines communes ont adopté un plan.", False),  # a determiner: the sentence names its subject
        ("Aucun impôt ne peut être payé ainsi.", False),
        ("Il faut joindre les statuts.", False),  # the impersonal « il »: nothing before is its subject
        ("Il existe deux régimes.", False),
        ("Il y a trois étapes.", False),
        ("Il n'y a pas de seuil.", False),  # negated, still impersonal
        ("Il ne faut pas de délibération.", False),
        ("Il appartient au maire de fixer les tarifs.", False),
        ("Il est délivré par le préfet.", True),
        ("Il s'agit d'une aide d'État.", True),
    ],
)
def test_what_leans_on_the_sentence_before(sentence: str, leans: bool) -> None:
    from essbot.answer.scoring import _PRONOUN_START

    assert bool(_PRONOUN_START.match(sentence)) is leans


@pytest.mark.parametrize(
    ("sentence", "defines"),
    [
        ("La régie de quartier est une association d'habitants.", True),
        ("Le label désigne les régies reconnues par le réseau.", True),
        ("L'agrément est délivré par le préfet.", False),
        ("Les régies et les entreprises adaptées sont agréées pour cinq ans.", False),
    ],
)
def test_a_definition_s_copula_is_followed_by_a_determiner(sentence: str, defines: bool) -> None:
    from essbot.answer.scoring import _DEFINES

    assert bool(_DEFINES.search(sentence)) is defines


def test_what_a_thing_is_for_is_answered_by_what_it_does_not_by_the_word_role() -> None:
    best = _best(
        "Quel est le rôle du comité de pilotage ?",
        ("La région joue un rôle d'appui auprès du comité de pilotage et de ses membres.", "Partenaires", None),
        ("Le comité de pilotage suit l'exécution du contrat et arbitre les choix.", "Comité de pilotage", None),
    )
    assert best.startswith("Le comité de pilotage suit"), best


def test_a_list_s_introduction_with_its_items_is_not_penalised_as_a_bare_introduction() -> None:
    best = _best(
        "Quelles pièces faut-il joindre à la demande de subvention ?",
        ("Des pièces manquantes retardent souvent une subvention de plusieurs semaines.", "Conseils", None),
        (
            "Le dossier se dépose en ligne depuis le portail de la commune. On doit joindre à la demande les pièces "
            "suivantes :\n- les statuts ;\n- le budget prévisionnel ;\n- les derniers comptes approuvés.",
            "Dossier",
            None,
        ),
    )
    assert best.startswith("On doit joindre") and "le budget prévisionnel" in best, best


def test_a_short_lead_in_keeps_the_list_it_announces() -> None:
    best = _best(
        "Quels clubs sont exonérés de plein droit ?",
        (
            "Clubs exonérés de plein droit (article 4). Sous réserve d'une gestion désintéressée, bénéficient de "
            "l'exonération :\n- les associations sportives affiliées ;\n- les foyers ruraux.",
            "Exonérations",
            None,
        ),
    )
    assert best.startswith("Clubs exonérés de plein droit") and "les foyers ruraux" in best, best


def test_the_shape_of_an_answer_does_not_lift_a_sentence_about_something_else() -> None:
    # A « Oui » that shares one word with the question (here about apprentices) must not outrank the sentence
    # about what is asked, even from a better-ranked passage.
    best = _best(
        "Le syndicat intercommunal peut-il prêter ses véhicules électriques au club de rugby local ?",
        ("Oui, le syndicat peut recruter des apprentis si son conseil en délibère.", "Règles", None),
        ("Mettre des véhicules électriques à disposition d'un club sportif passe par une convention.", "Règles", None),
    )
    assert best.startswith("Mettre des véhicules électriques"), best


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Où une coopérative doit-elle publier son budget et ses comptes ?", "other"),
        ("Qui fixe la rémunération des dirigeants d'une association ?", "who"),
        ("Quand une régie fusionne avec une autre, faut-il une nouvelle déclaration ?", "yesno"),
        ("À combien s'élève l'aide au démarrage ?", "money"),
    ],
)
def test_words_about_money_or_time_do_not_make_the_question_ask_for_them(question: str, kind: str) -> None:
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "foreign"),
    [
        ("What is a cooperative in France?", True),
        ("¿Cómo apoyar una cooperativa local?", True),
        ("Wie kann unsere Gemeinde Genossenschaften fördern?", True),
        ("Qu'est-ce qu'une coopérative d'activité et d'emploi ?", False),
        ("Le DLA est-il gratuit pour une association ?", False),
        ("SPASER ?", False),
    ],
)
def test_questions_in_another_language_are_recognised(question: str, foreign: bool) -> None:
    from essbot.answer.abstain import is_probably_not_french

    assert is_probably_not_french(question) is foreign


def _best(question: str, *passages: tuple[str, str, str | None]) -> str:
    from essbot.answer.scoring import score_sentences
    from essbot.answer.weights import TermWeights
    from essbot.types import Chunk, Passage

    found = [
        Passage(Chunk(f"c{i}", text, "texte.md", "Texte", None, section, "markdown", article=article), 1.0)
        for i, (text, section, article) in enumerate(passages)
    ]
    return score_sentences(question, question, found, TermWeights({}, 1))[0].sentence


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Que dit l'article L. 2122-22 du CGCT ?", "article"),
        ("Que prévoyait l'article 4 de la loi de 1901 ?", "article"),
        ("Que dit la charte des engagements réciproques ?", "other"),  # no article named: an ordinary question
    ],
)
def test_a_named_article_s_content_is_its_own_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def test_what_an_article_says_opens_on_its_first_sentence() -> None:
    best = _best(
        "Que dit l'article L. 2122-22 du CGCT ?",
        ("Voir aussi l'article L. 2122-22 du CGCT pour les délégations.", "Renvois", "L. 2122-23"),
        (
            "Le maire peut, par délégation du conseil municipal, être chargé de fixer les tarifs. Il rend compte.",
            "Article L. 2122-22",
            "L. 2122-22",
        ),
    )
    assert best.startswith("Le maire peut, par délégation")


def test_a_sentence_announcing_the_questions_it_lists_is_not_a_question() -> None:
    best = _best(
        "Quels sont les deux critères pour choisir entre régie et délégation ?",
        ("Deux critères décident : qui supporte le risque et qui fixe les tarifs ?", "Choisir", None),
        ("Les critères de choix varient selon les services.", "Autres", None),
    )
    assert best.startswith("Deux critères décident")


def test_a_definition_under_a_heading_naming_the_term_beats_a_mere_mention() -> None:
    best = _best(
        "Qu'est-ce qu'une régie de quartier ?",
        ("Les partenaires : réseau des régies de quartier, CRESS, DLA.", "Qui fait quoi", None),
        (
            "Association qui confie aux habitants l'entretien et la gestion urbaine de leur quartier.",
            "Régie de quartier",
            None,
        ),
    )
    assert best.startswith("Régie de quartier : Association qui confie aux habitants")


def test_a_quantity_is_not_a_date_or_a_text_number() -> None:
    from essbot.answer.scoring import has_quantity

    for counted in ("au-delà de 80 millions d'euros", "pendant trois ans", "au moins 30 % des heures", "une vingtaine"):
        assert has_quantity(counted), counted
    for dated in (
        "Fin août 2026 : entrée en vigueur",
        "le 1er janvier 2024",
        "décret n° 2022-767",
        "art. L. 2111-3",
        "le 3e numéro",
        # An article or a European act is numbered, not counted: « le seuil du X ? » is not answered by them.
        "obligations de l'article 35 de la loi Climat",
        "selon les articles 3 et 4 de l'ordonnance",
        "règlement (UE) 2023/2832 du 13 décembre",
    ):
        assert not has_quantity(dated), dated


def test_a_time_relative_to_an_event_answers_when() -> None:
    from essbot.answer.scoring import has_date

    for dated in (
        "Le dossier est transmis au plus tard trois semaines avant le conseil.",
        "Le bilan est remis dans les quatre mois suivant la clôture.",
        "La réponse parvient dans un délai de 15 jours.",
        "Le comité se réunit tous les deux ans.",
        "Un rapport est publié chaque année.",
        "Le 14 juillet 2019, la régie a ouvert.",
        "La fusion prend effet à la date de la dernière délibération.",
        "Le contrat s'applique dès la notification au titulaire.",
    ):
        assert has_date(dated), dated
    for undated in ("Le bilan est remis au maire.", "Elle verse deux mois de loyer.", "Il siège pendant trois ans."):
        assert not has_date(undated), undated


def test_a_when_question_is_answered_by_the_time_the_text_sets() -> None:
    best = _best(
        "Quand les habitants doivent-ils être prévenus de la fermeture du marché couvert ?",
        (
            "Les habitants sont prévenus de la fermeture du marché couvert par voie d'affichage en mairie. "
            "La fermeture du marché couvert est annoncée aux habitants au plus tard un mois avant la date retenue.",
            "Marché couvert",
            None,
        ),
    )
    assert "au plus tard un mois avant" in best


def test_a_sentence_writing_the_acronym_in_full_names_it() -> None:
    # The question names the body by its acronym; the sentence that defines it writes it in full, and a sentence
    # that only mentions the acronym in passing must not win.
    best = _best(
        "Qu'est-ce que le FDVA ?",
        (
            "Le fonds pour le développement de la vie associative soutient le fonctionnement des petites "
            "associations. Les dossiers de demande au FDVA sont déposés en ligne chaque printemps.",
            "Présentation",
            None,
        ),
    )
    assert best.startswith("Le fonds pour le développement de la vie associative")


def test_how_a_thing_works_is_answered_by_what_it_is_and_does() -> None:
    best = _best(
        "Comment fonctionne le fonds de garantie ?",
        ("Piloter seul le fonds de garantie : un fonds sans comité fonctionne mal.", "Pièges fréquents", None),
        ("Le fonds de garantie couvre une part des prêts bancaires accordés aux associations.", "En bref", None),
    )
    assert best.startswith("Le fonds de garantie couvre")


def test_a_question_asking_for_a_figure_opens_on_a_sentence_that_gives_one() -> None:
    best = _best(
        "Combien de projets ont été retenus au premier appel à projets de la région ?",
        (
            "Oui : la région lance un appel à projets, puis subventionne les projets retenus par le jury.",
            "Étapes",
            None,
        ),
        ("Bilan de la région : 64 dossiers reçus, 12 retenus.", "Chiffres", None),
    )
    assert best.startswith("Bilan de la région")


def test_a_figure_answers_how_many_only_next_to_what_it_counts() -> None:
    from essbot.answer.scoring import counted_noun, score_sentences
    from essbot.answer.weights import TermWeights
    from essbot.text.sentences import content_tokens

    assert counted_noun("Combien de membres compte le comité de quartier ?") == content_tokens("membres")
    assert counted_noun("Combien d'heures d'insertion faut-il prévoir ?") == content_tokens("heures")
    for any_count in ("Combien de temps dure le bail ?", "Combien de personnes sont venues ?", "Combien coûte-t-il ?"):
        assert counted_noun(any_count) == frozenset(), any_count

    def shapes(question: str, text: str) -> list[bool]:
        passage = Passage(Chunk("c", text, "f.md", "Fiche", None, "Comité", "markdown"), 1.0)
        return [s.has_shape for s in score_sentences(question, question, [passage], TermWeights({}, 1))]

    # « tous les trois ans » is a figure, but it counts no member: the passage does not say how many there are.
    assert shapes(
        "Combien de membres compte le comité de quartier ?",
        "Le comité de quartier publie tous les trois ans un rapport d'activité.",
    ) == [False]
    assert shapes(
        "Combien de membres compte le comité de quartier ?",
        "Le comité de quartier compte 24 membres désignés par le conseil.",
    ) == [True]
    assert shapes("Combien de personnes ont visité la halle ?", "La halle a accueilli 3 000 visiteurs.") == [True]


def test_a_conclusion_keeps_the_reason_it_is_drawn_from() -> None:
    best = _best(
        "Puis-je louer la salle des fêtes à une association pour un euro ?",
        (
            "La salle des fêtes appartient au domaine privé de la commune. Louer la salle des fêtes à une "
            "association pour un euro est donc possible si le conseil municipal le décide.",
            "Salles communales",
            None,
        ),
    )
    assert best.startswith("La salle des fêtes appartient au domaine privé") and "est donc possible" in best


def test_the_words_asking_for_a_definition_are_not_the_term() -> None:
    from essbot.answer.scoring import defined_term
    from essbot.text.sentences import content_tokens

    assert defined_term("Quelle est la définition juridique d'une régie de quartier ?") == content_tokens(
        "régie de quartier"
    )
    assert defined_term("Que signifie le terme « tiers-lieu » ?") == content_tokens("tiers-lieu")
    assert defined_term("Quelle définition ?") == content_tokens("définition")  # nothing else: kept as it is


@pytest.mark.parametrize(
    ("sentence", "defines"),
    [
        ("Constitue une régie, au sens du présent chapitre, toute exploitation directe d'un service.", True),
        ("On entend par monnaie locale un titre de paiement circulant dans un territoire.", True),
        ("La coopérative d'activité et d'emploi est une société qui accueille des entrepreneurs.", True),
        ("Lorsque la régie est dissoute, son actif revient à la commune.", False),  # a condition
        ("Si la commune est associée, elle siège au conseil.", False),
        ("Elle est créée par délibération du conseil municipal.", False),  # a pronoun's, not the term's
    ],
)
def test_a_defining_sentence_has_the_term_as_its_subject(sentence: str, defines: bool) -> None:
    from essbot.answer.scoring import _DEFINING_SENTENCE

    assert bool(_DEFINING_SENTENCE.match(sentence)) is defines


@pytest.mark.parametrize(
    ("phrase", "term", "names"),
    [
        ("La régie de quartier", "régie de quartier", True),
        ("CAE (coopérative d'activité et d'emploi)", "CAE", True),
        ("La coopérative d'activité et d'emploi (CAE)", "CAE", True),  # the acronym in parentheses is its name
        ("CRIJ (centre régional d'information jeunesse)", "jeunesse", False),  # a body whose name holds the word
        ("Jeunesse Conseil", "jeunesse", False),  # a name that starts with the term but is not it
        ("Le délégué à la jeunesse", "jeunesse", False),  # the délégué, not the jeunesse
    ],
)
def test_a_phrase_names_a_term_when_the_term_is_its_head(phrase: str, term: str, names: bool) -> None:
    from essbot.answer.scoring import names_term
    from essbot.text.sentences import content_tokens

    assert names_term(phrase, content_tokens(term)) is names


def test_a_definition_is_about_the_subject_of_the_sentence_not_a_word_in_it() -> None:
    best = _best(
        "Qu'est-ce qu'un conseil de quartier ?",
        ("Le référent du conseil de quartier est un agent de la mairie.", "Organisation", None),
        ("Selon l'article L. 2143-1, le conseil de quartier est une instance consultative d'habitants.", "Cadre", None),
    )
    assert best.startswith("Selon l'article L. 2143-1, le conseil de quartier est une instance"), best


def test_a_definition_after_an_attribution_makes_its_passage_a_defining_one() -> None:
    from essbot.answer.scoring import defines_term
    from essbot.answer.weights import TermWeights
    from essbot.text.sentences import content_tokens

    term = content_tokens("conseil de quartier")
    weights = TermWeights({}, 1)
    defining = _passage("d", "Selon l'article L. 2143-1, le conseil de quartier est une instance consultative.")
    other = _passage("o", "Le référent du conseil de quartier est un agent de la mairie.")
    assert defines_term(defining, term, weights) and not defines_term(other, term, weights)


def _passage(chunk_id: str, text: str, section: str = "Règles") -> Passage:
    return Passage(Chunk(chunk_id, text, "texte.md", "Texte", None, section, "markdown"), 1.0)


def test_a_passage_defining_the_term_comes_first_for_a_definition_question() -> None:
    from essbot.answer.scoring import promote_definitions
    from essbot.answer.weights import TermWeights

    found = [
        _passage("condition", "Lorsque la régie est dissoute, son actif revient à la commune."),
        _passage("autre", "Le conseil municipal vote le budget annexe chaque année."),
        _passage("definition", "Constitue une régie toute exploitation directe d'un service public par la commune."),
    ]
    weights = TermWeights({}, 1)
    question = "Quelle est la définition légale d'une régie ?"
    assert [p.chunk.chunk_id for p in promote_definitions(question, question, found, weights, 2)] == [
        "definition",
        "condition",
    ]
    other = "Que devient l'actif d'une régie ?"  # not a definition question: the retrieval order stands
    assert [p.chunk.chunk_id for p in promote_definitions(other, other, found, weights, 2)] == ["condition", "autre"]


def test_passages_naming_the_rare_acronym_asked_about_come_first() -> None:
    from essbot.answer.scoring import promote_named
    from essbot.answer.weights import TermWeights
    from essbot.text.sentences import content_tokens

    found = [
        _passage("montants", "Les montants annuels des aides sont fixés par arrêté et révisés chaque année."),
        _passage("seuils", "Le seuil annuel de publication des comptes est fixé par décret."),
        _passage("cdat", "CDAT : 300 € par an, plafonné à 600 €."),
        _passage("long", "Le compte de droits d'accès au tiers-lieu est crédité chaque année."),  # CDAT spelled out
    ]
    # Rare: the acronym is in one passage of forty (a scheme); common: in every passage.
    (cdat,) = content_tokens("CDAT")
    rare = TermWeights({cdat: 3.3}, 40)
    question = "Quel est le montant annuel du CDAT ?"
    assert [p.chunk.chunk_id for p in promote_named(question, found, rare)] == ["cdat", "long", "montants", "seuils"]
    # An acronym found everywhere (« l'ESS » in an ESS corpus) names nothing in particular: the order stands.
    common = TermWeights({cdat: 0.0}, 40)
    assert [p.chunk.chunk_id for p in promote_named(question, found, common)] == ["montants", "seuils", "cdat", "long"]
    # No acronym, or one the corpus never holds (a client's « URGENT »): the order stands.
    assert promote_named("Quel est le montant annuel ?", found, rare) == found
    assert promote_named("Quel est le montant annuel ? URGENT", found, rare) == found


def test_a_definition_answer_opens_on_the_defining_sentence_not_on_a_note_naming_the_definition() -> None:
    best = _best(
        "Quelle est la définition légale d'une régie ?",
        ("La définition légale de la régie a été modifiée par la loi de 2019.", "Note", None),
        ("Constitue une régie toute exploitation directe d'un service public par la commune.", "Article 3", None),
    )
    assert best.startswith("Constitue une régie")


@pytest.mark.parametrize(
    ("acronym", "text", "spelled"),
    [
        ("PLU", "La révision du plan local d'urbanisme est votée par le conseil.", True),
        ("SARL", "Une société à responsabilité limitée peut être agréée.", True),
        ("CAE", "Une coopérative d'activité et d'emploi accueille des entrepreneurs.", True),
        ("PLU", "Le plan de mobilité et le schéma local d'urbanisme.", False),  # not consecutive words
        ("DGF", "La dotation de solidarité rurale est versée chaque année.", False),
    ],
)
def test_an_acronym_written_in_full_is_recognised(acronym: str, text: str, spelled: bool) -> None:
    from essbot.text.tokens import spelled_out

    assert spelled_out(acronym, text) is spelled


def test_an_acronym_the_passages_never_mention_is_missing_unless_written_in_full() -> None:
    from essbot.answer.abstain import missing_named_terms
    from essbot.answer.weights import TermWeights
    from essbot.text.sentences import content_tokens

    passages = [_passage("p", "Le plan local d'urbanisme encadre les constructions de la commune.")]
    found = content_tokens(passages[0].chunk.text)
    weights = TermWeights({}, 100)  # every word unknown to this corpus: rare
    assert missing_named_terms("Qui approuve le PLU de la commune ?", passages, found, weights) == ()
    assert missing_named_terms("Qui signe un PACS en mairie ?", passages, found, weights) == ("pac",)


def test_a_compound_place_named_in_parts_is_not_missing() -> None:
    from essbot.answer.abstain import missing_named_terms
    from essbot.answer.weights import TermWeights
    from essbot.text.sentences import content_tokens

    passages = [_passage("p", "Dans les départements de la Savoie et de la Haute-Savoie, le droit local s'applique.")]
    found = content_tokens(passages[0].chunk.text)
    weights = TermWeights({}, 100)
    assert missing_named_terms("Le droit local vaut-il en Rhône-Savoie ?", passages, found, weights) == ()
    # A compound none of whose parts the passages hold is still missing.
    assert missing_named_terms("Le droit local vaut-il en Loire-Atlantique ?", passages, found, weights) == (
        "loir",
        "atlant",
    )


def test_a_company_form_or_size_class_is_a_category_not_a_missing_name() -> None:
    from essbot.answer.abstain import missing_named_terms
    from essbot.answer.weights import TermWeights
    from essbot.text.sentences import content_tokens

    # The law text says « sociétés de moins de deux cent cinquante salariés », never « PME » nor « SARL ».
    passages = [_passage("p", "Les sociétés de moins de deux cent cinquante salariés informent leurs salariés.")]
    found = content_tokens(passages[0].chunk.text)
    weights = TermWeights({}, 100)
    assert missing_named_terms("Une PME doit-elle informer ses salariés ?", passages, found, weights) == ()
    assert missing_named_terms("Notre SARL doit-elle informer ses salariés ?", passages, found, weights) == ()
    # A named body is still a name the passages must hold.
    assert missing_named_terms("La CCI doit-elle informer ses salariés ?", passages, found, weights) == ("cci",)


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Un PACS peut-il être signé en mairie ?", ["PACS"]),
        ("Qui révise le PLU de la commune ?", ["PLU"]),
        ("URGENT : qui instruit les dossiers de la régie ?", []),  # emphasis, not a name
        ("Qui instruit les dossiers de la régie ? SVP", []),
    ],
)
def test_an_acronym_is_a_name_when_it_takes_a_determiner(question: str, named: list[str]) -> None:
    from essbot.answer.abstain import named_words

    assert [word for word in named_words(question) if word.isupper()] == named


def test_a_follow_up_s_own_words_choose_among_the_context_s_sentences() -> None:
    from essbot.answer.scoring import score_sentences
    from essbot.answer.weights import TermWeights

    text = (
        "Le bail solidaire est signé par la commune et l'association. Le loyer du bail solidaire est plafonné à "
        "un euro symbolique."
    )
    passage = Passage(Chunk("c1", text, "fiche.md", "Fiche", None, "Bail solidaire", "markdown"), 1.0)
    query = "Qu'est-ce que le bail solidaire signé par la commune ? Et le loyer ?"
    best = score_sentences("Et le loyer ?", query, [passage], TermWeights({}, 1))[0]
    assert best.sentence.startswith("Le loyer du bail solidaire"), best.sentence


def test_how_long_is_asked_as_a_duration() -> None:
    # « temps » in « combien de temps » is not a word the answer repeats: it asks for a duration.
    best = _best(
        "Combien de temps dure le mandat du délégué ?",
        ("Le délégué consacre au mandat 20 % de son temps de travail.", "Organisation", None),
        ("La durée du mandat du délégué est de quatre ans.", "Organisation", None),
    )
    assert best.startswith("La durée du mandat"), best


def test_a_reference_question_opens_on_the_sentence_citing_a_text() -> None:
    # The overview names every word of the question but cites nothing; the answer is the article.
    best = _best(
        "Quel article du code rural permet de louer une parcelle communale à un maraîcher ?",
        (
            "Le code rural offre plusieurs façons de louer une parcelle communale à un maraîcher ou à un "
            "éleveur, selon la durée voulue.",
            "Louer des terres",
            None,
        ),
        ("Le bail rural à clauses environnementales relève de l'article L. 411-27.", "Louer des terres", None),
    )
    assert best.startswith("Le bail rural à clauses environnementales"), best


def test_an_inline_label_naming_the_term_is_its_definition() -> None:
    # « Appel à candidatures : … » defines the term; « Subvention : … » in the same list defines another one.
    best = _best(
        "Qu'est-ce qu'un appel à candidatures ?",
        (
            "Subvention : somme versée pour un projet proposé par un appel à candidatures.",
            "Les outils",
            None,
        ),
        (
            "Appel à candidatures : la commune fixe un cadre et choisit parmi les projets reçus.",
            "Les outils",
            None,
        ),
    )
    assert best.startswith("Appel à candidatures : la commune"), best


def test_asking_what_a_thing_is_called_keeps_the_word_appel_of_a_term() -> None:
    from essbot.answer.scoring import defined_term
    from essbot.text.sentences import content_tokens

    assert defined_term("Qu'est-ce qu'un appel à candidatures ?") == content_tokens("appel à candidatures")
    assert defined_term("Qu'appelle-t-on un tiers-lieu ?") == content_tokens("tiers-lieu")


def test_an_aside_in_parentheses_does_not_hide_the_defined_subject() -> None:
    from essbot.answer.scoring import defines_term
    from essbot.answer.weights import TermWeights
    from essbot.text.sentences import content_tokens

    passage = _passage(
        "d",
        "Le bail réel solidaire (appelé bail à l'origine, BRS, depuis l'ordonnance de 2016 et la loi ELAN) est un "
        "bail de longue durée consenti par un organisme foncier solidaire.",
    )
    assert defines_term(passage, content_tokens("bail réel solidaire"), TermWeights({}, 1))


@pytest.mark.parametrize(
    "question",
    ["Quelle part du capital une commune peut-elle détenir ?", "Quel pourcentage des repas doit être bio ?"],
)
def test_a_share_is_asked_as_a_share(question: str) -> None:
    assert question_kind(question) == "share"


def test_a_share_question_opens_on_the_sentence_giving_a_share() -> None:
    # « prendre part » is not a share; « plus de 50 % » is.
    best = _best(
        "Quelle part d'un prêt la région peut-elle garantir ?",
        ("Les trois élus de la région ne prennent pas part au vote sur le prêt.", "Vote", None),
        ("La région ne peut garantir plus de 50 % d'un même prêt.", "Plafonds", None),
    )
    assert best.startswith("La région ne peut garantir plus de 50 %"), best


def test_a_yes_about_another_structure_does_not_answer() -> None:
    # The « Oui » is about a SEM; the question is about a SPL: the sentence on the SPL comes first. A code's acronym
    # (CGCT) is not another structure.
    best = _best(
        "Une SPL peut-elle gérer une crèche pour la commune ?",
        ("Oui, une SEM peut gérer une crèche pour la commune.", "Crèches", None),
        ("Une SPL (CGCT, art. L. 1531-1) gère pour ses actionnaires une crèche ou un autre service.", "Crèches", None),
    )
    assert best.startswith("Une SPL (CGCT"), best


def test_only_the_first_passage_of_a_named_article_is_its_opening() -> None:
    # A later part of the article starts mid-list; « dite » is not what « Que dit… ? » asks for; the heading of a law
    # article is not a term that its first sentence defines.
    best = _best(
        "Que dit l'article 4 de la loi sur les régies ?",
        (
            "Chemin source : lois/regies.md. La régie est créée par délibération du conseil municipal qui fixe ses "
            "statuts et sa dotation.",
            "Loi sur les régies — Article 4",
            "4",
        ),
        ("Les régies de transport, dite « régies de ligne » ;", "Loi sur les régies — Article 4", "4"),
    )
    assert best.startswith("La régie est créée par délibération"), best


def test_a_long_list_keeps_its_introduction_and_the_items_that_fit() -> None:
    from essbot.answer.scoring import _parts

    items = [
        (f"Le {n}e critère porte sur un point détaillé de la gouvernance et des comptes annuels ;", True)
        for n in range(6)
    ]
    sentences = [("La coopérative remplit les conditions cumulatives suivantes :", False), *items]
    merged = _parts(sentences, 0)[0]
    assert merged.startswith("La coopérative remplit les conditions cumulatives suivantes : Le 0e critère")
    assert 60 < len(merged.split()) <= 100  # not dropped for its length, not all six items either


@pytest.mark.parametrize(
    ("section", "sentence", "entry"),
    [
        ("Régie de quartier", "Association qui rassemble habitants, bailleurs et commune autour de l'entretien.", True),
        ("Fonds territorial", "Réserve financière abondée par plusieurs communes (délibérations concordantes).", True),
        ("Base légale", "Code de la commande publique, art. L. 2113-15 : marchés réservés.", False),  # a reference
        ("Étapes", "Délibérer sur le projet avant la fin de l'année.", False),  # an infinitive: a step
        ("Définition", "Sont visés les organismes à but non lucratif.", False),  # a conjugated verb opens a sentence
        ("Qui fait quoi", "Préfet de région : signe la convention.", False),  # a label of its own
        ("Régie de quartier", "La régie de quartier est une association.", False),  # has its own subject
        ("Régie de quartier", "Régie de quartier associative qui gère des services.", False),  # names the term
    ],
)
def test_a_glossary_entry_is_a_bare_noun_phrase_under_a_term(section: str, sentence: str, entry: bool) -> None:
    from essbot.answer.scoring import glossary_entry

    assert glossary_entry(section, sentence) is entry


def test_a_quoted_glossary_entry_says_which_term_it_defines() -> None:
    """Quoted alone, « Association qui rassemble… » does not say it is the régie de quartier: its heading labels it."""
    text = "Association qui rassemble habitants, bailleurs et commune autour de l'entretien du quartier."
    best = _best("Qu'est-ce qu'une régie de quartier ?", (text, "Régie de quartier", None))
    assert best == f"Régie de quartier : {text}"


def test_a_low_similarity_does_not_veto_a_question_whose_words_the_passages_hold() -> None:
    from essbot.answer.abstain import should_abstain
    from essbot.answer.weights import TermWeights
    from essbot.config import Settings

    def check(question: str, text: str) -> str:
        chunk = Chunk("c", text, "f.md", "Fiche", None, "En bref", "markdown")
        passages = [Passage(chunk, 1.0, dense_score=0.80)]  # the encoder does not know the name
        return should_abstain(question, question, passages, TermWeights({}, 1000), Settings(), min_dense=0.84).reason

    text = "Le protocole Vauban (2019) encadre les prêts de matériel entre communes voisines."
    assert check("Qu'est-ce que le protocole Vauban ?", text) == ""
    # Most of its words are there (five of six): the lexical evidence still outweighs the similarity.
    assert check("Le protocole Vauban encadre-t-il les prêts de matériel agricole ?", text) == ""
    # Half the question's words are not there: the similarity floor still applies.
    assert check("Qu'est-ce que le protocole sanitaire des piscines ?", text) != ""


def test_the_yes_or_no_opening_a_section_asked_as_a_question_answers_it() -> None:
    question = "La commune peut-elle accepter les chèques-vacances à la piscine municipale ?"
    text = (
        "Oui, pour ses recettes. Les étapes : une délibération acceptant les chèques-vacances à la piscine "
        "municipale, puis une convention avec l'organisme émetteur."
    )
    best = _best(question, (text, "Une commune peut-elle accepter les chèques-vacances ?", None))
    assert best == "Oui, pour ses recettes."
    # Under a heading that asks nothing, the « Oui » answers no question the passage states: the words decide.
    plain = _best(question, (text, "Modalités", None))
    assert plain.startswith("Les étapes")


def test_the_yes_or_no_of_a_section_asking_another_question_does_not_answer() -> None:
    # The FAQ asks whether the town may lend a room for free; the user asks whether the mayor may refuse it.
    yes = "Oui, si l'association poursuit un but d'intérêt général et si le conseil a voté la gratuité."
    heading = "Ma commune peut-elle prêter une salle gratuitement ?"
    refusal = "Le maire ne peut refuser une salle que pour un motif d'ordre public."
    question = "Le maire peut-il refuser de prêter la salle à une association dont il désapprouve les idées ?"
    best = _best(question, (yes, heading, None), (refusal, "Refus", None))
    assert best == refusal
    # The same « Oui » still answers the heading's own question.
    own = "Ma commune peut-elle prêter une salle gratuitement à une association ?"
    best = _best(own, (yes, heading, None), (refusal, "Refus", None))
    assert best.startswith("Oui")


def test_a_figure_answers_a_question_about_a_rare_acronym_only_from_a_passage_naming_it() -> None:
    from essbot.answer.abstain import should_abstain
    from essbot.answer.weights import TermWeights
    from essbot.config import Settings
    from essbot.text.sentences import content_tokens

    def check(*texts: str) -> str:
        passages = [
            Passage(Chunk(f"c{i}", text, "f.md", "Fiche", None, "Montants", "markdown"), 1.0)
            for i, text in enumerate(texts)
        ]
        question = "Quel est le montant du CDAT en 2026 ?"
        (cdat,) = content_tokens("CDAT")  # in a few passages of a thousand
        return should_abstain(question, question, passages, TermWeights({cdat: 6.0}, 1000), Settings()).reason

    other = "Le montant de la subvention de fonctionnement en 2026 est de 5 000 €."
    # The passage naming the CDAT gives no amount; the amount is about something else: no answer.
    assert check(other, "Les bénéficiaires du CDAT sont les communes rurales.") == "sentence"
    assert check(other, "Le CDAT verse 300 € par an aux communes rurales en 2026.") == ""


def test_a_list_of_sources_comes_after_what_the_documents_say() -> None:
    from essbot.answer.scoring import demote_references

    found = [
        _passage("sources", "Loi n° 2005-102 du 11 février 2005 ; décret n° 2006-501.", section="Sources"),
        _passage("regle", "Un atelier protégé accueille des travailleurs orientés par la commission."),
        _passage(
            "lire", "Guide de l'accueil des travailleurs handicapés, édition 2024.", section="Pour aller plus loin"
        ),
        _passage("suite", "La commission se prononce dans un délai de quatre mois."),
    ]
    order = [p.chunk.chunk_id for p in demote_references("Qui oriente vers un atelier protégé ?", found)]
    assert order == ["regle", "suite", "sources", "lire"]
    # Asked for texts or reading, the list of sources keeps its rank.
    for question in ("Quel texte crée les ateliers protégés ?", "Quels guides lire sur les ateliers protégés ?"):
        assert demote_references(question, found) == found


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        (
            "À quelle fréquence le conseil d'école se réunit-il ?",
            "Le conseil d'école réunit douze parents élus et le directeur de l'école. "
            "Il siège au moins une fois par trimestre.",
            "une fois par trimestre",
        ),
        (
            "Combien de fois par an le syndicat des eaux publie-t-il ses tarifs ?",
            "Le syndicat des eaux publie ses tarifs pour 30 communes membres. "
            "Cette publication est annuelle, en janvier.",
            "annuelle",
        ),
    ],
)
def test_a_frequency_question_is_answered_by_the_sentence_saying_how_often(
    question: str, text: str, expected: str
) -> None:
    # Another figure (« douze parents », « 30 communes ») does not say how often.
    assert expected in _best(question, (text, "Règles", None))


def test_a_duration_question_is_answered_by_a_span_of_time_not_by_another_figure() -> None:
    text = (
        "La convention d'occupation est signée par le maire pour 12 associations du quartier. "
        "Elle est conclue pour trois ans, renouvelables une fois."
    )
    best = _best("Combien de temps dure la convention d'occupation signée par le maire ?", (text, "Règles", None))
    assert "trois ans" in best


def test_a_follow_up_is_answered_by_a_sentence_about_the_scheme_of_the_conversation() -> None:
    from essbot.answer.scoring import score_sentences
    from essbot.answer.weights import TermWeights
    from essbot.types import Chunk, Passage

    text = (
        "Sans formation des agents, les outils de la commune ne sont pas utilisés. "
        "Le PCAET se tient à jour dans le service en ligne de l'intercommunalité."
    )
    found = [Passage(Chunk("p", text, "plan.md", "Plan climat", None, "Mise en œuvre", "markdown"), 1.0)]
    weights = TermWeights({"pcaet": 3.0, "utilis": 3.0}, 100)  # both in few passages
    question = "Comment l'utiliser ?"
    query = "Qu'est-ce que le PCAET ? Comment l'utiliser ?"  # the follow-up searched with its context
    best = score_sentences(question, query, found, weights)[0].sentence
    assert best.startswith("Le PCAET se tient à jour")


def test_a_table_row_is_quoted_with_its_column_names_and_never_with_its_pipes() -> None:
    from essbot.answer.scoring import passage_sentences

    table = (
        "| Équipement | Tarif | Délibération |\n"
        "| Piscine municipale, entrée adulte | 4 € | Conseil du 12 mars |\n"
        "| Patinoire | 6 € | |"
    )
    sentences = [sentence for sentence, _ in passage_sentences("Tarifs votés pour la saison.\n" + table)]
    assert sentences == [
        "Tarifs votés pour la saison.",
        "Piscine municipale, entrée adulte — Tarif : 4 € ; Délibération : Conseil du 12 mars.",
        "Patinoire — Tarif : 6 €.",
    ]
    best = _best("Quel est le tarif d'une entrée adulte à la piscine municipale ?", (table, "Tarifs", None))
    assert best.startswith("Piscine municipale, entrée adulte — Tarif : 4 €") and "|" not in best


def test_a_table_cut_by_the_passage_loses_its_cut_rows_not_its_other_rows() -> None:
    from essbot.answer.scoring import passage_sentences

    # The passage starts and ends in the middle of a row, and holds no header row.
    text = (
        "conseil du 12 mars | 2025 |\n"
        "| Patinoire, entrée adulte | 6 € | Conseil du 3 avril |\n"
        "| Médiathèque | 0 € | Conseil du 9 mai |\n"
        "| Gymnase | 12 € de l'heure"
    )
    sentences = [sentence for sentence, _ in passage_sentences(text)]
    assert sentences == [
        "Patinoire, entrée adulte ; 6 € ; Conseil du 3 avril.",
        "Médiathèque ; 0 € ; Conseil du 9 mai.",
    ]


def test_an_ellipsis_answered_in_the_shape_its_conversation_asked() -> None:
    from essbot.answer.scoring import score_sentences
    from essbot.answer.weights import TermWeights

    # « Et à un club sportif ? » after « La commune peut-elle prêter la salle des fêtes à une association ? »:
    # searched with its context, it asks yes or no, as the question it continues did.
    question = "Et à un club sportif ?"
    query = "La commune peut-elle prêter la salle des fêtes à un club sportif ?"
    faq = Chunk(
        "faq",
        "Oui, par une convention d'occupation. Le planning de la salle des fêtes est tenu par le secrétariat de "
        "la mairie.",
        "salles.md",
        "Salles municipales",
        None,
        "La commune peut-elle prêter la salle des fêtes ?",
        "markdown",
    )
    clubs = Chunk(
        "clubs",
        "Les clubs sportifs réservent la salle auprès du secrétariat de la mairie.",
        "clubs.md",
        "Clubs",
        None,
        "Réservations",
        "markdown",
    )
    found = [Passage(faq, 1.0), Passage(clubs, 0.9)]
    weights = TermWeights({}, 1)
    assert score_sentences(question, query, found, weights, kind="yesno")[0].sentence.startswith("Oui")
    assert not score_sentences(question, query, found, weights)[0].sentence.startswith("Oui")


def test_a_law_article_answers_which_article_by_its_heading() -> None:
    text = "Est considéré comme bail solidaire le contrat par lequel la commune loue un local à une association."
    best = _best("Quel article définit le bail solidaire ?", (text, "Article 12", "12"))
    assert best == f"Article 12 : {text}"
    # Another question quotes the article's text as it is; a fiche's section is not an article.
    assert _best("Qu'est-ce qu'un bail solidaire ?", (text, "Article 12", "12")) == text
    assert _best("Quel article définit le bail solidaire ?", (text, "Définition", None)) == text


def test_which_article_is_answered_by_the_article_about_the_subject_not_one_citing_an_article() -> None:
    defining = "Est considéré comme bail solidaire le contrat par lequel la commune loue un local à une association."
    citing = "Les associations définies à l'article 1er de la présente loi tiennent un registre de leurs baux."
    best = _best("Quel article définit le bail solidaire ?", (citing, "Article 3", "3"), (defining, "Article 12", "12"))
    assert best == f"Article 12 : {defining}"


def test_an_article_heading_is_said_once_in_an_answer() -> None:
    from essbot.answer.generators import ExtractiveGenerator, GenerationRequest
    from essbot.answer.weights import TermWeights
    from essbot.config import Settings

    text = (
        "Est considéré comme bail solidaire le contrat par lequel la commune loue un local à une association. "
        "Le bail solidaire est conclu pour une durée de trois ans au moins."
    )
    article = Passage(Chunk("a12", text, "loi.md", "Loi", None, "Article 12", "markdown", article="12"), 1.0)
    question = "Quel article définit le bail solidaire ?"
    request = GenerationRequest(question, question, [article], [], None)
    answer = "".join(ExtractiveGenerator(Settings(), TermWeights({}, 1)).stream(request))
    assert answer.startswith("Article 12 : ") and answer.count("Article 12") == 1
