"""Official texts from the DILA « LEGI » open data: one XML file per article version, alone or in a .tar.gz.

Each file is an `<ARTICLE>`: META/META_SPEC/META_ARTICLE gives NUM, ETAT, DATE_DEBUT and DATE_FIN; CONTEXTE/TEXTE
gives the text's title (TITRE_TXT) and the nested titles of its parts (TM/TITRE_TM); BLOC_TEXTUEL/CONTENU holds
the article in light HTML. Only the version in force at the chosen date is kept, one chunk per article (a
long article is cut, each piece keeping the number), dated by the day that version came into force.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePath
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from essbot import messages
from essbot.ingest.dates import iso_date
from essbot.ingest.legi_archive import archive_members, recorded_date
from essbot.ingest.loaders import LoadedDocument, SkippedFile
from essbot.ingest.split import _splitter, article_number, chunk_id_for
from essbot.types import Chunk

# DATE_FIN of a version still in force.
OPEN_END = "2999-01-01"
# Versions that never applied: an annulled, "dead-born" or disjoined text is not law at any date.
NEVER_IN_FORCE = {"ANNULE", "MODIFIE_MORT_NE", "DISJOINT"}
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
# The other files of a LEGI dump (sections, text structure and versions): not articles, left aside.
STRUCTURE_TAGS = {"SECTION_TA", "TEXTELR", "TEXTE_VERSION"}
_BLOCKS = {"p", "br", "div", "li", "tr", "table", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"}


class NotAnArticle(SkippedFile):
    """A structure file of a LEGI dump: expected there, ignored without a warning inside an archive."""


@dataclass(frozen=True)
class ArticleVersion:
    """One LEGIARTI file: a version of an article with its validity window."""

    legi_id: str
    number: str
    state: str
    start: str
    end: str
    text_id: str
    text_title: str
    hierarchy: tuple[str, ...]
    body: str

    def in_force(self, at: date) -> bool:
        """True when this version applies on `at` (start <= at < end)."""
        return self.state not in NEVER_IN_FORCE and self.start <= at.isoformat() < (self.end or OPEN_END)


def is_legi_path(path: PurePath) -> bool:
    """Files the LEGI loader reads: an article version (.xml) or an archive of them (.tar.gz, .tgz)."""
    name = path.name.lower()
    return name.endswith(".xml") or name.endswith(ARCHIVE_SUFFIXES)


def _text(element: Element | None) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _in_force_title(candidates: list[Element], at: date | None) -> Element | None:
    """Of several dated titles (a text or a part renamed over time), the one in force at `at`, else the last."""
    if at is not None:
        for candidate in candidates:
            if (candidate.get("debut") or "") <= at.isoformat() < (candidate.get("fin") or OPEN_END):
                return candidate
    return candidates[-1] if candidates else None


def _content_text(content: Element | None) -> str:
    """The article's light HTML as paragraphs separated by blank lines."""
    if content is None:
        return ""
    parts: list[str] = []

    def walk(element: Element) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if tag in _BLOCKS:
            parts.append("\n\n")
        if element.text:
            parts.append(element.text)
        for child in element:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _BLOCKS:
            parts.append("\n\n")

    walk(content)
    paragraphs = (" ".join(block.split()) for block in "".join(parts).split("\n\n"))
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


def parse_article(data: bytes, at: date | None = None) -> ArticleVersion:
    """Read one LEGI article file; SkippedFile with the French reason when it is not one."""
    try:
        return _parse_article(data, at)
    except RecursionError as exc:  # a CONTENU nested thousands of levels deep is no article
        raise SkippedFile(messages.SKIP_TOO_NESTED) from exc


def _parse_article(data: bytes, at: date | None) -> ArticleVersion:
    try:
        root = fromstring(data)
    except ParseError as exc:
        raise SkippedFile(messages.SKIP_LEGI_MALFORMED.format(detail=exc)) from exc
    except DefusedXmlException as exc:
        raise SkippedFile(messages.SKIP_LEGI_FORBIDDEN.format(detail=type(exc).__name__)) from exc
    if root.tag in STRUCTURE_TAGS:
        raise NotAnArticle(messages.SKIP_LEGI_STRUCTURE.format(tag=root.tag))
    if root.tag != "ARTICLE":
        raise SkippedFile(messages.SKIP_LEGI_NOT_ARTICLE.format(tag=root.tag))
    meta = root.find("META/META_SPEC/META_ARTICLE")
    fields = {name: _text(meta.find(name)) if meta is not None else "" for name in ("NUM", "ETAT", "DATE_DEBUT")}
    legi_id = _text(root.find("META/META_COMMUN/ID"))
    for name, value in (("ID", legi_id), ("DATE_DEBUT", fields["DATE_DEBUT"])):
        if not value:
            raise SkippedFile(messages.SKIP_LEGI_MISSING.format(field=name))
    end = _text(meta.find("DATE_FIN")) if meta is not None else ""
    for name, value in (("DATE_DEBUT", fields["DATE_DEBUT"]), ("DATE_FIN", end)):
        if value and iso_date(value) != value:
            raise SkippedFile(messages.SKIP_LEGI_BAD_DATE.format(field=name, value=value[:40]))
    text = root.find("CONTEXTE/TEXTE")
    title = _in_force_title(text.findall("TITRE_TXT") if text is not None else [], at)
    hierarchy: list[str] = []
    level = text
    while level is not None and (tm := level.find("TM")) is not None:
        if heading := _text(_in_force_title(tm.findall("TITRE_TM"), at)):
            hierarchy.append(heading)
        level = tm
    body = _content_text(root.find("BLOC_TEXTUEL/CONTENU"))
    if not body:
        raise SkippedFile(messages.SKIP_LEGI_MISSING.format(field="BLOC_TEXTUEL/CONTENU"))
    return ArticleVersion(
        legi_id=legi_id,
        number=fields["NUM"],
        state=fields["ETAT"],
        start=fields["DATE_DEBUT"],
        end=end,
        text_id=(text.get("cid") or "") if text is not None else "",
        text_title=((title.get("c_titre_court") or _text(title)) if title is not None else "") or legi_id,
        hierarchy=tuple(hierarchy),
        body=body,
    )


