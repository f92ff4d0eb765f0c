"""essbot: French answers with citations about the économie sociale et solidaire, for local authorities.

Example::

    from essbot import Assistant

    assistant = Assistant.load("indexes/default")
    answer = assistant.ask("Qui délivre l'agrément ESUS ?")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from essbot.config import Settings, load_settings
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

if TYPE_CHECKING:
    from essbot.answer.engine import Assistant
    from essbot.answer.types import Answer, Citation, Message
    from essbot.types import Passage

# The answer engine pulls in llama-index (about a second): imported on first use, so that light
# commands (`essbot ingest` with nothing to do, `--help`) start at once.
_LAZY = {
    "Assistant": "essbot.answer.engine",
    "Answer": "essbot.answer.types",
    "Citation": "essbot.answer.types",
    "Message": "essbot.answer.types",
    "Passage": "essbot.retrieve",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'essbot' has no attribute {name!r}")


__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "ConfigError",
    "EmbeddingBackendError",
    "EssbotError",
    "GenerationError",
    "IndexBusyError",
    "IndexIncompatibleError",
    "IndexNotFoundError",
    "Message",
    "NothingIndexedError",
    "Passage",
    "QuestionError",
    "Settings",
    "load_settings",
]
