"""The date of a document, read where each format keeps it: front matter, HTML meta, PDF metadata, file date.

Dates are ISO 8601 strings: "2026-11-15", or reduced to the year ("2015") when the document only gives the
year (the Etalab law exports say "export … vers 2015"): a made-up day would claim a precision we do not have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

# "---\nkey: value\n---" at the very top of a Markdown file.
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_LINE = re.compile(r"^([A-Za-z_][\w.-]*)\s*:\s*(.*?)\s*$")
FRONT_MATTER_DATE_KEYS = ("date", "updated", "mis_a_jour", "modified", "last_modified")
HTML_META_DATE_NAMES = (
    "date",
    "dcterms.modified",
    "article:modified_time",
    "last-modified",
    "dc.date",
    "dcterms.date",
    "article:published_time",
)

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_FRENCH_NUMERIC = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")
_YEAR = re.compile(r"^(\d{4})$")
# The Etalab law exports of ../shared/corpus/lois: "(base LEGI, export Etalab ~2015)", "(vers 2015)".
_EXPORT_YEAR = re.compile(
    r"(?:export[^\n()]{0,40}?~\s?|\(vers\s|de l'export \(vers\s)((?:19|20)\d{2})\b", re.IGNORECASE
)
# "- Version : 2014-08-02 — LOI n°2014-856 du 31 juillet 2014": the version line under an article heading.
_VERSION_LINE = re.compile(r"^\s*[-*]?\s*Version\s*:\s*(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")


def _valid(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_date(value: Any) -> str | None:
    """An ISO date ("2026-11-15", or "2015" for a year alone) from a date, datetime or common string form."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip().strip("'\"").strip()
    for pattern, order in ((_ISO, (1, 2, 3)), (_FRENCH_NUMERIC, (3, 2, 1)), (_PDF_DATE, (1, 2, 3))):
        match = pattern.match(text)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            return _valid(year, month, day)
    match = _YEAR.match(text)
    if match and 1900 <= int(match.group(1)) <= 2999:
        return match.group(1)
    return None


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Return (keys, text without the front matter); a text without front matter comes back unchanged."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    keys: dict[str, str] = {}
    for line in match.group(1).splitlines():
        found = _FRONT_MATTER_LINE.match(line)
        if found:
            keys[found.group(1).lower()] = found.group(2)
    return keys, text[match.end() :]


def front_matter_date(keys: Mapping[str, str]) -> str | None:
    for key in FRONT_MATTER_DATE_KEYS:
        if key in keys and (found := iso_date(keys[key])):
            return found
    return None


def html_meta_date(soup: Any) -> str | None:
    """The page's date from `<meta name|property|http-equiv=… content=…>`, first known name wins."""
    found: dict[str, str] = {}
    for meta in soup.find_all("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("http-equiv") or "").strip().lower()
        content = meta.get("content")
        if name in HTML_META_DATE_NAMES and isinstance(content, str):
            found.setdefault(name, content)
    for name in HTML_META_DATE_NAMES:
        if name in found and (value := iso_date(found[name])):
            return value
    time_tag = soup.find("time", attrs={"datetime": True})
    return iso_date(time_tag["datetime"]) if time_tag is not None else None


def pdf_metadata_date(metadata: Any) -> str | None:
    """`/ModDate`, else `/CreationDate`, of a pypdf DocumentInformation (a broken date is ignored)."""
    if metadata is None:
        return None
    for key in ("/ModDate", "/CreationDate"):
        try:
            raw = metadata.get(key)
        except Exception:  # pypdf may fail to resolve an indirect object in a damaged file
            continue
        if raw is not None and (found := iso_date(str(raw))):
            return found
    return None


def law_export_dates(text: str) -> tuple[str | None, dict[str, str]]:
    """Dates written in the text of a law export: (document year, {article heading: version date}).

    The year comes from the header ("export Etalab ~2015", "(vers 2015)") in the first lines; each
    "- Version : 2014-08-02 — …" line dates the heading just above it.
    """
    head = "\n".join(text.splitlines()[:20])
    year_match = _EXPORT_YEAR.search(head)
    sections: dict[str, str] = {}
    heading = ""
    for line in text.splitlines():
        if found := _HEADING.match(line):
            heading = found.group(1).strip()
        elif heading and (version := _VERSION_LINE.match(line)) and (iso := iso_date(version.group(1))):
            sections.setdefault(heading, iso)
    return (year_match.group(1) if year_match else None), sections


def file_date(path: Path) -> str:
    """The file's modification date: the last resort when the document says nothing."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date().isoformat()


def as_date(iso: str | None) -> date | None:
    """The last day an ISO date (possibly a year alone) may stand for, for age comparisons."""
    if not iso:
        return None
    if _YEAR.match(iso):
        return date(int(iso), 12, 31)
    try:
        return date.fromisoformat(iso[:10])
    except ValueError:
        return None
