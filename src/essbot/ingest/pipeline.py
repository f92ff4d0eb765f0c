"""Incremental ingestion: only new or changed files are parsed, only unseen texts are embedded, and only the
documents that changed are written to the store (one transaction each)."""

from __future__ import annotations

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
from essbot.errors import IndexIncompatibleError, IngestCancelledError, NothingIndexedError
from essbot.index.protocol import ChunkStore
from essbot.index.stores import open_store, replacing_store, store_exists, writing
from essbot.ingest.clean import clean_document
from essbot.ingest.isolation import IsolatedParser, ParsingCancelled
from essbot.ingest.legi import chunk_legi, is_legi_path
from essbot.ingest.loaders import LoadedDocument, SkippedFile, load_document, parser_failure_reason
from essbot.ingest.scan import (  # noqa: F401 - discover_files and file_sha256 are part of this module's API
    Scan,
    SkippedSource,
    check_stop,
    discover_files,
    embedding_key,
    file_sha256,
    with_progress,
)
from essbot.ingest.split import split_into_chunks
from essbot.types import Chunk, FileRecord

if TYPE_CHECKING:  # the embedding stack (llama-index) is only imported when something must be embedded
    from essbot.index.embeddings import EssbotEmbedding


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
    rebuilt: bool = False  # a new store replaced the previous one (first build, --rebuild, new splitter)

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


# Chunks embedded together before their documents are written: bounds memory on a large ingest.
EMBED_GROUP_CHUNKS = 2_000


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
    for batch in with_progress(batches, len(batches), messages.INGEST_EMBEDDING, progress and bool(batches)):
        if should_stop is not None:
            check_stop(should_stop)
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
    with writing(settings, index_dir), ExitStack() as stack:
        model_id = embedding.model_id if embedding else settings.embedding_model_id
        old = _open_previous(settings, model_id, rebuild)
        if old is not None:
            stack.callback(old.close)
        same_splitter = old is not None and old.splitter == settings.splitter_signature() and not rebuild
        old_records = old.files() if old is not None else {}
        scan = Scan(parser, progress, stop, settings, ray_address)
        records, new_chunks = scan.run(files, old_records if same_splitter else {})
        report.indexed, report.skipped = scan.indexed, scan.skipped
        for source, record in records.items():
            if record.skipped:
                report.skipped.append(SkippedSource(source, record.skipped))
            elif source not in new_chunks:
                report.unchanged.append(source)
        report.removed_files = sorted(set(old_records) - set(records))
        if old is None or not same_splitter:
            _build_new_store(
                report, settings, old, records, new_chunks, embedding, progress, stop, rebuild, scan.precomputed
            )
        else:
            _apply_changes(
                report, settings, old, old_records, records, new_chunks, embedding, progress, stop, scan.precomputed
            )
    report.seconds = time.perf_counter() - started
    return report


def _open_previous(settings: Settings, model_id: str, rebuild: bool) -> ChunkStore | None:
    """The store being updated; None for a first build, or for a rebuild of an unreadable or older store."""
    if not store_exists(settings):
        return None
    try:
        store = open_store(settings)
    except IndexIncompatibleError:
        if rebuild:
            return None
        raise
    if store.embedding_model != model_id and not rebuild:
        store.close()
        open_store(settings, model_id=model_id)  # raises the French « --rebuild » advice
    if rebuild and store.embedding_model != model_id:
        store.close()
        return None
    return store


def _embedding_groups(new_chunks: dict[str, list[Chunk]]) -> list[list[str]]:
    """Sources in groups of about EMBED_GROUP_CHUNKS chunks: each group is embedded, then written."""
    groups: list[list[str]] = [[]]
    size = 0
    for source in sorted(new_chunks):
        if size >= EMBED_GROUP_CHUNKS:
            groups.append([])
            size = 0
        groups[-1].append(source)
        size += len(new_chunks[source])
    return [group for group in groups if group]


