"""Gold sets: JSON Lines of questions with their expected sources and keywords (format in ARCHITECTURE.md).

Each line is validated on load; the first problem raises a GoldSetError naming the file and line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from essbot.errors import EssbotError
from essbot.evaluation import messages

KINDS = ("fact", "paraphrase", "multi", "followup", "elu", "unanswerable")
_TYPES: dict[str, tuple[type, str]] = {
    "id": (str, "un texte"),
    "question": (str, "un texte"),
    "history": (list, "une liste"),
    "answerable": (bool, "true ou false"),
    "expected_sources": (list, "une liste de textes"),
    "expected_keywords": (list, "une liste de textes"),
    "reference_answer": (str, "un texte"),
    "kind": (str, "un texte"),
    "split": (str, "« dev » ou « test »"),
}
SPLITS = ("dev", "test")
_REQUIRED = ("id", "question", "answerable")


class GoldSetError(EssbotError):
    """A gold set file is missing or malformed."""

    exit_code = 2


@dataclass(frozen=True)
class Turn:
    """One previous turn of a follow-up question."""

    role: str
    content: str


@dataclass(frozen=True)
class GoldItem:
    """One gold question: what a good answer must retrieve, cite and contain (or that it must abstain)."""

    id: str
    question: str
    answerable: bool
    history: tuple[Turn, ...] = ()
    expected_sources: tuple[str, ...] = ()
    expected_keywords: tuple[str, ...] = ()
    reference_answer: str = ""
    kind: str = ""
    split: str = "test"  # "dev": thresholds, weights and rules are tuned on it; "test": frozen, reported
    line: int = field(default=0, compare=False)

    def history_dicts(self) -> list[dict[str, str]]:
        return [{"role": turn.role, "content": turn.content} for turn in self.history]


def _check_types(row: dict[str, Any], where: dict[str, Any]) -> None:
    for name in _REQUIRED:
        if name not in row:
            raise GoldSetError(messages.GOLD_MISSING_FIELD.format(field=name, **where))
    for name, (expected_type, label) in _TYPES.items():
        value = row.get(name)
        if value is None and name not in _REQUIRED:
            continue
        if not isinstance(value, expected_type):
            raise GoldSetError(messages.GOLD_BAD_TYPE.format(field=name, expected=label, **where))
        if isinstance(value, list) and name != "history" and not all(isinstance(v, str) and v for v in value):
            raise GoldSetError(messages.GOLD_BAD_TYPE.format(field=name, expected=label, **where))


def _parse_history(raw: list[Any], where: dict[str, Any]) -> tuple[Turn, ...]:
    turns = []
    for number, item in enumerate(raw, start=1):
        if not (
            isinstance(item, dict)
            and item.get("role") in ("user", "assistant")
            and isinstance(item.get("content"), str)
        ):
            raise GoldSetError(messages.GOLD_BAD_HISTORY.format(item=number, **where))
        turns.append(Turn(item["role"], item["content"]))
    return tuple(turns)


def parse_row(row: Any, path: Path | str = "<gold>", line: int = 0) -> GoldItem:
    """Validate one decoded JSON line and turn it into a GoldItem."""
    where = {"path": path, "line": line}
    if not isinstance(row, dict):
        raise GoldSetError(messages.GOLD_NOT_OBJECT.format(**where))
    _check_types(row, where)
    if not row["question"].strip():
        raise GoldSetError(messages.GOLD_EMPTY_QUESTION.format(**where))
    kind = row.get("kind") or ("fact" if row["answerable"] else "unanswerable")
    if kind not in KINDS:
        raise GoldSetError(messages.GOLD_BAD_KIND.format(kind=kind, kinds=", ".join(KINDS), **where))
    split = row.get("split") or "test"
    if split not in SPLITS:
        raise GoldSetError(messages.GOLD_BAD_TYPE.format(field="split", expected="« dev » ou « test »", **where))
    sources = tuple(row.get("expected_sources") or ())
    if row["answerable"] and not sources:
        raise GoldSetError(messages.GOLD_NO_SOURCE.format(**where))
    if not row["answerable"] and sources:
        raise GoldSetError(messages.GOLD_UNANSWERABLE_SOURCES.format(**where))
    return GoldItem(
        id=row["id"],
        question=row["question"],
        answerable=row["answerable"],
        history=_parse_history(row.get("history") or [], where),
        expected_sources=sources,
        expected_keywords=tuple(row.get("expected_keywords") or ()),
        reference_answer=row.get("reference_answer") or "",
        kind=kind,
        split=split,
        line=line,
    )


def load_gold(path: Path) -> list[GoldItem]:
    """Read and validate a gold set; ids must be unique and the file must hold at least one question."""
    if not path.is_file():
        raise GoldSetError(messages.GOLD_MISSING.format(path=path))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldSetError(messages.GOLD_UNREADABLE.format(path=path, detail=exc), str(exc)) from exc
    items: list[GoldItem] = []
    first_line: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise GoldSetError(messages.GOLD_BAD_JSON.format(path=path, line=number, detail=exc.msg), str(exc)) from exc
        item = parse_row(row, path, number)
        if item.id in first_line:
            raise GoldSetError(
                messages.GOLD_DUPLICATE_ID.format(path=path, line=number, id=item.id, first=first_line[item.id])
            )
        first_line[item.id] = number
        items.append(item)
    if not items:
        raise GoldSetError(messages.GOLD_EMPTY.format(path=path))
    return items
