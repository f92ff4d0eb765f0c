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
# « différer de / d'une / du / des … »: the preposition, kept out of the term (« du », « des » are kept: articles too).
_OF = r"(?:de\s+(?=(?:le|la|les|l['’]|un|une|(?-i:[A-ZÉ])))|d['’](?=\w)|(?=(?:du|des)\s))"
_FROM = r"(?:\s+(?:et|de|d['’]avec)\s+(?=" + _SECOND + r")|\s+d['’](?=\w))"
_COMPARISON = re.compile(
    r"^\s*(?:et\s+)?(?:quelles?\s+(?:est|sont)\s+(?:la|les)\s+|quelles?\s+|y a-t-il\s+une\s+)?différences?\s+"
    r"(?:y a-t-il\s+)?entre\s+(?P<x>.+?)" + _AND + r"(?P<y>.+?)\s*\?*\s*$"
    r"|^\s*(?:comment\s+)?(?:distinguer|différencier)\s+(?P<x2>.+?)" + _FROM + r"(?P<y2>.+?)\s*\?*\s*$"
    r"|^\s*(?P<x3>.+?)" + _AND + r"(?P<y3>[^:]+?)\s*:\s*(?:quelles?\s+différences?|en\s+quoi\s+(?:se\s+)?"
    r"(?:diffèrent|distinguent)-(?:ils|elles))\s*\?*\s*$"
    # « En quoi une SCOP et une SCIC diffèrent-elles ? », « En quoi une SCOP diffère-t-elle d'une SCIC ? »
    r"|^\s*(?:et\s+)?en\s+quoi\s+(?P<x4>.+?)"
    + _AND
    + r"(?P<y4>.+?)\s+(?:se\s+)?(?:diffèrent|distinguent)-(?:ils|elles)"
    r"\s*\?*\s*$"
    r"|^\s*(?:et\s+)?en\s+quoi\s+(?P<x5>.+?)\s+(?:se\s+)?(?:diffère|distingue)-t-(?:il|elle)\s+" + _OF + r"(?P<y5>.+?)"
    r"\s*\?*\s*$",
    re.IGNORECASE,
)
_MAX_TERM_WORDS = 12


def compared_terms(question: str) -> tuple[str, str] | None:
    """The two things a comparison question opposes, as written, or None for any other question."""
    match = _COMPARISON.match(" ".join(question.split()))
    if not match:
        return None
    x = next(match.group(g) for g in ("x", "x2", "x3", "x4", "x5") if match.group(g))
    y = next(match.group(g) for g in ("y", "y2", "y3", "y4", "y5") if match.group(g))
    first, second = _term(x), _term(y)
    return (first, second) if first is not None and second is not None else None


# In a conversation: « Quelle différence entre les deux ? », « Comment les distinguer ? » compare the last two things
# asked about; « Quelle différence avec une SCIC ? » compares one named thing with the last one asked about.
_BOTH = re.compile(
    r"^\s*(?:et\s+)?(?:(?:quelles?\s+(?:est|sont)\s+(?:la|les)\s+|quelles?\s+|y a-t-il\s+une\s+)?différences?\s+"
    r"(?:y a-t-il\s+)?entre\s+(?:les|ces)\s+deux|comment\s+(?:les\s+distinguer|distinguer\s+les\s+deux))\s*\?*\s*$",
    re.IGNORECASE,
)
_WITH = re.compile(
    r"^\s*(?:et\s+)?(?:(?:quelles?\s+(?:est|sont)\s+(?:la|les)\s+|quelles?\s+|la\s+|y a-t-il\s+une\s+)?"
    r"différences?\s+avec\s+"
    # « En quoi ça diffère d'une entreprise d'insertion ? », « En quoi se distingue-t-il d'une SCIC ? »
    r"|en\s+quoi\s+(?:ça\s+|cela\s+|il\s+|elle\s+)?(?:se\s+)?(?:diffère|distingue)(?:-t-(?:il|elle))?\s+" + _OF + r")"
    r"(?P<y>.+?)\s*\?*\s*$",
    re.IGNORECASE,
)
# What a turn asked about: « Qu'est-ce qu'une SCOP ? » -> « une SCOP », « Et une SCIC ? » -> « une SCIC ».
_ASKED_TERM = re.compile(
    r"^\s*(?:et\s+)?(?:qu['’]est-ce\s+qu(?:e\s+|['’])|c['’]est\s+quoi\s+|que\s+(?:signifie|veut\s+dire|désigne)\s+)"
    r"(?P<term>[^?]{2,}?)\s*\?*\s*$"
    r"|^\s*(?:et|mais)\s+(?:pour\s+|avec\s+)?(?P<other>[^?]{2,}?)\s*\?*\s*$"
    # « Un élu m'a demandé ce qu'est un ACI. »
    r"|\bce\s+qu['’](?:est|sont)\s+(?P<reported>[^.?!]{2,}?)\s*[.?!]*\s*$",
    re.IGNORECASE,
)


def _term(text: str) -> str | None:
    # « diffère du PLIE » compares with « le PLIE »; « des GEIQ » are « les GEIQ ».
    term = re.sub(r"^(du|des)\s", lambda m: "le " if m.group(1).lower() == "du" else "les ", text.strip(" ,;«»\"'"))
    return term if _NOUN_PHRASE.match(term) and len(term.split()) <= _MAX_TERM_WORDS else None


def asked_term(turn: str) -> str | None:
    """The thing a definition question or an ellipsis asks about, as written, or None."""
    match = _ASKED_TERM.search(" ".join(turn.split()))
    return _term(match.group("term") or match.group("other") or match.group("reported")) if match else None


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
