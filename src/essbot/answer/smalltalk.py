"""Greetings and thanks around a question: « Bonjour, qu'est-ce qu'un SPASER ? Merci d'avance. »

They are not part of what is asked: searched, they dilute the question's words (its coverage falls and essbot
abstains), so they are set aside before retrieval. A message that is nothing but a greeting or a thank-you gets a
short French reply instead of « cette question semble sortir du champ… ».
"""

from __future__ import annotations

import re

from essbot import messages

_I = re.IGNORECASE
_GREETING_WORDS = r"bonjour|bonsoir|salut|hello|coucou|bonne (?:journée|soirée)"
_ADDRESS = r"(?:\s+(?:à (?:vous|tous|toutes)|madame|monsieur|mesdames|messieurs|essbot))*"
_GREETING = re.compile(rf"^\s*(?:{_GREETING_WORDS}){_ADDRESS}\s*(?:[,.!?;:]+\s*|$)", _I)
_THANKS_WORDS = (
    r"merci(?:\s+(?:beaucoup|bien|infiniment|d['’]avance|par avance|pour (?:votre|ta|cette) (?:aide|réponse)"
    r"|pour (?:l['’]info(?:rmation)?|tout)))*|(?:bien\s+)?cordialement|bien à vous|au revoir|à bientôt"
)
# At the end (the punctuation before it stays: « …SPASER ? Merci d'avance. » keeps its « ? »), or at the start
# of a follow-up (« Merci, et pour une SCOP ? »).
_THANKS = re.compile(rf"(?:^|(?<=[,.!?;])\s*|\s+)(?:{_THANKS_WORDS}){_ADDRESS}\s*[.!]*\s*$", _I)
_LEADING_THANKS = re.compile(rf"^\s*(?:{_THANKS_WORDS}){_ADDRESS}\s*[,.!;]+\s*(?=\S)", _I)
_ACKNOWLEDGEMENT = re.compile(
    r"^\s*(?:ok|okay|d['’]accord|parfait|super|très bien|top|entendu|c['’]est noté)\s*[.!]*\s*$", _I
)


# « Sur un tout autre sujet : … », « Autre question : … »: announces a new question, says nothing of what is asked.
_TOPIC_SHIFT = re.compile(
    r"^\s*(?:(?:sur|pour)\s+(?:un\s+)?(?:tout\s+)?autre\s+(?:sujet|point|thème)|(?:tout\s+)?autre\s+(?:sujet|question|"
    r"chose|point)|changement\s+de\s+sujet|changeons\s+de\s+sujet|rien\s+à\s+voir(?:\s+mais)?|nouvelle\s+question"
    r"|(?:une\s+)?question\s+(?:différente|d['’]un\s+autre\s+ordre))\s*[:,.!;–-]+\s*(?:mais\s+)?(?=\S)",
    _I,
)


def core_question(text: str) -> str:
    """The question without an opening greeting, an announced change of subject (« Autre question : ») or a closing
    thank-you (nothing else is removed)."""
    core = _LEADING_THANKS.sub("", _GREETING.sub("", text, count=1), count=1)
    core = _TOPIC_SHIFT.sub("", core, count=1)
    core = _THANKS.sub("", core, count=1).strip()
    return core[:1].upper() + core[1:] if core else ""


def small_talk_reply(text: str) -> str | None:
    """A reply when the message is only a greeting, a thank-you or an acknowledgement; None for a question."""
    if _ACKNOWLEDGEMENT.match(text):
        return messages.SMALL_TALK_THANKS
    if core_question(text).strip(" ?!.,;:"):
        return None  # a question is left once the greeting and the thanks are set aside
    if _GREETING.match(text):
        return messages.SMALL_TALK_GREETING
    return messages.SMALL_TALK_THANKS if _THANKS.search(text) else None
