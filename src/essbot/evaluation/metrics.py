"""Evaluation metrics: pure functions over one question's outcome, and their aggregation over a gold set.

Definitions (what `essbot eval` reports):

- **hit@k** (answerable rows): 1 when one of the first k passages of the ranked retrieval list has a `source`
  starting with one of the row's `expected_sources`, else 0; averaged over answerable rows. The ranking is the
  one the answer was built from, recorded to depth 10 (the answer itself sees its first k passages).
- **MRR@10** (answerable rows): mean of 1/rank of the first such passage, 0 when none is in the first 10.
- **keyword recall** (answerable rows): share of `expected_keywords` found in the answer text, case-, accent- and
  typography-insensitive (apostrophes, non-breaking spaces), citation markers removed; an abstention on an
  answerable row scores 0; rows without keywords are left out.
- **citation precision** (answerable rows): share of all citations whose `source` starts with an expected source
  (pooled over the citations of every answered row; a row without citations is left out).
- **citation support**: share of cited sentences of the answer backed by one of their cited passages: at least
  80 % of the sentence's characters (normalized) appear in the passage in the same order, in runs of 4 characters
  or more (difflib). Deliberately not the engine's own citation check (stemmed word coverage), so that it can
  disagree with it: an LLM paraphrase scores lower, a sentence stitched from another passage fails.
- **abstention precision / recall / accuracy**: "positive" = the assistant abstained, ground truth positive =
  `answerable` is false. Precision = abstentions on unanswerable rows / all abstentions; recall = abstentions on
  unanswerable rows / unanswerable rows; accuracy = share of rows where abstaining matched the ground truth.
- **latency p50 / p95**: percentiles (linear interpolation) of `Answer.timings_ms["total"]`, in milliseconds,
  after one warm-up question that is not counted (models and indexes load lazily).
- **faithfulness / answer_relevancy** (RAGAS names, only with an LLM): see `essbot.evaluation.judge`.

A metric that is undefined for a row or a set (no answerable row, no citation, no abstention…) is None.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from essbot.text.sentences import raw_sentences

MIN_SUPPORT = 0.8  # share of a claim's characters found in order in its cited passage
MIN_BLOCK = 4  # matching runs shorter than this (single letters, « de ») do not count
_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LINE_PREFIX = re.compile(r"^\s*(?:[-•*]|\d{1,2}[.)])\s+")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


_ARTICLE_ABBREVIATION = re.compile(r"\bart\.\s*")


def normalize_for_match(text: str) -> str:
    """Lower-case, accents and citation markers removed, apostrophes and spaces unified, « art. » written
    « article »."""
    text = _MARKER.sub("", text)
    text = text.casefold().replace("’", "'").replace("‘", "'").replace("œ", "oe").replace("æ", "ae")
    text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    text = _ARTICLE_ABBREVIATION.sub("article ", text)  # « art. 8 » is how a citation writes « article 8 »
    return _SPACES.sub(" ", text).strip()


def matches_expected(source: str, expected: Sequence[str]) -> bool:
    return any(source.startswith(prefix) for prefix in expected)


def first_hit_rank(sources: Sequence[str], expected: Sequence[str]) -> int | None:
    """1-based rank of the first source matching an expected prefix, or None."""
    for rank, source in enumerate(sources, start=1):
        if matches_expected(source, expected):
            return rank
    return None


def hit_at(rank: int | None, k: int) -> float:
    return 1.0 if rank is not None and rank <= k else 0.0


def reciprocal_rank(rank: int | None, k: int = 10) -> float:
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def missing_keywords(answer: str, keywords: Sequence[str]) -> list[str]:
    """The expected keywords absent from the answer (normalized substring match)."""
    text = normalize_for_match(answer)
    return [keyword for keyword in keywords if normalize_for_match(keyword) not in text]


def keyword_recall(answer: str, keywords: Sequence[str], abstained: bool = False) -> float | None:
    """Share of keywords found in the answer; 0 on abstention; None when there is no keyword."""
    if not keywords:
        return None
    if abstained:
        return 0.0
    return 1.0 - len(missing_keywords(answer, keywords)) / len(keywords)


def citation_hits(cited_sources: Sequence[str], expected: Sequence[str]) -> tuple[int, int]:
    """(citations from an expected source, citations)."""
    return sum(matches_expected(source, expected) for source in cited_sources), len(cited_sources)


def cited_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Each sentence of the answer that carries `[n]` markers, without them, with its cited numbers."""
    found = []
    for line in answer.split("\n"):
        for sentence in raw_sentences(_LINE_PREFIX.sub("", line)):
            numbers = [int(n) for marker in _MARKER.findall(sentence) for n in re.split(r"\s*[,;]\s*", marker)]
            claim = _MARKER.sub("", sentence).strip()
            if numbers and claim:
                found.append((claim, list(dict.fromkeys(numbers))))
    return found


def _span_support(claim: str, evidence: str) -> float:
    """Share of the claim's characters covered by its matching blocks in the evidence, in order (difflib)."""
    claim, evidence = normalize_for_match(claim), normalize_for_match(evidence)
    if not claim:
        return 1.0
    matcher = SequenceMatcher(None, claim, evidence, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks() if block.size >= MIN_BLOCK)
    return matched / len(claim)


def citation_support(answer: str, evidence: Mapping[int, str], min_support: float = MIN_SUPPORT) -> tuple[int, int]:
    """(cited sentences backed by one of their cited passages, cited sentences).

    Independent of the answer engine's own citation check (stemmed word coverage): here a claim is backed when
    most of its characters appear, in the same order and in runs of several characters, in a cited passage.
    """
    sentences = cited_sentences(answer)
    backed = sum(
        any(n in evidence and _span_support(claim, evidence[n]) >= min_support for n in numbers)
        for claim, numbers in sentences
    )
    return backed, len(sentences)


@dataclass(frozen=True)
class AbstentionScores:
    precision: float | None
    recall: float | None
    accuracy: float | None
    true_positives: int
    false_positives: int
    false_negatives: int


def abstention_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> AbstentionScores:
    """Precision, recall and accuracy of abstaining, with "unanswerable" as the positive class."""
    pairs = list(zip(abstained, answerable, strict=True))
    tp = sum(a and not ok for a, ok in pairs)
    fp = sum(a and ok for a, ok in pairs)
    fn = sum(not a and not ok for a, ok in pairs)
    correct = sum(a == (not ok) for a, ok in pairs)
    return AbstentionScores(
        precision=tp / (tp + fp) if tp + fp else None,
        recall=tp / (tp + fn) if tp + fn else None,
        accuracy=correct / len(pairs) if pairs else None,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
    )


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values, None when there is none."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def ratio(pairs: Iterable[tuple[int, int]]) -> float | None:
    """Pooled share: sum of numerators over sum of denominators (None when nothing was counted)."""
    pairs = list(pairs)
    total = sum(d for _, d in pairs)
    return sum(n for n, _ in pairs) / total if total else None


def percentile(values: Sequence[float], q: float) -> float | None:
    """q-th percentile with linear interpolation (numpy's default), None for no value."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else None


def hit_curve(ranks: Sequence[int | None], depth: int = 10) -> list[float]:
    """hit@k for k = 1..depth over the given first-hit ranks (one per answerable row)."""
    if not ranks:
        return []
    return [sum(hit_at(rank, k) for rank in ranks) / len(ranks) for k in range(1, depth + 1)]
