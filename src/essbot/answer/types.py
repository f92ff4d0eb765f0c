"""The Answer contract (see ARCHITECTURE.md): what `ask --json`, the HTTP API and the UI return."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from essbot.answer.markup import neutralise_markup
from essbot.types import Passage


@dataclass(frozen=True)
class Message:
    """One turn of a conversation."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class Citation:
    """A numbered source used in the answer: `[id]` in the text points here."""

    id: int
    source: str
    title: str
    page: int | None
    section: str
    text: str
    score: float
    article: str | None = None  # law article number ("L. 3332-17-1"), if the passage is one
    updated: str | None = None  # the source's date, ISO ("2026-11-01", or "2015" when only the year is known)

    @classmethod
    def from_passage(cls, number: int, passage: Passage) -> Citation:
        chunk = passage.chunk
        return cls(
            number,
            chunk.source,
            chunk.title,
            chunk.page,
            chunk.section,
            chunk.text,
            round(passage.score, 4),
            chunk.article,
            chunk.updated,
        )


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [asdict(citation) for citation in self.citations],
            "retrieved": [_plain(passage.to_dict()) for passage in self.retrieved],
            "timings_ms": {name: round(value, 1) for name, value in self.timings_ms.items()},
        }


def _plain(passage: dict[str, Any]) -> dict[str, Any]:
    """A retrieved passage as plain text (documents may hold markup, see markup.py)."""
    return {
        key: neutralise_markup(value) if key in ("title", "section", "text") else value
        for key, value in passage.items()
    }
