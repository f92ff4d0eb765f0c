"""Gold set loading: valid rows become GoldItems; each kind of malformed line is named with its line number."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from essbot.evaluation.gold import GoldSetError, load_gold
from tests.evaluation.conftest import SAMPLE_ROWS, write_gold

REPO = Path(__file__).resolve().parents[2]


def test_sample_loads_into_items(sample_gold: Path) -> None:
    items = load_gold(sample_gold)
    assert [item.id for item in items] == ["esus", "scic", "ptce-suivi", "cress", "hors-sujet"]
    followup = items[2]
    assert followup.kind == "followup" and followup.line == 3
    assert followup.history_dicts() == SAMPLE_ROWS[2]["history"]
    assert items[0].expected_sources == ("guide-rtes", "loi-extrait")
    assert not items[4].answerable and items[4].expected_sources == ()


def test_optional_fields_get_defaults(tmp_path: Path) -> None:
    path = write_gold(
        tmp_path / "g.jsonl",
        [
            {"id": "a", "question": "Qu'est-ce qu'une SCIC ?", "answerable": True, "expected_sources": ["scic"]},
            {"id": "b", "question": "Le RSA en 2030 ?", "answerable": False},
        ],
    )
    first, second = load_gold(path)
    assert (first.kind, first.history, first.expected_keywords) == ("fact", (), ())
    assert second.kind == "unanswerable"


def _error(tmp_path: Path, rows: list[object] | str) -> str:
    path = tmp_path / "gold.jsonl"
    if isinstance(rows, str):
        path.write_text(rows, encoding="utf-8")
    else:
        path.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), encoding="utf-8")
    with pytest.raises(GoldSetError) as excinfo:
        load_gold(path)
    return excinfo.value.user_message


GOOD = {"id": "x", "question": "Qui délivre l'agrément ?", "answerable": True, "expected_sources": ["esus"]}


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (json.dumps(GOOD) + '\n{"id": ', "ligne 2 : JSON invalide"),
        ([["pas", "un", "objet"]], "ligne 1 : un objet JSON est attendu"),
        ([{"id": "x", "answerable": True}], "« question » absent"),
        ([{**GOOD, "answerable": "oui"}], "« answerable » doit être true ou false"),
        ([{**GOOD, "expected_sources": "esus"}], "« expected_sources » doit être une liste de textes"),
        ([{**GOOD, "expected_keywords": ["ok", 3]}], "« expected_keywords » doit être une liste de textes"),
        ([GOOD, {**GOOD, "question": "Autre ?"}], "ligne 2 : identifiant « x » déjà utilisé ligne 1"),
        ([{**GOOD, "kind": "anecdote"}], "type de question « anecdote » inconnu"),
        ([{**GOOD, "expected_sources": []}], "au moins une source attendue"),
        ([{**GOOD, "answerable": False}], "ne doit pas avoir de source attendue"),
        ([{**GOOD, "history": [{"role": "system", "content": "x"}]}], "historique invalide, élément 1"),
        ([{**GOOD, "question": "   "}], "la question est vide"),
        ("\n\n", "ne contient aucune question"),
    ],
)
def test_malformed_lines_are_reported_in_french(tmp_path: Path, rows: list[object] | str, expected: str) -> None:
    message = _error(tmp_path, rows)
    assert expected in message
    assert "gold.jsonl" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GoldSetError, match="introuvable"):
        load_gold(tmp_path / "absent.jsonl")


@pytest.mark.parametrize(
    "name", ["documents.jsonl", "seeds.jsonl", "lois.jsonl", "conversations.jsonl", "out_of_scope.jsonl"]
)
def test_repository_gold_sets_are_valid(name: str) -> None:
    path = REPO / "evals" / name
    if not path.is_file():
        pytest.skip(f"{path} absent")
    items = load_gold(path)
    assert len(items) >= 20
    assert any(not item.answerable for item in items)


GOLD_CORPORA = {
    "lois.jsonl": REPO.parent / "shared" / "corpus" / "lois",
    "conversations.jsonl": REPO / "documents",
    "out_of_scope.jsonl": REPO / "documents",
}


@pytest.mark.parametrize("name", sorted(GOLD_CORPORA))
def test_fresh_gold_sets_pass_the_checker_and_are_split(name: str) -> None:
    """Sources and keywords exist in the corpus the set was written for; both splits are used."""
    path, corpus = REPO / "evals" / name, GOLD_CORPORA[name]
    if not corpus.is_dir():
        pytest.skip(f"corpus {corpus} absent")
    run = subprocess.run(
        [sys.executable, str(REPO / "evals" / "check_gold.py"), str(path), str(corpus)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    splits = {item.split for item in load_gold(path)}
    assert splits == {"dev", "test"}
