"""Format loaders: each turns one file into pages of lightly structured text (headings as `#` lines)."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from essbot import messages
from essbot.ingest import dates


@dataclass
class Page:
    """Text of one page (PDF) or of a whole document (number is None)."""

    number: int | None
    text: str


@dataclass
class LoadedDocument:
    """A file as read from disk, before cleaning and splitting."""

    source: str
    title: str
    doc_type: str
    pages: list[Page]
    # Heading titles known from the file's structure (PDF bookmarks), used to find sections in flat text.
    outline: list[str] = field(default_factory=list)
    # The document's date (ISO, see ingest/dates.py), and dates of single sections (law article versions).
    updated: str | None = None
    section_dates: dict[str, str] = field(default_factory=dict)
    # Parts of an archive that could not be read: (name inside the archive, French reason).
    skipped_parts: list[tuple[str, str]] = field(default_factory=list)


class SkippedFile(Exception):
    """Raised by a loader when a file cannot be ingested; `reason` is a one-line French message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkippedFile(messages.SKIP_NOT_UTF8) from exc


def _title_from_lines(text: str, fallback: str, max_chars: int = 100) -> str:
    """First non-empty line, cut at its first sentence and at a word boundary when long."""
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        if not stripped:
            continue
        sentence = re.split(r"(?<=[.!?])\s", stripped, maxsplit=1)[0]
        if len(sentence) <= max_chars:
            return sentence
        return sentence[:max_chars].rsplit(" ", 1)[0].rstrip(" ,;:-–") + "…"
    return fallback


def _fallback_title(path: Path) -> str:
    return path.stem.replace("_", " ").replace("-", " ").strip() or path.name


def load_text(path: Path, source: str) -> LoadedDocument:
    text = _decode_utf8(path.read_bytes())
    return LoadedDocument(source, _title_from_lines(text, _fallback_title(path)), "text", [Page(None, text)])


def load_markdown(path: Path, source: str) -> LoadedDocument:
    # Front matter (title, date, sources) is metadata: it is read, then removed from the indexed text.
    keys, text = dates.split_front_matter(_decode_utf8(path.read_bytes()))
    match = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
    title = keys.get("title", "").strip().strip("'\"") or (
        match.group(1).strip() if match else _title_from_lines(text, _fallback_title(path))
    )
    export_year, section_dates = dates.law_export_dates(text)
    updated = dates.front_matter_date(keys) or export_year
    return LoadedDocument(source, title, "markdown", [Page(None, text)], updated=updated, section_dates=section_dates)


# --- PDF -----------------------------------------------------------------------------------------


def _outline_titles(reader: object) -> list[str]:
    titles: list[str] = []

    def walk(items: object) -> None:
        for item in items if isinstance(items, list) else []:
            if isinstance(item, list):
                walk(item)
            else:
                title = getattr(item, "title", None)
                if title:
                    titles.append(str(title).strip())

    try:
        walk(reader.outline)  # type: ignore[attr-defined]
    except Exception:  # a broken outline must not block the text
        return []
    return titles


