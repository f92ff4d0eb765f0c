"""What an upload of official texts (DILA « LEGI » open data) adds to `POST /v1/documents`: the `at` date of the
versions kept, the file kinds accepted (an article .xml, a dump .tar.gz/.tgz), and the report sent back (articles
kept, files of the archive skipped with their French reason)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath

from essbot import messages
from essbot.ingest.legi import ARCHIVE_SUFFIXES, is_legi_path
from essbot.ingest.legi_archive import date_file
from essbot.ingest.loaders import LoadedDocument
from essbot.server import schemas
from essbot.server.http_errors import HttpError
from essbot.types import Chunk

MAX_REPORTED_SKIPS = 100  # a dump may hold thousands of broken files: the response names the first ones


@dataclass
class LegiReport:
    """The LEGI part of an upload's answer."""

    at: date
    articles: int
    skipped: list[tuple[str, str]] = field(default_factory=list)


def parse_at(raw: str | None) -> date | None:
    """The `at` query parameter as a date; None when absent; 400 in French when it is not AAAA-MM-JJ."""
    if raw is None or not raw.strip():
        return None
    try:
        if len(raw.strip()) == 10:
            return date.fromisoformat(raw.strip())
    except ValueError:
        pass
    raise HttpError(400, "invalid_date", messages.API_UPLOAD_BAD_DATE.format(value=raw[:40]))


def is_legi_upload(source: str) -> bool:
    return is_legi_path(PurePosixPath(source))


def upload_extension(source: str) -> str:
    """The extension the temporary copy must keep for the loader to be the one ingestion chooses."""
    name = source.lower()
    for suffix in ARCHIVE_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return PurePosixPath(name).suffix


def check_at_applies(source: str, at: date | None) -> None:
    if at is not None and not is_legi_upload(source):
        raise HttpError(400, "date_not_applicable", messages.API_UPLOAD_DATE_NOT_LEGI)


def legi_report(doc: LoadedDocument, chunks: list[Chunk], at: date) -> LegiReport:
    """Articles kept (a long article cut in several chunks counts once) and archive files skipped."""
    articles = {(chunk.title, chunk.section) for chunk in chunks}
    return LegiReport(at, len(articles), list(doc.skipped_parts))


def upload_change(source: str, replaced: bool, report: LegiReport | None) -> schemas.DocumentChange:
    """The answer to an upload; for official texts, with the date, the articles kept and the files skipped."""
    if report is None:
        message = messages.API_UPLOAD_ACCEPTED.format(source=source)
        return schemas.DocumentChange(source=source, status="indexing", replaced=replaced, message=message)
    skipped = messages.API_UPLOAD_LEGI_SKIPPED.format(count=len(report.skipped)) if report.skipped else ""
    return schemas.DocumentChange(
        source=source,
        status="indexing",
        replaced=replaced,
        message=messages.API_UPLOAD_LEGI_ACCEPTED.format(
            source=source, articles=report.articles, at=report.at.strftime("%d/%m/%Y"), skipped=skipped
        ),
        legi_at=report.at.isoformat(),
        articles=report.articles,
        skipped=[
            schemas.SkippedPart(name=_shown(name), reason=reason)
            for name, reason in report.skipped[:MAX_REPORTED_SKIPS]
        ],
    )


def _shown(name: str, limit: int = 300) -> str:
    """A member name as it can be sent back: shortened, undecodable bytes and null characters replaced."""
    return name[:limit].encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def forget_date(path: Path) -> None:
    """Drop the recorded date of a deleted file (nothing when there is none)."""
    date_file(path).unlink(missing_ok=True)
