"""The folder of a local store: one writer at a time (a lock file), and whole-store replacement for rebuilds.

A rebuild (`essbot ingest --rebuild`, a new splitter) writes a sibling temporary folder and swaps it in with
two renames; a crash between them is finished or undone by the next writer, and readers fall back on the backup.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from essbot import messages
from essbot.errors import IndexBusyError
from essbot.index.local.schema import DATABASE


def backup_dir(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.old"


def temporary_dir(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.tmp-{os.getpid()}"


def readable_dir(index_dir: Path) -> Path:
    """The live folder, or its backup if a previous swap was interrupted between its two renames."""
    if not (index_dir / DATABASE).is_file() and (backup_dir(index_dir) / DATABASE).is_file():
        return backup_dir(index_dir)
    return index_dir


def swap_in(tmp: Path, index_dir: Path) -> None:
    backup = backup_dir(index_dir)
    if index_dir.exists():
        os.rename(index_dir, backup)
    os.rename(tmp, index_dir)
    shutil.rmtree(backup, ignore_errors=True)


def recover(index_dir: Path) -> None:
    """Finish or undo what an interrupted rebuild left behind (called under the lock)."""
    backup = backup_dir(index_dir)
    if backup.exists():
        if (index_dir / DATABASE).is_file():
            shutil.rmtree(backup, ignore_errors=True)
        else:
            shutil.rmtree(index_dir, ignore_errors=True)
            os.rename(backup, index_dir)
    for stale in index_dir.parent.glob(f".{index_dir.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """One writer at a time per index; a second one gets a clear French error instead of waiting."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(index_dir.parent / f".{index_dir.name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusyError(messages.INDEX_BUSY.format(path=index_dir)) from exc
        try:
            recover(index_dir)
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
