"""Term weights (inverse document frequency) of the indexed corpus."""

from __future__ import annotations

import math
from collections.abc import Mapping


class TermWeights:
    """IDF of the corpus terms; a term the corpus has never seen weighs as much as the rarest one."""

    def __init__(self, weights: Mapping[str, float], corpus_size: int) -> None:
        self.update(weights, corpus_size)

    def update(self, weights: Mapping[str, float], corpus_size: int) -> None:
        """Take the weights of a corpus that changed (every holder of this object sees them)."""
        self._weights = dict(weights)
        self.unknown = math.log((corpus_size + 1) / 0.5)
        # Rare: in at most 5 % of the passages (a place name), unlike everyday capitalised words (« État »).
        self.rare = math.log((corpus_size + 1) / (0.05 * corpus_size + 0.5))

    def __call__(self, token: str) -> float:
        return self._weights.get(token, self.unknown)

    def is_rare(self, token: str) -> bool:
        return self(token) >= self.rare

    def knows(self, token: str) -> bool:
        """The corpus holds `token` somewhere."""
        return token in self._weights

    def coverage(self, wanted: frozenset[str], found: frozenset[str]) -> float:
        """Weighted share of `wanted` terms present in `found`."""
        total = sum(self(token) for token in wanted)
        return sum(self(token) for token in wanted & found) / total if total else 0.0
