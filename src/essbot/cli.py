"""Command line: `essbot ingest`, `search`, `ask`, `chat` (contract in ARCHITECTURE.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from essbot import messages
from essbot.clitools import CONTEXT, LazyGroup, index_option, report_errors, settings_from
from essbot.config import load_settings
from essbot.errors import EssbotError


@click.group(
    cls=LazyGroup,
    context_settings=CONTEXT,
    lazy={
        "serve": "essbot.server.commands:serve",
        "ui": "essbot.ui.commands:ui",
        "feedback": "essbot.ui.commands:feedback",
        "eval": "essbot.evaluation.commands:eval_command",
        "insights": "essbot.insights.commands:insights",
        "migrate": "essbot.index.postgres.commands:migrate",
    },
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Fichier de configuration TOML (par défaut ./essbot.toml s'il existe, ou $ESSBOT_CONFIG).",
)
@click.version_option(package_name="essbot", message="essbot %(version)s")
@click.pass_context
@report_errors
def main(ctx: click.Context, config_file: Path | None) -> None:
    """essbot — l'assistant des collectivités pour l'économie sociale et solidaire (ESS).

    Réponses en français, avec citations, à partir de vos documents (PDF, HTML, Markdown, texte, Word).
    Commencez par construire l'index : essbot ingest documents/
    """
    ctx.obj = load_settings(config_file)


@main.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Tout reconstruire au lieu de ne traiter que les changements.")
@click.option("--max-file-mb", type=float, help="Taille maximale d'un fichier, en Mo (par défaut 50).")
@click.option(
    "--at",
    "legi_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Textes officiels LEGI : indexer la version en vigueur à cette date, AAAA-MM-JJ (par défaut aujourd'hui).",
)
@click.option("-q", "--quiet", is_flag=True, help="Pas de barre de progression.")
@click.option(
    "--ray",
    "ray_address",
    is_flag=False,
    flag_value="local",
    metavar="[ADRESSE]",
    help="Analyser et vectoriser les fichiers en parallèle sur Ray (pip install 'essbot[ray]') : sans adresse, "
    "Ray démarre sur cette machine ; « auto » ou ray://hôte:10001 rejoint un cluster. Placez-la après les dossiers.",
)
@click.pass_context
@report_errors
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    index_dir: Path | None,
    rebuild: bool,
    max_file_mb: float | None,
    legi_date: Any,
    quiet: bool,
    ray_address: str | None,
) -> None:
    """Indexer des documents (par défaut le dossier documents/).

    Seuls les fichiers nouveaux ou modifiés sont relus et vectorisés ; les passages des fichiers
    supprimés sont retirés. Les fichiers illisibles sont ignorés avec leur motif. L'index en service
    n'est remplacé qu'une fois le nouvel index entièrement écrit.

    Les textes officiels au format LEGI de la DILA (fichiers .xml d'articles, ou une archive .tar.gz)
    sont reconnus : seule la version de chaque article en vigueur à la date --at est indexée.

    Code de sortie : 0 si l'index est utilisable, 1 si rien n'a pu être indexé.
    """
    from essbot.ingest.pipeline import ingest as run_ingest

    at = legi_date.date().isoformat() if legi_date else None
    settings = settings_from(ctx, index_dir=index_dir, max_file_mb=max_file_mb, legi_date=at)
    if ray_address is not None and Path(ray_address).exists():  # `--ray documents/`: a folder, not an address
        paths, ray_address = (*paths, Path(ray_address)), "local"
    roots = list(paths) or [settings.documents_dir]
    progress = not quiet and sys.stderr.isatty()
    report = run_ingest(roots, settings, rebuild=rebuild, progress=progress, ray_address=ray_address)
    click.echo(report.summary())
    for skipped in report.skipped:
        click.echo(messages.INGEST_SKIPPED_LINE.format(source=skipped.source, reason=skipped.reason))
    if report.chunks_total == 0:
        click.echo(messages.INGEST_NOTHING_INDEXED, err=True)
        sys.exit(1)


@main.command(context_settings=CONTEXT)
@click.argument("question")
@index_option
@click.option("-k", "--k", "top_k", type=click.IntRange(1, 50), help="Nombre de passages (par défaut 3).")
@click.option(
    "--mode",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    default="hybrid",
    show_default=True,
    help="Recherche hybride, vectorielle seule ou lexicale seule.",
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (une liste de passages).")
@click.pass_context
@report_errors
def search(
    ctx: click.Context, question: str, index_dir: Path | None, top_k: int | None, mode: str, as_json: bool
) -> None:
    """Chercher les passages les plus pertinents pour une question (sans rédiger de réponse)."""
    from essbot.retrieve import HybridRetriever

    if not question.strip():
        raise EssbotError(messages.SEARCH_EMPTY_QUESTION)
    settings = settings_from(ctx, index_dir=index_dir, top_k=top_k)
    passages = HybridRetriever.open(settings).search(question, mode=mode)
    if as_json:
        click.echo(json.dumps([p.to_dict() for p in passages], ensure_ascii=False, indent=2))
        return
    if not passages:
        click.echo(messages.SEARCH_NO_RESULT)
    for rank, passage in enumerate(passages, start=1):
        chunk = passage.chunk
        page = messages.SEARCH_PAGE.format(page=chunk.page) if chunk.page else ""
        click.echo(
            click.style(
                messages.SEARCH_RESULT_HEADER.format(
                    rank=rank, source=chunk.source, page=page, section=chunk.section, score=passage.score
                ),
                bold=True,
            )
        )
        text = " ".join(chunk.text.split())
        click.echo("   " + (text[:400] + "…" if len(text) > 400 else text) + "\n")


def _print_sources(answer: Any) -> None:
    from essbot.answer.provenance import date_phrase, source_label

    if not answer.citations:
        return
    click.echo("\n" + click.style(messages.ANSWER_SOURCES_HEADER, bold=True))
    for citation in answer.citations:
        page = messages.SEARCH_PAGE.format(page=citation.page) if citation.page else ""
        dated = f" — {phrase}" if (phrase := date_phrase(citation)) else ""
        click.echo(f"  [{citation.id}] {source_label(citation)}{page}{dated} ({citation.source})")


def _load_history(path: Path | None) -> list[Any]:
    if path is None:
        return []
    from essbot.answer.engine import parse_history
    from essbot.errors import QuestionError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise QuestionError(messages.HISTORY_FILE_INVALID.format(path=path, detail=exc)) from exc
    return parse_history(data)


def _open_assistant(ctx: click.Context, **overrides: Any) -> Any:
    from essbot.answer.engine import Assistant
    from essbot.retrieve import HybridRetriever

    settings = settings_from(ctx, **overrides)
    return Assistant(HybridRetriever.open(settings), settings)


@main.command(context_settings=CONTEXT)
@click.argument("question")
@index_option
@click.option(
    "--history",
    "history_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help='Conversation précédente : fichier JSON [{"role": "user"|"assistant", "content": "…"}].',
)
@click.option("-k", "--k", "top_k", type=click.IntRange(1, 20), help="Nombre de passages consultés (par défaut 3).")
@click.option(
    "--generator",
    type=click.Choice(["extractive", "openai", "llamacpp"]),
    help="Générateur de réponse (par défaut : celui de la configuration, extractive).",
)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON : un objet Answer (voir ARCHITECTURE.md).")
@click.pass_context
@report_errors
def ask(
    ctx: click.Context,
    question: str,
    index_dir: Path | None,
    history_file: Path | None,
    top_k: int | None,
    generator: str | None,
    as_json: bool,
) -> None:
    """Poser une question et obtenir une réponse sourcée (citations [n] vers les documents)."""
    history = _load_history(history_file)
    assistant = _open_assistant(ctx, index_dir=index_dir, top_k=top_k, generator=generator)
    if as_json:
        click.echo(json.dumps(assistant.ask(question, history).to_dict(), ensure_ascii=False, indent=2))
        return
    final = None
    for item in assistant.stream(question, history):
        if isinstance(item, str):
            continue  # the verified text is printed once, below
        final = item
    assert final is not None  # stream always ends with the Answer
    click.echo(final.answer)
    _print_sources(final)


@main.command(context_settings=CONTEXT)
@index_option
@click.option(
    "--generator",
    type=click.Choice(["extractive", "openai", "llamacpp"]),
    help="Générateur de réponse (par défaut : celui de la configuration).",
)
@click.pass_context
@report_errors
def chat(ctx: click.Context, index_dir: Path | None, generator: str | None) -> None:
    """Conversation dans le terminal : les questions de suivi (« Et qui le délivre ? ») gardent le contexte.

    Tapez /nouveau pour repartir de zéro, /quitter (ou Ctrl-D) pour sortir.
    """
    from essbot.answer.types import Message
    from essbot.errors import QuestionError

    assistant = _open_assistant(ctx, index_dir=index_dir, generator=generator)
    click.echo(messages.CHAT_WELCOME)
    history: list[Message] = []
    while True:
        try:
            question = click.prompt(click.style("Vous", bold=True), prompt_suffix=" > ", default="", show_default=False)
        except (EOFError, click.Abort):
            click.echo()
            return
        command = question.strip().lower()
        if command in {"/quitter", "/quit", "/exit"}:
            return
        if command in {"/nouveau", "/new"}:
            history = []
            click.echo(messages.CHAT_RESET)
            continue
        if not command:
            continue
        try:
            answer = assistant.ask(question, history)
        except QuestionError as exc:
            click.echo(f"Erreur : {exc.user_message}", err=True)
            continue
        click.echo(click.style("essbot", bold=True) + " > " + answer.answer)
        _print_sources(answer)
        click.echo()
        history += [Message("user", question), Message("assistant", answer.answer)]
