"""The scan of an ingest run: which files are new, changed, unchanged or unreadable, and the chunks of the new and
changed ones, parsed in an isolated child process or parsed, split and embedded on Ray workers."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from essbot import messages
from essbot.config import Settings
from essbot.errors import EssbotError, IngestCancelledError
from essbot.ingest.distributed import describe_document, prepare_documents
from essbot.ingest.isolation import IsolatedParser
from essbot.ingest.legi_archive import digest_with_date
from essbot.ingest.loaders import SkippedFile
from essbot.types import Chunk, FileRecord


@dataclass
class SkippedSource:
    source: str
    reason: str


def discover_files(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """Files under the given paths with their `source` name (relative path; prefixed when several roots)."""
    found: dict[str, Path] = {}
    for root in paths:
        if not root.exists():
            raise EssbotError(messages.INGEST_PATH_MISSING.format(path=root))
        prefix = f"{root.name}/" if len(paths) > 1 and root.is_dir() else ""
        if root.is_file():
            found[root.name] = root
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
            for name in sorted(filenames):
                if not name.startswith((".", "~$")):
                    path = Path(dirpath) / name
                    found[prefix + path.relative_to(root).as_posix()] = path
    return sorted(((path, source) for source, path in found.items()), key=lambda item: item[1])


def file_sha256(path: Path) -> str:
    """Content hash of a file, read in blocks (with the date recorded for an uploaded LEGI file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest_with_date(path, digest.hexdigest())


def check_stop(should_stop: Callable[[], bool]) -> None:
    if should_stop():
        raise IngestCancelledError(messages.INGEST_CANCELLED)


def embedding_key(model_id: str, text: str) -> str:
    """The key of a text's vector in the vectors of one run (computed here, on Ray or found in the store)."""
    return hashlib.sha256(f"{model_id}\x1f{text}".encode()).hexdigest()


def with_progress(iterable, total: int, desc: str, enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="fichier" if "Analyse" in desc else "lot", leave=False)


class Scan:
    """The record of every file, and the chunks of those that are new or changed: parsed here by `parser`, or
    parsed, split and embedded on Ray workers (`ray_address`), whose vectors are kept in `precomputed`.

    After `run`: `indexed` (sorted) holds the sources with new chunks and `skipped` the parts of them that were
    left out (« file.zip:part »)."""

    def __init__(
        self,
        parser: IsolatedParser,
        progress: bool,
        stop: Callable[[], bool],
        settings: Settings,
        ray_address: str | None,
    ) -> None:
        self.parser, self.progress, self.stop = parser, progress, stop
        self.settings, self.ray_address = settings, ray_address
        self.indexed: list[str] = []
        self.skipped: list[SkippedSource] = []
        self.precomputed: dict[str, np.ndarray] = {}  # by embedding key, vectors computed on Ray

    def run(
        self, files: list[tuple[Path, str]], old_records: dict[str, FileRecord]
    ) -> tuple[dict[str, FileRecord], dict[str, list[Chunk]]]:
        records: dict[str, FileRecord] = {}
        new_chunks: dict[str, list[Chunk]] = {}
        on_ray: list[tuple[Path, FileRecord]] = []
        for path, source in with_progress(files, len(files), messages.INGEST_SCANNING, self.progress):
            check_stop(self.stop)
            stat = path.stat()
            old = old_records.get(source)
            if old and old.size == stat.st_size and old.mtime_ns == stat.st_mtime_ns:
                records[source] = old
                continue
            digest = file_sha256(path)
            if old and old.sha256 == digest:
                records[source] = FileRecord(**{**old.__dict__, "mtime_ns": stat.st_mtime_ns})
                continue
            record = records[source] = FileRecord(source, digest, stat.st_size, stat.st_mtime_ns)
            if self.ray_address is not None:
                on_ray.append((path, record))
                continue
            try:
                doc, chunks = self.parser.chunk(path, source)
            except SkippedFile as skip:
                record.skipped = skip.reason
                continue
            describe_document(record, doc, chunks)
            self._keep(source, chunks, doc.skipped_parts, new_chunks)
        if on_ray:
            self._prepare_on_ray(on_ray, records, new_chunks)
        self.indexed.sort()
        return records, new_chunks

    def _keep(
        self, source: str, chunks: list[Chunk], skipped_parts: list[tuple[str, str]], new_chunks: dict[str, list[Chunk]]
    ) -> None:
        self.skipped.extend(SkippedSource(f"{source}:{part}", reason) for part, reason in skipped_parts)
        new_chunks[source] = chunks
        self.indexed.append(source)

    def _prepare_on_ray(
        self, on_ray: list[tuple[Path, FileRecord]], records: dict[str, FileRecord], new_chunks: dict[str, list[Chunk]]
    ) -> None:
        model_id = self.settings.embedding_model_id
        prepared_files = prepare_documents(
            on_ray, self.settings, self.ray_address or "", progress=self.progress, should_stop=self.stop
        )
        for prepared in prepared_files:
            source = prepared.record.source
            records[source] = prepared.record
            if prepared.record.skipped or prepared.vectors is None:
                continue
            self._keep(source, prepared.chunks, prepared.skipped_parts, new_chunks)
            for chunk, vector in zip(prepared.chunks, prepared.vectors, strict=True):
                self.precomputed[embedding_key(model_id, chunk.embed_text)] = vector
