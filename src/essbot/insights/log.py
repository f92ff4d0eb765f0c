"""The question log: each question asked through the chat, the widget or the API, with what was found for it.

E-mail addresses and phone numbers are masked before a question is written (essbot.redaction), the text is cut,
rows older than the retention period are purged and the table is capped. Recording never fails an answer:
errors are logged and swallowed. SQLite by default, next to the feedback store.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from essbot import messages as core_messages
from essbot.answer.types import Answer
from essbot.config import Settings
from essbot.redaction import mask_personal_data

log = logging.getLogger("essbot.insights")
T = TypeVar("T")

# Where a question came from; the chat's values are chainlit's client types (as in the feedback store).
CHANNEL_CHAT = "webapp"
CHANNEL_WIDGET = "copilot"
CHANNEL_API = "api"
CHANNEL_OPENAI = "chat-completions"

MAX_QUESTION_CHARS = 2000
TOP_PASSAGES = 3
EXCERPT_CHARS = 300
PURGE_INTERVAL_S = 3600.0
WRITE_TIMEOUT_S = 2.0  # a locked database costs an answer's log line, never the answer

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at TEXT NOT NULL,                 -- ISO 8601, UTC
    channel TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,                 -- e-mails and phone numbers masked, cut to MAX_QUESTION_CHARS
    abstained INTEGER NOT NULL DEFAULT 0,
    passages TEXT NOT NULL DEFAULT '[]',    -- JSON: the top retrieved passages (source, section, page, score…)
    citations TEXT NOT NULL DEFAULT '[]',   -- JSON: the answer's citations (id, source, section, page, updated)
    message_id TEXT NOT NULL DEFAULT '',    -- the chat message that carries the answer (to join feedback)
    parent_id TEXT NOT NULL DEFAULT ''
)""",
    "CREATE INDEX IF NOT EXISTS questions_asked_at ON questions (asked_at)",
    "CREATE INDEX IF NOT EXISTS questions_message ON questions (message_id)",
)


@dataclass(frozen=True)
class LoggedPassage:
    """A passage retrieved (or cited) for a logged question."""

    source: str
    section: str = ""
    page: int | None = None
    score: float = 0.0
    excerpt: str = ""
    updated: str | None = None
    id: int | None = None  # the citation number, for cited passages


@dataclass(frozen=True)
class LoggedQuestion:
    """One row of the question log."""

    id: int
    asked_at: datetime
    channel: str
    question: str
    abstained: bool
    passages: list[LoggedPassage] = field(default_factory=list)
    citations: list[LoggedPassage] = field(default_factory=list)
    message_id: str = ""
    parent_id: str = ""


def clean_question(question: str) -> str:
    """The question as stored: personal data masked first (so a cut never leaves half an address), then cut."""
    return mask_personal_data(question).strip()[:MAX_QUESTION_CHARS]


def _passages(answer: Answer) -> list[LoggedPassage]:
    return [
        LoggedPassage(
            p.chunk.source,
            p.chunk.section,
            p.chunk.page,
            round(p.score, 4),
            " ".join(p.chunk.text.split())[:EXCERPT_CHARS],
            p.chunk.updated,
        )
        for p in answer.retrieved[:TOP_PASSAGES]
    ]


def _citations(answer: Answer) -> list[LoggedPassage]:
    return [LoggedPassage(c.source, c.section, c.page, c.score, "", c.updated, c.id) for c in answer.citations]


def _loads(text: str) -> list[LoggedPassage]:
    try:
        return [LoggedPassage(**item) for item in json.loads(text)]
    except (ValueError, TypeError):
        return []


def _dumps(passages: Iterable[LoggedPassage]) -> str:
    return json.dumps([asdict(p) for p in passages], ensure_ascii=False)


