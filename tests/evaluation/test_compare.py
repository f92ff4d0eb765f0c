"""Comparison presets, the llama-index baseline and the side-by-side tables."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from essbot.config import Settings
from essbot.errors import EssbotError
from essbot.evaluation.baseline import LlamaIndexBaseline, idf_weights
from essbot.evaluation.compare import (
    PRESETS,
    ComparisonContext,
    llm_generator,
    resolve_names,
    run_comparison,
    write_comparison,
)
from essbot.evaluation.gold import load_gold
from essbot.evaluation.runner import EvalRun, evaluate
from essbot.index.embeddings import EssbotEmbedding
from tests.conftest import Workspace


def test_resolve_names_expands_all_and_commas(tmp_path: Path) -> None:
    assert resolve_names([]) == list(PRESETS)
    assert resolve_names(["dense,bm25", "hybrid", "dense"]) == ["dense", "bm25", "hybrid"]
    config = tmp_path / "grand-k.toml"
    config.write_text("top_k = 8\n", encoding="utf-8")
    assert resolve_names([str(config)]) == [str(config)]
    with pytest.raises(EssbotError, match="Configuration de comparaison inconnue : « turbo »"):
        resolve_names(["hybrid,turbo"])


def test_llm_preset_only_when_a_model_is_configured() -> None:
    assert llm_generator(Settings()) is None
    assert llm_generator(Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m")) == "openai"
    assert llm_generator(Settings(llamacpp_model_path="/m.gguf")) == "llamacpp"


def test_comparison_files(tmp_path: Path, handmade_run: EvalRun) -> None:
    other = dataclasses.replace(
        handmade_run,
        name="baseline",
        meta={**handmade_run.meta, "description": "llama-index"},
        totals={**handmade_run.totals, "hit@1": 0.25},
    )
    md, js, html = write_comparison([other, handmade_run], tmp_path)
    table = md.read_text(encoding="utf-8")
    assert "| configuration | hit@1 | hit@5 | mrr@10 |" in table
    assert table.startswith("Jeu : evals/sample.jsonl (3 questions)")
    assert "| baseline | 0.250 |" in table and "| hybrid | 1.000 |" in table
    assert "faithfulness" not in table  # no LLM: the column is left out
    data = json.loads(js.read_text(encoding="utf-8"))
    assert [c["name"] for c in data["configurations"]] == ["baseline", "hybrid"]
    page = html.read_text(encoding="utf-8")
    assert page.count('<img class="plot"') == 2 and "href='baseline/report.html'" in page


def test_idf_weights_favour_rare_terms() -> None:
    weights = idf_weights(["la scic associe les salariés", "la scic et la collectivité", "le ptce"])
    assert weights("ptce") > weights("scic")


def test_baseline_on_the_tiny_corpus(built_index: Workspace, embedding: EssbotEmbedding, sample_gold: Path) -> None:
    baseline = LlamaIndexBaseline([built_index.docs], built_index.settings, embedding)
    assert baseline.node_count >= 6  # one document per PDF page or file, rarely split at 1024 tokens
    run = evaluate(load_gold(sample_gold), baseline, "baseline")
    assert run.totals["hit@5"] == 1.0
    scic = next(r for r in run.results if r.id == "scic")
    assert scic.abstained is False and scic.citations and scic.citations[0]["source"] == "scic.docx"
    pdf_pages = {p["page"] for r in run.results for p in r.retrieved if p["source"] == "guide-rtes.pdf"}
    assert pdf_pages <= {1, 2, 3} and pdf_pages


def test_run_comparison_writes_every_report(tmp_path: Path, built_index: Workspace, sample_gold: Path) -> None:
    messages: list[str] = []
    context = ComparisonContext(
        load_gold(sample_gold),
        sample_gold,
        built_index.docs,
        built_index.settings,
        tmp_path / "cmp",
        echo=messages.append,
    )
    runs, (md, _, _) = run_comparison(["bm25,k3", "llm"], context)
    assert [run.name for run in runs] == ["bm25", "k3"]
    assert any("« llm » ignorée" in message for message in messages)
    assert runs[0].meta["settings"]["mode"] == "bm25" and runs[1].meta["settings"]["top_k"] == 3
    assert (tmp_path / "cmp" / "bm25" / "report.html").is_file()
    assert "| k3 |" in md.read_text(encoding="utf-8")


def test_a_configuration_that_cannot_load_is_skipped(tmp_path: Path, built_index: Workspace, sample_gold: Path) -> None:
    config = tmp_path / "modele-absent.toml"
    config.write_text('embedding_backend = "inconnu"\n', encoding="utf-8")
    messages: list[str] = []
    context = ComparisonContext(
        load_gold(sample_gold)[:1],
        sample_gold,
        built_index.docs,
        built_index.settings,
        tmp_path / "cmp",
        echo=messages.append,
    )
    runs, _ = run_comparison([str(config), "bm25"], context)
    assert [run.name for run in runs] == ["bm25"]
    assert any("« " + str(config) + " » ignorée" in message for message in messages)
