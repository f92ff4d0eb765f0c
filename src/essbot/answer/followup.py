"""Follow-up questions: decide whether a question leans on the conversation, and if so what to search for.

A question is rewritten with the history only when it lacks a subject of its own. Two kinds of evidence:

- the question's shape, from general French grammar: does it name what it is about (an acronym, a proper noun,
  an indefinite or qualified noun phrase, an article reference), does it lean on a pronoun, a demonstrative or a
  third-person possessive (« Qui le délivre ? », « Et combien de temps dure-t-il ? »), or is it an ellipsis after a
  connective (« Et pour une SCOP ? »);
- retrieval: when the shape is not conclusive, the question is searched alone and with its context, and the
  standalone result is kept when it covers the question's own words clearly better than the contextual one
  (the context pulled the search away from what was asked).

A question that names its subject and leans on nothing is never touched by the history, whatever its length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from essbot.answer.prompts import condense_prompt
from essbot.answer.scoring import question_kind
from essbot.answer.types import Message
from essbot.answer.weights import TermWeights
from essbot.config import Settings
from essbot.text.sentences import content_tokens
from essbot.text.tokens import infinitive, inflected_verb, is_known_word, lemma
from essbot.types import Passage

# How much of the history a contextual query may carry: the query stays bounded whatever the client sends. A
# conversation's subject is a noun phrase (« l'agrément ESUS », « une SCIC de restauration collective ») far
# shorter than this; the encoder's cost grows with the length, so a long history costs no more than a question.
MAX_TURN_CHARS = 120
MAX_TURNS_BACK = 4

_I = re.IGNORECASE
_CONNECTIVE = re.compile(
    r"^\s*(?:et|mais|alors|sinon|aussi|ensuite|puis|donc|dans ce cas|même chose|pareil|idem)\b[\s,]*", _I
)
_INTERROGATIVE = re.compile(
    r"\b(?:qui|que|qu['’]|quoi|quel|quelle|quels|quelles|comment|combien|où|quand|pourquoi|lequel|laquelle"
    r"|lesquel(?:le)?s|est-ce)\b|-t-|-(?:il|elle|ils|elles|on|je|nous|vous)\b",
    _I,
)
# Impersonal « il »: « faut-il », « existe-t-il un seuil », « y a-t-il », « il s'agit ». Closing the question,
# « existe-t-il ? », « suffit-il ? » have a subject to point to (« Depuis quand existe-t-il ? » after the PAT).
_IMPERSONAL = re.compile(
    r"\bfaut(?:-t)?-il\b|\b(?:existe|agit|suffit|reste|convient|semble|vaut)(?:-t)?-il\b(?=[^?!.]*\w)"
    r"|\bil (?:faut|existe|y a|s['’]agit)\b|\by a-t-il\b",
    _I,
)
_FREE_SUBJECT_PRONOUN = re.compile(r"(?<!-)\b(?:il|elle|ils|elles)\b", _I)
# « dure-t-il », « peut-elle »: an inversion clitic, anaphoric unless a noun phrase comes before it.
_INVERSION_CLITIC = re.compile(r"-(?:t-)?(?:il|elle|ils|elles)\b", _I)
_NOUN_PHRASE = re.compile(
    r"\b(?:le|la|les|l['’]|un|une|des|ma|mon|mes|notre|nos|votre|vos|ce|cet|cette|ces)\s*[a-zàâçéèêëîïôûùœ]{3,}"
    r"|\b(?-i:[A-ZÉÈ][A-ZÉÈ0-9]{1,})\b",
    _I,
)
# « en » before a figure or a capital is a preposition (« peut-elle en 2026… », « en France »), not a clitic.
_EN = r"en(?!\s*(?:\d|(?-i:[A-ZÉ])))"
_CLITIC_HOSTS = r"\b(?:qui|comment|où|quand|pourquoi|on|je|nous|vous|ne|n['’])\s+"
# An -er/-ir infinitive (not a noun in -ier): after « le/la/les/l' » or « leur », what tells a pronoun
# (« de leur verser ») from an article or a possessive (« de la chambre », « de leur actif »).
_INFINITIVE = r"(?!\w*ier\b)\w+(?:er|ir)\b"
# « Qui le délivre ? », « Comment la contacter ? » (but also « quand les cantines… »: an article, see below).
_WORD_CLITIC = re.compile(_CLITIC_HOSTS + rf"(?:(?:le|la|les|lui|leur|y|{_EN})\b|l['’])(?=\s*\w)", _I)
# The same without the ambiguous articles: « le/la/les/l' » only before an -er/-ir infinitive.
_CLEAR_WORD_CLITIC = re.compile(
    _CLITIC_HOSTS + rf"(?:(?:lui|y|{_EN})\b|(?:leur\s+|le\s+|la\s+|les\s+|l['’]){_INFINITIVE})", _I
)
# After an inversion, « le/la/les/l' » is a clitic only before an infinitive (« peut-elle l'obtenir »), an article
# before a noun (« accompagne-t-elle les communes »).
_INVERSION_OBJECT = re.compile(
    rf"-(?:t-)?(?:on|il|elle|ils|elles|je)\s+(?:(?:lui|y|{_EN})\b|leur\s+{_INFINITIVE}|(?:le\s+|la\s+|les\s+|l['’])"
    r"(?!\w*ier\b)\w+(?:er|ir|re|oir)\b)",
    _I,
)
# « pour l'obtenir », « de le demander »: a clitic before an infinitive. « de le », « à les » are never
# articles; after « la »/« l' » only -er/-ir infinitives count (« de la chambre » is a noun phrase).
_INFINITIVE_CLITIC = re.compile(
    r"\b(?:de|à)\s+(?:le|les)\s+\w{3,}"
    rf"|\b(?:pour|de|d['’]|à|sans)\s*(?:(?:lui|y|{_EN})\s+\w{{3,}}|leur\s+{_INFINITIVE})"
    rf"|\b(?:pour|de|à|sans)\s+(?:le\s+|la\s+|l['’]){_INFINITIVE}",
    _I,
)
_DEMONSTRATIVE = re.compile(
    r"\b(?:cet|cette|ces|ce)\s+(?!qu|que|qui|dont|sont|soit|serait|sera)\w{3,}|\b(?:celui|celle|ceux|celles)-(?:ci|là)\b"
    r"|\bce dernier\b|\bcette dernière\b|\bcela\b|\bça\b|\bceci\b"
    # « C'est obligatoire ? », « Pour une SCIC, c'est pareil ? »: « c' » stands for what was being discussed (not in
    # « C'est quoi, une SCOP ? », which names it, nor in « c'est-à-dire »).
    r"|(?:^|[,;:]\s*|\best-ce\s+qu(?:e\s+|['’]\s*))(?:et\s+|mais\s+|alors\s+)?c['’](?:est|était|sera)\b(?!\s+quoi\b|-à-dire)",
    _I,
)
_CLAUSE_BOUNDARY = re.compile(r"\b(?:et|puis|mais|ou|donc|alors|qui|que|dont|où)\b|\bqu['’]|[,;:?]", _I)
_REFLEXIVE_CLITIC = re.compile(r"\bs['’](?:y|en)\b", _I)
# Past turns that point further back in the conversation: a direct object pronoun after « qui » (« …le seuil
# d'achats qui le rend obligatoire ? »: the relative's own antecedent would be « se »), a demonstrative pronoun
# heading a relative (« Qui sélectionne ceux que l'État soutient ? »).
_POINTS_BACK = re.compile(
    r"\bqui\s+(?:ne\s+|n['’])?(?:le|la|les|l['’])(?=\s*\w)|\b(?:celui|celle|ceux|celles)\s+(?:qui|que|qu['’]|dont)\b",
    _I,
)
_POSSESSIVE = re.compile(r"\b(?:son|sa|ses|leur|leurs)\s+\w", _I)

_ACRONYM = re.compile(r"\b[A-ZÉÈ][A-ZÉÈ0-9]{1,}\b")
_PROPER_NOUN = re.compile(r"(?<=[\w,;:'’] )[A-ZÉÈ][a-zéèêëàâîïôûç]{2,}\b|(?<=['’])[A-ZÉÈ][a-zéèêëàâîïôûç]{2,}\b")
_ARTICLE_REFERENCE = re.compile(r"\b(?:article|art\.)\s*[LRD]?\.?\s*\d|\b[LRD]\.\s?\d{3,4}", _I)
_INDEFINITE_NP = re.compile(r"\b(?:un|une|des|d['’]un|d['’]une)\s+([a-zàâçéèêëîïôûùœ]{3,})", _I)
# « la durée de l'agrément », « le capital d'une SCIC », « les clauses sociales »: a qualified noun phrase.
_QUALIFIED_NP = re.compile(
    r"\b(?:le|la|les|l['’]|ma|mon|mes|notre|nos|votre|vos)\s*([a-zàâçéèêëîïôûùœ]{3,})\s+(?:(?:de|du|des|d['’])\s*(?:la\s+|l['’]|les\s+)?\w{3,}"
    r"|[a-zàâçéèêëîïôûùœ]{4,}\b(?!\s*\?))",
    _I,
)


# Relational nouns: a threshold, a duration, an article are always *of* something (« le seuil » of which
# procedure, « quel article » of which text). A question whose words are only such nouns and their usual
# qualifiers (« Quel est le seuil ? », « Quel article du code ? », « Sur quel texte ? ») names nothing: what they
# are of is the conversation's subject.
_RELATIONAL_WORDS = (
    "article articles alinéa alinéas texte textes code codes loi lois décret décrets référence références base "
    "fondement seuil seuils plafond plafonds montant montants taux durée durées délai délais temps date dates "
    "échéance coût coûts prix tarif tarifs part parts pourcentage proportion nombre limite limites condition "
    "conditions critère critères procédure procédures démarche démarches étape étapes règle règles obligation "
    "obligations sanction sanctions exception exceptions modalité modalités formalité formalités justificatif "
    "justificatifs pièce pièces interlocuteur interlocuteurs contact organisme juridique juridiques légal légale "
    "légaux légales exact exacte précis précise maximal maximale maximum minimal minimale minimum applicable "
    "applicables concerné concernée concernés concernées dit disent prévoit prévoient dispose disposent indique "
    "précise impose fixe fixent applique appliquent "
    # Formalities are always for something: « Faut-il une délibération ? » asks about the conversation's decision.
    "délibération délibérations autorisation autorisations déclaration déclarations dossier dossiers formulaire "
    "formulaires agrément agréments convention conventions contrat contrats"
)

_RELATIONAL_TOKENS = content_tokens(_RELATIONAL_WORDS)


def _relational(question: str) -> bool:
    """Every content word of the question is a relational noun or one of their usual qualifiers."""
    words = content_tokens(question)
    return bool(words) and words <= _RELATIONAL_TOKENS


@dataclass(frozen=True)
class QuestionShape:
    """What the grammar of a question says about its dependence on the conversation."""

    has_subject: bool  # names what it is about
    leans: bool  # a pronoun, demonstrative or third-person possessive points outside the question
    elliptic: bool  # a connective and no question of its own: « Et pour une SCOP ? »
    points_out: bool = False  # an object clitic names something the question does not: « peut-elle l'obtenir ? »
    continues: bool = False  # opens on a connective and names nothing precisely: « Et la part de bio ? »

    @property
    def standalone(self) -> bool:
        return self.has_subject and not self.leans and not self.elliptic


def subject_terms(text: str) -> list[str]:
    """The words of a question that name things: acronyms, proper nouns, heads of indefinite noun phrases."""
    terms = _ACRONYM.findall(text) + _PROPER_NOUN.findall(text)
    terms += [match.group(1) for match in _INDEFINITE_NP.finditer(text)]
    seen: dict[str, None] = {}
    for term in terms:
        seen.setdefault(term, None)
    return list(seen)


# « Quel article de loi les reconnaît ? », « Quelles communes l'accueillent ? »: an interrogative noun phrase as the
# subject, then a clitic and the conjugated verb that ends the question (checked by `conjugated_verb`; « Quel est
# le seuil ? » and « Quels sont les délais ? » have the verb first).
_NP_CLITIC_VERB = re.compile(
    r"^(?:et\s+)?(?:quel|quelle|quels|quelles)\s+(?!(?:est|sont|était|étaient|sera|seront|serait|seraient|a|ont"
    r"|peut|peuvent|doit|doivent)\b)\w+(?:\s+(?:de|du|des|d['’])\s*\w+)?"
    r"\s+(?:le\s+|la\s+|les\s+|l['’]|lui\s+|leur\s+)(\w+)(?:-t)?(?:-\w+)?\s*\??\s*$",
    _I,
)


def conjugated_verb(word: str) -> bool:
    """`word` is an inflected form of a verb (« reconnaît », « accueillent », « délivre »), not a noun.

    By the lemma dictionary: a lemma ending like an infinitive that is not the word itself, or, for « délivre »
    (also a noun), the same word plus « r » being a known infinitive. « être » and « avoir » are left out (« les
    sommes »)."""
    word = word.lower()
    if inflected_verb(word) and lemma(word) not in {"être", "avoir"}:
        return True
    if word.endswith("ie") and is_known_word(word[:-2] + "yer"):
        return True  # « paie », « emploie »: « payer », « employer »
    if word.endswith("it") and is_known_word(word[:-1] + "re"):
        return True  # « instruit », « conduit »: « instruire », « conduire »
    return word.endswith("e") and is_known_word(word + "r")


# « Qui paie ? », « Qui décide ? », « Comment verser ? »: an interrogative and a verb alone, with neither subject nor
# object: what is paid or decided is what the conversation is about.
_BARE_VERB = re.compile(
    r"^(?:(?:qui|comment|quand|où|pourquoi|combien|que|qu['’]est-ce qui)\s+)(?:ne\s+|n['’])?(\w+)(?:\s+pas)?\s*\??$",
    _I,
)


def _bare_verb(text: str) -> bool:
    match = _BARE_VERB.match(_CONNECTIVE.sub("", text).strip())
    return match is not None and (conjugated_verb(match.group(1)) or infinitive(match.group(1)))


def _np_clitic_end(text: str) -> int | None:
    match = _NP_CLITIC_VERB.search(text)
    return match.end(1) if match and conjugated_verb(match.group(1)) else None


# Object and reflexive clitics (« peut-elle l'obtenir », « lui verser », « s'y joindre ») never stand for the
# subject of their own clause: in the same clause as the question's subject, they name something outside it.
# « Une SPL en relève-t-elle ? », « La commune y a-t-elle droit ? », « La région la verse-t-elle ? »: before an
# inverted verb, « en », « y », « le/la/les » and « lui/leur » can only be object clitics (no article precedes a verb).
_CLITIC_BEFORE_INVERSION = re.compile(
    r"\b(?:en|y|le|la|les|lui|leur)\s+\w+-(?:t-)?(?:il|elle|ils|elles|on)\b|\bl['’]\w+-(?:t-)?(?:il|elle|ils|elles|on)\b",
    _I,
)
_OBJECT_PATTERNS = (
    _CLEAR_WORD_CLITIC,
    _INVERSION_OBJECT,
    _INFINITIVE_CLITIC,
    _REFLEXIVE_CLITIC,
    _CLITIC_BEFORE_INVERSION,
)
_OTHER_PATTERNS = (_WORD_CLITIC, _FREE_SUBJECT_PRONOUN, _DEMONSTRATIVE, _POSSESSIVE)


def _first_end(patterns: Sequence[re.Pattern[str]], text: str) -> int | None:
    return min((match.end() for pattern in patterns if (match := pattern.search(text))), default=None)


def _leaning_positions(text: str) -> tuple[int | None, int | None]:
    """Where the first word pointing outside the question ends, and where the first object clitic ends."""
    without_impersonal = _IMPERSONAL.sub(lambda m: " " * len(m.group(0)), text)
    objects = _first_end(_OBJECT_PATTERNS, without_impersonal)
    if (verb := _np_clitic_end(without_impersonal)) is not None:
        objects = verb if objects is None else min(objects, verb)
    positions = [p for p in (objects, _first_end(_OTHER_PATTERNS, without_impersonal)) if p is not None]
    if (match := _INVERSION_CLITIC.search(without_impersonal)) and not _NOUN_PHRASE.search(text[: match.start()]):
        positions.append(match.end())
    return min(positions, default=None), objects


def _strong_subject_position(text: str) -> int | None:
    """Where the question first names something precisely (acronym, proper noun, indefinite NP, article)."""
    positions = [
        match.start()
        for pattern in (_ACRONYM, _PROPER_NOUN, _INDEFINITE_NP, _ARTICLE_REFERENCE)
        if (match := pattern.search(text))
    ]
    return min(positions, default=None)


def analyse_question(question: str) -> QuestionShape:
    """Classify a question by its grammar alone (no word counts, no corpus)."""
    text = " ".join(question.split())
    connective = _CONNECTIVE.match(text)
    elliptic = bool(connective) and not _INTERROGATIVE.search(text[connective.end() :] if connective else text)
    strong = _strong_subject_position(text)
    # « Et la part de bio ? », « Et la collectivité, quel rôle joue-t-elle ? »: a connective continues the
    # conversation; only a name of its own (« Et qu'est-ce que le SPASER ? ») makes the question start afresh.
    continues = bool(connective) and strong is None
    qualified = _QUALIFIED_NP.search(text)
    # « Faut-il une délibération ? »: a noun phrase made only of relational nouns names nothing of its own (but
    # « Qu'est-ce qu'une convention ? » asks what the notion itself is).
    relational = _relational(text)
    formality_only = relational and question_kind(text) != "definition"
    has_subject = (strong is not None or bool(qualified)) and not formality_only
    leaning, objects = _leaning_positions(text)
    if qualified and (strong is None or qualified.start() < strong):
        strong = qualified.start()

    def outside(position: int | None) -> bool:
        """« Qu'est-ce qu'un PTCE et comment le financer ? »: across a clause boundary, the pronoun points back
        to the question's own subject; in one clause (« Une entreprise peut-elle l'obtenir ? ») it points out."""
        if position is None:
            return False
        return strong is None or strong >= position or not _CLAUSE_BOUNDARY.search(text[strong:position])

    # « Quel article du code ? »: relational nouns alone point to what the conversation is about.
    leans = outside(leaning) or (not has_subject and (relational or _bare_verb(text))) or continues
    return QuestionShape(has_subject, leans, elliptic, outside(objects), continues)


def _bounded(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_TURN_CHARS else text[:MAX_TURN_CHARS].rsplit(" ", 1)[0]


# « Et si elle veut lui louer un local ? », « Et lui prêter un véhicule ? »: after the connective, a clause (a
# condition, a subject pronoun, an object clitic before its verb), not a noun phrase standing for another (« Et pour
# une SCOP ? »). Its names do not replace the subject's: « un local » is not another « commune ».
_CLAUSE_AFTER_CONNECTIVE = re.compile(
    r"^\s*(?:si\b|s['’]ils?\b|(?:il|elle|ils|elles|on|nous|vous|je)\b"
    r"|(?:lui|leur|y|en|le|la|les|se)\s+\w+(?:er|ir|re|oir)\b|(?:l['’]|s['’])\w+(?:er|ir|re|oir)\b)",
    _I,
)


def replaces_names(question: str) -> bool:
    """An ellipsis whose names stand for names of the previous question (« Et pour une SCOP ? », « Et en
    Bretagne ? »), not a clause of its own added to it (« Et si elle veut lui louer un local ? »)."""
    # « Et un dossier ? » asks for the formality of the same thing: a relational noun replaces nothing.
    clause = _CLAUSE_AFTER_CONNECTIVE.match(_CONNECTIVE.sub("", question, count=1))
    return bool(subject_terms(question)) and not clause and not _relational(question)


def _is_place_or_person(term: str) -> bool:
    return term[:1].isupper() and not term.isupper()


def _substitute(subject: str, replacements: Sequence[str]) -> str:
    """« …au capital d'une SCIC ? » + [SCOP] -> « …au capital d'une SCOP ? ».

    A name replaces a name of the same kind (a structure or notion for a structure or notion, a place or person
    for a place or person); otherwise the new name is added to the subject.
    """
    if not replacements:
        return subject
    kind = _is_place_or_person(replacements[0])
    same_kind = [term for term in subject_terms(subject) if _is_place_or_person(term) == kind]
    if same_kind and replacements[0].islower() and question_kind(subject) == "definition":
        # « Qu'est-ce qu'une garantie d'emprunt ? » then « Et pour une association ? »: the notion defined stays
        # the subject, the association is what it is asked for (an acronym still replaces one: SCIC -> SCOP).
        same_kind = [term for term in same_kind if not term.islower()]
    if not same_kind:
        return f"{subject} {' '.join(replacements)}"
    # An acronym replaces an acronym (« Et pour le CNFPT ? »: « …adhérer au RTES ? »); otherwise the name met first
    # in the question, its actor (« Et pour un département ? »: « Une commune peut-elle adhérer au RTES ? »).
    acronyms = [term for term in same_kind if term.isupper()] if replacements[0].isupper() else []
    target = min(acronyms or same_kind, key=lambda term: _first_position(term, subject))
    return re.sub(rf"\b{re.escape(target)}\b", " ".join(replacements), subject, count=1)


def _first_position(term: str, text: str) -> int:
    match = re.search(rf"\b{re.escape(term)}\b", text)
    return match.start() if match else len(text)


def conversation_subject(history: Sequence[Message]) -> str:
    """The last user turn that names a subject, with later ellipses (« Et pour une SCOP ? ») applied to it."""
    user_turns = [_bounded(m.content) for m in history if m.role == "user" and m.content.strip()]
    pending: list[list[str]] = []  # substitutions from ellipses, most recent first
    turns = user_turns[-MAX_TURNS_BACK:]
    fallback = ""  # the latest question that asks afresh, when none names a subject the grammar recognises
    for position in range(len(turns) - 1, -1, -1):
        turn = turns[position]
        shape = analyse_question(turn)
        if shape.elliptic and replaces_names(turn):
            pending.append(subject_terms(turn))
            continue
        # « Quel est le seuil d'achats qui le rend obligatoire ? » names a detail of what « le » points back to:
        # the subject is further back, when a turn there names it.
        if _POINTS_BACK.search(turn) and position > 0:
            continue
        if shape.leans and position > 0:
            earlier = conversation_subject([Message("user", t) for t in turns[:position]])
            if shape.has_subject and not shape.elliptic and earlier:
                # « Une SPL en relève-t-elle ? » after « Qu'est-ce que la quasi-régie ? »: its own subject, about the
                # earlier one; a later « Et une association ? » replaces the SPL, and keeps the quasi-régie.
                for replacements in reversed(pending):
                    turn = _substitute(turn, replacements)
                return f"{earlier} {turn}"
            continue
        if not shape.elliptic and not shape.leans and not fallback:
            fallback = turn  # « Comment informer les salariés en cas de cession ? »
        if shape.has_subject and not shape.elliptic:
            subject = turn
            for replacements in reversed(pending):
                subject = _substitute(subject, replacements)
            return subject
    return fallback


def followup_kind(question: str, history: Sequence[Message]) -> str:
    """The answer shape a question asks (`scoring.question_kind`). An ellipsis asks nothing by itself: « Et pour une
    SCOP ? » after « Qui délivre l'agrément ? » asks who, « Et recevoir… ? » after « La commune peut-elle payer… ? »
    asks yes or no; it asks what the turn it continues asked."""
    kind = question_kind(question)
    if kind != "other" or not analyse_question(question).elliptic:
        return kind
    user_turns = [_bounded(m.content) for m in history if m.role == "user" and m.content.strip()]
    for turn in reversed(user_turns[-MAX_TURNS_BACK:]):
        kind = question_kind(turn)
        if kind != "other" or not analyse_question(turn).elliptic:
            return kind
    return "other"


@dataclass(frozen=True)
class FollowupPlan:
    """What to search for: the question alone, a contextual query, or both with the evidence deciding."""

    contextual: str | None  # None: the question stands alone
    certain: bool = False  # use the contextual query without comparing it with the standalone search
    leans: bool = False  # the question points outside itself (pronoun, ellipsis)
    has_subject: bool = False  # the question names something of its own
    points_out: bool = False  # besides its own subject, it is about something only the conversation names
    continues: bool = False  # a connective carries the conversation on (« Et la part de bio ? »)


def plan_followup(question: str, history: Sequence[Message]) -> FollowupPlan:
    """Decide from the question's shape whether the conversation may be needed, and build the contextual query."""
    if not any(m.role == "user" for m in history):
        return FollowupPlan(None)
    shape = analyse_question(question)
    if shape.standalone:
        return FollowupPlan(None)
    subject = conversation_subject(history)
    if not subject:
        return FollowupPlan(None)
    rest = _CONNECTIVE.sub("", question).strip()
    last = next((_bounded(m.content) for m in reversed(history) if m.role == "user" and m.content.strip()), "")
    if not content_tokens(rest) and last and last != subject:
        # « Pour qui ? » after « C'est obligatoire ? »: a question without a word of its own continues the last
        # turn, which the subject alone would lose (« obligatoire »).
        rest = f"{last} {rest}"
    if shape.elliptic and subject_terms(question):
        terms = subject_terms(question)
        contextual = _substitute(subject, terms) if replaces_names(question) else subject
        if contextual in {subject, f"{subject} {' '.join(terms)}"}:
            # Nothing of the same kind to replace, or a clause (« Et s'il s'agissait d'une SCIC ? »): the whole
            # ellipsis is added (« pour une association reconnue d'utilité publique », not « association » alone).
            contextual = f"{subject} {rest}"
        # An ellipsis asks nothing by itself (« Et pour un département ? »): its standalone search is no reading.
        return FollowupPlan(contextual, certain=True, leans=True)
    # A pronoun with nothing in the question to point to can only point to the conversation; so does an object
    # pronoun in its subject's clause (« Une SCOP peut-elle l'obtenir ? »): what it names is not in the question,
    # so the question's own words cannot be the measure (the passage about « l' » need not name the SCOP).
    certain = (shape.leans and not shape.has_subject) or shape.points_out
    return FollowupPlan(
        f"{subject} {rest}",
        certain,
        shape.leans or shape.elliptic,
        shape.has_subject,
        shape.points_out,
        shape.continues,
    )


