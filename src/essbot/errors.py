"""Exception hierarchy: every error carries a French message for the user and a technical cause."""

from __future__ import annotations


class EssbotError(Exception):
    """Base class: `user_message` is French and shown as is; `cause` is for logs and debugging."""

    exit_code = 1

    def __init__(self, user_message: str, cause: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.cause = cause

    def __str__(self) -> str:
        return self.user_message


class ConfigError(EssbotError):
    """Invalid configuration (essbot.toml, ESSBOT_* variables or arguments)."""

    exit_code = 2


class IndexNotFoundError(EssbotError):
    """No usable index at the given path."""


class IndexIncompatibleError(EssbotError):
    """Index built with another embedding model or an older format."""


class IndexBusyError(EssbotError):
    """Another process is already writing this index."""


class EmbeddingBackendError(EssbotError):
    """The embedding backend could not be loaded or failed."""


class NothingIndexedError(EssbotError):
    """Ingestion produced no usable passage."""


class IngestCancelledError(EssbotError):
    """An ingestion was cancelled (by request or because it ran past its time limit) before publishing."""


class QuestionError(EssbotError):
    """The question or the conversation history cannot be used (empty, too long, malformed)."""

    exit_code = 2


class GenerationError(EssbotError):
    """The answer generator (LLM endpoint or local model) failed or is not configured."""
