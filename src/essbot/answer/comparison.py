"""Comparison questions: « Quelle différence entre une SCOP et une SCIC ? » is answered by what each one is.

The question names two things; the passages that mention both rarely define either (« les unions régionales des
Scop et Scic… »). So each term is searched as its own definition question, the passages are interleaved, and the
answer opens on the best defining sentence of each term, one after the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from essbot.answer.scoring import ScoredSentence
from essbot.types import Passage

# Between the two terms: « et » (« de », « d'avec », « d' » after « distinguer ») followed by what starts a noun
# phrase or an infinitive, so that « l'économie sociale et solidaire » is not split at its own « et ».
_SECOND = r"(?:(?:le|la|les|un|une|des|du)\s|l['’]|d['’]|(?-i:[A-ZÉ]{2,}\b))"
# Two things are compared, each a noun phrase: « appartenir à l'ESS et être agréé ESUS » compares two statuses,
# which the ordinary search answers better than two definitions.
_NOUN_PHRASE = re.compile(r"^(?:(?:le|la|les|un|une|des|du)\s|l['’]|d['’]|(?-i:[A-ZÉ]))", re.IGNORECASE)
_AND = r"\s+et\s+(?=" + _SECOND + ")"
_FROM = r"(?:\s+(?:et|de|d['’]avec)\s+(?=" + _SECOND + r")|\s+d['’](?=\w))"
_COMPARISON = re.compile(
    r"^\s*(?:et\s+)?(?:quelles?\s+(?:est|sont)\s+(?:la|les)\s+|quelles?\s+|y a-t-il\s+une\s+)?différences?\s+"
    r"(?:y a-t-il\s+)?entre\s+(?P<x>.+?)" + _AND + r"(?P<y>.+?)\s*\?*\s*$"
    r"|^\s*(?:comment\s+)?(?:distinguer|différencier)\s+(?P<x2>.+?)" + _FROM + r"(?P<y2>.+?)\s*\?*\s*$"
    r"|^\s*(?P<x3>.+?)" + _AND + r"(?P<y3>[^:]+?)\s*:\s*quelles?\s+différences?\s*\?*\s*$",
    re.IGNORECASE,
)
_MAX_TERM_WORDS = 12


def compared_terms(question: str) -> tuple[str, str] | None:
    """The two things a comparison question opposes, as written, or None for any other question."""
    match = _COMPARISON.match(" ".join(question.split()))
    if not match:
        return None
    x = match.group("x") or match.group("x2") or match.group("x3")
    y = match.group("y") or match.group("y2") or match.group("y3")
    terms = (x.strip(" ,;«»\"'"), y.strip(" ,;«»\"'"))
    if any(not _NOUN_PHRASE.match(term) or len(term.split()) > _MAX_TERM_WORDS for term in terms):
        return None
    return terms


# In a conversation: « Quelle différence entre les deux ? », « Comment les distinguer ? » compare the last two things
# asked about; « Quelle différence avec une SCIC ? » compares one named thing with the last one asked about.
_BOTH = re.compile(
    r"^\s*(?:et\s+)?(?:(?:quelles?\s+(?:est|sont)\s+(?:la|les)\s+|quelles?\s+|y a-t-il\s+une\s+)?différences?\s+"
    r"(?:y a-t-il\s+)?entre\s+(?:les|ces)\s+deux|comment\s+(?:les\s+distinguer|distinguer\s+les\s+deux))\s*\?*\s*$",
    re.IGNORECASE,
)
_WITH = re.compile(
    r"^\s*(?:et\s+)?(?:quelles?\s+(?:est|sont)\s+(?:la|les)\s+|quelles?\s+|la\s+|y a-t-il\s+une\s+)?"
    r"différences?\s+avec\s+(?P<y>.+?)\s*\?*\s*$",
    re.IGNORECASE,
)
# What a turn asked about: « Qu'est-ce qu'une SCOP ? » -> « une SCOP », « Et une SCIC ? » -> « une SCIC ».
_ASKED_TERM = re.compile(
    r"^\s*(?:et\s+)?(?:qu['’]est-ce\s+qu(?:e\s+|['’])|c['’]est\s+quoi\s+|que\s+(?:signifie|veut\s+dire|désigne)\s+)"
    r"(?P<term>[^?]{2,}?)\s*\?*\s*$"
    r"|^\s*(?:et|mais)\s+(?:pour\s+|avec\s+)?(?P<other>[^?]{2,}?)\s*\?*\s*$",
    re.IGNORECASE,
)


def _term(text: str) -> str | None:
    term = text.strip(" ,;«»\"'")
    return term if _NOUN_PHRASE.match(term) and len(term.split()) <= _MAX_TERM_WORDS else None


def asked_term(turn: str) -> str | None:
    """The thing a definition question or an ellipsis asks about, as written, or None."""
    match = _ASKED_TERM.match(" ".join(turn.split()))
    return _term(match.group("term") or match.group("other")) if match else None


def compared_in_conversation(question: str, user_turns: Sequence[str]) -> tuple[str, str] | None:
    """The two things « Quelle différence entre les deux ? » (or « …avec une SCIC ? ») compares, taken from the
    conversation's last questions (most recent last), or None."""
    text = " ".join(question.split())
    asked = [term for turn in reversed(user_turns) if (term := asked_term(turn))]
    if _BOTH.match(text):
        distinct = list(dict.fromkeys(asked))
        return (distinct[1], distinct[0]) if len(distinct) >= 2 else None
    match = _WITH.match(text)
    if match and asked and (other := _term(match.group("y"))) is not None and other != asked[0]:
        return asked[0], other
    return None


