"""What the chainlit callbacks share in one process: the Settings, one Assistant and the feedback store.

chainlit loads ui/app.py by file path and calls its callbacks without arguments, so the Settings given to
`mount_ui` (or to `essbot ui`) reach them through this single process-wide slot. Without `configure`, the
settings are read as everywhere else (essbot.toml < ESSBOT_* variables).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from essbot.answer.engine import Assistant
from essbot.config import Settings, load_settings
from essbot.insights.log import QuestionLog
from essbot.server.document_view import DocumentLinks
from essbot.server.ratelimit import ClientLimiter
from essbot.ui.feedback import FeedbackStore

AssistantSource = Assistant | Callable[[], Assistant] | None


class UIRuntime:
    """Settings, a lazily loaded Assistant (thread-safe, shared by every chat), the feedback store, the question
    log and the rate limiter of chat messages (the API's own when mounted in `essbot serve`, so a client has one
    budget)."""

    def __init__(
        self, settings: Settings, assistant: AssistantSource = None, limiter: ClientLimiter | None = None
    ) -> None:
        self.settings = settings
        self.feedback = FeedbackStore(settings.feedback_db)
        self.question_log = QuestionLog.from_settings(settings)  # None when the setting is off
        self.limiter = limiter or ClientLimiter.from_settings(settings)
        self.links = DocumentLinks.from_settings(settings)  # signs the chat's links to the cited documents
        self._assistant = assistant if isinstance(assistant, Assistant) else None
        self._factory = assistant if callable(assistant) and not isinstance(assistant, Assistant) else None
        self._lock = threading.Lock()

    def assistant(self) -> Assistant:
        """The Assistant to answer with.

        A factory is called each time (so that the API's re-indexing, which swaps its Assistant, reaches the
        chat); otherwise the index of `settings` is loaded on first use, and a failed load (no index yet)
        raises and is retried next time.
        """
        if self._factory is not None:
            return self._factory()
        with self._lock:
            if self._assistant is None:
                self._assistant = Assistant.load(settings=self.settings)
            return self._assistant


class _Slot:
    runtime: UIRuntime | None = None


def configure(settings: Settings, assistant: AssistantSource = None, limiter: ClientLimiter | None = None) -> UIRuntime:
    """Set the Settings (and optionally an already loaded Assistant, or a factory) used by the chat UI."""
    _Slot.runtime = UIRuntime(settings, assistant, limiter)
    return _Slot.runtime


def current() -> UIRuntime:
    """The configured runtime, or one built from essbot.toml and ESSBOT_* variables."""
    if _Slot.runtime is None:
        _Slot.runtime = UIRuntime(load_settings())
    return _Slot.runtime
