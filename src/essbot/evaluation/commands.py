"""The `essbot eval` command (a lazy sub-command of the main CLI group in essbot/cli.py)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from essbot.clitools import CONTEXT, report_errors, settings_from
from essbot.config import Settings
from essbot.evaluation import messages
from essbot.evaluation.report import TOTAL_KEYS, fmt

DEFAULT_GOLD = Path("evals/documents.jsonl")
REPORTS_ROOT = Path("evals/reports")


def _print_totals(name: str, totals: dict[str, Any]) -> None:
    click.echo(click.style(f"\n{name}", bold=True))
    for key in TOTAL_KEYS:
        if totals.get(key) is not None:
            label = messages.METRIC_LABELS.get(key, key)
            click.echo(f"  {label:<32} {fmt(totals[key], key)}")


def _prepare_index(
    settings: Settings, gold: Path, index_dir: Path | None, documents: Path, progress: bool
) -> Settings | None:
    """The settings of the index to evaluate; None (after a French message) when the seed texts are absent."""
    from essbot.evaluation.corpora import ensure_index, index_is_current, is_seeds_gold

    if is_seeds_gold(gold) and index_dir is None:
        if not documents.is_dir() or not any(documents.iterdir()):
            click.echo(messages.CORPUS_MISSING.format(path=documents, gold=gold), err=True)
            return None
        from essbot.evaluation.corpora import shared_corpus_name

        index_dir = settings.index_dir.parent / f"eval-{shared_corpus_name(gold)}"
        return ensure_index(index_dir, [documents], settings, progress, lambda text: click.echo(text, err=True))
    settings = settings.replace(index_dir=index_dir)
    if documents.is_dir() and not index_is_current(settings.index_dir, [documents], settings):
        click.echo(messages.INDEX_STALE.format(index=settings.index_dir, docs=documents), err=True)
    return settings


@click.command("eval", context_settings=CONTEXT)
@click.argument("configs", nargs=-1, metavar="[CONFIG]...")
@click.option(
    "--gold",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_GOLD,
    show_default=True,
    help="Jeu de questions de référence (JSON Lines, format dans ARCHITECTURE.md).",
)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Index à évaluer (par défaut indexes/default ; pour seeds.jsonl, un index construit "
    "automatiquement dans indexes/eval-seeds).",
)
@click.option(
    "--documents",
    "documents_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Documents du jeu de questions, pour les index construits par l'évaluation (par défaut "
    "documents/, ou ../shared/seeds pour seeds.jsonl).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier des rapports (par défaut evals/reports/<nom du jeu>/).",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Comparer plusieurs configurations (CONFIG… : baseline, hybrid, dense, bm25, minilm, k3, k10, "
    "llm, all, ou un fichier .toml ; par défaut toutes) dans un tableau côte à côte.",
)
@click.option("-k", "--k", "top_k", type=click.IntRange(1, 20), help="Nombre de passages donnés à la réponse.")
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    default="hybrid",
    show_default=True,
    help="Recherche hybride, vectorielle seule ou lexicale seule.",
)
@click.option(
    "--generator",
    type=click.Choice(["extractive", "openai", "llamacpp"]),
    help="Générateur de réponse (par défaut : celui de la configuration).",
)
@click.option("--retrieval-only", is_flag=True, help="Évaluer la recherche seule, sans rédiger de réponse.")
@click.option(
    "--split",
    type=click.Choice(["dev", "test", "all"]),
    default="all",
    show_default=True,
    help="Partie du jeu à évaluer : dev (réglages), test (figé, chiffres publiés) ou les deux.",
)
@click.option("--limit", type=click.IntRange(1), help="N'évaluer que les N premières questions (essai rapide).")
@click.option("-q", "--quiet", is_flag=True, help="Pas de barre de progression.")
@click.pass_context
@report_errors
def eval_command(
    ctx: click.Context,
    configs: tuple[str, ...],
    gold: Path,
    index_dir: Path | None,
    documents_dir: Path | None,
    out_dir: Path | None,
    compare: bool,
    top_k: int | None,
    mode: str,
    generator: str | None,
    retrieval_only: bool,
    split: str,
    limit: int | None,
    quiet: bool,
) -> None:
    """Évaluer essbot sur un jeu de questions de référence et écrire report.json et report.html.

    Mesures : retrieval hit@1, hit@5, MRR@10 ; rappel des mots-clés ; précision et justification des
    citations ; précision et rappel de l'abstention ; latence p50/p95 ; avec un LLM, faithfulness et
    answer_relevancy jugées par le modèle. Le rapport HTML montre, question par question, pourquoi elle échoue.

    \b
    Exemples :
      essbot eval                                    # evals/documents.jsonl sur indexes/default
      essbot eval --gold evals/seeds.jsonl
      essbot eval --gold evals/lois.jsonl --split test   # textes de loi de ../shared/corpus/lois
      essbot eval --compare                          # toutes les configurations, dont la baseline llama-index
      essbot eval --compare hybrid dense bm25 baseline
    """
    from essbot.evaluation.corpora import corpus_for
    from essbot.evaluation.gold import load_gold

    if configs and not compare:
        raise click.UsageError("des configurations sont indiquées sans --compare")
    settings = settings_from(ctx, top_k=top_k, generator=generator)
    items = [item for item in load_gold(gold) if split in ("all", item.split)][:limit]
    documents = documents_dir or corpus_for(gold, settings)
    progress = not quiet and sys.stderr.isatty()
    prepared = _prepare_index(settings, gold, index_dir, documents, progress)
    if prepared is None:
        return
    out_dir = out_dir or REPORTS_ROOT / gold.stem
    meta = {"gold": str(gold), "split": split, "documents": str(documents)}
    meta["date"] = datetime.now(UTC).isoformat(timespec="seconds")
    if compare:
        from essbot.evaluation.compare import ComparisonContext, run_comparison

        context = ComparisonContext(
            items, gold, documents, prepared, out_dir / "comparison", progress, lambda text: click.echo(text, err=True)
        )
        runs, (md, js, html) = run_comparison(configs, context, meta)
        for run in runs:
            _print_totals(f"{run.name} — {run.meta.get('description', '')}", run.totals)
        click.echo("\n" + messages.WROTE_COMPARISON.format(md=md, json=js, html=html))
        return
    _run_single(items, prepared, mode, retrieval_only, meta, out_dir, progress)


def _run_single(
    items: list[Any],
    settings: Settings,
    mode: str,
    retrieval_only: bool,
    meta: dict[str, Any],
    out_dir: Path,
    progress: bool,
) -> None:
    from essbot.evaluation.judge import create_judge
    from essbot.evaluation.report import write_report
    from essbot.evaluation.runner import AssistantResponder, RetrievalResponder, evaluate, settings_summary
    from essbot.retrieve import HybridRetriever

    meta["settings"] = settings_summary(settings, mode)
    name = f"{mode}{'-recherche' if retrieval_only else ''}"
    if retrieval_only:
        run = evaluate(items, RetrievalResponder(HybridRetriever.open(settings), mode), name, meta, progress=progress)
    else:
        responder = AssistantResponder.open(settings, mode)
        judge = create_judge(
            settings.generator, responder.assistant.generator, responder.retriever.embedding.encode_query
        )
        run = evaluate(items, responder, name, meta, judge=judge, progress=progress)
    json_path, html_path = write_report(run, out_dir)
    _print_totals(name, run.totals)
    click.echo("\n" + messages.WROTE_REPORT.format(json=json_path, html=html_path))