def definition_question(term: str) -> str:
    """« une SCOP » -> « Qu'est-ce qu'une SCOP ? »: the question each term is searched and scored with."""
    elided = "qu'" if term[:1].lower() in "aeiouyéèêàâîôûh" else "que "
    return f"Qu'est-ce {elided}{term} ?"


def interleave(first: Sequence[Passage], second: Sequence[Passage], k: int) -> list[Passage]:
    """One passage of each term in turn, without repeats, `k` in all."""
    merged: list[Passage] = []
    seen: set[str] = set()
    for pair in zip(first, second, strict=False):
        for passage in pair:
            if passage.chunk.chunk_id not in seen:
                seen.add(passage.chunk.chunk_id)
                merged.append(passage)
    for passage in (*first[len(second) :], *second[len(first) :]):
        if passage.chunk.chunk_id not in seen:
            seen.add(passage.chunk.chunk_id)
            merged.append(passage)
    return merged[:k]


def rank_both(
    terms: tuple[str, str],
    found: tuple[Sequence[Passage], Sequence[Passage]],
    passages: Sequence[Passage],
    score: Callable[[str, Sequence[Passage]], list[ScoredSentence]],
) -> list[ScoredSentence]:
    """The best defining sentence of each term first, at the same score (both are the answer), then the others.

    Each term's sentences are scored among its own search's passages (`found`), then numbered as in `passages`,
    the interleaved list the answer cites; sentences of passages left out of it are dropped."""
    position = {passage.chunk.chunk_id: rank for rank, passage in enumerate(passages)}

    def ranked(term: str, own: Sequence[Passage]) -> list[ScoredSentence]:
        scored = score(definition_question(term), own)
        return [
            replace(s, passage_rank=position[own[s.passage_rank].chunk.chunk_id])
            for s in scored
            if own[s.passage_rank].chunk.chunk_id in position
        ]

    first, second = ranked(terms[0], found[0]), ranked(terms[1], found[1])
    if not first or not second:
        return first or second
    lead = first[0]
    other = next((s for s in second if s.parts != lead.parts), None)
    if other is None:
        return first
    top = max(lead.score, other.score)
    opening = [replace(lead, score=top), replace(other, score=top)]
    unique: dict[tuple[str, ...], ScoredSentence] = {}
    for sentence in sorted((*first[1:], *second), key=lambda s: -s.score):
        if sentence.parts not in {lead.parts, other.parts}:
            unique.setdefault(sentence.parts, sentence)
    return opening + [replace(s, score=min(s.score, top)) for s in unique.values()]
