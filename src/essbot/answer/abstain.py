"""Abstention: decide, from retrieval scores and weighted lexical coverage, when the documents do not answer."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from essbot import messages
from essbot.answer.sentences import content_tokens
from essbot.config import Settings
from essbot.retrieve import Passage


class TermWeights:
    """IDF of the corpus terms; a term the corpus has never seen weighs as much as the rarest one."""

    def __init__(self, weights: Mapping[str, float], corpus_size: int) -> None:
        self._weights = dict(weights)
        self.unknown = math.log((corpus_size + 1) / 0.5)

    def __call__(self, token: str) -> float:
        return self._weights.get(token, self.unknown)

    def coverage(self, wanted: frozenset[str], found: frozenset[str]) -> float:
        """Weighted share of `wanted` terms present in `found`."""
        total = sum(self(token) for token in wanted)
        return sum(self(token) for token in wanted & found) / total if total else 0.0


@dataclass(frozen=True)
class AbstentionCheck:
    abstain: bool
    reason: str  # "", "empty", "language", "no_passage", "coverage", "similarity"
    coverage: float
    dense_top: float | None

    @property
    def message(self) -> str:
        if self.reason == "language":
            return messages.ABSTAIN_OTHER_LANGUAGE
        if self.reason in {"empty", "coverage"} and self.coverage < 0.2:
            return messages.ABSTAIN_OUT_OF_SCOPE
        return messages.ABSTAIN_NOT_FOUND


_FRENCH = {"le", "la", "les", "des", "du", "de", "un", "une", "est", "et", "en", "que", "qui", "quoi", "pour",
           "dans", "sur", "au", "aux", "ce", "cette", "quel", "quelle", "quels", "quelles", "comment", "peut",
           "ma", "mon", "nos", "notre", "je", "nous", "il", "elle", "pas", "ou", "où", "avec", "par", "doit"}
_OTHER = {"the", "what", "who", "how", "which", "is", "are", "does", "do", "can", "of", "for", "and", "with",
          "el", "los", "las", "que", "es", "una", "por", "como", "der", "die", "das", "und", "ist", "wer", "wie",
          "was", "il", "che", "della", "sono", "chi", "come", "per", "del"}


def is_probably_not_french(question: str) -> bool:
    """A cheap stop-word vote: enough to tell an English or Spanish question from a French one."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ]+", question.lower())
    french = sum(word in _FRENCH for word in words)
    other = sum(word in _OTHER and word not in _FRENCH for word in words)
    return other >= 2 and other > french


def should_abstain(
    query: str, passages: Sequence[Passage], weights: TermWeights, settings: Settings, evidence_depth: int = 3
) -> AbstentionCheck:
    """Abstain when the best passages share too little of the question's (weighted) vocabulary or meaning."""
    wanted = content_tokens(query)
    if is_probably_not_french(query):
        return AbstentionCheck(True, "language", 0.0, None)
    if not wanted:
        return AbstentionCheck(True, "empty", 0.0, None)
    if not passages:
        return AbstentionCheck(True, "no_passage", 0.0, None)
    top = passages[:evidence_depth]
    found = frozenset().union(*(content_tokens(p.chunk.embed_text) for p in top))
    coverage = weights.coverage(wanted, found)
    dense_scores = [p.dense_score for p in passages if p.dense_score is not None]
    dense_top = max(dense_scores) if dense_scores else None
    if coverage < settings.abstain_min_coverage:
        return AbstentionCheck(True, "coverage", coverage, dense_top)
    if dense_top is not None and dense_top < settings.abstain_min_dense:
        return AbstentionCheck(True, "similarity", coverage, dense_top)
    return AbstentionCheck(False, "", coverage, dense_top)