class QuestionLog:
    """SQLite table of asked questions, purged after `retention_days` and capped at `max_rows`."""

    def __init__(self, path: Path, retention_days: int = 180, max_rows: int = 100_000) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self.max_rows = max_rows
        self._last_purge = float("-inf")
        self._lock = threading.Lock()
        self._db_lock = threading.RLock()
        self._db: sqlite3.Connection | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> QuestionLog | None:
        """The configured log, or None when `question_log` is off."""
        if not settings.question_log:
            return None
        return cls(settings.question_log_db, settings.question_log_retention_days, settings.question_log_max_rows)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """The log's one connection (opened on first use, kept: opening costs ~25 ms, a write ~0.1 ms), in a
        transaction committed on success; a failed connection is dropped and reopened next time."""
        with self._db_lock:
            try:
                if self._db is None:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    db = sqlite3.connect(self.path, timeout=WRITE_TIMEOUT_S, check_same_thread=False)
                    try:
                        # WAL: readers (essbot insights) never block writers; a write is one append.
                        db.execute("PRAGMA journal_mode=WAL")
                        db.execute("PRAGMA synchronous=NORMAL")
                        for statement in SCHEMA:
                            db.execute(statement)
                    except BaseException:
                        db.close()
                        raise
                    self._db = db
                with self._db:
                    yield self._db
            except sqlite3.Error:
                self.close()
                raise

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def record(
        self,
        question: str,
        answer: Answer,
        channel: str,
        message_ids: Iterable[str | None] = (),
        *,
        asked_at: datetime | None = None,
    ) -> bool:
        """Store one question and what was found for it; False (and a log line) if it could not be written.

        A greeting or a thank-you (answered by a small-talk reply) is not a question: it is not stored."""
        if answer.abstained and answer.answer in core_messages.SMALL_TALK_REPLIES:
            return True
        ids = [str(i) for i in message_ids if i] + ["", ""]
        at = (asked_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        try:
            with self._connect() as db:
                db.execute(
                    "INSERT INTO questions (asked_at, channel, question, abstained, passages, citations, "
                    "message_id, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        at,
                        channel,
                        clean_question(question),
                        int(answer.abstained),
                        _dumps(_passages(answer)),
                        _dumps(_citations(answer)),
                        ids[0],
                        ids[1],
                    ),
                )
            self._purge_now_and_then()
            return True
        except Exception:  # the log must never take an answer down with it
            log.warning("question not recorded in %s", self.path, exc_info=True)
            return False

    async def arecord(
        self, question: str, answer: Answer, channel: str, message_ids: Iterable[str | None] = ()
    ) -> bool:
        """`record` in a worker thread, for async callers."""
        return await asyncio.to_thread(self.record, question, answer, channel, list(message_ids))

    def _purge_now_and_then(self) -> None:
        with self._lock:
            if time.monotonic() - self._last_purge < PURGE_INTERVAL_S:
                return
            self._last_purge = time.monotonic()
        self.purge()

    def purge(self, now: datetime | None = None) -> int:
        """Delete questions older than the retention period and the oldest beyond the row cap; returns the count."""
        deleted = 0
        with self._connect() as db:
            if self.retention_days > 0:
                limit = (now or datetime.now(UTC)) - timedelta(days=self.retention_days)
                cursor = db.execute(
                    "DELETE FROM questions WHERE asked_at < ?", (limit.astimezone(UTC).isoformat(timespec="seconds"),)
                )
                deleted += cursor.rowcount
            if self.max_rows > 0:
                cursor = db.execute(
                    "DELETE FROM questions WHERE id NOT IN (SELECT id FROM questions ORDER BY id DESC LIMIT ?)",
                    (self.max_rows,),
                )
                deleted += cursor.rowcount
        return deleted

    def rows(self, since: datetime | None = None) -> list[LoggedQuestion]:
        """Logged questions, oldest first, asked at or after `since` when given."""
        if not self.path.is_file():
            return []
        start = since.astimezone(UTC).isoformat(timespec="seconds") if since else ""
        with self._connect() as db:
            found = db.execute(
                "SELECT id, asked_at, channel, question, abstained, passages, citations, message_id, parent_id "
                "FROM questions WHERE asked_at >= ? ORDER BY asked_at, id",
                (start,),
            ).fetchall()
        return [_row(r) for r in found]


def _row(r: tuple[Any, ...]) -> LoggedQuestion:
    return LoggedQuestion(
        r[0], datetime.fromisoformat(r[1]), r[2], r[3], bool(r[4]), _loads(r[5]), _loads(r[6]), r[7], r[8]
    )


async def logged_stream(
    items: AsyncIterator[T], question_log: QuestionLog | None, question: str, channel: str
) -> AsyncIterator[T]:
    """Pass a stream of answer pieces through, recording the final Answer once it has been handed on."""
    async for item in items:
        yield item
        if question_log is not None and isinstance(item, Answer):
            await question_log.arecord(question, item, channel)
