"""Every failure of the API becomes `{"error": {"code", "message"}}` with a French message, in one place."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from essbot import messages
from essbot.errors import (
    ConfigError,
    EmbeddingBackendError,
    EssbotError,
    GenerationError,
    IndexBusyError,
    IndexIncompatibleError,
    IndexNotFoundError,
    NothingIndexedError,
    QuestionError,
)

logger = logging.getLogger("essbot.server")

# Sent with every JSON body: browsers must never sniff it as HTML or run anything from it.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


class HttpError(EssbotError):
    """An EssbotError that knows its HTTP status and error code (bad upload, missing token…)."""

    def __init__(self, status: int, code: str, user_message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(user_message)
        self.status = status
        self.code = code
        self.headers = headers or {}


class RequestTooLarge(StarletteHTTPException):
    """Raised while the body is read; an HTTPException so that FastAPI's body parsing lets it through."""

    def __init__(self, user_message: str) -> None:
        super().__init__(status_code=413, detail=user_message)


# Most specific first: the first matching class wins.
_STATUS: Sequence[tuple[type[EssbotError], int, str]] = (
    (QuestionError, 400, "invalid_question"),
    (IndexBusyError, 409, "index_busy"),
    (NothingIndexedError, 422, "nothing_indexed"),
    (IndexNotFoundError, 503, "index_unavailable"),
    (IndexIncompatibleError, 503, "index_unavailable"),
    (EmbeddingBackendError, 503, "embedding_unavailable"),
    (GenerationError, 502, "generation_failed"),
    (ConfigError, 500, "configuration_error"),
)


def describe_error(exc: EssbotError) -> tuple[int, str]:
    """HTTP status and error code of an EssbotError."""
    if isinstance(exc, HttpError):
        return exc.status, exc.code
    for cls, status, code in _STATUS:
        if isinstance(exc, cls):
            return status, code
    return 500, "essbot_error"


def error_body(code: str, message: str, request_id: str | None = None) -> dict[str, Any]:
    # A lone surrogate echoed from the request (a field name, a file name) could not be encoded as UTF-8.
    body: dict[str, Any] = {"code": code, "message": message.encode("utf-8", "replace").decode("utf-8")}
    if request_id:
        body["request_id"] = request_id
    return {"error": body}


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None, request_id: str | None = None
) -> JSONResponse:
    headers = {**SECURITY_HEADERS, **(headers or {})}
    if request_id:
        headers["X-Request-ID"] = request_id
    return JSONResponse(error_body(code, message, request_id), status_code=status, headers=headers)


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


_PUBLIC_MESSAGES = {
    "generation_failed": messages.API_GENERATION_FAILED,
    "index_unavailable": messages.API_INDEX_UNAVAILABLE,
    "embedding_unavailable": messages.API_INDEX_UNAVAILABLE,
}


def public_error(exc: EssbotError, where: str) -> tuple[int, str, str, str | None]:
    """(status, code, message, request id) of an error shown to anonymous users.

    A server-side failure (5xx) gets a generic French message and a request id; its details (provider's text,
    endpoint, paths) go to the server log only, secrets masked by the log filter (essbot.redaction).
    """
    status, code = describe_error(exc)
    if status < 500:
        return status, code, exc.user_message, None
    request_id = new_request_id()
    logger.error("[%s] %s: %s (%s)", request_id, where, exc.user_message, exc.cause)
    message = _PUBLIC_MESSAGES.get(code, messages.API_INTERNAL_ERROR)
    return status, code, message.format(request_id=request_id), request_id


def _field_problem(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if kind == "missing":
        return messages.API_FIELD_MISSING
    if kind == "extra_forbidden":
        return messages.API_FIELD_EXTRA
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return messages.API_FIELD_BAD_TYPE
    return messages.API_FIELD_BAD_VALUE


def validation_message(errors: Sequence[dict[str, Any]]) -> str:
    """A French summary of pydantic's errors (the first three), naming the fields."""
    json_error = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if json_error is not None:
        return messages.API_INVALID_JSON.format(detail=(json_error.get("ctx") or {}).get("error", "JSON"))
    problems = []
    for error in errors[:3]:
        loc = [str(part) for part in error.get("loc", ()) if part != "body"]
        field = ".".join(loc) or "corps de la requête"
        problems.append(messages.API_INVALID_FIELD.format(field=field, problem=_field_problem(error)))
    detail = " ; ".join(problems)
    if any(tuple(error.get("loc", ()))[:2] == ("body", "history") for error in errors):
        return messages.HISTORY_INVALID.format(detail=detail)
    return messages.API_INVALID_REQUEST.format(details=detail)


async def _essbot_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, EssbotError)
    status, code, message, request_id = public_error(exc, f"{request.method} {request.url.path}")
    return error_response(status, code, message, getattr(exc, "headers", None), request_id)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(422, "invalid_request", validation_message(list(exc.errors())))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if isinstance(exc, RequestTooLarge):
        return error_response(413, "payload_too_large", str(exc.detail))
    if status == 404:
        message, code = messages.API_NOT_FOUND.format(path=request.url.path), "not_found"
    elif status == 405:
        message = messages.API_METHOD_NOT_ALLOWED.format(method=request.method, path=request.url.path)
        code = "method_not_allowed"
    else:
        message, code = messages.API_HTTP_ERROR.format(status=status), "http_error"
    return error_response(status, code, message, dict(exc.headers or {}))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    request_id = new_request_id()
    logger.error("[%s] %s %s: unexpected error", request_id, request.method, request.url.path, exc_info=exc)
    message = messages.API_INTERNAL_ERROR.format(request_id=request_id)
    return error_response(500, "internal_error", message, request_id=request_id)


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON error handlers on the app."""
    app.add_exception_handler(EssbotError, _essbot_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
