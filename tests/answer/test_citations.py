import re

from essbot.answer.citations import verify_citations
from essbot.types import Chunk, Passage


def _passage(text: str, source: str = "a.md") -> Passage:
    return Passage(Chunk(source + text[:8], text, source, "Titre", None, "Section", "markdown"), 0.9)


PASSAGES = [
    _passage("Le préfet de département délivre l'agrément ESUS pour cinq ans.", "esus.md"),
    _passage("Le SPASER est obligatoire au-delà de 50 millions d'euros d'achats annuels.", "spaser.md"),
    _passage("La SCIC associe salariés, bénéficiaires et collectivités.", "scic.md"),
]


def test_supported_citations_are_kept_and_renumbered_by_first_use() -> None:
    result = verify_citations(
        "Le SPASER est obligatoire au-delà de 50 millions [2]. Le préfet délivre l'agrément [1].", PASSAGES
    )
    assert result.text == "Le SPASER est obligatoire au-delà de 50 millions [1]. Le préfet délivre l'agrément [2]."
    assert [(c.id, c.source) for c in result.citations] == [(1, "spaser.md"), (2, "esus.md")]
    assert result.removed_citations == 0


def test_wrong_citation_is_reattributed_to_the_passage_that_backs_the_sentence() -> None:
    result = verify_citations("Le préfet de département délivre l'agrément ESUS [3].", PASSAGES)
    assert result.text == "Le préfet de département délivre l'agrément ESUS [1]."
    assert [c.source for c in result.citations] == ["esus.md"]
    assert result.removed_citations == 1


def test_unsupported_claim_is_dropped_and_unused_passages_not_listed() -> None:
    text = "Le préfet délivre l'agrément [1]. La région finance toutes les crèches associatives du territoire [2]."
    result = verify_citations(text, PASSAGES)
    assert result.text == "Le préfet délivre l'agrément [1]."
    assert result.dropped_sentences == 1
    assert [c.source for c in result.citations] == ["esus.md"]


def test_out_of_range_marker_and_marker_after_period_are_handled() -> None:
    result = verify_citations("Le préfet délivre l'agrément ESUS. [7]", PASSAGES)
    assert result.text == "Le préfet délivre l'agrément ESUS [1]."
    assert len(result.citations) == 1


def test_every_marker_has_a_citation_and_every_citation_is_used() -> None:
    text = "- La SCIC associe des salariés [3][1].\n- Le SPASER est obligatoire [2]."
    result = verify_citations(text, PASSAGES)
    used = {int(n) for n in re.findall(r"\[(\d+)\]", result.text)}
    assert used == {c.id for c in result.citations} == {1, 2}
    assert result.text.startswith("- La SCIC")


def test_streamed_markers_are_renumbered_by_first_use_even_when_split() -> None:
    from essbot.answer.citations import MarkerRenumberer

    renumber = MarkerRenumberer()
    deltas = ["Le SPASER [", "3]. La SCIC [1", "]. Encore [3] et [", "1, 2]."]
    streamed = "".join(renumber.feed(d) for d in deltas) + renumber.flush()
    assert streamed == "Le SPASER [1]. La SCIC [2]. Encore [1] et [2][3]."


def test_a_list_item_quoted_alone_keeps_its_own_citation() -> None:
    # A lower-case item (« - adhérer à… ») quoted after another sentence read as that sentence's end: both lost
    # their own markers (« …recyclerie. adhérer à… [1][2] »). It now starts a sentence of its own.
    from essbot.answer.generators import ExtractiveGenerator, GenerationRequest
    from essbot.answer.weights import TermWeights
    from essbot.config import Settings

    question = "Notre commune peut-elle adhérer à la recyclerie et siéger à son conseil ?"
    passages = [
        _passage("Oui, une commune peut adhérer à une association comme la recyclerie.", "adhesion.md"),
        _passage(
            "La commune peut notamment :\n- adhérer à la recyclerie et siéger à son conseil d'administration ;\n"
            "- lui prêter un local.",
            "soutiens.md",
        ),
    ]
    generator = ExtractiveGenerator(Settings(), TermWeights({}, 1))
    text = "".join(generator.stream(GenerationRequest(question, question, passages)))
    result = verify_citations(text, passages)
    assert result.text == (
        "Oui, une commune peut adhérer à une association comme la recyclerie [1]. "
        "Adhérer à la recyclerie et siéger à son conseil d'administration [2]."
    )
    assert [c.source for c in result.citations] == ["adhesion.md", "soutiens.md"]
