"""`essbot ui` and `essbot feedback export`, as click objects registered by cli.py (`main.add_command`).

Nothing heavy is imported here: chainlit and uvicorn are imported when `essbot ui` actually starts.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from essbot.clitools import CONTEXT, index_option, report_errors, settings_from
from essbot.errors import EssbotError
from essbot.ui import messages


@click.command(context_settings=CONTEXT)
@click.option("--host", help="Adresse d'écoute (par défaut 127.0.0.1 ; 0.0.0.0 pour le réseau local).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (par défaut 8001, réglage ui_port).")
@index_option
@click.pass_context
@report_errors
def ui(ctx: click.Context, host: str | None, port: int | None, index_dir: Path | None) -> None:
    """Interface de discussion dans le navigateur (chainlit), en français.

    Réponses en continu avec leurs sources (document, page, passage cité ; aperçu du PDF à la page citée),
    questions de suivi, avis 👍/👎 avec commentaire. L'adresse affichée ouvre la discussion ; /widget.js
    sert aussi la bulle à intégrer sur un site. `essbot serve` sert la même interface avec l'API HTTP.
    """
    import uvicorn

    from essbot.ui.mount import CHAT_PATH, create_ui_app

    settings = settings_from(ctx, index_dir=index_dir)
    host = host or settings.host
    port = port or settings.ui_port
    from essbot.index.stores import store_exists

    if not store_exists(settings):
        from essbot import messages as core_messages

        click.echo(core_messages.INDEX_NOT_FOUND.format(path=settings.index_dir), err=True)
    app = create_ui_app(settings)
    click.echo(messages.UI_STARTING.format(url=f"http://{host}:{port}{CHAT_PATH}/"))
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.group(context_settings=CONTEXT)
def feedback() -> None:
    """Avis des utilisateurs (👍/👎 et commentaires) recueillis par l'interface de discussion et le widget."""


@feedback.command("export", context_settings=CONTEXT)
@click.argument("output", required=False, type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    default=True,
    help="Format CSV (le seul format, par défaut) : une ligne par réponse notée.",
)
@click.option(
    "--excel", is_flag=True, help="CSV pour Excel en français : séparateur « ; » et encodage reconnu à l'ouverture."
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Base des avis (par défaut indexes/feedback.sqlite3, réglage feedback_db).",
)
@click.pass_context
@report_errors
def export(ctx: click.Context, output: Path | None, as_csv: bool, excel: bool, db_path: Path | None) -> None:
    """Exporter les avis en CSV, vers OUTPUT ou la sortie standard (sans OUTPUT, ou « - »).

    Colonnes : id, created_at, updated_at, value (1 = utile, 0 = pas utile), rating (up/down), comment,
    question, answer, sources, abstained, channel (webapp = page de discussion, copilot = widget),
    thread_id, message_id, puis pour chaque source citée, dans l'ordre de « sources » et séparées par « | » :
    source_sections (section), source_pages (page) et source_dates (date de la source).
    """
    from essbot.ui.feedback import FeedbackStore

    settings = settings_from(ctx, feedback_db=db_path)
    store = FeedbackStore(settings.feedback_db)
    try:
        if output is None or str(output) == "-":
            count = store.export_csv(sys.stdout, excel=excel)
        else:
            count = store.export_csv(output, excel=excel)
    except sqlite3.Error as exc:
        raise EssbotError(messages.FEEDBACK_DB_UNREADABLE.format(path=settings.feedback_db, detail=exc)) from exc
    if count == 0:
        click.echo(messages.FEEDBACK_NONE.format(path=settings.feedback_db), err=True)
    elif output is not None and str(output) != "-":
        click.echo(messages.FEEDBACK_EXPORTED.format(count=count, path=output))
