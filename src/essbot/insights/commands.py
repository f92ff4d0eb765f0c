"""`essbot insights`: the report for the corpus owners, as a click command registered lazily by cli.py."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from essbot.clitools import CONTEXT, report_errors, settings_from
from essbot.errors import EssbotError
from essbot.insights import messages
from essbot.insights.grouping import DEFAULT_MIN_SIMILARITY


@click.command(context_settings=CONTEXT)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Ne retenir que les questions posées depuis cette date, AAAA-MM-JJ (par défaut toutes).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("insights"),
    show_default=True,
    help="Dossier où écrire insights.html et insights.csv.",
)
@click.option(
    "--similarity",
    type=click.FloatRange(0.0, 1.0),
    default=DEFAULT_MIN_SIMILARITY,
    show_default=True,
    help="Ressemblance moyenne (cosinus) à partir de laquelle des questions forment un même sujet.",
)
@click.option("--excel", is_flag=True, help="CSV pour Excel en français : séparateur « ; » et encodage reconnu.")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Journal des questions (par défaut indexes/questions.sqlite3, réglage question_log_db).",
)
@click.option(
    "--feedback-db",
    "feedback_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Base des avis (par défaut indexes/feedback.sqlite3, réglage feedback_db).",
)
@click.pass_context
@report_errors
def insights(
    ctx: click.Context,
    since: datetime | None,
    out_dir: Path,
    similarity: float,
    excel: bool,
    db_path: Path | None,
    feedback_path: Path | None,
) -> None:
    """Ce que les utilisateurs demandent et n'obtiennent pas : rapport HTML et CSV pour les responsables du fonds.

    Les questions sans réponse trouvée dans les documents et les réponses jugées pas utiles (👎) sont
    regroupées par sujet (à l'aide du modèle d'embeddings configuré), avec les comptes par semaine, les
    commentaires et les passages les plus proches trouvés : de quoi décider quels documents ajouter ou compléter.
    Les questions viennent du journal des questions (réglage question_log), où courriels et numéros de
    téléphone sont masqués avant enregistrement.
    """
    from essbot.index.embeddings import create_embedding
    from essbot.insights.log import QuestionLog
    from essbot.insights.render import write_report
    from essbot.insights.report import build_report
    from essbot.ui.feedback import FeedbackStore

    settings = settings_from(ctx, question_log_db=db_path, feedback_db=feedback_path)
    start = since.replace(tzinfo=UTC) if since else None
    if not settings.question_log:
        click.echo(messages.LOG_DISABLED, err=True)
    try:
        questions = QuestionLog(settings.question_log_db).rows() if settings.question_log else []
        feedback = FeedbackStore(settings.feedback_db).rows()
    except sqlite3.Error as exc:
        raise EssbotError(messages.DB_UNREADABLE.format(path=settings.question_log_db, detail=exc)) from exc
    embedding: Any = None

    def encode(texts: list[str]) -> Any:
        nonlocal embedding
        embedding = embedding or create_embedding(settings)
        return embedding.encode_queries(texts)

    report = build_report(questions, feedback, encode, since=start.date() if start else None, min_similarity=similarity)
    html_path, csv_path = write_report(report, out_dir, excel=excel)
    click.echo(messages.WRITTEN.format(html=html_path, csv=csv_path, items=report.items, groups=len(report.groups)))
