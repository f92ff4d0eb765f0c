"""Follow-up questions: a conversation never hijacks a question that names its own subject.

The shape tests use questions written for them (none is in a gold set). The matrix test asks every chat starter
and every standalone gold question after conversations on other topics, and requires the same top passage and
the same answer as when the question is asked alone.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from essbot.answer.engine import Assistant
from essbot.answer.followup import (
    MAX_TURN_CHARS,
    FollowupPolicy,
    analyse_question,
    conjugated_verb,
    conversation_subject,
    followup_kind,
    plan_followup,
    prefer_standalone,
)
from essbot.answer.types import Message
from essbot.answer.weights import TermWeights
from essbot.evaluation.gold import load_gold
from essbot.types import Chunk, Passage
from essbot.ui.messages import STARTERS

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "question",
    [
        "Qu'est-ce qu'une régie de quartier ?",
        "Quel est le rôle de la chambre régionale ?",
        "La Fabrique à initiatives accompagne-t-elle les communes rurales ?",
        "Que prévoit l'article 7 de la loi de 2014 ?",
        "Existe-t-il un label pour les tiers-lieux ?",
        "Combien de temps faut-il pour créer un tiers-lieu ?",
        "Faut-il un avis du comité technique ?",
        "Le CCAS peut-il adhérer à une coopérative ?",
        "Combien coûte une adhésion au réseau des collectivités ?",
        "Quel est le seuil de la procédure adaptée ?",  # a relational noun with its complement
        "Quelle est la durée du bail emphytéotique ?",
    ],
)
def test_questions_that_name_their_subject_stand_alone(question: str) -> None:
    shape = analyse_question(question)
    assert shape.standalone, shape
    history = [Message("user", "Comment créer une SCIC ?"), Message("assistant", "Il faut … [1].")]
    assert plan_followup(question, history).contextual is None


@pytest.mark.parametrize(
    "question",
    [
        "Comment la contacter ?",
        "Qui les finance ?",
        "Et combien de temps faut-il pour l'obtenir ?",
        "Peut-on y adhérer en cours d'année ?",
        "Quelles sont ses missions ?",
        "Ce dispositif est-il ouvert aux associations ?",
        "Est-elle obligatoire ?",
        "Quel article du code ?",  # relational nouns alone: of what the conversation is about
        "Sur quel texte ?",
        "Quel est le montant maximal ?",
        "Depuis quand existe-t-il ?",  # closing the question, « existe-t-il » has a subject to point to
        "Suffit-elle ?",
        "Qui paie ?",  # an interrogative and a verb alone: what is paid is what the conversation is about
        "Et qui décide ?",
        "Comment l'instruire ?",
        "Que faire ?",
    ],
)
def test_questions_that_lean_on_the_conversation_are_resolved(question: str) -> None:
    shape = analyse_question(question)
    assert shape.leans and not shape.standalone, shape
    history = [Message("user", "Qu'est-ce qu'une régie de quartier ?"), Message("assistant", "C'est … [1].")]
    plan = plan_followup(question, history)
    assert plan.contextual is not None and "régie de quartier" in plan.contextual


def test_a_verb_with_its_object_is_not_a_bare_verb() -> None:
    from essbot.answer.followup import conjugated_verb

    assert not analyse_question("Qui paie la facture ?").leans
    assert all(conjugated_verb(word) for word in ("paie", "emploie", "instruit", "décide"))
    assert not any(conjugated_verb(word) for word in ("réseau", "dossier", "salle"))


def test_ellipsis_replaces_the_subject_of_the_same_kind() -> None:
    history = [Message("user", "Une SCIC peut-elle recevoir des subventions ?"), Message("assistant", "Oui [1].")]
    assert plan_followup("Et pour une CAE ?", history).contextual == "Une CAE peut-elle recevoir des subventions ?"
    places = [Message("user", "Combien de PTCE en Occitanie ?")]
    assert plan_followup("Et en Bretagne ?", places).contextual == "Combien de PTCE en Bretagne ?"


def test_subject_survives_two_dependent_turns_and_assistant_answers() -> None:
    history = [
        Message("user", "Comment fonctionne le dispositif local d'accompagnement ?"),
        Message("assistant", "Le DLA accompagne les structures employeuses de l'ESS [1]."),
        Message("user", "Qui le pilote ?"),
        Message("assistant", "L'État et la Banque des territoires [1]."),
        Message("user", "Et pour les SIAE ?"),
    ]
    assert conversation_subject(history).startswith("Comment fonctionne le dispositif local")
    plan = plan_followup("Combien de temps dure-t-il ?", history)
    assert plan.certain and plan.contextual is not None and "dispositif local" in plan.contextual


def test_context_is_bounded_whatever_the_history() -> None:
    huge = "Qu'est-ce que le DLA " + "très " * 20_000 + "?"
    plan = plan_followup("Qui le finance ?", [Message("user", huge)])
    assert plan.contextual is not None and len(plan.contextual) < 400


# --- matrix: starters and standalone gold questions after other topics -------------------------------------

OTHER_TOPICS = [
    "Notre commune peut-elle entrer au capital d'une SCIC ?",
    "Qu'est-ce qu'un pôle territorial de coopération économique ?",
    "Comment fonctionne le dispositif local d'accompagnement ?",
]


def _standalone_questions() -> list[tuple[str, tuple[str, ...]]]:
    questions = [(question, ()) for _, question in STARTERS]
    gold = load_gold(REPO / "evals" / "documents.jsonl")
    questions += [(item.question, item.expected_sources) for item in gold if not item.history]
    return questions


def _top(answer_retrieved: list) -> str | None:  # type: ignore[type-arg]
    return answer_retrieved[0].chunk.chunk_id if answer_retrieved else None


def test_a_conversation_never_hijacks_a_standalone_question(default_assistant: Assistant) -> None:
    histories = []
    for topic in OTHER_TOPICS:
        first = default_assistant.ask(topic)
        histories.append(([{"role": "user", "content": topic}, {"role": "assistant", "content": first.answer}], first))
    pairs, hijacked = 0, []
    for question, expected in _standalone_questions():
        alone = default_assistant.ask(question)
        for history, first in histories:
            topic_sources = [p.chunk.source for p in first.retrieved]
            if expected and any(source.startswith(prefix) for source in topic_sources for prefix in expected):
                continue  # same topic (the turn drew on a document this question expects): not a switch
            after = default_assistant.ask(question, history=history)
            pairs += 1
            if _top(after.retrieved) != _top(alone.retrieved) or after.answer != alone.answer:
                hijacked.append(f"{question!r} after {history[0]['content']!r}")
    assert pairs >= 200
    assert not hijacked, f"{len(hijacked)}/{pairs} hijacked: " + "; ".join(hijacked[:10])


@pytest.mark.parametrize(
    ("turns", "question", "source", "keyword"),
    [
        (["Qu'est-ce que l'agrément ESUS ?"], "Et combien de temps dure-t-il ?", "fiche-agrement-esus", "cinq ans"),
        (
            ["Qu'est-ce que l'agrément ESUS ?", "Qui le délivre ?"],
            "Et combien de temps dure-t-il ?",
            "fiche-agrement-esus",
            "cinq ans",
        ),
        (["Qu'est-ce qu'un SPASER ?"], "Quel est le seuil ?", "fiche-spaser", "50"),
        (["Comment réserver un marché aux SIAE ?"], "Quel article du code ?", "fiche-", "L. 2113-13"),
        (
            ["Peut-on mettre un agent à disposition d'une association ?"],
            "Combien de temps ?",
            "fiche-mise-a-disposition-agents",
            "trois ans",
        ),
        (
            ["Quelles entreprises peuvent obtenir l'agrément ESUS ?"],
            "Qui le délivre ?",
            "fiche-agrement-esus",
            "préfet",
        ),
        # A connective with a noun phrase of its own still continues the conversation.
        (
            ["Quelles sont les règles de la loi EGalim pour les cantines ?"],
            "Et la part de bio ?",
            "fiche-egalim",
            "20 %",
        ),
        # No subject, no pronoun: the context finds the question's words where the question alone does not.
        (["Qu'est-ce que la quasi-régie ?"], "Quel pourcentage d'activité faut-il ?", "fiche-quasi-regie", "80 %"),
    ],
)
def test_genuine_followups_still_resolve(
    default_assistant: Assistant, turns: list[str], question: str, source: str, keyword: str
) -> None:
    history = []
    for turn in turns:
        history += [
            {"role": "user", "content": turn},
            {"role": "assistant", "content": default_assistant.ask(turn).answer},
        ]
    answer = default_assistant.ask(question, history=history)
    assert answer.retrieved[0].chunk.source.startswith(source)
    assert keyword in answer.answer


@pytest.mark.parametrize(
    "question",
    ["Une association peut-elle l'obtenir deux fois ?", "Une intercommunalité peut-elle s'y joindre ?"],
)
def test_a_pronoun_in_the_same_clause_as_the_subject_points_outside(question: str) -> None:
    assert analyse_question(question).leans


@pytest.mark.parametrize(
    "question",
    [
        "Un CCAS peut-il lui verser une aide ?",
        "Une régie de quartier peut-elle s'en servir ?",
        "Comment une association peut-elle en bénéficier ?",
        "Notre syndicat mixte peut-il la signer ?",
    ],
)
def test_an_object_pronoun_beside_a_subject_names_something_only_the_conversation_holds(question: str) -> None:
    shape = analyse_question(question)
    assert shape.has_subject and shape.points_out, shape


@pytest.mark.parametrize(
    "question",
    [
        "Comment la métropole peut-elle financer une recyclerie ?",  # « la » is an article here
        "Depuis quand les crèches doivent-elles afficher leurs tarifs ?",
        "Une commune peut-elle en 2027 adhérer à une coopérative ?",  # « en » before a year: a preposition
        "Une commune peut-elle en Bretagne adhérer à une coopérative ?",
    ],
)
def test_articles_and_prepositions_are_not_object_pronouns(question: str) -> None:
    assert not analyse_question(question).points_out


@pytest.mark.parametrize(
    "question",
    [
        "Quel règlement les encadre ?",
        "Quelle loi la définit ?",
        "Quels organismes l'accompagnent ?",
        "Quel service le délivre ?",  # « délivre » is also a noun: « délivrer » tells the verb
        "Et quelles communes les accueillent ?",
    ],
)
def test_a_clitic_before_the_verb_that_ends_the_question_points_outside(question: str) -> None:
    shape = analyse_question(question)
    assert shape.leans and shape.points_out, shape


@pytest.mark.parametrize(
    "question",
    [
        "Quel texte prévoit les sommes versées ?",  # the verb comes first: « les » is an article
        "Quels sont les délais ?",
        "Quelle aide la région ?",  # « région » is no verb
        "Quelle commune les sommes ?",  # « sommes » is a noun here (or « être »), not an object's verb
    ],
)
def test_an_article_after_an_interrogative_phrase_is_not_a_clitic(question: str) -> None:
    assert not analyse_question(question).points_out


@pytest.mark.parametrize(
    ("word", "verb"),
    [("reconnaît", True), ("accueillent", True), ("délivre", True), ("région", False), ("statuts", False)],
)
def test_conjugated_verbs_are_told_from_nouns_by_the_lemma_dictionary(word: str, verb: bool) -> None:
    assert conjugated_verb(word) is verb


def test_an_object_pronoun_takes_its_referent_from_the_conversation(default_assistant: Assistant) -> None:
    """Asked alone, « Une SCOP peut-elle l'obtenir ? » is about SCOP; after a question on the agrément ESUS, the
    « l' » is the agrément: the contextual search wins even though the question names a subject."""
    history = [{"role": "user", "content": "Qu'est-ce que l'agrément ESUS ?"}, {"role": "assistant", "content": "…"}]
    answer = default_assistant.ask("Une SCOP peut-elle l'obtenir ?", history=history)
    assert answer.retrieved[0].chunk.source.startswith("fiche-agrement-esus")