def load_pdf(path: Path, source: str) -> LoadedDocument:
    from pypdf import PasswordType, PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path)
        # An empty user password (owner-only protection) still lets anyone read the file.
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise SkippedFile(messages.SKIP_PDF_ENCRYPTED)
        pages = [Page(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
        metadata_title = (reader.metadata.title if reader.metadata else None) or ""
        updated = dates.pdf_metadata_date(reader.metadata)
    except SkippedFile:
        raise
    except Exception as exc:  # pypdf raises many exception types on damaged files
        if "decrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise SkippedFile(messages.SKIP_PDF_ENCRYPTED) from exc
        raise SkippedFile(messages.SKIP_PDF_CORRUPT.format(detail=type(exc).__name__)) from exc
    if not any(page.text.strip() for page in pages):
        raise SkippedFile(messages.SKIP_PDF_NO_TEXT)
    first_text = next(page.text for page in pages if page.text.strip())
    title = str(metadata_title).strip() or _title_from_lines(first_text, _fallback_title(path))
    return LoadedDocument(source, title, "pdf", pages, outline=_outline_titles(reader), updated=updated)


# --- HTML ----------------------------------------------------------------------------------------

# Only used when the extraction library finds no main text (a near-empty page).
_FALLBACK_NOISE_TAGS = ["script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template"]


def _with_main_landmark(soup: Any) -> str:
    """The page with its body inside `<main>` when it has no main/article landmark.

    trafilatura keeps headings only inside a content container it recognises, and French sites often use
    `<div class="contenu">`; page-level header, nav, footer and aside are left out of that container.
    """
    if soup.body is None or soup.find(["main", "article"]) or soup.find(attrs={"role": "main"}):
        return str(soup)
    for tag in soup.body.find_all(["header", "nav", "footer", "aside"]):
        if not tag.decomposed:
            tag.decompose()
    main = soup.new_tag("main")
    for child in list(soup.body.contents):
        main.append(child.extract())
    soup.body.append(main)
    return str(soup)


@lru_cache(maxsize=1)
def _trafilatura_config() -> Any:
    from trafilatura.settings import use_config

    config = use_config()
    # Our fiches are short: below the default 250 characters trafilatura would fall back to a flat text
    # without headings or lists. No timeout: it relies on signals, which only work in the main thread.
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    config.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
    return config


def _list_lines(element: Any) -> list[str]:
    """Items as "- " lines, in reading order: a nested list sits between the text before and after it."""
    lines: list[str] = []
    for item in element.findall("item"):
        parts, first = [item.text or ""], True
        for child in [*item, None]:
            if child is None or child.tag == "list":
                if text := " ".join("".join(parts).split()):
                    lines.append(("- " if first else "") + text)
                    first = False
                parts = []
                if child is None:
                    break
                lines.extend(_list_lines(child))
            else:
                parts.append("".join(child.itertext()))
            parts.append(child.tail or "")
    return lines


def _extracted_lines(html: str) -> list[str]:
    """Main text of a page as read by trafilatura (a browser's reader view), headings as `#` lines."""
    import trafilatura
    from lxml import etree

    # No `deduplicate`: trafilatura's duplicate filter is a cache shared by the whole process, so it would drop
    # paragraphs seen in another file or in an earlier run; clean.py de-duplicates within each document.
    xml = trafilatura.extract(
        html,
        output_format="xml",
        include_tables=True,
        include_comments=False,
        include_images=False,
        deduplicate=False,
        config=_trafilatura_config(),
    )
    if not xml:
        return []
    root = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    main = root.find("main")
    lines: list[str] = []
    for element in main if main is not None else root:
        if element.tag == "head":
            level = (element.get("rend") or "h2")[1:]
            text = " ".join("".join(element.itertext()).split())
            if text:
                lines.extend(["", "#" * (int(level) if level.isdigit() else 2) + " " + text, ""])
        elif element.tag == "list":
            lines.extend([*_list_lines(element), ""])
        elif element.tag == "table":
            for row in element.iter("row"):
                cells = [" ".join("".join(cell.itertext()).split()) for cell in row.iter("cell")]
                if any(cells):
                    lines.extend([" ; ".join(cell for cell in cells if cell), ""])
        elif text := " ".join("".join(element.itertext()).split()):
            lines.extend([text, ""])
    return lines


def _parsed_html(html: str) -> tuple[str, str | None, Any]:
    """(h1 or <title>, date from the <meta> tags, soup) of a page."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    h1 = soup.find("h1")
    title = h1.get_text(" ", strip=True) if h1 else ""
    if not title and soup.title:
        title = soup.title.get_text(" ", strip=True)
    return title, dates.html_meta_date(soup), soup


def html_to_text(html: str) -> tuple[str, str]:
    """Return (title, main text) of an HTML page, headings as `#` lines, boilerplate removed."""
    title, _, soup = _parsed_html(html)
    lines = _extracted_lines(_with_main_landmark(soup))
    if not lines:
        for tag in soup(_FALLBACK_NOISE_TAGS):
            tag.decompose()
        lines = [(soup.body or soup).get_text("\n", strip=True)]
    return title, "\n".join(lines)


def load_html(path: Path, source: str) -> LoadedDocument:
    html = _decode_utf8(path.read_bytes())
    title, text = html_to_text(html)
    updated = _parsed_html(html)[1]
    return LoadedDocument(source, title or _fallback_title(path), "html", [Page(None, text)], updated=updated)


# --- DOCX ----------------------------------------------------------------------------------------


def load_docx(path: Path, source: str) -> LoadedDocument:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover - python-docx is a core dependency
        raise SkippedFile(messages.SKIP_UNREADABLE.format(detail="python-docx absent")) from exc
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SkippedFile(messages.SKIP_DOCX_CORRUPT.format(detail=type(exc).__name__)) from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        level = re.search(r"(?:Heading|Titre)\s*(\d)", style)
        if style in {"Title", "Titre"}:
            lines.extend(["", "# " + text, ""])
        elif level:
            lines.extend(["", "#" * (int(level.group(1)) + 1) + " " + text, ""])
        elif "List" in style or "Liste" in style:
            lines.append("- " + text)
        else:
            lines.extend([text, ""])
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells if cell.text.strip()]
            if cells:
                lines.extend([" ; ".join(cells), ""])
    text = "\n".join(lines)
    title = (document.core_properties.title or "").strip() or _title_from_lines(text, _fallback_title(path))
    updated = dates.iso_date(document.core_properties.modified or document.core_properties.created)
    return LoadedDocument(source, title, "docx", [Page(None, text)], updated=updated)


Loader = Callable[[Path, str], LoadedDocument]

LOADERS: dict[str, Loader] = {
    ".pdf": load_pdf,
    ".html": load_html,
    ".htm": load_html,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".docx": load_docx,
}


# Formats that are zip archives: their members are checked before any parser inflates them.
ZIP_FORMATS = {".docx"}
MAX_ZIP_MEMBERS = 5000


def check_zip_expansion(path: Path, max_decompressed_bytes: int) -> None:
    """Refuse a zip-based file whose members would inflate beyond the limit (a zip bomb) before reading it.

    The sizes declared in the central directory are a sound bound: `zipfile` stops each member at its
    declared size and fails on any extra byte.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise SkippedFile(messages.SKIP_DOCX_CORRUPT.format(detail=type(exc).__name__)) from exc
    total = sum(member.file_size for member in members)
    if len(members) > MAX_ZIP_MEMBERS or total > max_decompressed_bytes:
        raise SkippedFile(
            messages.SKIP_ZIP_TOO_LARGE.format(
                size_mb=total / 1024 / 1024, members=len(members), limit_mb=max_decompressed_bytes / 1024 / 1024
            )
        )


def load_document(
    path: Path, source: str, max_bytes: int, max_decompressed_bytes: int = 50 * 1024 * 1024
) -> LoadedDocument:
    """Load any supported file, or raise SkippedFile with the French reason (whatever the parser raised)."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        accepted = ", ".join(sorted([*LOADERS, ".xml (LEGI)", ".tar.gz (LEGI)"]))
        raise SkippedFile(messages.SKIP_UNSUPPORTED.format(ext=path.suffix or "sans extension", accepted=accepted))
    size = path.stat().st_size
    if size == 0:
        raise SkippedFile(messages.SKIP_EMPTY)
    if size > max_bytes:
        raise SkippedFile(messages.SKIP_TOO_LARGE.format(size_mb=size / 1024 / 1024, limit_mb=max_bytes / 1024 / 1024))
    if path.suffix.lower() in ZIP_FORMATS:
        check_zip_expansion(path, max_decompressed_bytes)
    try:
        doc = loader(path, source)
    except SkippedFile:
        raise
    except OSError as exc:
        raise SkippedFile(messages.SKIP_UNREADABLE.format(detail=exc.strerror or exc)) from exc
    except Exception as exc:  # a damaged file must skip itself, never stop the whole ingestion
        raise SkippedFile(parser_failure_reason(path, exc)) from exc
    doc.updated = doc.updated or dates.file_date(path)
    return doc


def parser_failure_reason(path: Path, exc: BaseException) -> str:
    """The one-line French reason for a parser (or cleaner) that raised on a file."""
    if isinstance(exc, MemoryError):
        return messages.SKIP_PARSE_MEMORY
    if isinstance(exc, RecursionError):
        return messages.SKIP_TOO_NESTED
    template = {".docx": messages.SKIP_DOCX_CORRUPT, ".pdf": messages.SKIP_PDF_CORRUPT}.get(
        path.suffix.lower(), messages.SKIP_UNREADABLE
    )
    kind = type(exc)
    # "zlib.error" says more than "error".
    detail = kind.__name__ if kind.__name__[0].isupper() else f"{kind.__module__}.{kind.__name__}"
    return template.format(detail=detail)
