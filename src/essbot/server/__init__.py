"""HTTP API (FastAPI): `create_app(settings)`, served by `essbot serve`.

Kept import-light: `essbot.server.commands` is imported by the CLI, which must start fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from essbot.server.api import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from essbot.server.api import create_app

        return create_app
    raise AttributeError(name)