def _own_found(question: str, passages: Sequence[Passage]) -> tuple[frozenset[str], frozenset[str]]:
    own = content_tokens(question)
    found = content_tokens(passages[0].chunk.embed_text) if passages else frozenset()
    return own, found


def own_coverage(question: str, passages: Sequence[Passage], weights: TermWeights) -> float:
    """Weighted share of the question's own words found in the best passage (text, title and headings)."""
    own, found = _own_found(question, passages)
    return weights.coverage(own, found) if own else 0.0


def own_information(question: str, passages: Sequence[Passage], weights: TermWeights) -> float:
    """How much the question says by itself: the IDF mass of its own words that its best passage contains."""
    own, found = _own_found(question, passages)
    return sum(weights(token) for token in own & found)


@dataclass(frozen=True)
class FollowupPolicy:
    """The two evidence thresholds (tuned on the dev splits only)."""

    keep_margin: float  # context lost this share of the question's own words: keep the standalone search
    min_information: float  # a question without pronoun saying this much stands alone

    @classmethod
    def from_settings(cls, settings: Settings) -> FollowupPolicy:
        return cls(settings.followup_keep_margin, settings.followup_min_information)


def prefer_standalone(
    question: str,
    alone: Sequence[Passage],
    contextual: Sequence[Passage],
    weights: TermWeights,
    policy: FollowupPolicy,
    plan: FollowupPlan,
) -> bool:
    """Keep the standalone search unless the context earns its place.

    The context loses when it pulls the search away from the question's own words. A question that names a
    subject keeps its own reading unless the context finds its words clearly better; one that names nothing
    and points nowhere stands alone only when it says enough by itself.
    """
    if not contextual:
        return True
    if not alone:
        return False
    gain = own_coverage(question, contextual, weights) - own_coverage(question, alone, weights)
    if gain < -policy.keep_margin:
        return True
    if plan.has_subject and not plan.continues:
        return gain <= policy.keep_margin
    if gain > policy.keep_margin:
        return False  # the context finds the question's own words clearly better (« Quel pourcentage faut-il ? »)
    return not plan.leans and own_information(question, alone, weights) >= policy.min_information


def resolve_query(
    question: str,
    history: Sequence[Message],
    search: Callable[[str], list[Passage]],
    weights: TermWeights,
    policy: FollowupPolicy,
    rewrite: Callable[[str, Sequence[Message]], str | None] | None = None,
) -> tuple[str, list[Passage]]:
    """The query actually searched (the question, or its contextual form) and its passages."""
    plan = plan_followup(question, history)
    if plan.contextual is None:
        return question, search(question)
    contextual = (rewrite(question, history) if rewrite else None) or plan.contextual
    with_context = search(contextual)
    if plan.certain:
        return contextual, with_context
    alone = search(question)
    if prefer_standalone(question, alone, with_context, weights, policy, plan):
        return question, alone
    return contextual, with_context


def llm_rewrite(llm: object) -> Callable[[str, Sequence[Message]], str | None]:
    """A rewrite step backed by an LLM's `complete` (bounded prompt, bounded answer)."""

    def rewrite(question: str, history: Sequence[Message]) -> str | None:
        complete = getattr(llm, "complete", None)
        if complete is None:
            return None
        rewritten = str(complete(condense_prompt(question, history))).strip().strip('"«» ')
        return rewritten if 5 <= len(rewritten) <= 500 else None

    return rewrite
