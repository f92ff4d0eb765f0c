"""Parsing, splitting and embedding of many files in parallel on a Ray cluster (`essbot ingest --ray`).

Each Ray worker is an actor that loads the embedding model once and keeps one isolated parsing process (the
memory and time limits of `ingest.isolation`), so a hostile file costs that worker's child, never the actor.
The driver sends each file's bytes (the cluster's nodes need not see the driver's disk) and gets back the
file's chunks and their vectors; writing to the index stays with the caller. Ray is an optional extra:
`pip install 'essbot[ray]'`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from essbot import messages
from essbot.config import Settings
from essbot.errors import EssbotError, IngestCancelledError
from essbot.ingest.isolation import IsolatedParser
from essbot.ingest.loaders import LoadedDocument, SkippedFile
from essbot.types import Chunk, FileRecord

LOCAL = "local"  # start a Ray instance on this machine for the run
_ADDRESS = re.compile(r"^(auto|local|ray://[\w.\-\[\]:]+|[\w.\-]+:\d+)$")
_WAIT_S = 0.5  # how often the driver checks for cancellation while files are prepared


@dataclass
class PreparedDocument:
    """One file after parsing, splitting and embedding; `record.skipped` holds the French reason if it failed."""

    record: FileRecord
    chunks: list[Chunk] = field(default_factory=list)
    vectors: np.ndarray | None = None  # one normalised row per chunk
    skipped_parts: list[tuple[str, str]] = field(default_factory=list)  # (part, French reason)


def describe_document(record: FileRecord, doc: LoadedDocument, chunks: Sequence[Chunk]) -> None:
    """Fill what the manifest remembers of a parsed file (title, type, pages, chunk ids)."""
    record.title, record.doc_type, record.chunk_ids = doc.title, doc.doc_type, [c.chunk_id for c in chunks]
    record.pages = len(doc.pages) if doc.doc_type == "pdf" else None


def is_ray_address(value: str) -> bool:
    """`auto`, `local`, `ray://host:port` or `host:port`."""
    return bool(_ADDRESS.match(value))


class DocumentPreparer:
    """What one Ray worker runs: an isolated parser and the embedding model, both started once."""

    def __init__(self, settings: Settings) -> None:
        from essbot.index.embeddings import create_embedding

        self.settings = settings
        self.parser = IsolatedParser(settings)
        self.model = create_embedding(settings)
        self.workdir = Path(tempfile.mkdtemp(prefix="essbot-ray-"))

    def prepare(self, data: bytes, name: str, record: FileRecord) -> PreparedDocument:
        """Parse, split and embed one file given as bytes (its name and mtime kept: loaders read both)."""
        folder = Path(tempfile.mkdtemp(dir=self.workdir))
        path = folder / name
        try:
            path.write_bytes(data)
            os.utime(path, ns=(record.mtime_ns, record.mtime_ns))
            doc, chunks = self.parser.chunk(path, record.source)
        except SkippedFile as skip:
            return PreparedDocument(replace(record, skipped=skip.reason))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        record = replace(record, skipped=None)
        describe_document(record, doc, chunks)
        return PreparedDocument(record, chunks, self._embed([c.embed_text for c in chunks]), doc.skipped_parts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Each distinct text once, in batches of similar lengths, as the serial path does."""
        distinct = sorted(set(texts), key=len)
        size = max(1, self.settings.embedding_batch_size)
        rows: dict[str, np.ndarray] = {}
        for start in range(0, len(distinct), size):
            batch = distinct[start : start + size]
            rows.update(zip(batch, self.model.encode_passages(batch), strict=True))
        return np.stack([rows[text] for text in texts]).astype(np.float32)

    def close(self) -> None:
        self.parser.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def prepare_documents(
    files: Sequence[tuple[Path, FileRecord]],
    settings: Settings,
    address: str = LOCAL,
    *,
    workers: int | None = None,
    progress: bool = False,
    should_stop: Callable[[], bool] | None = None,
) -> Iterator[PreparedDocument]:
    """Prepare these files on Ray, yielding each as soon as it is done (not in order).

    `address`: `local` starts Ray on this machine for the run; `auto` or `ray://host:port` joins a running
    cluster. When Ray is already initialised in this process it is used as is. `workers` defaults to
    `settings.ray_workers`, else one per CPU of the cluster (and never more).
    """
    if not files:
        return
    ray = _import_ray()
    started = _connect(ray, address)
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))  # one CPU per worker: more would never start
        count = max(1, min(len(files), workers or settings.ray_workers or cpus, cpus))
        yield from _run(ray, files, settings, count, progress, should_stop or (lambda: False))
    finally:
        if started:
            ray.shutdown()


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise EssbotError(messages.INGEST_RAY_MISSING, str(exc)) from exc
    return ray


