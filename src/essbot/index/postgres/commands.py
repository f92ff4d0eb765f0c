"""`essbot migrate`: copy a local index into a shared PostgreSQL database (registered lazily in cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from essbot.clitools import CONTEXT, index_option, report_errors, settings_from
from essbot.index.postgres import messages


def _progress_bar(enabled: bool) -> Any:
    if not enabled:
        return None

    def bar(iterable: Any, total: int) -> Any:
        from tqdm import tqdm

        return tqdm(iterable, total=total, desc=messages.MIGRATE_READING, unit="document", leave=False)

    return bar


@click.command(context_settings=CONTEXT)
@click.option(
    "--to",
    "database_url",
    metavar="URL",
    help="Base PostgreSQL cible, postgresql://utilisateur:motdepasse@hote:5432/base (par défaut "
    "ESSBOT_DATABASE_URL, préférable : un mot de passe sur la ligne de commande est visible des autres "
    "utilisateurs de la machine).",
)
@index_option
@click.option(
    "--replace",
    is_flag=True,
    help="Remplacer le contenu de la base cible (sinon elle doit être vide) : la copie est écrite à part et mise "
    "en service d'un coup à la fin ; les réplicas répondent avec l'ancien contenu jusque-là.",
)
@click.option("-q", "--quiet", is_flag=True, help="Pas de barre de progression.")
@click.pass_context
@report_errors
def migrate(ctx: click.Context, database_url: str | None, index_dir: Path | None, replace: bool, quiet: bool) -> None:
    """Copier un index local vers une base PostgreSQL partagée, sans recalculer les vecteurs.

    Les documents, passages et vecteurs de l'index (--index, par défaut indexes/default) sont recopiés tels
    quels, un document par transaction : une copie interrompue se relance sans risque avec --replace (qui ne
    touche au contenu en service qu'une fois la copie complète). Ensuite, ESSBOT_DATABASE_URL désigne la base à
    toutes les répliques de « essbot serve ».
    """
    from essbot.errors import EssbotError
    from essbot.index.postgres.connection import database_label
    from essbot.index.postgres.migrate import copy_documents, open_source
    from essbot.index.postgres.rebuild import rebuilding
    from essbot.index.postgres.store import PostgresStore
    from essbot.index.stores import writing

    settings = settings_from(ctx, index_dir=index_dir, database_url=database_url)
    url = settings.database_url.get_secret_value()
    if not url:
        raise EssbotError(messages.DATABASE_NOT_CONFIGURED)
    label = database_label(url)
    source = open_source(settings)
    try:
        if not source.files():
            raise EssbotError(messages.MIGRATE_EMPTY.format(path=settings.index_dir))
        progress = _progress_bar(not quiet and sys.stderr.isatty())
        model, dim, splitter = source.embedding_model, source.dim, source.splitter
        with writing(settings.replace(store="postgres")):  # one writer per database, leftovers dropped
            if replace:  # into a shadow schema swapped in at the end: the replicas keep answering meanwhile
                with rebuilding(url, model, dim, splitter) as target:
                    report = copy_documents(source, target, progress)
            else:
                with PostgresStore.open(url, model, dim, splitter=splitter) as target:
                    present = len(target.files())
                    if present:
                        raise EssbotError(messages.MIGRATE_TARGET_NOT_EMPTY.format(url=label, documents=present))
                    report = copy_documents(source, target, progress)
    finally:
        source.close()
    click.echo(
        messages.MIGRATE_SUMMARY.format(
            url=label,
            documents=report.documents,
            chunks=report.chunks,
            skipped=report.skipped,
            seconds=report.seconds,
        )
    )
