"""What every `essbot` sub-command shares: help settings, French error reporting, Settings from the group."""

from __future__ import annotations

import errno
import importlib
import sqlite3
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from essbot import messages
from essbot.config import Settings, load_settings
from essbot.errors import EssbotError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier de l'index (par défaut indexes/default).",
)


def report_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn an EssbotError into its French message on stderr and its exit code, in one place."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EssbotError as exc:
            click.echo(f"Erreur : {exc.user_message}", err=True)
            sys.exit(exc.exit_code)
        except (OSError, sqlite3.OperationalError) as exc:
            message = disk_error_message(exc)
            if message is None:
                raise
            click.echo(f"Erreur : {message}", err=True)
            sys.exit(1)

    return wrapper


_DISK_ERRORS = {
    errno.ENOSPC: messages.DISK_FULL,
    errno.EDQUOT: messages.DISK_FULL,
    errno.EROFS: messages.DISK_READ_ONLY,
    errno.EACCES: messages.DISK_NO_PERMISSION,
    errno.EPERM: messages.DISK_NO_PERMISSION,
}


def disk_error_message(exc: OSError | sqlite3.OperationalError) -> str | None:
    """A French message for a full disk, a read-only or forbidden folder; None for other errors."""
    if isinstance(exc, sqlite3.OperationalError):  # SQLite says it in words
        text = str(exc).lower()
        code = errno.ENOSPC if "full" in text else errno.EROFS if "readonly" in text else 0
        filename = None
    else:
        code, filename = exc.errno or 0, exc.filename
    template = _DISK_ERRORS.get(code)
    if template is None:
        return None
    return template.format(path=filename or messages.DISK_UNKNOWN_PATH)


def settings_from(ctx: click.Context, **overrides: Any) -> Settings:
    """The Settings built by the `essbot` group (--config), or read now when a command runs on its own."""
    base = ctx.find_object(Settings) or load_settings()
    return base.replace(**overrides)


class LazyGroup(click.Group):
    """A click group whose sub-commands living in other subsystems are imported only when used.

    `lazy` maps a command name to "module:attribute"; `essbot ingest` then never imports the HTTP server,
    the chat UI or the evaluation code.
    """

    def __init__(self, *args: Any, lazy: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module, attribute = self.lazy[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module), attribute)
            return command
        return super().get_command(ctx, cmd_name)
