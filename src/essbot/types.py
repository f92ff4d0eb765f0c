"""The types every stage shares: a source file as ingested, a chunk of it, and a chunk retrieved for a question."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class FileRecord:
    """What the manifest remembers of one source file."""

    source: str
    sha256: str
    size: int
    mtime_ns: int
    title: str = ""
    doc_type: str = ""
    pages: int | None = None
    chunk_ids: list[str] = field(default_factory=list)
    skipped: str | None = None  # French reason when the file could not be ingested


@dataclass(frozen=True)
class Chunk:
    """A passage of a document with everything needed to cite it."""

    chunk_id: str
    text: str
    source: str
    title: str
    page: int | None
    section: str
    doc_type: str
    heading_path: tuple[str, ...] = field(default_factory=tuple)
    # The law article's number ("L. 3332-17-1", "9-1") when the chunk is one, and the source's date (ISO).
    article: str | None = None
    updated: str | None = None

    @property
    def embed_text(self) -> str:
        """Text given to the encoder and to BM25: the passage with its title and headings for context."""
        context = " > ".join(part for part in (self.title, *self.heading_path) if part)
        return f"{context}\n{self.text}" if context else self.text

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["heading_path"] = list(self.heading_path)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**{**data, "heading_path": tuple(data.get("heading_path", ()))})


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its fused score (0–1) and the evidence behind it."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None
    dense_rank: int | None = None
    bm25_rank: int | None = None

    def to_dict(self) -> dict[str, Any]:
        chunk = self.chunk
        return {
            "source": chunk.source,
            "title": chunk.title,
            "page": chunk.page,
            "section": chunk.section,
            "text": chunk.text,
            "score": round(self.score, 4),
            "article": chunk.article,
            "updated": chunk.updated,
        }


def article_key(number: str) -> str:
    """One spelling per article number: « L. 3332-17-1 », « L.3332-17-1 » -> « L3332-17-1 »; « 1er » -> « 1 »."""
    return number.replace("1er", "1").replace(" ", "").upper()
