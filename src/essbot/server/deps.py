"""FastAPI dependencies: the app's Settings, the live Assistant, the re-indexer and admin auth.

All `async def`: they only read attributes, and FastAPI would run plain functions in its thread pool.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from essbot import messages
from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.server.http_errors import HttpError
from essbot.server.reindex import LiveAssistant, Reindexer

_bearer = HTTPBearer(auto_error=False, description="Jeton d'administration (variable ESSBOT_ADMIN_TOKEN).")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_live(request: Request) -> LiveAssistant:
    live: LiveAssistant = request.app.state.live
    return live


async def get_assistant(live: Annotated[LiveAssistant, Depends(get_live)]) -> Assistant:
    """The Assistant in service when the request arrived; kept for the whole request."""
    return live.current


async def get_reindexer(request: Request) -> Reindexer:
    reindexer: Reindexer = request.app.state.reindexer
    return reindexer


def check_admin(settings: Settings, authorization: str | None) -> None:
    """401 without a token, 403 with a wrong one (or when no admin token is configured on the server)."""
    token = settings.admin_token.get_secret_value()
    if not token:
        raise HttpError(403, "admin_disabled", messages.API_ADMIN_DISABLED)
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise HttpError(401, "unauthorized", messages.API_ADMIN_TOKEN_MISSING, {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.strip().encode("utf-8", "replace"), token.encode()):
        raise HttpError(403, "forbidden", messages.API_ADMIN_TOKEN_WRONG)


async def require_admin(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """The admin token, as a dependency (documented in the OpenAPI schema as a bearer token)."""
    check_admin(settings, f"Bearer {credentials.credentials}" if credentials else None)


CurrentAssistant = Annotated[Assistant, Depends(get_assistant)]
CurrentReindexer = Annotated[Reindexer, Depends(get_reindexer)]
CurrentSettings = Annotated[Settings, Depends(get_settings)]