def test_a_pronoun_across_a_clause_boundary_points_to_the_question_itself() -> None:
    assert analyse_question("Qu'est-ce qu'une CAE et comment la financer ?").standalone


def test_a_huge_history_does_not_reach_the_encoder(default_assistant: Assistant) -> None:
    """Issue 12, item 1: 56 KB of history with « Et ça ? » must search a bounded text, not the whole history."""
    huge = [
        {"role": "user", "content": "Qu'est-ce que le dispositif local d'accompagnement " + "vraiment " * 7000 + "?"},
        {"role": "assistant", "content": "Le DLA accompagne les structures de l'ESS [1]. " * 1000},
    ] * 2
    assert sum(len(turn["content"]) for turn in huge) > 56_000
    query, passages, _ = default_assistant.retrieve("Et ça ?", history=huge)
    assert len(query) <= MAX_TURN_CHARS + 40  # the subject, cut, and the question's own words
    assert passages and "dispositif local" in query


def _user(text: str) -> Message:
    return Message("user", text)


def _passage(text: str) -> list[Passage]:
    return [Passage(Chunk("c", text, "f.md", "Fiche", None, "Section", "markdown"), 1.0)]


def test_a_connective_carries_the_conversation_on_unless_the_question_names_something() -> None:
    history = [_user("Quelles règles pour les marchés de travaux ?"), Message("assistant", "… [1].")]
    plan = plan_followup("Et la durée du contrat ?", history)
    assert plan.continues and plan.contextual is not None and "marchés de travaux" in plan.contextual
    assert not analyse_question("Et qu'est-ce qu'une SEM ?").continues  # names its own subject: starts afresh


