"""Out-of-field questions: compared with passages on subjects the documents do not cover (answer/contrast.py).

The questions here are written for these tests: none is in a gold set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from essbot import messages
from essbot.answer.contrast import DEFAULT_CONTRAST, ContrastSet, load_passages, vectors_file
from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.errors import ConfigError
from essbot.index.embeddings import EssbotEmbedding
from essbot.ingest.pipeline import ingest
from essbot.retrieve import HybridRetriever


def test_the_shipped_vectors_are_those_of_the_packaged_passages(embedding: EssbotEmbedding) -> None:
    texts = [row["text"] for row in load_passages(DEFAULT_CONTRAST)]
    shipped = vectors_file(embedding.model_id, texts)
    assert shipped.is_file(), "passages de contraste modifiés : lancer scripts/build_contrast_vectors.py"
    vectors = np.load(shipped)
    fresh = embedding.encode_passages(texts[:8])
    assert np.allclose(vectors[:8], fresh, atol=2e-3)  # the same encoder (any CPU's rounding)
    assert len(texts) >= 100 and len({row["topic"] for row in load_passages(DEFAULT_CONTRAST)}) >= 20


def test_another_model_s_vectors_are_computed_in_the_background(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    passages = [
        {
            "topic": "funéraire",
            "text": "Une concession au cimetière communal s'achète pour quinze, trente ou cinquante ans.",
        },
        {"topic": "voirie", "text": "Le maire règle la circulation et le stationnement sur les voies de la commune."},
    ]
    contrast = ContrastSet(passages, embedding, folder=tmp_path)  # nothing shipped in this folder
    assert contrast.wait(60)
    question = embedding.encode_query("Combien de temps dure une concession funéraire ?")
    match = contrast.match(question, corpus_best=0.0)
    assert match is not None and match.topic == "funéraire" and match.margin > 0.5


def test_a_bad_contrast_file_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "contraste.jsonl"
    path.write_text(json.dumps({"topic": "x", "text": "ok"}) + "\n" + json.dumps({"topic": "y"}) + "\n", "utf-8")
    with pytest.raises(ConfigError, match="ligne 2"):
        load_passages(path)
    path.write_text(json.dumps({"text": "ok"}) + "\n{pas du json\n", "utf-8")
    with pytest.raises(ConfigError, match="ligne 2"):
        load_passages(path)
    with pytest.raises(ConfigError, match="illisible"):
        load_passages(tmp_path / "absent.jsonl")
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="illisible"):
        load_passages(path)


def test_a_contrast_file_s_size_is_bounded(tmp_path: Path) -> None:
    from essbot.answer import contrast

    path = tmp_path / "contraste.jsonl"
    line = json.dumps({"topic": "t", "text": "Un passage court."}) + "\n"
    path.write_text(line * (contrast.MAX_PASSAGES + 1), "utf-8")
    with pytest.raises(ConfigError, match="plus de 2000 passages"):
        load_passages(path)
    path.write_text("x" * (contrast.MAX_FILE_BYTES + 1), "utf-8")
    with pytest.raises(ConfigError, match="trop volumineux"):
        load_passages(path)


def test_a_missing_contrast_file_stops_the_assistant_with_a_french_message(
    default_settings: Settings, embedding: EssbotEmbedding, tmp_path: Path
) -> None:
    from essbot.index.stores import open_store

    settings = default_settings.replace(contrast_corpus=str(tmp_path / "absent.jsonl"))
    store = open_store(Settings(), settings.index_dir, embedding.model_id)
    with pytest.raises(ConfigError, match="contrast_corpus"):
        Assistant(HybridRetriever(store, embedding, settings), settings)


OFF_FIELD = [
    "Combien coûte une concession de trente ans au cimetière ?",
    "Comment obtenir une autorisation pour installer des caméras sur la place de la mairie ?",
    "Quelles pièces faut-il pour inscrire un enfant à l'école maternelle ?",
    "Qui fixe les horaires d'extinction de l'éclairage public ?",
]
# Questions that share enough words with the fiches to pass every other abstention signal.
ONLY_CONTRAST = [
    "Qui délivre les cartes de stationnement pour personnes handicapées ?",
    "Comment fonctionne l'allocation personnalisée d'autonomie ?",
]


@pytest.mark.parametrize("question", OFF_FIELD + ONLY_CONTRAST)
def test_a_question_on_a_subject_the_fiches_do_not_cover_is_nearer_the_contrast(
    default_assistant: Assistant, question: str
) -> None:
    _, _, query, _, check, _ = default_assistant._prepare(question, None, None, None)
    match = default_assistant._contrast(query, None)
    assert match is not None and match.margin > default_assistant.settings.abstain_contrast_margin, match
    assert check.abstain


@pytest.mark.parametrize("question", ONLY_CONTRAST)
def test_the_contrast_alone_makes_essbot_abstain(default_assistant: Assistant, question: str) -> None:
    without = default_assistant.settings.replace(contrast_corpus="")
    unchecked = Assistant(default_assistant.retriever, without)
    assert not unchecked.ask(question).abstained  # the other signals let it through…
    answer = default_assistant.ask(question)  # …the contrast does not
    assert answer.abstained and not answer.citations, answer.answer
    assert answer.answer == messages.ABSTAIN_OUT_OF_SCOPE


IN_FIELD = [
    "Notre mairie peut-elle se porter caution pour le prêt d'une association d'aide à domicile ?",
    "Une SCIC peut-elle compter la commune parmi ses associés ?",
    "Faut-il délibérer pour prêter gratuitement une salle municipale à un club de lecture ?",
]


@pytest.mark.parametrize("question", IN_FIELD)
def test_a_question_the_fiches_answer_is_not_taken_for_another_field(
    default_assistant: Assistant, question: str
) -> None:
    _, _, query, _, check, _ = default_assistant._prepare(question, None, None, None)
    match = default_assistant._contrast(query, None)
    assert match is not None and match.margin <= default_assistant.settings.abstain_contrast_margin, match
    assert check.reason != "off_field"


def test_a_corpus_that_covers_the_subject_answers_it(tmp_path: Path, embedding: EssbotEmbedding) -> None:
    # The comparison is with the corpus in service: funeral rules indexed, the funeral question is answered.
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "fiche-cimetieres.md").write_text(
        "# Les concessions funéraires\n\n## Durées et tarifs\n\n"
        "Le conseil municipal fixe les durées des concessions du cimetière communal (quinze, trente ou cinquante "
        "ans, ou perpétuelles) et leurs tarifs par délibération. Une concession de trente ans coûte le montant fixé "
        "par cette délibération, par exemple 400 euros dans une commune de 3 000 habitants.\n",
        encoding="utf-8",
    )
    settings = Settings(index_dir=tmp_path / "index", documents_dir=docs)
    ingest([docs], settings, embedding=embedding)
    from essbot.index.stores import open_store

    store = open_store(Settings(), settings.index_dir, embedding.model_id)
    assistant = Assistant(HybridRetriever(store, embedding, settings), settings)
    answer = assistant.ask(OFF_FIELD[0])
    assert not answer.abstained, answer.answer
    assert "400 euros" in answer.answer


def test_the_check_can_be_turned_off(default_settings: Settings, embedding: EssbotEmbedding) -> None:
    from essbot.index.stores import open_store

    settings = default_settings.replace(contrast_corpus="")
    store = open_store(Settings(), settings.index_dir, embedding.model_id)
    assistant = Assistant(HybridRetriever(store, embedding, settings), settings)
    assert assistant.contrast is None
    check = assistant._prepare(OFF_FIELD[0], None, None, None)[4]
    assert check.reason != "off_field"


def test_an_assistant_rebuilt_on_the_same_encoder_reuses_the_contrast_set(
    default_settings: Settings, embedding: EssbotEmbedding
) -> None:
    from essbot.index.stores import open_store

    store = open_store(Settings(), default_settings.index_dir, embedding.model_id)
    first = Assistant(HybridRetriever(store, embedding, default_settings), default_settings)
    again = Assistant(HybridRetriever(store, embedding, default_settings), default_settings)
    assert first.contrast is again.contrast is not None  # a re-index does not encode the passages again
