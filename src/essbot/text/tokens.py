"""French tokens for matching: lower-case, elisions removed, accents folded, stop words dropped, Snowball stems,
article references kept whole (« L. 3332-17-1 » -> « l3332_17_1 »)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(r"\w+")
# No French word comes near this length; longer runs are cut so a hostile « word » costs nothing to stem.
MAX_TERM_CHARS = 64
# "L. 3332-17-1", "L3332-17-1" and "art. L 3332-17-1" all become the single token "l3332_17_1".
_CODE_ARTICLE = re.compile(r"\b([lrd])\.?\s?(\d{1,4}(?:-\d+)+)\b", re.IGNORECASE)
# "9e", "9ème", "9eme", "9è" : the same ordinal.
_ORDINAL = re.compile(r"\b(\d+)(?:ème|eme|è|e|er|ère|re|nd|nde)\b", re.IGNORECASE)
_COMBINING = re.compile(r"[\u0300-\u036f]")
_ELISION = re.compile(r"\b[cdjlmnst]['’]|\bqu['’]|\bjusqu['’]|\blorsqu['’]|\bpuisqu['’]", re.IGNORECASE)


def fold_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("œ", "oe").replace("æ", "ae")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_FRENCH

    # Question words and auxiliaries carry no topic: they must not weigh on matching or abstention.
    extra = {
        "a",
        "ete",
        "etre",
        "ainsi",
        "cette",
        "ces",
        "cet",
        "dont",
        "ou",
        "plus",
        "peut",
        "peuvent",
        "fait",
        "faire",
        "doit",
        "doivent",
        "faut",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "combien",
        "comment",
        "quand",
        "pourquoi",
        "lequel",
        "laquelle",
        "lesquels",
        "lesquelles",
        "quoi",
        "qu",
        "est-ce",
        "existe",
        "y",
        "ma",
        "mon",
        "mes",
        "notre",
        "nos",
        "votre",
        "vos",
        "puis",
        "je",
        "nous",
        "vous",
        "on",
        "t",
    }
    return frozenset(fold_accents(word.lower()) for word in STOPWORDS_FRENCH) | extra


def is_stopword(word: str) -> bool:
    """A French word that carries no topic (« de », « la », « quel », « peut »…)."""
    return fold_accents(word.lower()) in _stopwords()


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("french")


def tokenize_french(text: str) -> list[str]:
    """Tokens for BM25: lower-case, elisions removed, lemmatized, accents folded, stop words dropped, stemmed."""
    # Accents typed as separate combining marks (« e » + « ◌́ », as some keyboards send them) are composed first:
    # words are cut before their accents are folded.
    text = _COMBINING.sub("", unicodedata.normalize("NFC", text))
    text = _CODE_ARTICLE.sub(lambda m: f" {m.group(1)}{m.group(2).replace('-', '_')} ", text)
    text = _ORDINAL.sub(r"\1e", text)
    tokens = []
    for word in _TOKEN.findall(_ELISION.sub(" ", text.lower())):
        word = word[:MAX_TERM_CHARS]
        if "_" in word or word.isdigit():
            tokens.append(word)
        elif len(word) > 1:
            stem = _word_stem(word)
            if stem:
                tokens.append(stem)
    return tokens


@lru_cache(maxsize=200_000)
def _word_stem(word: str) -> str:
    """The stem of a lower-case word's lemma, or "" for a stop word.

    Snowball alone leaves apart what French inflection changes inside the word: « obtenu » / « obtenir »,
    « financent » / « finance », « lois » / « loi », « publique » / « public ». simplemma's dictionary brings each
    form back to its lemma first (a word it does not know is kept as written)."""
    stop = _stopwords()
    folded = fold_accents(word)
    if folded in stop:
        return ""
    base = fold_accents(lemma(word))
    if base in stop:
        return ""
    return _unify(_stemmer().stemWord(base))


def lemma(word: str) -> str:
    """The dictionary form of a French word, in lower case (« obtenu » → « obtenir », « Sont » → « être »); a
    word simplemma does not know is returned as written, in lower case."""
    import simplemma

    word = word.lower()
    found = simplemma.lemmatize(word, lang="fr")
    return found.lower() if found and found.isalpha() else word


_INFINITIVE_ENDINGS = ("er", "ir", "re", "oir")


def infinitive(word: str) -> bool:
    """An infinitive (its own lemma, ending like one): « Verser », « Établir », « Inscrire »; nouns such as
    « Dossier » count too."""
    word = word.lower().strip(".,;:")
    return word.endswith(_INFINITIVE_ENDINGS) and lemma(word) == word


def inflected_verb(word: str) -> bool:
    """A conjugated verb: its lemma is another word, an infinitive (« Sont » → « être », « Regroupe » →
    « regrouper »); nouns are their own lemma (« Liste », « Réseau »)."""
    word = word.lower().strip(".,;:")
    base = lemma(word)
    return base != word and base.endswith(_INFINITIVE_ENDINGS)


def is_known_word(word: str) -> bool:
    """The lemma dictionary holds `word` (« délivrer » yes, « zythologue » no)."""
    import simplemma

    return bool(simplemma.is_known(word.lower(), lang="fr"))


def _unify(stem: str) -> str:
    """Snowball leaves a final « e » on some stems: « durée » -> « dure » but « dure » -> « dur »; drop it."""
    return stem[:-1] if len(stem) >= 4 and stem.endswith("e") else stem


_LETTERS = re.compile(r"[^\W\d_]+")
MAX_SPELLING_CHARS = 20_000  # a passage is read up to here to find a spelled-out acronym


def spelled_out(acronym: str, text: str) -> bool:
    """`text` writes `acronym` in full: consecutive words have its letters as initials, with or without the stop
    words (« PLU » in « le plan local d'urbanisme », « SARL » in « société à responsabilité limitée »)."""
    words = [w for w in _LETTERS.findall(text[:MAX_SPELLING_CHARS]) if len(w) > 1 or w.lower() in {"à", "a", "y"}]
    letters = fold_accents(acronym.lower())
    every = "".join(fold_accents(word[0].lower()) for word in words)
    content = "".join(fold_accents(word[0].lower()) for word in words if not is_stopword(word))
    return letters in every or letters in content