def test_a_continued_question_keeps_the_context_unless_it_loses_the_question_s_words() -> None:
    history = [_user("Quelles règles pour les marchés de travaux ?"), Message("assistant", "… [1].")]
    question = "Et la durée du contrat ?"
    plan = plan_followup(question, history)
    weights, policy = TermWeights({}, 1000), FollowupPolicy(0.25, 5.0)
    on_topic = _passage("Un marché de travaux fixe la durée du contrat dans ses clauses.")
    elsewhere = _passage("La durée du contrat de location est de trois ans.")
    assert not prefer_standalone(question, elsewhere, on_topic, weights, policy, plan)
    # The context pulled the search away from what was asked: the question's own reading wins.
    assert prefer_standalone(
        question, elsewhere, _passage("Les marchés de travaux sont allotis."), weights, policy, plan
    )


def test_a_question_without_subject_follows_the_context_that_finds_its_words() -> None:
    question = "Quel pourcentage d'activité faut-il ?"
    plan = plan_followup(question, [_user("Qu'est-ce que la régie dotée de la seule autonomie financière ?")])
    assert plan.contextual is not None and not plan.has_subject
    alone = _passage("Les missions locales suivent l'activité des jeunes.")
    with_context = _passage("La régie exerce au moins 80 % de son activité, pourcentage calculé sur trois ans.")
    assert not prefer_standalone(question, alone, with_context, TermWeights({}, 1000), FollowupPolicy(0.25, 5.0), plan)


