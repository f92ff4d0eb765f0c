"""Out-of-field questions: a question closer to what the corpus does *not* cover than to anything it holds.

The lexical and dense abstention signals (`abstain.py`) look only at the corpus: a question on the burial delay or
on CCTV in a town shares « commune », « délai », « mairie » with the fiches, and its best passage scores like an
answerable question's. The contrast set gives the encoder something to compare with: short team-written passages
on the other subjects a town hall, a citizen or an élu asks about (état civil, urbanisme, fiscalité locale, fonction
publique territoriale, police, écoles, funéraire, everyday life…; `data/contrast.jsonl`). When the question is more
similar to one of them than to the best passage of the corpus, by more than a margin chosen on the dev splits, the
documents do not cover its subject.

The comparison is with the corpus in service, so it follows the corpus: a deployment that indexes urban planning
guides gets its urbanisme questions answered, since its own passages then match them at least as well.

The contrast passages are encoded once per embedding model. The vectors for the default model ship with the package
(`data/contrast-<model>.npy`, checked against the texts' hash); another model's are computed in a background thread
when the assistant starts, and the check is skipped until they are ready.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from essbot import messages
from essbot.errors import ConfigError

logger = logging.getLogger(__name__)

DATA = Path(__file__).parent / "data"
DEFAULT_CONTRAST = DATA / "contrast.jsonl"


_SHARED: dict[tuple[str, str, str], ContrastSet] = {}  # (file, model, texts' hash): the vectors depend on no more
_SHARED_LOCK = threading.Lock()


@dataclass(frozen=True)
class ContrastMatch:
    """How much closer the question is to the nearest contrast passage than to the corpus (> 0: closer)."""

    margin: float
    topic: str


MAX_PASSAGES = 2000  # encoded once per model; a contrast set is a few hundred short passages at most
MAX_FILE_BYTES = 5_000_000


def load_passages(path: Path) -> list[dict[str, str]]:
    """The contrast passages of a JSON Lines file: one `{"topic": …, "text": …}` per line (`ConfigError` in French
    for a missing, oversized or malformed file)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ConfigError(messages.CONTRAST_TOO_BIG.format(path=path, limit=MAX_FILE_BYTES // 1_000_000))
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(messages.CONTRAST_UNREADABLE.format(path=path, error=exc)) from exc
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str) or not row["text"].strip():
            raise ConfigError(messages.CONTRAST_BAD_LINE.format(path=path, line=number))
        rows.append({"topic": str(row.get("topic", "")), "text": row["text"]})
        if len(rows) > MAX_PASSAGES:
            raise ConfigError(messages.CONTRAST_TOO_MANY.format(path=path, limit=MAX_PASSAGES))
    return rows


def texts_hash(texts: list[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]


def vectors_file(model_id: str, texts: list[str], folder: Path = DATA) -> Path:
    """Where the vectors of these texts for this model are shipped (the hash changes with any text)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)
    return folder / f"contrast-{safe}-{texts_hash(texts)}.npy"


class ContrastSet:
    """The contrast passages and their vectors for one embedding model (thread-safe)."""

    def __init__(self, passages: list[dict[str, str]], embedding: Any, folder: Path = DATA) -> None:
        self.topics = [p["topic"] for p in passages]
        self._texts = [p["text"] for p in passages]
        self._vectors: np.ndarray | None = None
        self._ready = threading.Event()
        shipped = vectors_file(embedding.model_id, self._texts, folder)
        if shipped.is_file():
            vectors = np.load(shipped)
            if vectors.shape == (len(self._texts), embedding.dim):
                self._vectors = vectors.astype(np.float32)
                self._ready.set()
                return
        if not self._texts:
            self._ready.set()
            return
        # Another model: encoding takes seconds on a small CPU, so it does not hold up the start.
        threading.Thread(target=self._encode, args=(embedding,), name="essbot-contrast", daemon=True).start()

    @classmethod
    def from_settings(cls, path_setting: str, embedding: Any) -> ContrastSet | None:
        """The configured contrast set: "default" (the packaged one), a path, or "" (none).

        One set per file and encoder in a process: an assistant rebuilt after a re-index reuses its vectors."""
        if not path_setting:
            return None
        path = DEFAULT_CONTRAST if path_setting == "default" else Path(path_setting)
        passages = load_passages(path)
        key = (str(path.resolve()), embedding.model_id, texts_hash([p["text"] for p in passages]))
        with _SHARED_LOCK:
            if key not in _SHARED:
                _SHARED[key] = cls(passages, embedding)
            return _SHARED[key]

    def _encode(self, embedding: Any) -> None:
        try:
            self._vectors = np.asarray(embedding.encode_passages(self._texts), dtype=np.float32)
        except Exception as exc:  # the check is skipped, never the answer
            logger.warning(messages.CONTRAST_ENCODING_FAILED.format(error=exc))
        finally:
            self._ready.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the vectors are ready (tests, benchmarks); True when they are."""
        return self._ready.wait(timeout) and self._vectors is not None

    def match(self, query_vector: np.ndarray, corpus_best: float) -> ContrastMatch | None:
        """The nearest contrast passage against the corpus's best similarity (None while the vectors are not ready)."""
        vectors = self._vectors
        if vectors is None or not len(vectors):
            return None
        similarities = vectors @ np.asarray(query_vector, dtype=np.float32)
        best = int(np.argmax(similarities))
        return ContrastMatch(float(similarities[best]) - corpus_best, self.topics[best])
