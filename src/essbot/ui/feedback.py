"""Feedback on answers (👍/👎 and an optional comment), stored in SQLite and exported as CSV.

The chat UI remembers, for each answer it sends, the question, the answer and its sources (in memory, bounded);
when the user rates the answer, one self-contained row is written. Only rated answers are stored: questions
that nobody rated are never written to disk. One row per answer: rating again updates it.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from essbot.answer.types import Answer, Citation
from essbot.redaction import mask_personal_data

MAX_COMMENT_CHARS = 4000

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    thread_id TEXT NOT NULL DEFAULT '',
    value INTEGER NOT NULL,          -- 1 = useful (👍), 0 = not useful (👎)
    comment TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    sources TEXT NOT NULL DEFAULT '', -- "[1] source p. N art. X (2026-11-01)" separated by " | "
    abstained INTEGER NOT NULL DEFAULT 0,
    channel TEXT NOT NULL DEFAULT '', -- chainlit client: webapp (chat page) or copilot (widget)
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    citations TEXT NOT NULL DEFAULT '[]' -- JSON: [{"id", "source", "section", "page", "updated"}]
)
"""
# Added after the first release: databases created before get the column on first use.
ADDED_COLUMNS = {"citations": "TEXT NOT NULL DEFAULT '[]'"}
LIST_SEPARATOR = " | "


@dataclass(frozen=True)
class AnswerRecord:
    """What a feedback row says about the rated answer."""

    question: str
    answer: str
    abstained: bool
    sources: str
    channel: str = ""
    citations: str = "[]"  # JSON, see SCHEMA

    @classmethod
    def from_answer(cls, question: str, answer: Answer, channel: str = "") -> AnswerRecord:
        """The record of an answer, its question's e-mails and phone numbers masked."""
        sources = LIST_SEPARATOR.join(_source_entry(c) for c in answer.citations)
        cited = [
            {"id": c.id, "source": c.source, "section": c.section, "page": c.page, "updated": c.updated}
            for c in answer.citations
        ]
        return cls(
            mask_personal_data(question),
            answer.answer,
            answer.abstained,
            sources,
            channel,
            json.dumps(cited, ensure_ascii=False),
        )


def _source_entry(citation: Citation) -> str:
    """ "[1] fiche.pdf p. 3 (2026-11-01)": file, page, article and date (ISO, for spreadsheets)."""
    entry = f"[{citation.id}] {citation.source}"
    entry += f" p. {citation.page}" if citation.page else ""
    entry += f" art. {citation.article}" if citation.article else ""
    return entry + (f" ({citation.updated})" if citation.updated else "")