def test_past_turns_that_point_further_back_do_not_become_the_subject() -> None:
    first = "Qu'est-ce qu'un conseil de développement ?"
    for later in ("Quel est le nombre d'habitants qui le rend obligatoire ?", "Qui désigne ceux que la région paie ?"):
        history = [_user(first), Message("assistant", "… [1]."), _user(later), Message("assistant", "… [1].")]
        assert conversation_subject(history) == first, later


def test_without_a_named_subject_the_latest_question_asked_afresh_is_the_context() -> None:
    history = [_user("Comment prévenir les riverains en cas de travaux ?"), Message("assistant", "… [1].")]
    plan = plan_followup("Dans quel délai ?", history)
    assert plan.contextual is not None and "prévenir les riverains" in plan.contextual


def test_a_common_noun_after_a_definition_is_what_the_notion_is_asked_for() -> None:
    defined = [_user("Qu'est-ce qu'un bail emphytéotique ?"), Message("assistant", "… [1].")]
    contextual = plan_followup("Et pour une association sportive ?", defined).contextual
    assert contextual is not None and "bail emphytéotique" in contextual and "association sportive" in contextual
    acronyms = [_user("Qu'est-ce qu'une SEM ?"), Message("assistant", "… [1].")]
    assert plan_followup("Et pour une SPL ?", acronyms).contextual == "Qu'est-ce qu'une SPL ?"


def test_an_ellipsis_replaces_the_actor_or_the_acronym_of_its_kind() -> None:
    joined = [_user("Une commune peut-elle adhérer au réseau CNAM ?"), Message("assistant", "… [1].")]
    assert plan_followup("Et pour un département ?", joined).contextual == (
        "Une département peut-elle adhérer au réseau CNAM ?"  # the actor changes, not the network
    )
    assert plan_followup("Et pour le CNFPT ?", joined).contextual == "Une commune peut-elle adhérer au réseau CNFPT ?"
    # An ellipsis asks nothing by itself: « département » alone is not a reading to compare with.
    assert plan_followup("Et pour un département ?", joined).certain


