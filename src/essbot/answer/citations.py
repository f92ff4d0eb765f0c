"""Citation verification: every `[n]` must point to a passage that backs its sentence.

Unsupported citations are re-attributed to a passage that does back the sentence, or the sentence is
dropped; the citations left are renumbered 1..m in order of first use, and only those are listed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from essbot.answer.sentences import content_tokens, coverage, raw_sentences
from essbot.answer.types import Citation
from essbot.retrieve import Passage

_MARKERS = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# "… ans. [1]" is rewritten "… ans [1]." so that a marker always sits inside its sentence.
_MARKER_AFTER_PUNCT = re.compile(r"([.!?…])((?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+)")
_LINE_PREFIX = re.compile(r"^(\s*(?:[-•*]|\d{1,2}[.)])\s+)")


@dataclass
class VerifiedAnswer:
    text: str
    citations: list[Citation]
    removed_citations: int  # markers that pointed to a passage not backing their sentence
    dropped_sentences: int
    supported_sentences: int


def _numbers(marker_text: str) -> list[int]:
    return [int(n) for n in re.split(r"\s*[,;]\s*", marker_text)]


def verify_citations(text: str, passages: Sequence[Passage], min_support: float = 0.5) -> VerifiedAnswer:
    """Check each cited sentence against its passage and rebuild text and citation list."""
    text = _MARKER_AFTER_PUNCT.sub(lambda m: f"{m.group(2)}{m.group(1)}", text.strip())
    evidence = [p.chunk.embed_text for p in passages]
    renumber: dict[int, int] = {}
    removed = dropped = supported = 0
    seen_claims: set[str] = set()
    out_lines = []
    for line in text.split("\n"):
        prefix_match = _LINE_PREFIX.match(line)
        prefix = prefix_match.group(1) if prefix_match else ""
        kept = []
        for sentence in raw_sentences(line[len(prefix) :]):
            cited = [n for marker in _MARKERS.findall(sentence) for n in _numbers(marker)]
            claim = _MARKERS.sub("", sentence).strip()
            if not claim or claim in seen_claims:
                continue  # small models repeat themselves
            seen_claims.add(claim)
            valid = [
                n
                for n in dict.fromkeys(cited)
                if 1 <= n <= len(passages) and coverage(claim, evidence[n - 1]) >= min_support
            ]
            removed += len(set(cited)) - len(valid)
            if not valid:
                best = max(range(len(passages)), key=lambda i: coverage(claim, evidence[i]), default=None)
                if best is not None and coverage(claim, evidence[best]) >= min_support and content_tokens(claim):
                    valid = [best + 1]
                elif len(content_tokens(claim)) >= 4 or cited:
                    dropped += 1  # a claim no passage backs
                    continue
            if valid:
                supported += 1
            for n in valid:
                renumber.setdefault(n, len(renumber) + 1)
            markers = "".join(f"[{renumber[n]}]" for n in valid)
            kept.append(_place_markers(claim, markers))
        if kept:
            out_lines.append(prefix + " ".join(kept))
        elif not line.strip():
            out_lines.append("")
    citations = [
        Citation.from_passage(new, passages[old - 1]) for old, new in sorted(renumber.items(), key=lambda kv: kv[1])
    ]
    final = re.sub(r"\n{3,}", "\n\n", "\n".join(out_lines)).strip()
    return VerifiedAnswer(final, citations, removed, dropped, supported)


def _place_markers(claim: str, markers: str) -> str:
    if not markers:
        return claim
    match = re.search(r"\s*([.!?…:;])$", claim)
    if match:
        return f"{claim[: match.start()]} {markers}{match.group(1)}"
    return f"{claim} {markers}"


_PARTIAL_MARKER = re.compile(r"\[[\d,; ]*$")


class MarkerRenumberer:
    """Renumbers the `[n]` markers of a text stream by order of first use, as verification does at the end.

    So the streamed text already shows [1], [2]… in reading order; a marker split across two deltas
    ("[", "3]") is held back until it is complete.
    """

    def __init__(self) -> None:
        self.mapping: dict[int, int] = {}
        self._pending = ""

    def _renumber(self, match: re.Match[str]) -> str:
        numbers = [self.mapping.setdefault(n, len(self.mapping) + 1) for n in _numbers(match.group(1))]
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers))

    def feed(self, delta: str) -> str:
        text = self._pending + delta
        partial = _PARTIAL_MARKER.search(text)
        self._pending = text[partial.start() :] if partial else ""
        text = text[: partial.start()] if partial else text
        return re.sub(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]", self._renumber, text)

    def flush(self) -> str:
        rest, self._pending = self._pending, ""
        return rest
