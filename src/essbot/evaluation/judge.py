"""LLM-judged answer quality with the RAGAS metric names, computed here with French judge prompts.

- **faithfulness**: the judge splits the answer into simple claims and marks each as backed or not by the
  retrieved passages; the score is the share of backed claims (RAGAS' definition).
- **answer_relevancy**: the judge writes a few questions the answer responds to; the score is the mean cosine
  similarity between their embeddings and the original question's (RAGAS' definition), 0 when the judge finds
  the answer evasive.

Only used when Settings.generator is an LLM ("openai", "llamacpp"): the judge is that same model, through its
`complete(prompt)` method. Abstentions are not judged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

from essbot.evaluation import messages
from essbot.evaluation.results import JudgeScores

CONTEXT_CHARS = 3500  # small local models have a 4k-token window
_MARKER = re.compile(r"\s*\[\d+(?:\s*[,;]\s*\d+)*\]")

FAITHFULNESS_PROMPT = """Tu évalues la fidélité d'une réponse à ses sources.

CONTEXTE (extraits de documents) :
{context}

RÉPONSE À ÉVALUER :
{answer}

Consignes :
1. Découpe la réponse en affirmations simples et autonomes.
2. Pour chaque affirmation, indique 1 si elle est entièrement justifiée par le CONTEXTE, 0 sinon.
Réponds uniquement par un objet JSON, sans commentaire :
{{"affirmations": [{{"texte": "…", "justifiee": 1}}]}}"""

RELEVANCY_PROMPT = """Voici une réponse donnée à un agent ou un élu d'une collectivité territoriale.

RÉPONSE :
{answer}

Consignes :
1. Rédige {count} questions différentes, en français, auxquelles cette réponse répond directement.
2. Indique "evasive": 1 si la réponse est évasive ou ne s'engage pas (« je ne sais pas », « cela dépend »), 0 sinon.
Réponds uniquement par un objet JSON, sans commentaire :
{{"questions": ["…", "…"], "evasive": 0}}"""


class ChatModel(Protocol):
    def complete(self, prompt: str) -> str: ...


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in a model's reply (code fences and chatter around it are ignored)."""
    start = text.find("{")
    while start != -1:
        depth = 0
        for end in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                try:
                    value = json.loads(text[start : end + 1])
                except json.JSONDecodeError:
                    break
                return value if isinstance(value, dict) else None
        start = text.find("{", start + 1)
    return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "oui", "yes", "vrai"}
    return bool(value)


def faithfulness_from_reply(reply: str) -> float | None:
    """Share of claims marked as backed, from the judge's JSON reply (None if unreadable or empty)."""
    data = parse_json_object(reply)
    claims = data.get("affirmations") if data else None
    if isinstance(claims, list) and claims:
        verdicts = [_truthy(c.get("justifiee")) for c in claims if isinstance(c, dict)]
        return sum(verdicts) / len(verdicts) if verdicts else None
    flags = re.findall(r'"justifi[ée]e"\s*:\s*"?(0|1|true|false)', reply, re.IGNORECASE)
    return sum(flag.lower() in {"1", "true"} for flag in flags) / len(flags) if flags else None


def questions_from_reply(reply: str) -> tuple[list[str], bool]:
    """(generated questions, evasive) from the judge's JSON reply; lines ending in '?' as a fallback."""
    data = parse_json_object(reply)
    if data and isinstance(data.get("questions"), list):
        questions = [q.strip() for q in data["questions"] if isinstance(q, str) and q.strip()]
        return questions, _truthy(data.get("evasive", 0))
    lines = [line.strip(' -*•0123456789.)"') for line in reply.splitlines()]
    return [line for line in lines if line.endswith("?")], False


class LLMJudge:
    """Faithfulness and answer relevancy judged by a chat model; relevancy also needs a query encoder."""

    def __init__(self, model: ChatModel, encode: Callable[[str], np.ndarray], questions: int = 3) -> None:
        self.model = model
        self.encode = encode
        self.questions = questions

    def faithfulness(self, answer: str, contexts: Sequence[str]) -> float | None:
        context = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(contexts, start=1))[:CONTEXT_CHARS]
        return faithfulness_from_reply(self.model.complete(FAITHFULNESS_PROMPT.format(context=context, answer=answer)))

    def answer_relevancy(self, question: str, answer: str) -> float | None:
        reply = self.model.complete(RELEVANCY_PROMPT.format(answer=answer, count=self.questions))
        generated, evasive = questions_from_reply(reply)
        if not generated:
            return None
        if evasive:
            return 0.0
        target = _unit(self.encode(question))
        return float(np.mean([float(np.dot(_unit(self.encode(q)), target)) for q in generated]))

    def judge(self, question: str, answer: str, contexts: Sequence[str]) -> JudgeScores:
        answer = _MARKER.sub("", answer).strip()
        scores = JudgeScores(self.faithfulness(answer, contexts), self.answer_relevancy(question, answer))
        if scores.faithfulness is None or scores.answer_relevancy is None:
            scores.error = messages.JUDGE_UNREADABLE
        return scores


def _unit(vector: np.ndarray) -> np.ndarray:
    vector = np.asarray(vector, dtype=np.float32).ravel()
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def create_judge(generator_name: str, generator: Any, encode: Callable[[str], np.ndarray]) -> LLMJudge | None:
    """A judge backed by the configured LLM generator, or None for the extractive generator."""
    if generator_name == "extractive" or not callable(getattr(generator, "complete", None)):
        return None
    return LLMJudge(generator, encode)
