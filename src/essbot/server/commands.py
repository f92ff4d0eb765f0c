"""`essbot serve`: the HTTP API under uvicorn (registered in cli.py with `main.add_command(serve)`)."""

from __future__ import annotations

from pathlib import Path

import click

from essbot.clitools import CONTEXT, index_option, report_errors, settings_from


@click.command(context_settings=CONTEXT)
@click.option("--host", help="Adresse d'écoute (par défaut 127.0.0.1 ; 0.0.0.0 pour toutes les interfaces).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port d'écoute (par défaut 8000).")
@index_option
@click.option(
    "--documents",
    "documents_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier des documents géré par /v1/documents (par défaut documents/).",
)
@click.option("--no-ui", is_flag=True, help="API seule, sans l'interface de chat (/chat) ni le widget.")
@click.option("--no-access-log", is_flag=True, help="Ne pas journaliser chaque requête.")
@click.pass_context
@report_errors
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    index_dir: Path | None,
    documents_dir: Path | None,
    no_ui: bool,
    no_access_log: bool,
) -> None:
    """Lancer l'API HTTP : questions (REST et flux SSE), format compatible OpenAI, gestion des documents.

    Documentation interactive sur http://HOTE:PORT/docs. Réglages utiles (essbot.toml ou variables
    d'environnement) : ESSBOT_ADMIN_TOKEN (ajout et suppression de documents), ESSBOT_CORS_ORIGINS
    (sites autorisés à appeler l'API et à intégrer le widget), ESSBOT_TRUSTED_PROXIES (mandataires inverses dont
    l'en-tête X-Forwarded-For est cru), ESSBOT_RATE_LIMIT_PER_MINUTE, ESSBOT_MAX_BODY_KB, ESSBOT_MAX_UPLOAD_MB.
    """
    import logging

    import uvicorn

    from essbot.server.api import create_app

    logger = logging.getLogger("essbot")
    if not logger.handlers:  # re-index reports and server errors, in uvicorn's format
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    settings = settings_from(ctx, host=host, port=port, index_dir=index_dir, documents_dir=documents_dir)
    # Loads the index first: a missing or incompatible index is reported in French (exit 1).
    app = create_app(settings, with_ui=not no_ui)
    click.echo(f"essbot : API sur http://{settings.host}:{settings.port} (documentation : /docs)", err=True)
    # X-Forwarded-For is read by essbot itself, from trusted_proxies only (see server/ratelimit.py):
    # uvicorn's own proxy handling would believe any loopback peer.
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        access_log=not no_access_log,
        server_header=False,
        log_level="info",
        proxy_headers=False,
    )
