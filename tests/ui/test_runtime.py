"""The chat UI answers with the API's Assistant when given one, and follows its replacement."""

from __future__ import annotations

from typing import Any

from essbot.config import Settings
from essbot.ui.runtime import UIRuntime


def test_a_factory_is_asked_each_time_so_a_swapped_assistant_is_used(tmp_path: Any) -> None:
    served = ["first"]
    runtime = UIRuntime(Settings(feedback_db=tmp_path / "fb.sqlite3"), lambda: served[-1])  # type: ignore[arg-type, return-value]
    assert runtime.assistant() == "first"
    served.append("after re-indexing")
    assert runtime.assistant() == "after re-indexing"
    assert runtime.feedback.path == tmp_path / "fb.sqlite3"
