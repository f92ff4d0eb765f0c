"""Citation verification: every `[n]` must point to a passage that backs its sentence.

Unsupported citations are re-attributed to a passage that does back the sentence, or the sentence is
dropped (an uncited sentence too, however short); the citations left are renumbered 1..m in order of first
use, and only those are listed. Markup is neutralised on the way (see markup.py): answers are plain text.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from essbot.answer.markup import neutralise_markup
from essbot.answer.types import Citation
from essbot.text.sentences import content_tokens, coverage, raw_sentences
from essbot.types import Passage

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


SHORT_CLAIM_WORDS = 5


def verify_citations(text: str, passages: Sequence[Passage], min_support: float = 0.5) -> VerifiedAnswer:
    """Check each cited sentence against its passage and rebuild text and citation list."""
    verifier = CitationVerifier(passages, min_support)
    verifier.feed(text.strip())
    verifier.flush()
    return verifier.result()


class CitationVerifier:
    """Verifies an answer sentence by sentence as its text arrives, so that only checked text is shown.

    `feed` returns the verified text that became final (complete sentences, markup neutralised, citations
    renumbered by first use); `flush` ends the text; the concatenation of all returned pieces is exactly
    `result().text`. Every sentence keeps at least one citation whose passage backs it, or is dropped.
    """

    def __init__(self, passages: Sequence[Passage], min_support: float = 0.5) -> None:
        self.passages = passages
        self.min_support = min_support
        self._evidence = [p.chunk.embed_text for p in passages]
        self._renumber: dict[int, int] = {}
        self._seen_claims: set[str] = set()
        self.removed = self.dropped = self.supported = 0
        self._line = ""  # raw text of the current line, not yet complete
        self._line_done = 0  # sentences of the current line already checked
        self._line_kept = 0  # ... and kept (shown)
        self._shown = ""
        self._blank_pending = False  # a blank line since the last line shown

    # --- text flow ---------------------------------------------------------------------------
    def feed(self, delta: str) -> str:
        shown = len(self._shown)
        self._line += delta
        while "\n" in self._line:
            line, self._line = self._line.split("\n", 1)
            self._check_line(line, complete=True)
        self._check_line(self._line, complete=False)
        return self._shown[shown:]

    def flush(self) -> str:
        shown = len(self._shown)
        self._check_line(self._line, complete=True)
        self._line = ""
        return self._shown[shown:]

    def result(self) -> VerifiedAnswer:
        citations = [
            plain_citation(Citation.from_passage(new, self.passages[old - 1]))
            for old, new in sorted(self._renumber.items(), key=lambda kv: kv[1])
        ]
        return VerifiedAnswer(self._shown, citations, self.removed, self.dropped, self.supported)

    def _check_line(self, line: str, complete: bool) -> None:
        line = _MARKER_AFTER_PUNCT.sub(lambda m: f"{m.group(2)}{m.group(1)}", line)
        prefix_match = _LINE_PREFIX.match(line)
        prefix = prefix_match.group(1) if prefix_match else ""
        sentences = raw_sentences(line[len(prefix) :])
        ready = len(sentences)
        if not complete:  # the last piece may still grow; a piece opening on "[" may be a marker still arriving
            ready = next((i for i in range(1, len(sentences)) if sentences[i].lstrip().startswith("[")), ready) - 1
        for sentence in sentences[self._line_done : ready]:
            kept = self._check_sentence(sentence)
            if kept:
                self._show(kept, prefix)
        self._line_done = max(self._line_done, ready)
        if complete:
            if not line.strip():
                self._blank_pending = True
            self._line_done = self._line_kept = 0

    def _show(self, sentence: str, prefix: str) -> None:
        if self._line_kept:
            self._shown += " " + sentence
        else:
            separator = ("\n\n" if self._blank_pending else "\n") if self._shown else ""
            self._shown += separator + (prefix if self._shown else prefix.lstrip()) + sentence
            self._blank_pending = False
        self._line_kept += 1

    # --- one sentence --------------------------------------------------------------------------
    def _check_sentence(self, sentence: str) -> str:
        """The sentence as shown (neutralised, renumbered), or "" when dropped."""
        sentence = neutralise_markup(sentence)
        cited = [n for marker in _MARKERS.findall(sentence) for n in _numbers(marker)]
        claim = _MARKERS.sub("", sentence).strip()
        if not claim or claim in self._seen_claims:
            return ""  # small models repeat themselves
        self._seen_claims.add(claim)
        valid = [n for n in dict.fromkeys(cited) if 1 <= n <= len(self.passages) and self._backs(claim, n - 1)]
        self.removed += len(set(cited)) - len(valid)
        if not valid:
            best = max(range(len(self.passages)), key=lambda i: coverage(claim, self._evidence[i]), default=None)
            if best is None or not content_tokens(claim) or not self._backs(claim, best):
                self.dropped += 1  # no passage backs it: every sentence shown carries a citation
                return ""
            valid = [best + 1]
        self.supported += 1
        for n in valid:
            self._renumber.setdefault(n, len(self._renumber) + 1)
        return _place_markers(claim, "".join(f"[{self._renumber[n]}]" for n in valid))

    def _backs(self, claim: str, index: int) -> bool:
        # A short claim has few words to check: each must count (« Voir ce lien 2 » is not backed by a passage
        # that merely says « voir » and « lien »); a lone digit is no evidence.
        words = [t for t in content_tokens(claim) if not (t.isdigit() and len(t) == 1)]
        needed = self.min_support if len(words) >= SHORT_CLAIM_WORDS else max(self.min_support, 0.75)
        return coverage(claim, self._evidence[index]) >= needed


def plain_citation(citation: Citation) -> Citation:
    """A citation whose title, section and quoted text are plain text."""
    return dataclasses.replace(
        citation,
        title=neutralise_markup(citation.title),
        section=neutralise_markup(citation.section),
        text=neutralise_markup(citation.text),
    )


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
