"""Sentence scoring shared by the extractive generator and the abstention check.

A sentence scores by the weighted share of the question's words it contains (its headings count for less),
with small bonuses for the passage's rank and for the expected shape of the answer (a figure, a date, a
definition, a person's name).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from essbot.answer.safety import looks_like_instruction
from essbot.answer.sentences import content_tokens, split_sentences
from essbot.answer.weights import TermWeights
from essbot.retrieve import Passage

NUMBER = re.compile(
    r"\d|\b(un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|vingt|cent|mille|moitié|tiers)\b", re.IGNORECASE
)
DATE = re.compile(
    r"\b(19|20)\d{2}\b|\b(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|"
    r"novembre|décembre)\b",
    re.IGNORECASE,
)
MONEY = re.compile(r"\d\s*(?:€|euros?\b|M€|k€)|\b(?:millions?|milliards?) d['’]euros\b", re.IGNORECASE)
PERSON = re.compile(r"\b[A-ZÉ][a-zéèëïç]+(?:-[A-ZÉ][a-zéèëïç]+)? [A-ZÉ][A-Za-zéèëïç-]+\b")
_DEFINES = re.compile(
    r"^.{0,80}?\b(est|sont|désigne|désignent|correspond|signifie|regroupe|réunit|rassemble)\b", re.IGNORECASE
)
# Sentences that lean on the previous one: "Il…", "Ces structures…", "Ce dispositif…".
_PRONOUN_START = re.compile(
    r"^(il|elle|ils|elles|celui-ci|celle-ci|ceux-ci|celles-ci|ce dernier|cette dernière|ces|cette|cet"
    r"|ce(?! qu| dont))\b",
    re.IGNORECASE,
)


def question_kind(question: str) -> str:
    """Coarse question type: money, quantity, date, person, definition or other."""
    q = question.lower()
    asks_share = re.search(r"pourcentage|%|\btaux\b|\bpart\b|\bproportion", q)
    if not asks_share and re.search(r"\b(co[uû]te|co[uû]t|budget|prix|tarif|salaire|montant de l['’]adhésion)\b", q):
        return "money"
    if re.search(
        r"\b(combien|quel(le)?s? (est|sont) (le|la|les) (montant|seuil|durée|nombre|taux|plafond)|"
        r"quelle durée|quel montant|quel seuil|quel plafond|pendant combien)\b",
        q,
    ):
        return "quantity"
    if re.search(r"\b(quand|depuis quand|à partir de quand|quelle date|en quelle année)\b", q):
        return "date"
    if re.search(
        r"\bqui (est|sont|était|étaient|préside|dirige)\b.*\b(président|présidente|directeur|directrice|"
        r"délégué|déléguée|ministre|maire|responsable|secrétaire)",
        q,
    ):
        return "person"
    if re.search(r"qu['’]est[- ]ce qu|c['’]est quoi|que signifie|que veut dire|\bdéfini|\bdéfinition", q):
        return "definition"
    return "other"


def _has_shape(kind: str, sentence: str) -> bool:
    pattern = {"money": MONEY, "quantity": NUMBER, "date": DATE, "person": PERSON}.get(kind)
    return pattern is None or bool(pattern.search(sentence))


_BONUS: dict[str, Callable[[str, str], float]] = {
    "money": lambda sentence, section: 0.15 if MONEY.search(sentence) else 0.0,
    "quantity": lambda sentence, section: 0.15 if NUMBER.search(sentence) else 0.0,
    "date": lambda sentence, section: 0.15 if DATE.search(sentence) else 0.0,
    "definition": lambda sentence, section: (
        (0.15 if _DEFINES.search(sentence) else 0.0) + (0.1 if section.lower() in {"définition", "en bref"} else 0.0)
    ),
}


@dataclass(frozen=True)
class ScoredSentence:
    score: float
    passage_rank: int
    position: int
    parts: tuple[str, ...]  # the sentence, preceded by its antecedent when it opens with a pronoun
    has_shape: bool  # contains what the question asks for (a figure for "combien", a date for "quand"…)

    @property
    def sentence(self) -> str:
        return " ".join(self.parts)


def score_sentences(
    question: str, query: str, passages: Sequence[Passage], weights: TermWeights
) -> list[ScoredSentence]:
    """Every usable sentence of the passages, best first."""
    wanted = content_tokens(query)
    kind = question_kind(question)
    bonus = _BONUS.get(kind)
    scored = []
    for rank, passage in enumerate(passages):
        chunk = passage.chunk
        heading = content_tokens(" ".join((chunk.title, *chunk.heading_path)))
        sentences = split_sentences(chunk.text)
        for position, sentence in enumerate(sentences):
            parts: tuple[str, ...] = (sentence,)
            if _PRONOUN_START.match(sentence):
                # Keep the antecedent of "Il", "Elle"…: the nearest earlier sentence that names its subject.
                antecedent = next((s for s in reversed(sentences[:position]) if not _PRONOUN_START.match(s)), "")
                parts = (antecedent, sentence) if antecedent else parts
            words = len(" ".join(parts).split())
            if words < 4 or words > 90 or any(looks_like_instruction(part) for part in parts):
                continue
            own = content_tokens(sentence)  # scored on its own words, not its antecedent's
            score = weights.coverage(wanted, own) + 0.3 * weights.coverage(wanted, heading - own)
            score += 0.15 / (rank + 1) + (bonus(sentence, chunk.section) if bonus else 0.0)
            if sentence.rstrip().endswith("?"):
                score *= 0.3  # a question in the source does not answer anything
            elif sentence.rstrip().endswith(":"):
                score *= 0.6  # an introduction to a list reads poorly on its own
            scored.append(ScoredSentence(score, rank, position, parts, _has_shape(kind, sentence)))
    return sorted(scored, key=lambda s: -s.score)
