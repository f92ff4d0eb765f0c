"""essbot: French answers with citations about the économie sociale et solidaire, for local authorities."""

from essbot.config import Settings, load_settings
from essbot.errors import (
    ConfigError,
    EmbeddingBackendError,
    EssbotError,
    IndexBusyError,
    IndexIncompatibleError,
    IndexNotFoundError,
    NothingIndexedError,
)

__all__ = [
    "ConfigError",
    "EmbeddingBackendError",
    "EssbotError",
    "IndexBusyError",
    "IndexIncompatibleError",
    "IndexNotFoundError",
    "NothingIndexedError",
    "Settings",
    "load_settings",
]
