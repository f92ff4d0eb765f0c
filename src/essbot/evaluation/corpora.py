"""Which documents a gold set is written for, and the indexes an evaluation needs (built when missing)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from essbot.config import Settings
from essbot.errors import EssbotError
from essbot.evaluation import messages
from essbot.index.stores import open_store, store_exists
from essbot.ingest.pipeline import discover_files, file_sha256

EVAL_INDEX_ROOT = Path("indexes")


# Gold sets written for the shared texts next to the repository (<repo>/../shared/...), by file-name prefix.
SHARED_CORPORA = {"seeds": ("seeds",), "lois": ("corpus", "lois")}


def shared_corpus_name(gold: Path) -> str | None:
    """ "seeds" or "lois" when the gold set was written for one of the shared corpora, else None."""
    return next((name for name in SHARED_CORPORA if gold.stem.startswith(name)), None)


def seeds_dir(gold: Path) -> Path:
    """The shared texts a gold set was written for: <repo>/../shared/seeds, or shared/corpus/lois for lois*."""
    repo = gold.resolve().parent.parent
    return repo.joinpath("..", "shared", *SHARED_CORPORA[shared_corpus_name(gold) or "seeds"])


def is_seeds_gold(gold: Path) -> bool:
    """True for gold sets on the shared corpora (seeds, law texts), which get an index of their own."""
    return shared_corpus_name(gold) is not None


def corpus_for(gold: Path, settings: Settings) -> Path:
    """The documents folder a gold set was written for: the shared seeds for seeds*.jsonl, else documents/."""
    return seeds_dir(gold) if is_seeds_gold(gold) else settings.documents_dir


def index_is_current(index_dir: Path, paths: Sequence[Path], settings: Settings) -> bool:
    """True when the index was built from exactly these files (same contents), model and splitter settings."""
    try:
        files = discover_files(paths)
        if not store_exists(settings, index_dir):
            return False
        store = open_store(settings, index_dir, model_id=settings.embedding_model_id)
    except EssbotError:
        return False
    try:
        records, splitter = store.files(), store.splitter
    finally:
        store.close()
    if splitter != settings.splitter_signature() or set(records) != {s for _, s in files}:
        return False
    return all(records[source].sha256 == file_sha256(path) for path, source in files)


def ensure_index(
    index_dir: Path,
    paths: Sequence[Path],
    settings: Settings,
    progress: bool = False,
    announce: Callable[[str], None] | None = None,
) -> Settings:
    """Bring an evaluation index up to date with `paths` (incremental: only changed files are re-embedded)."""
    from essbot.ingest.pipeline import ingest

    settings = settings.replace(index_dir=index_dir)
    if not index_is_current(index_dir, paths, settings):
        if announce is not None:
            announce(messages.BUILDING_INDEX.format(index=index_dir, docs=", ".join(map(str, paths))))
        ingest(list(paths), settings, progress=progress)
    return settings


def cache_index_dir(name: str, gold: Path, root: Path = EVAL_INDEX_ROOT) -> Path:
    """indexes/eval-<name> for the documents set, indexes/eval-<name>-seeds for the seeds set."""
    shared = shared_corpus_name(gold)
    return root / (f"eval-{name}-{shared}" if shared else f"eval-{name}")
