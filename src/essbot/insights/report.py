"""What the insights report holds: the questions to examine (abstentions and 👎 answers), grouped by topic,
with weekly counts and, per topic, the closest passages that retrieval found."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import numpy as np

from essbot.insights.grouping import DEFAULT_MIN_SIMILARITY, group_questions
from essbot.insights.log import LoggedPassage, LoggedQuestion
from essbot.ui.feedback import FeedbackRow

MAX_PASSAGES_PER_GROUP = 5
Encoder = Callable[[list[str]], np.ndarray]


@dataclass
class Item:
    """A question to examine: not answered from the documents, or answered and rated 👎."""

    asked_at: datetime
    channel: str
    question: str
    abstained: bool
    rated_down: bool = False
    comment: str = ""
    passages: list[LoggedPassage] = field(default_factory=list)


@dataclass(frozen=True)
class ClosePassage:
    """A passage retrieved for a group's questions: its best score and how many questions found it."""

    source: str
    section: str
    page: int | None
    score: float
    count: int
    excerpt: str = ""


@dataclass
class TopicGroup:
    number: int
    label: str  # the most central question
    terms: list[str]
    items: list[Item]
    passages: list[ClosePassage]


@dataclass(frozen=True)
class WeekCount:
    monday: date
    questions: int
    abstained: int
    rated_down: int
    to_examine: int


@dataclass
class InsightsReport:
    generated_at: datetime
    since: date | None
    questions: int
    abstained: int
    rated_down: int
    weeks: list[WeekCount]
    groups: list[TopicGroup]

    @property
    def items(self) -> int:
        return sum(len(g.items) for g in self.groups)


def _parse_time(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def collect_items(questions: Sequence[LoggedQuestion], feedback: Sequence[FeedbackRow]) -> list[Item]:
    """Abstained questions and 👎 answers, each once; a rating is joined to its logged question by message id."""
    by_message = {}
    for row in questions:
        for message_id in (row.message_id, row.parent_id):
            if message_id:
                by_message[message_id] = row
    rated: dict[int, FeedbackRow] = {}
    orphans: list[FeedbackRow] = []  # ratings of answers whose question is not (or no longer) in the log
    for fb in feedback:
        logged = by_message.get(fb.message_id)
        if logged is None:
            orphans.append(fb)
        else:
            rated[logged.id] = fb
    items = []
    for row in questions:
        rating = rated.get(row.id)
        rated_down = rating is not None and rating.value == 0
        if row.abstained or rated_down:
            comment = rating.comment if rating else ""
            items.append(
                Item(row.asked_at, row.channel, row.question, row.abstained, rated_down, comment, row.passages)
            )
    for orphan in orphans:
        if orphan.value == 0:
            asked = _parse_time(orphan.created_at)
            items.append(Item(asked, orphan.channel, orphan.question, orphan.abstained, True, orphan.comment))
    return sorted(items, key=lambda item: item.asked_at)


def week_start(moment: datetime) -> date:
    """The Monday of the week of `moment` (UTC)."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def weekly_counts(questions: Sequence[LoggedQuestion], items: Sequence[Item]) -> list[WeekCount]:
    """Per week (from Monday), oldest first: questions asked, abstentions, and the questions to examine, of which
    rated 👎 (a rating counts in the week its question was asked)."""
    asked = Counter(week_start(q.asked_at) for q in questions)
    abstained = Counter(week_start(q.asked_at) for q in questions if q.abstained)
    down = Counter(week_start(item.asked_at) for item in items if item.rated_down)
    examine = Counter(week_start(item.asked_at) for item in items)
    weeks = sorted(set(asked) | set(examine))
    return [WeekCount(w, asked[w], abstained[w], down[w], examine[w]) for w in weeks]


def close_passages(items: Sequence[Item], limit: int = MAX_PASSAGES_PER_GROUP) -> list[ClosePassage]:
    """The passages retrieved for these questions, best score first, each with how many questions found it."""
    best: dict[tuple[str, str, int | None], LoggedPassage] = {}
    counts: Counter[tuple[str, str, int | None]] = Counter()
    for item in items:
        for passage in item.passages:
            key = (passage.source, passage.section, passage.page)
            counts[key] += 1
            if key not in best or passage.score > best[key].score:
                best[key] = passage
    ranked = sorted(best, key=lambda key: (-best[key].score, -counts[key], key[0]))[:limit]
    return [ClosePassage(k[0], k[1], k[2], best[k].score, counts[k], best[k].excerpt) for k in ranked]


def build_report(
    questions: Sequence[LoggedQuestion],
    feedback: Sequence[FeedbackRow],
    encode: Encoder,
    *,
    since: date | None = None,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
) -> InsightsReport:
    """The report on the questions asked since `since` (all when None), their items grouped with `encode`."""
    items = collect_items(questions, feedback)  # joined first: a rating follows the date of its question
    if since is not None:
        start = datetime.combine(since, datetime.min.time(), UTC)
        items = [item for item in items if item.asked_at >= start]
        questions = [q for q in questions if q.asked_at >= start]
    groups: list[TopicGroup] = []
    if items:
        texts = [item.question for item in items]
        grouping = group_questions(texts, encode(texts), min_similarity)
        for number, (members, central, terms) in enumerate(
            zip(grouping.members, grouping.central, grouping.terms, strict=True), start=1
        ):
            group_items = [items[i] for i in members]
            groups.append(TopicGroup(number, texts[central], terms, group_items, close_passages(group_items)))
    return InsightsReport(
        generated_at=datetime.now(UTC),
        since=since,
        questions=len(questions),
        abstained=sum(1 for q in questions if q.abstained),
        rated_down=sum(1 for item in items if item.rated_down),
        weeks=weekly_counts(questions, items),
        groups=groups,
    )
