"""Greetings and thanks: set aside from the question, answered politely when they are the whole message."""

from __future__ import annotations

import pytest

from essbot import messages
from essbot.answer.engine import Assistant
from essbot.answer.smalltalk import core_question, small_talk_reply


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("Bonjour, qu'est-ce qu'un tiers-lieu ?", "Qu'est-ce qu'un tiers-lieu ?"),
        ("Bonsoir madame. Qui finance la régie ? Merci d'avance.", "Qui finance la régie ?"),
        ("Une SEM peut-elle candidater ? Cordialement", "Une SEM peut-elle candidater ?"),
        ("Merci, et pour une SEM ?", "Et pour une SEM ?"),
        ("Mercier est-il adjoint ?", "Mercier est-il adjoint ?"),  # a name, not a thank-you
        ("Les remerciements sont-ils publiés ?", "Les remerciements sont-ils publiés ?"),
    ],
)
def test_greetings_and_thanks_are_set_aside(text: str, core: str) -> None:
    assert core_question(text) == core


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("Bonjour", messages.SMALL_TALK_GREETING),
        ("bonsoir à tous !", messages.SMALL_TALK_GREETING),
        ("Merci beaucoup !", messages.SMALL_TALK_THANKS),
        ("D'accord.", messages.SMALL_TALK_THANKS),
        ("Bonjour, qu'est-ce qu'un tiers-lieu ?", None),
        ("?", None),
    ],
)
def test_a_message_that_is_only_small_talk_gets_a_reply(text: str, reply: str | None) -> None:
    assert small_talk_reply(text) == reply


def test_a_greeting_is_answered_without_searching(default_assistant: Assistant) -> None:
    answer = default_assistant.ask("Bonjour !")
    assert answer.abstained and answer.answer == messages.SMALL_TALK_GREETING and not answer.citations


def test_a_polite_question_gets_the_answer_of_the_bare_question(default_assistant: Assistant) -> None:
    bare = default_assistant.ask("Qu'est-ce qu'un SPASER ?")
    polite = default_assistant.ask("Bonjour, qu'est-ce qu'un SPASER ? Merci d'avance.")
    assert not polite.abstained and polite.answer == bare.answer


def test_a_small_talk_reply_carries_no_not_found_note() -> None:
    from essbot.answer.types import Answer
    from essbot.ui import messages as ui_messages
    from essbot.ui.sources import answer_content

    greeting = Answer(question="Bonjour", answer=messages.SMALL_TALK_GREETING, abstained=True, citations=[])
    not_found = Answer(question="Quel temps ?", answer=messages.ABSTAIN_NOT_FOUND, abstained=True, citations=[])
    assert ui_messages.ABSTAINED_NOTE not in answer_content(greeting)
    assert ui_messages.ABSTAINED_NOTE in answer_content(not_found)


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("Sur un tout autre sujet : la régie peut-elle vendre des repas ?", "La régie peut-elle vendre des repas ?"),
        ("Bonjour, autre question : qu'est-ce qu'un GEIQ ?", "Qu'est-ce qu'un GEIQ ?"),
        ("Rien à voir, mais le CCAS peut-il louer une salle ?", "Le CCAS peut-il louer une salle ?"),
        ("Changement de sujet. Qui préside le syndicat mixte ?", "Qui préside le syndicat mixte ?"),
        # Not an announcement: the words are part of the question.
        ("Autres questions fréquentes sur le GEIQ ?", "Autres questions fréquentes sur le GEIQ ?"),
        ("Sur quel autre sujet la CRESS travaille-t-elle ?", "Sur quel autre sujet la CRESS travaille-t-elle ?"),
    ],
)
def test_an_announced_change_of_subject_is_set_aside(text: str, core: str) -> None:
    assert core_question(text) == core
