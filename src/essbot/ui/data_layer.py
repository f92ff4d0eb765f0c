"""A chainlit data layer that stores feedback only.

chainlit shows the 👍/👎 buttons only when a data layer is configured, and sends each rating to
`upsert_feedback`. Conversations are not persisted (no login, no history sidebar): every other method is a
deliberate no-op.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from chainlit.data.base import BaseDataLayer
from chainlit.types import Feedback, PageInfo, PaginatedResponse, Pagination, ThreadDict, ThreadFilter
from chainlit.user import PersistedUser, User

from essbot.ui import messages
from essbot.ui.feedback import FeedbackStore


class FeedbackNotRecorded(Exception):
    """Shown by the chainlit UI as an error toast: the message is French."""


class FeedbackDataLayer(BaseDataLayer):
    """Feedback goes to our SQLite FeedbackStore; threads, steps and elements are not stored."""

    def __init__(self, store: Callable[[], FeedbackStore]) -> None:
        # chainlit builds its data layer once per process; the store is looked up at each call so that it
        # follows the runtime configured last (see ui/runtime.py).
        self._store = store

    async def upsert_feedback(self, feedback: Feedback) -> str:
        store = self._store()
        try:
            return await asyncio.to_thread(
                store.save, feedback.forId, int(feedback.value), feedback.comment or "", feedback.threadId or ""
            )
        except LookupError as exc:
            raise FeedbackNotRecorded(messages.FEEDBACK_UNKNOWN_ANSWER) from exc

    async def delete_feedback(self, feedback_id: str) -> bool:
        return await asyncio.to_thread(self._store().delete, feedback_id)

    # --- nothing else is persisted ------------------------------------------------------------------
    async def get_user(self, identifier: str) -> PersistedUser | None:
        return None

    async def create_user(self, user: User) -> PersistedUser | None:
        return None

    async def create_element(self, element: Any) -> None:
        return None

    async def get_element(self, thread_id: str, element_id: str) -> Any:
        return None

    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        return None

    async def create_step(self, step_dict: Any) -> None:
        return None

    async def update_step(self, step_dict: Any) -> None:
        return None

    async def delete_step(self, step_id: str) -> None:
        return None

    async def get_thread_author(self, thread_id: str) -> str:
        return ""

    async def delete_thread(self, thread_id: str) -> None:
        return None

    async def list_threads(self, pagination: Pagination, filters: ThreadFilter) -> PaginatedResponse[ThreadDict]:
        return PaginatedResponse(pageInfo=PageInfo(hasNextPage=False, startCursor=None, endCursor=None), data=[])

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        return None

    async def update_thread(
        self,
        thread_id: str,
        name: str | None = None,
        user_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        return None

    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        return None

    async def get_favorite_steps(self, user_id: str) -> list[Any]:
        return []
