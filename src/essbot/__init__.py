"""essbot: French answers with citations about the économie sociale et solidaire, for local authorities.

from essbot import Assistant
assistant = Assistant.load("indexes/default")
answer = assistant.ask("Qui délivre l'agrément ESUS ?")
"""

from essbot.answer.engine import Assistant
from essbot.answer.types import Answer, Citation, Message
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
from essbot.retrieve import Passage

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
