"""Passages are data, never instructions: sentences that talk to the assistant are kept out of answers."""

from __future__ import annotations

import re

from essbot import messages

_INSTRUCTION = re.compile(
    r"\b(ignore[rsz]?|oublie[rsz]?|disregard|ignore all)\b.{0,60}\b(consignes?|instructions?|règles?|"
    r"directives?|previous|précédent(e|es|s)?)\b"
    r"|\b(tu dois|vous devez|tu vas|réponds|répondez|dis|dites)\b.{0,40}\b(toujours|uniquement|seulement|"
    r"désormais|maintenant)\b"
    r"|\b(en tant qu['’]|you are|tu es)\s*(assistant|ia|intelligence artificielle|modèle|chatbot)"
    r"|\b(prompt|message) (système|system)\b|\bsystem prompt\b|\bjailbreak\b"
    r"|\b(nouvelles?|new) (consignes?|instructions?)\b",
    re.IGNORECASE,
)


def looks_like_instruction(sentence: str) -> bool:
    """True for text addressed to an AI assistant (prompt injection) rather than to a reader."""
    return bool(_INSTRUCTION.search(sentence))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def check_text(text: str) -> str:
    """Why a text sent by a user cannot be processed ("" when it can): a lone surrogate, a control character."""
    if _SURROGATE.search(text):
        return messages.TEXT_BAD_UNICODE
    if _CONTROL.search(text):
        return messages.TEXT_CONTROL_CHARACTER
    return ""