class _Writer:
    """Embeds the chunks of new or changed documents (reusing stored vectors) and puts them in a store."""

    def __init__(
        self,
        settings: Settings,
        embedding: EssbotEmbedding | None,
        progress: bool,
        stop: Callable[[], bool],
        precomputed: dict[str, np.ndarray] | None = None,
    ):
        self.settings, self.embedding, self.progress, self.stop = settings, embedding, progress, stop
        self.cache: dict[str, np.ndarray] = dict(precomputed or {})  # vectors computed on Ray workers
        self.embedded = len(self.cache)

    def put(
        self,
        target: ChunkStore,
        sources: dict[str, ChunkStore | None],
        records: dict[str, FileRecord],
        new_chunks: dict[str, list[Chunk]],
    ) -> None:
        from essbot.index.embeddings import create_embedding

        for group in _embedding_groups(new_chunks):
            texts = [chunk.embed_text for source in group for chunk in new_chunks[source]]
            model = self.embedding = self.embedding or create_embedding(self.settings)
            for store in {id(s): s for s in sources.values() if s is not None}.values():
                for text, vector in store.stored_vectors(texts).items():
                    self.cache.setdefault(embedding_key(model.model_id, text), vector)
            self.embedded += embed_missing(
                texts, model, self.cache, self.settings.embedding_batch_size, self.progress, self.stop
            )
            check_stop(self.stop)
            for source in group:
                chunks = new_chunks[source]
                vectors = np.stack([self.cache[embedding_key(model.model_id, c.embed_text)] for c in chunks])
                target.put_document(records[source], chunks, vectors.astype(np.float32))


def _build_new_store(
    report: IngestReport,
    settings: Settings,
    old: ChunkStore | None,
    records: dict[str, FileRecord],
    new_chunks: dict[str, list[Chunk]],
    embedding: EssbotEmbedding | None,
    progress: bool,
    stop: Callable[[], bool],
    rebuild: bool,
    precomputed: dict[str, np.ndarray] | None = None,
) -> None:
    """A first build, a rebuild or a new splitter: every document into a new store swapped in at the end."""
    from essbot.index.embeddings import create_embedding

    if not new_chunks:
        raise NothingIndexedError(messages.INGEST_NOTHING_INDEXED)
    model = embedding or create_embedding(settings)
    # A rebuild embeds everything again; a new splitter keeps the vectors of passages it cuts the same way.
    reuse = None if rebuild else old
    writer = _Writer(settings, model, progress, stop, precomputed)
    old_ids = {cid for record in (old.files() if old else {}).values() for cid in record.chunk_ids}
    with replacing_store(settings, settings.index_dir, model.model_id, model.dim, settings.splitter_signature()) as new:
        for record in records.values():
            if record.skipped:
                new.put_document(record, [], np.zeros((0, model.dim), dtype=np.float32))
        writer.put(new, {"old": reuse}, records, new_chunks)
        check_stop(stop)
        total = new.stats().chunks
        if old is not None:
            old.close()
    new_ids = {chunk.chunk_id for chunks in new_chunks.values() for chunk in chunks}
    report.embedded = writer.embedded
    report.chunks_added = len(new_ids - old_ids)
    report.chunks_removed = len(old_ids - new_ids)
    report.chunks_total = total
    report.changed = report.rebuilt = True


def _apply_changes(
    report: IngestReport,
    settings: Settings,
    store: ChunkStore,
    old_records: dict[str, FileRecord],
    records: dict[str, FileRecord],
    new_chunks: dict[str, list[Chunk]],
    embedding: EssbotEmbedding | None,
    progress: bool,
    stop: Callable[[], bool],
    precomputed: dict[str, np.ndarray] | None = None,
) -> None:
    """Put or remove only the documents that changed, each in its own transaction."""
    skipped_changes = [s for s, r in records.items() if r.skipped and old_records.get(s) != r]
    total = sum(len(r.chunk_ids) for r in records.values() if not r.skipped)
    if total == 0:
        raise NothingIndexedError(messages.INGEST_NOTHING_INDEXED)
    writer = _Writer(settings, embedding, progress, stop, precomputed)
    writer.put(store, {"store": store}, records, new_chunks)
    for source in report.removed_files:
        store.remove_document(source)
    for source in skipped_changes:
        store.put_document(records[source], [], np.zeros((0, store.dim), dtype=np.float32))
    # A touched but identical file: only its record changes (its mtime), so the next run does not hash it again.
    for source, record in records.items():
        if not record.skipped and source not in new_chunks and old_records.get(source) != record:
            chunks = store.fetch(record.chunk_ids)
            stored = store.stored_vectors([c.embed_text for c in chunks])
            store.put_document(record, chunks, np.stack([stored[c.embed_text] for c in chunks]))
    old_ids = {cid for r in old_records.values() for cid in r.chunk_ids}
    new_ids = {cid for r in records.values() if not r.skipped for cid in r.chunk_ids}
    report.embedded = writer.embedded
    report.chunks_added = len(new_ids - old_ids)
    report.chunks_removed = len(old_ids - new_ids)
    report.chunks_total = store.stats().chunks
    report.changed = bool(new_chunks or report.removed_files or skipped_changes)
