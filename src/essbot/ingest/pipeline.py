"""Incremental ingestion: only new or changed files are parsed and only unseen texts are embedded."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from essbot import messages
from essbot.config import Settings
from essbot.errors import EssbotError, IngestCancelledError, NothingIndexedError
from essbot.index.store import (
    Manifest,
    VectorIndex,
    check_compatible,
    index_lock,
    publish_index,
    read_manifest,
)
from essbot.ingest.clean import clean_document
from essbot.ingest.distributed import describe_document, prepare_documents
from essbot.ingest.isolation import IsolatedParser, ParsingCancelled
from essbot.ingest.legi import chunk_legi, is_legi_path
from essbot.ingest.loaders import LoadedDocument, SkippedFile, load_document, parser_failure_reason
from essbot.ingest.split import split_into_chunks
from essbot.types import Chunk, FileRecord

if TYPE_CHECKING:  # the embedding stack (llama-index) is only imported when something must be embedded
    from essbot.index.embeddings import EssbotEmbedding


@dataclass
class SkippedSource:
    source: str
    reason: str


@dataclass
class IngestReport:
    """What an ingest run did, for the CLI summary, the HTTP API and the tests."""

    index_dir: Path
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[SkippedSource] = field(default_factory=list)
    removed_files: list[str] = field(default_factory=list)
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_total: int = 0
    embedded: int = 0
    seconds: float = 0.0
    changed: bool = False

    def summary(self) -> str:
        if not self.changed:
            return messages.INGEST_NOTHING_CHANGED.format(
                index=self.index_dir, chunks=self.chunks_total, files=len(self.unchanged)
            )
        return messages.INGEST_SUMMARY.format(
            index=self.index_dir,
            indexed=len(self.indexed),
            unchanged=len(self.unchanged),
            skipped=len(self.skipped),
            added=self.chunks_added,
            removed=self.chunks_removed,
            total=self.chunks_total,
            embedded=self.embedded,
            seconds=self.seconds,
        )


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
    """Content hash of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cut_long_words(text: str, max_chars: int) -> str:
    """Cut every run of non-space characters longer than `max_chars`: such a « word » is no text."""
    return re.sub(rf"\S{{{max_chars + 1},}}", lambda match: match.group()[:max_chars], text)


def chunk_document(path: Path, source: str, settings: Settings) -> tuple[LoadedDocument, list[Chunk]]:
    """Load, clean and split one file as ingestion does, in this process; SkippedFile (French reason) when it cannot.

    Runs the parsers on the file as is: for untrusted files use `IsolatedParser`, which runs this in a child
    process under memory and time limits.
    """
    if is_legi_path(path):
        return chunk_legi(path, source, settings)
    doc = load_document(path, source, settings.max_file_bytes, settings.max_decompressed_bytes)
    try:
        for page in doc.pages:
            page.text = cut_long_words(page.text, settings.max_token_chars)
        chunks = split_into_chunks(
            clean_document(doc),
            source=source,
            title=doc.title,
            doc_type=doc.doc_type,
            chunk_size_words=settings.chunk_size_words,
            chunk_overlap_words=settings.chunk_overlap_words,
            updated=doc.updated,
            section_dates=doc.section_dates,
            max_passage_chars=settings.max_passage_chars,
        )
    except Exception as exc:  # cleaning and splitting must not stop ingestion either
        raise SkippedFile(parser_failure_reason(path, exc)) from exc
    if not chunks:
        raise SkippedFile(messages.SKIP_NO_TEXT)
    return doc, chunks


def _check_stop(should_stop: Callable[[], bool]) -> None:
    if should_stop():
        raise IngestCancelledError(messages.INGEST_CANCELLED)


def embedding_key(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x1f{text}".encode()).hexdigest()


def _progress(iterable, total: int, desc: str, enabled: bool):  # type: ignore[no-untyped-def]
    if not enabled:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit="fichier" if "Analyse" in desc else "lot", leave=False)