def test_a_question_without_a_word_of_its_own_continues_the_last_turn() -> None:
    history = [
        _user("Qu'est-ce qu'un plan de mobilité employeur ?"),
        Message("assistant", "… [1]."),
        _user("C'est obligatoire ?"),
        Message("assistant", "… [1]."),
    ]
    contextual = plan_followup("Pour qui ?", history).contextual
    assert contextual is not None and "plan de mobilité" in contextual and "obligatoire" in contextual


@pytest.mark.parametrize(
    ("history", "question", "kind"),
    [
        # An ellipsis asks what the question it continues asked.
        (["Qui instruit le conventionnement d'un chantier d'insertion ?"], "Et pour une entreprise adaptée ?", "who"),
        (["La commune peut-elle verser une avance à une régie de quartier ?"], "Et lui prêter un véhicule ?", "yesno"),
        # Two ellipses deep, the question that asked decides.
        (["Combien coûte l'adhésion à la CRESS ?", "Et pour un EPCI ?"], "Et pour une région ?", "money"),
        # A question that asks something of its own keeps its shape.
        (["Qui instruit le conventionnement d'un chantier d'insertion ?"], "Et qu'est-ce qu'un PLIE ?", "definition"),
        (["Quand la loi ESS a-t-elle été votée ?"], "Combien d'articles compte-t-elle ?", "quantity"),
        # Nothing asked before: no shape to inherit.
        ([], "Et pour une entreprise adaptée ?", "other"),
        (["Parlez-moi des monnaies locales."], "Et pour une commune rurale ?", "other"),
    ],
)
def test_an_ellipsis_asks_what_the_question_it_continues_asked(history: list[str], question: str, kind: str) -> None:
    turns = []
    for turn in history:
        turns += [Message("user", turn), Message("assistant", "Réponse du dernier tour [1].")]
    assert followup_kind(question, turns) == kind


@pytest.mark.parametrize(
    "question",
    [
        "Et si elle veut lui louer un local à prix réduit ?",
        "Et lui prêter un véhicule de service ?",
        "Et s'il s'agit d'un atelier de réparation de vélos ?",
        "Mais si on lui verse une aide au démarrage ?",
    ],
)
def test_a_clause_after_the_connective_adds_to_the_subject_without_replacing_its_names(question: str) -> None:
    history = [
        Message("user", "Comment une commune peut-elle soutenir une ressourcerie ?"),
        Message("assistant", "Par une subvention, un local ou un achat [1]."),
    ]
    contextual = plan_followup(question, history).contextual
    assert contextual is not None
    assert contextual.startswith("Comment une commune peut-elle soutenir une ressourcerie ?")
    # Two turns on, the subject is still the first question's.
    later = [*history, Message("user", question), Message("assistant", "Oui [1].")]
    assert conversation_subject(later) == "Comment une commune peut-elle soutenir une ressourcerie ?"


def test_a_noun_phrase_after_the_connective_still_replaces_a_name() -> None:
    history = [Message("user", "Une commune peut-elle louer un local à une ressourcerie ?")]
    contextual = plan_followup("Et un département ?", history).contextual
    assert contextual is not None and "département" in contextual and "commune" not in contextual


@pytest.mark.parametrize("question", ["Faut-il une délibération ?", "Faut-il une autorisation ?", "Et un dossier ?"])
def test_a_formality_alone_is_asked_about_the_conversation(question: str) -> None:
    history = [
        Message("user", "Notre commune peut-elle louer un atelier à prix réduit à une ressourcerie ?"),
        Message("assistant", "Oui, avec un motif d'intérêt général et des contreparties [1]."),
    ]
    shape = analyse_question(question)
    assert not shape.has_subject and shape.leans
    contextual = plan_followup(question, history).contextual
    # The formality is added to the question it is about; it replaces none of its names.
    assert contextual is not None and contextual.startswith(history[0].content)