@dataclass(frozen=True)
class FeedbackRow:
    """One stored feedback, in export order (the CSV header is these field names)."""

    id: str
    created_at: str
    updated_at: str
    value: int
    rating: str
    comment: str
    question: str
    answer: str
    sources: str
    abstained: bool
    channel: str
    thread_id: str
    message_id: str
    # Of each cited source, in the order of `sources`, separated by " | " (empty when unknown).
    source_sections: str = ""
    source_pages: str = ""
    source_dates: str = ""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """SQLite table of feedback rows, plus a bounded in-memory map of recent answers waiting for a rating."""

    def __init__(self, path: Path, remember_limit: int = 5000) -> None:
        self.path = Path(path)
        self._recent: OrderedDict[str, AnswerRecord] = OrderedDict()
        self._limit = remember_limit
        self._lock = threading.Lock()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            db.execute(SCHEMA)
            _add_missing_columns(db)
            with db:  # one transaction, committed on success
                yield db

    def remember(self, message_id: str, record: AnswerRecord) -> None:
        """Keep what an answer was about, so that a later rating of `message_id` can be stored with it."""
        with self._lock:
            self._recent[message_id] = record
            self._recent.move_to_end(message_id)
            while len(self._recent) > self._limit:
                self._recent.popitem(last=False)

    def save(self, message_id: str, value: int, comment: str = "", thread_id: str = "") -> str:
        """Insert or update the feedback on one answer; returns the feedback id.

        Raises LookupError for an answer this process never sent (nor stored), so that requests forged with
        random ids cannot fill the table.
        """
        with self._lock:
            record = self._recent.get(message_id)
        comment = mask_personal_data(comment or "")[:MAX_COMMENT_CHARS]
        now = _now()
        with self._connect() as db:
            row = db.execute("SELECT id FROM feedback WHERE message_id = ?", (message_id,)).fetchone()
            if row is not None:
                db.execute(
                    "UPDATE feedback SET value = ?, comment = ?, updated_at = ? WHERE id = ?",
                    (int(value), comment, now, row[0]),
                )
                return str(row[0])
            if record is None:
                raise LookupError(message_id)
            feedback_id = str(uuid.uuid4())
            db.execute(
                "INSERT INTO feedback (id, message_id, thread_id, value, comment, question, answer, sources, "
                "abstained, channel, created_at, updated_at, citations) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feedback_id,
                    message_id,
                    thread_id or "",
                    int(value),
                    comment,
                    record.question,
                    record.answer,
                    record.sources,
                    int(record.abstained),
                    record.channel,
                    now,
                    now,
                    record.citations,
                ),
            )
            return feedback_id

    def delete(self, feedback_id: str) -> bool:
        """Remove a feedback (the user clicked the same thumb again)."""
        with self._connect() as db:
            return db.execute("DELETE FROM feedback WHERE id = ?", (feedback_id,)).rowcount > 0

    def rows(self) -> list[FeedbackRow]:
        """All stored feedback, oldest first."""
        if not self.path.is_file():
            return []
        with self._connect() as db:
            found = db.execute(
                "SELECT id, created_at, updated_at, value, comment, question, answer, sources, abstained, channel, "
                "thread_id, message_id, citations FROM feedback ORDER BY created_at, rowid"
            ).fetchall()
        return [
            FeedbackRow(
                r[0],
                r[1],
                r[2],
                r[3],
                "up" if r[3] else "down",
                r[4],
                r[5],
                r[6],
                r[7],
                bool(r[8]),
                r[9],
                r[10],
                r[11],
                *_cited_columns(r[12]),
            )
            for r in found
        ]

    def export_csv(self, destination: Path | TextIO, *, excel: bool = False) -> int:
        """Export every row to a file path or an open text stream (e.g. stdout); returns the count."""
        rows = self.rows()
        if isinstance(destination, Path):
            # A BOM lets Excel detect UTF-8 when the file is opened by double-click.
            with destination.open("w", encoding="utf-8-sig" if excel else "utf-8", newline="") as out:
                return export_csv(rows, out, excel=excel)
        return export_csv(rows, destination, excel=excel)


def _add_missing_columns(db: sqlite3.Connection) -> None:
    present = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
    for name, definition in ADDED_COLUMNS.items():
        if name not in present:
            db.execute(f"ALTER TABLE feedback ADD COLUMN {name} {definition}")


def _cited_columns(citations_json: str) -> tuple[str, str, str]:
    """Sections, pages and dates of the cited sources, each joined by " | " in citation order."""
    try:
        cited = [c for c in json.loads(citations_json or "[]") if isinstance(c, dict)]
    except ValueError:
        return "", "", ""

    def column(key: str) -> str:
        return LIST_SEPARATOR.join(" ".join(str(c.get(key) or "").split()) for c in cited)

    return column("section"), column("page"), column("updated")


def export_csv(rows: list[FeedbackRow], out: TextIO, *, excel: bool = False) -> int:
    """Write rows as CSV (header = FeedbackRow fields); `excel` uses ';' as French Excel expects. Returns the count."""
    writer = csv.writer(out, delimiter=";" if excel else ",", lineterminator="\n")
    writer.writerow([f.name for f in fields(FeedbackRow)])
    for row in rows:
        writer.writerow(astuple(row))
    return len(rows)
