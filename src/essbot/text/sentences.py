"""French sentence splitting and the lexical overlap used by extraction, abstention and citation checks."""

from __future__ import annotations

import re
from functools import lru_cache

from essbot.text.tokens import tokenize_french

# Abbreviations after which a period does not end a sentence (French legal and administrative prose).
_ABBREVIATIONS = (
    "art",
    "arts",
    "al",
    "n",
    "nos",
    "no",
    "p",
    "pp",
    "cf",
    "etc",
    "ex",
    "M",
    "MM",
    "Mme",
    "Mmes",
    "Dr",
    "st",
    "L",
    "R",
    "D",
    "c",
    "ch",
    "chap",
    "sect",
    "env",
    "min",
    "max",
    "hab",
    "vol",
    "éd",
    "coll",
    "av",
    "bd",
    "J.O",
    "JO",
    "JORF",
    "spéc",
    "préc",
    "réf",
    "resp",
)
_ABBREV_RE = re.compile(r"(?:^|[\s('’])(?:" + "|".join(map(re.escape, _ABBREVIATIONS)) + r")\.$", re.IGNORECASE)
_CANDIDATE_END = re.compile(r"(?<=[.!?…])\s+(?=[«\"(\[A-ZÀ-ÖØ-Þ0-9•–-])|\n+")
# « 1° … », « « 2° … » (a paragraph of quoted law text opens with « in an amending text).
LIST_MARKER = re.compile(r"^\s*(?:«\s*)?(?:[-•–*]|\d{1,2}[.)°]|[a-z]\))\s+")
_MARKUP = re.compile(r"\*\*|__|`")
# « II. - La fusion… », « « III. - Sauf… »: a numbered subdivision of a law article, not a sentence of its own.
_SUBDIVISION = re.compile(r"^\s*(?:«\s*)?[IVX]{1,6}\.$")
_SUBDIVISION_MARKER = re.compile(r"^\s*(?:«\s*)?[IVX]{1,6}\.\s*[-–—]\s*")
_CLOSING_QUOTE = re.compile(r"\s*»\s*([.;,]?)\s*$")


def raw_sentences(text: str) -> list[str]:
    """Sentence pieces of a text as written (markers and markup kept), abbreviation-aware."""
    pieces: list[str] = []
    start = 0
    for match in _CANDIDATE_END.finditer(text):
        head = text[start : match.start()]
        if "\n" not in match.group(0) and (_ABBREV_RE.search(_MARKUP.sub("", head)) or _SUBDIVISION.match(head)):
            continue  # "art. L. 3332-17-1", "n. 2014", "art. **L. 1121-1**", "II. - …": not a sentence end
        pieces.append(head)
        start = match.end()
    pieces.append(text[start:])
    return pieces


def split_sentences(text: str) -> list[str]:
    """Sentences (and list items) of a passage, abbreviation-aware, markup removed."""
    sentences = []
    for piece in raw_sentences(text):
        piece = _unquote_paragraph(_MARKUP.sub("", LIST_MARKER.sub("", _SUBDIVISION_MARKER.sub("", piece))).strip())
        if len(piece) >= 3:
            sentences.append(piece)
    return sentences


def _unquote_paragraph(sentence: str) -> str:
    """Without the quote marks an amending law puts around each paragraph it inserts: every paragraph opens with
    « and only the last closes with » (« « Les membres… », « …de la fusion. » »), so each alone is unbalanced."""
    if sentence.startswith("«") and sentence.count("«") > sentence.count("»"):
        sentence = sentence[1:].lstrip()
    if sentence.count("»") > sentence.count("«") and (closing := _CLOSING_QUOTE.search(sentence)):
        sentence = sentence[: closing.start()] + closing.group(1)
    return sentence


@lru_cache(maxsize=4096)
def content_tokens(text: str) -> frozenset[str]:
    """Stemmed, accent-folded content words (stop words removed)."""
    return frozenset(tokenize_french(text))


def coverage(claim: str, evidence: str) -> float:
    """Share of the claim's content words found in the evidence (1.0 = every word is backed)."""
    claim_tokens = content_tokens(claim)
    if not claim_tokens:
        return 1.0
    return len(claim_tokens & content_tokens(evidence)) / len(claim_tokens)