@pytest.mark.parametrize(
    "question",
    [
        "Faut-il une délibération pour verser une subvention à une association ?",
        "Une convention d'occupation est-elle obligatoire pour un jardin partagé ?",
    ],
)
def test_a_formality_named_with_what_it_is_for_stands_alone(question: str) -> None:
    assert analyse_question(question).standalone


@pytest.mark.parametrize(
    "question",
    ["Une régie de quartier en bénéficie-t-elle ?", "Un syndicat mixte y adhère-t-il ?", "Un EPCI la perçoit-il ?"],
)
def test_a_clitic_before_an_inverted_verb_points_to_the_conversation(question: str) -> None:
    # « en », « y », « la » before « bénéficie-t-elle » can only be object pronouns: what they stand for is in the
    # conversation, not in the question's own subject.
    shape = analyse_question(question)
    assert shape.points_out
    history = [
        Message("user", "Qu'est-ce que la dotation de solidarité rurale ?"),
        Message("assistant", "Une part de la dotation globale versée aux petites communes [1]."),
    ]
    plan = plan_followup(question, history)
    assert plan.certain and plan.contextual is not None and "dotation de solidarité rurale" in plan.contextual


def test_a_question_about_the_subject_carries_it_to_the_next_ellipsis() -> None:
    history = [
        Message("user", "Qu'est-ce que la délégation de service public ?"),
        Message("assistant", "Un contrat qui confie la gestion d'un service public [1]."),
        Message("user", "Une SEM en relève-t-elle ?"),
        Message("assistant", "Oui, si elle est choisie après mise en concurrence [1]."),
    ]
    subject = "Qu'est-ce que la délégation de service public ? Une SEM en relève-t-elle ?"
    assert conversation_subject(history) == subject
    # « Et une régie ? » replaces the SEM and keeps the delegation the question was about.
    contextual = plan_followup("Et une régie ?", history).contextual
    assert contextual == "Qu'est-ce que la délégation de service public ? Une régie en relève-t-elle ?"


def test_a_formality_asked_after_a_leaning_turn_keeps_what_that_turn_asked() -> None:
    history = [
        Message("user", "Notre ville veut aider un garage solidaire. Quelles possibilités ?"),
        Message("assistant", "Une subvention, un local ou un marché réservé [1]."),
        Message("user", "Peut-on lui accorder une subvention d'investissement ?"),
        Message("assistant", "Oui, pour un projet d'intérêt local [1]."),
    ]
    contextual = plan_followup("À partir de quel montant faut-il une convention ?", history).contextual
    assert contextual is not None and "garage solidaire" in contextual and "subvention d'investissement" in contextual


@pytest.mark.parametrize("question", ["C'est obligatoire ?", "Est-ce que c'est gratuit ?", "Et c'était payant avant ?"])
def test_c_est_stands_for_what_the_conversation_is_about(question: str) -> None:
    history = [
        Message("user", "Qu'est-ce qu'un groupement d'employeurs ?"),
        Message("assistant", "Une association qui embauche pour ses membres [1]."),
    ]
    plan = plan_followup(question, history)
    assert plan.certain and plan.contextual is not None and "groupement d'employeurs" in plan.contextual


@pytest.mark.parametrize("question", ["C'est quoi une SCOP ?", "C'est quoi, le CNFPT ?"])
def test_c_est_quoi_names_its_own_subject(question: str) -> None:
    assert analyse_question(question).standalone


def test_a_clause_ellipsis_is_searched_with_its_context_only() -> None:
    # « Et s'il s'agissait d'une SCIC ? » names a SCIC, but asks nothing by itself: its standalone search is no reading.
    history = [
        Message("user", "La commune peut-elle garantir l'emprunt d'une ressourcerie associative ?"),
        Message("assistant", "Oui, dans la limite des ratios prudentiels [1]."),
    ]
    plan = plan_followup("Et s'il s'agissait d'une SCIC ?", history)
    assert plan.certain and plan.contextual is not None
    assert plan.contextual.startswith("La commune peut-elle garantir l'emprunt d'une ressourcerie associative ?")


@pytest.mark.parametrize("question", ["Qu'est-ce qu'une convention ?", "C'est quoi un agrément ?"])
def test_asking_what_a_formality_is_stands_alone(question: str) -> None:
    assert analyse_question(question).standalone