def embed_missing(
    texts: list[str],
    model: EssbotEmbedding,
    cache: dict[str, np.ndarray],
    batch_size: int,
    progress: bool,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Embed every text whose key is not in `cache` (each distinct text once), filling the cache."""
    keys = {embedding_key(model.model_id, text): text for text in texts}
    todo = sorted((key for key in keys if key not in cache), key=lambda key: len(keys[key]))
    batches = [todo[i : i + batch_size] for i in range(0, len(todo), batch_size)]
    for batch in _progress(batches, len(batches), messages.INGEST_EMBEDDING, progress and bool(batches)):
        if should_stop is not None:
            _check_stop(should_stop)
        for key, vector in zip(batch, model.encode_passages([keys[key] for key in batch]), strict=True):
            cache[key] = vector
    return len(todo)


def ingest(
    paths: Sequence[Path],
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: bool = False,
    embedding: EssbotEmbedding | None = None,
    parser: IsolatedParser | None = None,
    should_stop: Callable[[], bool] | None = None,
    ray_address: str | None = None,
) -> IngestReport:
    """Bring the index at settings.index_dir in step with the files under `paths`.

    Files are parsed by `parser` (a child process under memory and time limits; one is started for this run
    when none is given). With `ray_address` (`local`, `auto`, `ray://host:port`), new and changed files are
    parsed, split and embedded on Ray workers instead (`ingest.distributed`). When `should_stop` turns true,
    the run stops with IngestCancelledError and the index is left as it was.
    """
    stop = should_stop or (lambda: False)
    with ExitStack() as stack:
        if parser is None:
            parser = stack.enter_context(IsolatedParser(settings, should_stop=stop))
        try:
            return _ingest(paths, settings, rebuild, progress, embedding, parser, stop, ray_address)
        except ParsingCancelled as exc:
            raise IngestCancelledError(messages.INGEST_CANCELLED, str(exc)) from exc


def _ingest(
    paths: Sequence[Path],
    settings: Settings,
    rebuild: bool,
    progress: bool,
    embedding: EssbotEmbedding | None,
    parser: IsolatedParser,
    stop: Callable[[], bool],
    ray_address: str | None = None,
) -> IngestReport:
    started = time.perf_counter()
    index_dir = settings.index_dir
    report = IngestReport(index_dir)
    files = discover_files(paths)
    with index_lock(index_dir):
        old_manifest = None if rebuild else read_manifest(index_dir)
        same_splitter = old_manifest is not None and old_manifest.splitter == settings.splitter_signature()
        if old_manifest is not None:
            check_compatible(old_manifest, index_dir, embedding.model_id if embedding else settings.embedding_model_id)
        old_records = old_manifest.files if old_manifest and same_splitter else {}

        records: dict[str, FileRecord] = {}
        new_chunks: dict[str, list[Chunk]] = {}
        on_ray: list[tuple[Path, FileRecord]] = []  # files to prepare on Ray (`--ray`)
        precomputed: dict[str, np.ndarray] = {}  # their vectors, by embedding key
        for path, source in _progress(files, len(files), messages.INGEST_SCANNING, progress):
            _check_stop(stop)
            stat = path.stat()
            old = old_records.get(source)
            if old and old.size == stat.st_size and old.mtime_ns == stat.st_mtime_ns:
                records[source] = old
                continue
            digest = file_sha256(path)
            if old and old.sha256 == digest:
                records[source] = FileRecord(**{**old.__dict__, "mtime_ns": stat.st_mtime_ns})
                continue
            record = FileRecord(source, digest, stat.st_size, stat.st_mtime_ns)
            records[source] = record
            if ray_address is not None:
                on_ray.append((path, record))
                continue
            try:
                doc, chunks = parser.chunk(path, source)
            except SkippedFile as skip:
                record.skipped = skip.reason
                continue
            describe_document(record, doc, chunks)
            report.skipped.extend(SkippedSource(f"{source}:{part}", reason) for part, reason in doc.skipped_parts)
            new_chunks[source] = chunks
            report.indexed.append(source)
        for prepared in prepare_documents(on_ray, settings, ray_address or "", progress=progress, should_stop=stop):
            source = prepared.record.source
            records[source] = prepared.record
            if prepared.record.skipped:
                continue
            report.skipped.extend(SkippedSource(f"{source}:{part}", reason) for part, reason in prepared.skipped_parts)
            new_chunks[source] = prepared.chunks
            report.indexed.append(source)
            for chunk, vector in zip(prepared.chunks, prepared.vectors, strict=True):  # type: ignore[arg-type]
                precomputed[embedding_key(settings.embedding_model_id, chunk.embed_text)] = vector
        report.indexed.sort()

        for source, record in records.items():
            if record.skipped:
                report.skipped.append(SkippedSource(source, record.skipped))
            elif source not in new_chunks:
                report.unchanged.append(source)
        report.removed_files = sorted(set(old_manifest.files if old_manifest else {}) - set(records))
        # A file indexed before and unreadable now must lose its chunks, like a deleted one.
        newly_skipped = any(
            record.skipped and source in old_records and not old_records[source].skipped
            for source, record in records.items()
        )
        structure_changed = bool(new_chunks or report.removed_files or newly_skipped)
        structure_changed = structure_changed or old_manifest is None or not same_splitter
        if not structure_changed and not rebuild:
            report.chunks_total = old_manifest.chunk_count if old_manifest else 0
            _persist_manifest_stats(index_dir, old_manifest, records)
            report.seconds = time.perf_counter() - started
            return report
        _rebuild(report, settings, old_manifest, records, new_chunks, embedding, progress, stop, precomputed)
    report.seconds = time.perf_counter() - started
    return report


def _persist_manifest_stats(index_dir: Path, manifest: Manifest | None, records: dict[str, FileRecord]) -> None:
    """Record new mtimes of touched-but-identical files so the next run skips hashing them."""
    if manifest is None or all(manifest.files.get(s) == r for s, r in records.items()):
        return
    manifest.files = records
    tmp = index_dir / "manifest.json.tmp"
    tmp.write_text(manifest.to_json(), encoding="utf-8")
    os.replace(tmp, index_dir / "manifest.json")


def _rebuild(
    report: IngestReport,
    settings: Settings,
    old_manifest: Manifest | None,
    records: dict[str, FileRecord],
    new_chunks: dict[str, list[Chunk]],
    embedding: EssbotEmbedding | None,
    progress: bool,
    stop: Callable[[], bool],
    precomputed: dict[str, np.ndarray] | None = None,
) -> None:
    from essbot.index.embeddings import create_embedding

    model = embedding or create_embedding(settings)
    old_index = None
    if old_manifest is not None:
        if old_manifest.embedding_model != model.model_id:
            check_compatible(old_manifest, settings.index_dir, model.model_id)
        old_index = VectorIndex.load(settings.index_dir, model.model_id)
    old_chunks = {chunk.chunk_id: chunk for chunk in old_index.chunks} if old_index else {}
    # Vectors of the previous build, keyed by what was embedded: reused whatever file the text is in now.
    cache: dict[str, np.ndarray] = {}
    if old_index is not None:
        for chunk, vector in zip(old_index.chunks, old_index.vectors(), strict=True):
            cache[embedding_key(model.model_id, chunk.embed_text)] = vector
    cache.update(precomputed or {})  # computed on Ray workers (keyed by the configured model: unused otherwise)

    chunks: list[Chunk] = []
    for source in sorted(records):
        record = records[source]
        if record.skipped:
            continue
        if source in new_chunks:
            chunks.extend(new_chunks[source])
        else:
            chunks.extend(old_chunks[cid] for cid in record.chunk_ids if cid in old_chunks)
    if not chunks:
        raise NothingIndexedError(messages.INGEST_NOTHING_INDEXED)

    report.embedded = len(precomputed or {}) + embed_missing(
        [c.embed_text for c in chunks], model, cache, settings.embedding_batch_size, progress, stop
    )
    _check_stop(stop)
    vectors = np.stack([cache[embedding_key(model.model_id, c.embed_text)] for c in chunks]).astype(np.float32)
    manifest = Manifest(model.model_id, model.dim, settings.splitter_signature(), files=records)
    publish_index(settings.index_dir, manifest, chunks, vectors)

    old_ids, new_ids = set(old_chunks), {chunk.chunk_id for chunk in chunks}
    report.chunks_added = len(new_ids - old_ids)
    report.chunks_removed = len(old_ids - new_ids)
    report.chunks_total = len(chunks)
    report.changed = True
