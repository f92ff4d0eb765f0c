"""`essbot ask` and `essbot chat` through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from essbot.config import Settings

ESSBOT = Path(sys.executable).with_name("essbot")


def test_ask_json_prints_exactly_one_answer_object(run_cli: Callable[..., Result], answer_settings: Settings) -> None:
    result = run_cli("ask", "Qui délivre l'agrément ESUS ?", "--index", answer_settings.index_dir, "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["abstained"] is False
    assert answer["citations"][0]["source"] == "fiche-agrement-esus.pdf"
    assert isinstance(answer["citations"][0]["page"], int)


def test_ask_with_history_file(run_cli: Callable[..., Result], answer_settings: Settings, tmp_path: Path) -> None:
    history = tmp_path / "historique.json"
    history.write_text(json.dumps([{"role": "user", "content": "Qu'est-ce que l'agrément ESUS ?"}]), encoding="utf-8")
    result = run_cli("ask", "Et qui le délivre ?", "--index", answer_settings.index_dir, "--history", history)
    assert result.exit_code == 0
    assert "préfet" in result.output.lower()
    assert "Sources :" in result.output and "fiche-agrement-esus.pdf" in result.output


def test_ask_with_invalid_history_file_fails_in_french(
    run_cli: Callable[..., Result], answer_settings: Settings, tmp_path: Path
) -> None:
    history = tmp_path / "historique.json"
    history.write_text("[{pas du json", encoding="utf-8")
    result = run_cli("ask", "Et qui le délivre ?", "--index", answer_settings.index_dir, "--history", history)
    assert result.exit_code == 2
    assert "n'est pas un JSON valide" in result.output


def test_ask_without_index_tells_to_run_ingest(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    result = run_cli("ask", "Qu'est-ce qu'un SPASER ?", "--index", tmp_path / "absent")
    assert result.exit_code == 1
    assert "essbot ingest" in result.output


def test_chat_keeps_the_conversation(answer_settings: Settings, tmp_path: Path) -> None:
    session = "Qu'est-ce que l'agrément ESUS ?\nEt qui le délivre ?\n/quitter\n"
    result = subprocess.run(
        [str(ESSBOT), "chat", "--index", str(answer_settings.index_dir)],
        input=session,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    turns = result.stdout.split("Vous > ")
    assert len(turns) >= 3
    assert "préfet" in turns[2].lower() and "fiche-agrement-esus.pdf" in turns[2]
