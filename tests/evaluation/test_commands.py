"""`essbot eval` through click (on a local group: the lead registers the command on the main CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from essbot.config import Settings
from essbot.evaluation.commands import eval_command
from tests.conftest import Workspace
from tests.evaluation.conftest import write_gold


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    ctx.obj = Settings()


cli.add_command(eval_command)


def invoke(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, ["eval", *map(str, args)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_eval_writes_both_reports(tmp_path: Path, sample_gold: Path, built_index: Workspace) -> None:
    out = tmp_path / "reports"
    result = invoke(
        "--gold", sample_gold, "--index", built_index.index_dir, "--documents", built_index.docs, "--out", out, "-q"
    )
    assert result.exit_code == 0, result.output
    assert "retrieval hit@5" in result.output and "Rapport écrit" in result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["totals"]["questions"] == 5 and data["meta"]["settings"]["mode"] == "hybrid"
    assert (out / "report.html").read_text(encoding="utf-8").count('<img class="plot"') == 4


def test_eval_options_reach_the_run(tmp_path: Path, sample_gold: Path, built_index: Workspace) -> None:
    out = tmp_path / "reports"
    result = invoke(
        "--gold",
        sample_gold,
        "--index",
        built_index.index_dir,
        "--out",
        out,
        "--mode",
        "bm25",
        "-k",
        "3",
        "--limit",
        "2",
        "--retrieval-only",
        "-q",
    )
    assert result.exit_code == 0, result.output
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["totals"]["questions"] == 2
    assert data["meta"]["settings"]["mode"] == "bm25" and data["meta"]["settings"]["top_k"] == 3
    assert data["questions"][0]["answer"] is None


def test_eval_compare_writes_a_side_by_side_table(tmp_path: Path, sample_gold: Path, built_index: Workspace) -> None:
    out = tmp_path / "reports"
    result = invoke(
        "--gold",
        sample_gold,
        "--index",
        built_index.index_dir,
        "--documents",
        built_index.docs,
        "--out",
        out,
        "--compare",
        "hybrid",
        "dense",
        "-q",
    )
    assert result.exit_code == 0, result.output
    table = (out / "comparison" / "comparison.md").read_text(encoding="utf-8")
    assert "| hybrid |" in table and "| dense |" in table
    assert (out / "comparison" / "dense" / "report.json").is_file()


def test_eval_stale_index_is_announced(tmp_path: Path, sample_gold: Path, built_index: Workspace) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "autre.md").write_text("# Autre\n\nUn autre document.\n", encoding="utf-8")
    result = invoke(
        "--gold",
        sample_gold,
        "--index",
        built_index.index_dir,
        "--documents",
        docs,
        "--out",
        tmp_path / "r",
        "--limit",
        "1",
        "-q",
    )
    assert result.exit_code == 0
    assert "ne correspond plus aux documents" in result.output


def test_seeds_gold_without_the_shared_seeds_is_skipped(tmp_path: Path) -> None:
    gold = write_gold(tmp_path / "repo" / "evals" / "seeds.jsonl")
    result = invoke("--gold", gold, "--out", tmp_path / "r")
    assert result.exit_code == 0
    assert "Corpus" in result.output and "absent" in result.output and "ignorée" in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--compare", "turbo"], 1, "Configuration de comparaison inconnue"),
        (["hybrid"], 2, "sans --compare"),
    ],
)
def test_eval_usage_errors(
    tmp_path: Path, sample_gold: Path, built_index: Workspace, args: list[str], code: int, message: str
) -> None:
    result = invoke("--gold", sample_gold, "--index", built_index.index_dir, "--out", tmp_path / "r", *args)
    assert result.exit_code == code
    assert message in result.output


def test_bad_gold_file_exits_with_its_french_message(tmp_path: Path) -> None:
    gold = tmp_path / "mauvais.jsonl"
    gold.write_text('{"id": 1}\n', encoding="utf-8")
    result = invoke("--gold", gold)
    assert result.exit_code == 2
    assert "mauvais.jsonl, ligne 1" in result.output
