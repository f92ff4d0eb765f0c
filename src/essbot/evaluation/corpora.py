"""Which documents a gold set is written for, and the indexes an evaluation needs (built when missing)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from essbot.config import Settings
from essbot.errors import EssbotError
from essbot.evaluation import messages
from essbot.index.store import FORMAT_VERSION, read_manifest
from essbot.ingest.pipeline import discover_files, file_sha256

EVAL_INDEX_ROOT = Path("indexes")


def seeds_dir(gold: Path) -> Path:
    """The shared seed texts, next to the repository holding evals/<gold>: <repo>/../shared/seeds."""
    repo = gold.resolve().parent.parent
    return repo / ".." / "shared" / "seeds"


def is_seeds_gold(gold: Path) -> bool:
    return gold.stem.startswith("seeds")


def corpus_for(gold: Path, settings: Settings) -> Path:
    """The documents folder a gold set was written for: the shared seeds for seeds*.jsonl, else documents/."""
    return seeds_dir(gold) if is_seeds_gold(gold) else settings.documents_dir


def index_is_current(index_dir: Path, paths: Sequence[Path], settings: Settings) -> bool:
    """True when the index was built from exactly these files (same contents), model and splitter settings."""
    try:
        manifest = read_manifest(index_dir)
        files = discover_files(paths)
    except EssbotError:
        return False
    if manifest is None or manifest.format_version != FORMAT_VERSION:
        return False
    if manifest.embedding_model != f"{settings.embedding_backend}:{settings.embedding_model}":
        return False
    if manifest.splitter != settings.splitter_signature() or set(manifest.files) != {s for _, s in files}:
        return False
    return all(manifest.files[source].sha256 == file_sha256(path) for path, source in files)


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
    return root / (f"eval-{name}-seeds" if is_seeds_gold(gold) else f"eval-{name}")
