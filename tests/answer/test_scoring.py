import pytest

from essbot.answer.scoring import MONEY, NUMBER, PERSON, question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Combien coûte l'adhésion au RTES ?", "money"),
        ("Quel est le budget ESS de la région en 2025 ?", "money"),
        ("Entre quels pourcentages le budget de formation doit-il se situer ?", "other"),
        ("Combien de temps dure l'agrément ESUS ?", "quantity"),
        ("Depuis quand le SPASER est-il obligatoire à 50 M€ ?", "date"),
        ("Qui est le président actuel d'ESS France ?", "person"),
        ("Qu'est-ce qu'un PTCE ?", "definition"),
        ("Qui délivre l'agrément ESUS ?", "other"),
    ],
)
def test_question_kind(question: str, kind: str) -> None:
    assert question_kind(question) == kind


def test_answer_shapes() -> None:
    assert MONEY.search("au-delà de 50 M€ HT") and MONEY.search("23 000 euros")
    assert not MONEY.search("pendant 5 ans")
    assert NUMBER.search("cinq ans") and not NUMBER.search("le préfet de département")
    assert PERSON.search("présidée par Jean Dupont") and not PERSON.search("le préfet de département")