def _article_chunks(version: ArticleVersion, source: str, chunk_size: int, overlap: int) -> list[Chunk]:
    heading = f"Article {version.number}" if version.number else version.legi_id
    path = (*version.hierarchy, heading)
    words = len(version.body.split())
    pieces = (
        [version.body] if words <= int(chunk_size * 1.4) else _splitter(chunk_size, overlap).split_text(version.body)
    )
    number = article_number(version.number) if version.number else None
    return [
        Chunk(
            chunk_id_for(source, None, (version.legi_id, *path), piece),
            piece,
            source,
            version.text_title,
            None,
            heading,
            "legi",
            path,
            number,
            version.start,
        )
        for piece in pieces
    ]


def _check_size(path: Path, max_bytes: int) -> None:
    size = path.stat().st_size
    if size == 0:
        raise SkippedFile(messages.SKIP_EMPTY)
    if size > max_bytes:
        raise SkippedFile(messages.SKIP_TOO_LARGE.format(size_mb=size / 1024 / 1024, limit_mb=max_bytes / 1024 / 1024))


def _dated_document(source: str, versions: list[ArticleVersion], skipped: list[tuple[str, str]]) -> LoadedDocument:
    titles = sorted({version.text_title for version in versions})
    doc = LoadedDocument(source, " ; ".join(titles), "legi", [], updated=max(v.start for v in versions))
    doc.skipped_parts = skipped
    return doc


def chunk_legi(path: Path, source: str, settings: Any) -> tuple[LoadedDocument, list[Chunk]]:
    """The chunks of the articles in force at the file's recorded date, else settings.legi_at, from one article
    file or an archive."""
    _check_size(path, settings.max_file_bytes)
    at: date = recorded_date(path) or settings.legi_at
    size, overlap = settings.chunk_size_words, settings.chunk_overlap_words
    if not path.name.lower().endswith(ARCHIVE_SUFFIXES):
        version = parse_article(path.read_bytes(), at)
        if not version.in_force(at):
            raise SkippedFile(_not_in_force_reason(version, at))
        return _dated_document(source, [version], []), _article_chunks(version, source, size, overlap)
    # In an archive, every version of an article is present: keep per article the one in force.
    kept: dict[tuple[str, str], ArticleVersion] = {}
    skipped: list[tuple[str, str]] = []
    seen_articles = 0
    for name, data in archive_members(path, settings):
        if data is None:
            skipped.append((name, messages.SKIP_LEGI_MEMBER_TOO_LARGE))
            continue
        try:
            version = parse_article(data, at)
        except NotAnArticle:
            continue
        except SkippedFile as skip:
            skipped.append((name, skip.reason))
            continue
        seen_articles += 1
        key = (version.text_id, version.number or version.legi_id)
        if version.in_force(at) and (key not in kept or kept[key].start < version.start):
            kept[key] = version
    if not kept:
        raise SkippedFile(messages.SKIP_LEGI_NONE_IN_FORCE.format(at=french_day(at), count=seen_articles))
    versions = sorted(kept.values(), key=lambda v: (v.text_title, v.hierarchy, v.number))
    chunks = [chunk for version in versions for chunk in _article_chunks(version, source, size, overlap)]
    return _dated_document(source, versions, skipped), chunks


def french_day(value: date | str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%d/%m/%Y")


def _not_in_force_reason(version: ArticleVersion, at: date) -> str:
    end = "" if (version.end or OPEN_END) >= OPEN_END else messages.LEGI_UNTIL.format(end=french_day(version.end))
    return messages.SKIP_LEGI_NOT_IN_FORCE.format(
        number=version.number or version.legi_id,
        at=french_day(at),
        state=version.state or "?",
        start=french_day(version.start),
        end=end,
    )
