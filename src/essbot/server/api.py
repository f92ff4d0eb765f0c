"""The FastAPI application: `create_app(settings)` wires routes, limits, errors and the optional chat UI."""

from __future__ import annotations

import dataclasses
import logging
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from starlette.responses import Response

from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.insights.log import CHANNEL_API, QuestionLog, logged_stream
from essbot.redaction import install_redaction
from essbot.server import chat_completions, documents, schemas
from essbot.server.deps import CurrentAssistant, CurrentReindexer
from essbot.server.disconnect import first_item, until_disconnected
from essbot.server.documents import DocumentLibrary, status_model
from essbot.server.http_errors import install_error_handlers
from essbot.server.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from essbot.server.ratelimit import ClientLimiter, RateLimitMiddleware, parse_origins
from essbot.server.reindex import LiveAssistant, Reindexer
from essbot.server.sse import answer_events, event_stream

logger = logging.getLogger("essbot.server")

DESCRIPTION = """
Assistant en français, avec citations, pour les agents et élus des collectivités sur l'économie sociale et
solidaire (ESS).

* `POST /v1/ask` : une réponse (objet **Answer**) ; `POST /v1/ask/stream` : la même en Server-Sent Events.
* `POST /v1/chat/completions` : format OpenAI, pour les clients de chat existants.
* `/v1/documents` : liste, ajout et suppression de documents (jeton d'administration).

Les textes renvoyés sont du texte brut : affichez-les comme du texte, jamais comme du HTML.
Toutes les erreurs ont la forme `{"error": {"code": "…", "message": "…"}}`, avec un message en français.
"""

_QUESTION_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": schemas.Error, "description": "Question vide ou trop longue."},
    413: {"model": schemas.Error, "description": "Corps de requête trop volumineux."},
    422: {"model": schemas.Error, "description": "Corps de requête invalide (champs, historique)."},
    429: {"model": schemas.Error, "description": "Trop de requêtes pour ce client."},
}
_SSE_DOC = """Flux `text/event-stream`, chaque `data` étant un objet JSON sur une ligne :

* `token` : `{"text": "…"}`, un morceau de réponse déjà vérifié (phrase citée, texte brut) ;
* `citations` : `{"citations": [Citation, …]}` ;
* `done` : l'objet **Answer** complet, dont le champ `answer` est le texte définitif à afficher ;
* `error` : `{"error": {"code", "message", "request_id"?}}` si la réponse échoue en cours de route.

Si le client ferme la connexion, la rédaction de la réponse s'arrête.

Une question invalide est refusée avant le flux, par une erreur JSON ordinaire."""

router = APIRouter()


@router.post(
    "/v1/ask",
    response_model=schemas.Answer,
    tags=["questions"],
    summary="Poser une question",
    responses=_QUESTION_ERRORS,
)
async def ask(
    body: schemas.AskRequest, request: Request, assistant: CurrentAssistant, background: BackgroundTasks
) -> Any:
    """Réponse sourcée : chaque `[n]` du texte renvoie à la citation d'`id` n."""
    filters = body.filters.as_mapping() if body.filters else None
    work = assistant.aask(body.question, [m.model_dump() for m in body.history], body.k, filters)
    answer = await until_disconnected(request, work)
    if isinstance(answer, Response):
        return answer  # the client has gone
    if question_log := getattr(request.app.state, "question_log", None):  # written after the response is sent
        background.add_task(question_log.record, body.question, answer, CHANNEL_API)
    return answer.to_dict()  # validated and serialized once, against response_model


@router.post(
    "/v1/ask/stream",
    tags=["questions"],
    summary="Poser une question (réponse en flux SSE)",
    response_class=Response,
    responses={200: {"content": {"text/event-stream": {}}, "description": _SSE_DOC}, **_QUESTION_ERRORS},
)
async def ask_stream(body: schemas.AskRequest, request: Request, assistant: CurrentAssistant) -> Response:
    """La réponse au fil de sa rédaction : événements `token`, puis `citations`, puis `done`."""
    filters = body.filters.as_mapping() if body.filters else None
    items = assistant.astream(body.question, [m.model_dump() for m in body.history], body.k, filters)
    items = logged_stream(items, getattr(request.app.state, "question_log", None), body.question, CHANNEL_API)
    # The first item comes after validation and retrieval: a bad question is still a plain JSON error.
    first = await until_disconnected(request, first_item(items))
    if isinstance(first, Response):
        return first  # the client has gone before the first sentence
    return event_stream(answer_events(first, items))


@router.get("/health", response_model=schemas.Health, tags=["service"], summary="État du service")
async def health(assistant: CurrentAssistant, reindexer: CurrentReindexer) -> schemas.Health:
    """Index en service (son nom, jamais son chemin), nombre de passages et de documents, générateur."""
    stats = assistant.retriever.store.stats()
    index_dir = assistant.settings.index_dir
    indexing = status_model(reindexer.status)
    # The re-index summary names the index folder: public responses give its name, never its path.
    indexing.message = indexing.message.replace(str(index_dir), index_dir.name)
    suspended = assistant.retriever.dense_suspended
    return schemas.Health(
        status="degraded" if suspended else "ok",
        index=index_dir.name,
        chunks=stats.chunks,
        documents=stats.documents,
        generator=str(getattr(assistant.generator, "name", type(assistant.generator).__name__)),
        embedding_model=stats.embedding_model,
        indexing=indexing,
        warning=suspended or None,
    )


def _package_version() -> str:
    try:
        return version("essbot")
    except PackageNotFoundError:
        return "0"


def _mount_optional_ui(app: FastAPI, settings: Settings, live: LiveAssistant) -> None:
    """The chat UI and widget (essbot.ui.mount) when installed; the API works without them."""
    try:
        from essbot.ui.mount import mount_ui
    except ImportError as exc:
        logger.info("chat UI not mounted (%s)", exc)
        return
    try:
        # One Assistant in memory for API and chat; a factory, so that the chat follows re-indexes.
        mount_ui(app, settings, assistant=lambda: live.current, limiter=app.state.limiter)
    except Exception:  # a broken UI must not take the API down with it
        logger.exception("chat UI could not be mounted; serving the API without it")


def create_app(settings: Settings, assistant: Assistant | None = None, *, with_ui: bool = True) -> FastAPI:
    """The HTTP API on the index of `settings` (or on the given Assistant, whose index it then manages).

    `with_ui=False` serves the API alone, without the chat UI and widget of essbot.ui.
    """
    assistant = assistant or Assistant.load(settings=settings)
    settings = dataclasses.replace(settings, index_dir=assistant.settings.index_dir)
    live = LiveAssistant(assistant)
    reindexer = Reindexer(live, settings)

    app = FastAPI(title="essbot", version=_package_version(), description=DESCRIPTION)
    app.state.settings = settings
    app.state.live = live
    app.state.reindexer = reindexer
    app.state.library = DocumentLibrary(settings, reindexer)
    app.state.limiter = ClientLimiter.from_settings(settings)
    app.state.question_log = QuestionLog.from_settings(settings)
    install_redaction(settings)
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(chat_completions.router)
    app.include_router(documents.router)

    # Added innermost first: CORS is the outermost layer, so even a 413 or a 429 carries its headers.
    app.add_middleware(
        BodyLimitMiddleware,
        json_limit_bytes=settings.max_body_kb * 1024,
        upload_limit_bytes=int(settings.max_upload_mb * 1024 * 1024),
    )
    app.add_middleware(RateLimitMiddleware, limiter=app.state.limiter)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=parse_origins(settings.cors_origins),
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    if with_ui:
        _mount_optional_ui(app, settings, live)
    return app
