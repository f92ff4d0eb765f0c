"""Follow-up questions: turn "Et qui le délivre ?" into a question that can be searched on its own."""

from __future__ import annotations

import re
from collections.abc import Sequence

from essbot.answer.prompts import condense_prompt
from essbot.answer.sentences import content_tokens
from essbot.answer.types import Message

_DEPENDENT_START = re.compile(
    r"^\s*(et|mais|alors|donc|aussi|puis|ensuite|sinon|dans ce cas|et si|et pour)\b", re.IGNORECASE
)
_ANAPHORA = re.compile(
    r"\b(le|la|les|l['’]|lui|leur|il|elle|ils|elles|celui-ci|celle-ci|ceux-ci|cela|ça|ce dispositif|"
    r"cet agrément|cette structure|ce schéma|ce document|ce texte|cette aide|en|y)\b(?=\s*(?:[a-zàâçéèêëîïôûù]|$|\?))",
    re.IGNORECASE,
)


def needs_context(question: str) -> bool:
    """Short questions that start with a connective or lean on a pronoun depend on the previous turns."""
    tokens = content_tokens(question)
    if len(tokens) <= 1:
        return True
    if _DEPENDENT_START.search(question):
        return True
    return len(tokens) <= 3 and bool(_ANAPHORA.search(question))


def condense_heuristic(question: str, history: Sequence[Message]) -> str:
    """Without an LLM: prefix the question with the last user question(s) so the subject carries over."""
    previous = [m.content for m in history if m.role == "user"]
    if not previous or not needs_context(question):
        return question
    return f"{previous[-1].strip()} {question.strip()}"


def condense_question(question: str, history: Sequence[Message], llm: object | None = None) -> str:
    """Standalone question for retrieval: rewritten by the LLM when there is one, else by the heuristic."""
    if not history:
        return question
    complete = getattr(llm, "complete", None)
    if complete is not None and needs_context(question):
        rewritten = str(complete(condense_prompt(question, history))).strip().strip('"«» ')
        if 5 <= len(rewritten) <= 500:
            return rewritten
    return condense_heuristic(question, history)