def _connect(ray: Any, address: str) -> bool:
    """Initialise Ray for this run; True when this call started it (so it must shut it down)."""
    if not is_ray_address(address):
        raise EssbotError(messages.INGEST_RAY_BAD_ADDRESS.format(address=address))
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "WARNING"}
    if address != LOCAL:
        # Ray retries a silent host:port for ever: make sure something listens there first.
        if address != "auto" and not _listening(address):
            raise EssbotError(messages.INGEST_RAY_UNREACHABLE.format(address=address))
        options["address"] = address
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise EssbotError(messages.INGEST_RAY_UNREACHABLE.format(address=address), str(exc)) from exc
    return True


def _listening(address: str, timeout_s: float = 5.0) -> bool:
    """Whether a TCP connection to the `host:port` of a Ray address opens."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s):
            return True
    except (OSError, ValueError):
        return False


def _run(
    ray: Any,
    files: Sequence[tuple[Path, FileRecord]],
    settings: Settings,
    workers: int,
    progress: bool,
    should_stop: Callable[[], bool],
) -> Iterator[PreparedDocument]:
    preparer_actor = ray.remote(num_cpus=1)(DocumentPreparer)
    actors = [preparer_actor.remote(settings) for _ in range(workers)]
    queue = list(reversed(files))  # popped from the end: files go out in the given order
    running: dict[Any, tuple[Any, FileRecord]] = {}  # task -> (actor, record)
    bar = _progress_bar(len(files), workers, progress)
    try:
        idle = list(actors)
        while queue or running:
            while idle and queue:
                path, record = queue.pop()
                if record.size > settings.max_file_bytes:  # not even read: the loaders would refuse it
                    yield PreparedDocument(replace(record, skipped=_too_large(record.size, settings)))
                    continue
                actor = idle.pop()
                running[actor.prepare.remote(path.read_bytes(), path.name, record)] = (actor, record)
            if not running:
                continue
            done, _ = ray.wait(list(running), num_returns=1, timeout=_WAIT_S)
            if should_stop():
                raise IngestCancelledError(messages.INGEST_CANCELLED)
            for task in done:
                actor, record = running.pop(task)
                prepared, next_actor = _result(ray, task, actor, record, preparer_actor, settings)
                if next_actor is not actor:
                    actors.append(next_actor)
                idle.append(next_actor)
                if bar is not None:
                    bar.update()
                yield prepared
    finally:
        if bar is not None:
            bar.close()
        _stop_actors(ray, actors)


def _stop_actors(ray: Any, actors: list[Any]) -> None:
    """Let each worker close its parsing process and temporary folder, then make sure it is gone."""
    # A dead or stuck worker fails this: killing it closes its parser's pipes, which ends the parser too.
    with contextlib.suppress(Exception):
        ray.get([actor.close.remote() for actor in actors], timeout=30)
    for actor in actors:
        ray.kill(actor)


def _too_large(size: int, settings: Settings) -> str:
    limit = settings.max_file_bytes
    return messages.SKIP_TOO_LARGE.format(size_mb=size / 1024 / 1024, limit_mb=limit / 1024 / 1024)


def _result(
    ray: Any, task: Any, actor: Any, record: FileRecord, preparer_actor: Any, settings: Settings
) -> tuple[PreparedDocument, Any]:
    """The task's document, and the actor to use next (a fresh one when this one died)."""
    from ray.exceptions import RayActorError, RayTaskError

    try:
        return ray.get(task), actor
    except RayTaskError as exc:  # the backend failed (e.g. the embedding endpoint): the run cannot go on
        if isinstance(exc.cause, EssbotError):
            raise exc.cause from None
        raise
    except RayActorError as exc:  # the worker process died: skip the file, replace the worker
        reason = messages.INGEST_RAY_WORKER_LOST.format(detail=type(exc).__name__)
        return PreparedDocument(replace(record, skipped=reason)), preparer_actor.remote(settings)


def _progress_bar(total: int, workers: int, enabled: bool) -> Any:
    if not enabled:
        return None
    from tqdm import tqdm

    desc = messages.INGEST_RAY_PREPARING.format(workers=workers)
    return tqdm(total=total, desc=desc, unit="fichier", leave=False)
