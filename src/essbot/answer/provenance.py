"""How a cited source is named and dated for people: « Art. 9-1, loi n° 2000-321 du 12 avril 2000 — mis à jour
en 2015 », and the caution added to an answer that leans on an old source."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import PurePosixPath

from essbot import messages
from essbot.answer.types import Citation
from essbot.ingest.dates import as_date
from essbot.ingest.legi import is_legi_path

_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
# "Loi n° 2000-321 du 12 avril 2000 relative à …" -> the short name, up to the date.
_NUMBERED_TEXT = re.compile(
    r"^(loi|loi organique|ordonnance|décret|arrêté)\s+n\s*°\s*[\w-]+\s+du\s+\d{1,2}(?:er)?\s+\w+\s+\d{4}", re.IGNORECASE
)
# "Code du travail — Article L3332-17-1": a heading that names the code before the article.
_CODE_IN_HEADING = re.compile(r"^(Code\b.+?)\s+[—–-]\s+(?:Article|Art\.)\s", re.IGNORECASE)


def french_date(iso: str | None) -> str:
    """« 1er janvier 2024 » for "2024-01-01", « 2015 » for "2015", "" when unknown."""
    if not iso:
        return ""
    if re.fullmatch(r"\d{4}", iso):
        return iso
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"


def date_phrase(citation: Citation) -> str:
    """« mis à jour le 12 avril 2000 », « mis à jour en 2015 », or for an official LEGI text « version en
    vigueur depuis le 1er janvier 2024 »; "" when the source has no date."""
    if not citation.updated:
        return ""
    when = french_date(citation.updated)
    if re.fullmatch(r"\d{4}", citation.updated):
        return messages.SOURCE_UPDATED_YEAR.format(year=when)
    if citation.article and is_legi_path(PurePosixPath(citation.source)):
        return messages.SOURCE_IN_FORCE_SINCE.format(day=when)
    return messages.SOURCE_UPDATED_DAY.format(day=when)


def _lower_first(name: str) -> str:
    first, _, rest = name.partition(" ")
    return f"{first.lower()} {rest}".strip() if first.isupper() or first in {"Code", "Loi", "Décret"} else name


def law_text_name(title: str, section: str) -> str:
    """The name of the text an article belongs to, as written after « Art. 9-1, »."""
    if found := _CODE_IN_HEADING.match(section):
        return _lower_first(found.group(1))
    if found := _NUMBERED_TEXT.match(" ".join(title.split())):
        return _lower_first(found.group(0))
    return _lower_first(" ".join(title.split()))


def source_label(citation: Citation) -> str:
    """« Art. L. 3332-17-1, code du travail » for a law article, else « Title — Section »."""
    if citation.article:
        return messages.SOURCE_ARTICLE.format(
            article=citation.article, text=law_text_name(citation.title, citation.section)
        )
    title = " ".join(citation.title.split())
    section = " ".join(citation.section.split())
    return f"{title} — {section}" if section and section != title else title


def stale_caution(citations: Sequence[Citation], years: float, today: date | None = None) -> str:
    """A French caution naming the oldest cited source when it is older than `years`; "" otherwise."""
    if years <= 0:
        return ""
    limit = (today or date.today()) - timedelta(days=round(365.25 * years))
    dated = [(day, c.updated) for c in citations if (day := as_date(c.updated)) is not None and c.updated]
    old = [entry for entry in dated if entry[0] < limit]
    if not old:
        return ""
    iso = min(old)[1]
    if re.fullmatch(r"\d{4}", iso):
        return messages.STALE_SOURCE_YEAR.format(year=iso)
    return messages.STALE_SOURCE_DAY.format(day=french_date(iso))
