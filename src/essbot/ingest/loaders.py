"""Format loaders: each turns one file into pages of lightly structured text (headings as `#` lines)."""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from essbot import messages


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
    text = _decode_utf8(path.read_bytes())
    match = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
    title = match.group(1).strip() if match else _title_from_lines(text, _fallback_title(path))
    return LoadedDocument(source, title, "markdown", [Page(None, text)])


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
    return LoadedDocument(source, title, "pdf", pages, outline=_outline_titles(reader))


# --- HTML ----------------------------------------------------------------------------------------

_NOISE_TAGS = [
    "script",
    "style",
    "noscript",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "svg",
    "iframe",
    "template",
    "dialog",
]
_NOISE_ATTR = re.compile(
    r"cookie|consent|rgpd|gdpr|tarteaucitron|didomi|axeptio|newsletter|breadcrumb|fil-ariane|share|partage|"
    r"social|sidebar|skip-link|menu|navbar|banner|popup|modal",
    re.IGNORECASE,
)
_NOISE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "dialog", "alertdialog", "search"}
_BLOCK_TAGS = [
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "blockquote",
    "pre",
    "td",
    "th",
    "dt",
    "dd",
    "figcaption",
    "caption",
]


def _is_noise(tag: object) -> bool:
    attrs = getattr(tag, "attrs", None) or {}
    if attrs.get("role") in _NOISE_ROLES or attrs.get("aria-hidden") == "true":
        return True
    names = " ".join([attrs.get("id", "") or "", *(attrs.get("class", []) or [])])
    return bool(names and _NOISE_ATTR.search(names))


def html_to_text(html: str) -> tuple[str, str]:
    """Return (title, main text) of an HTML page, headings as `#` lines, boilerplate removed."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(_NOISE_TAGS):
        tag.decompose()
    for tag in soup.find_all(_is_noise):
        if not tag.decomposed:
            tag.decompose()
    root: Any = soup.find("main") or soup.find(role="main") or soup.find("article") or soup.body or soup
    lines: list[str] = []
    for tag in root.find_all(_BLOCK_TAGS):
        if tag.find_parent(_BLOCK_TAGS) is not None:
            continue  # its text is already part of the enclosing block
        text = tag.get_text(" ", strip=True)
        if not text:
            continue
        if tag.name[0] == "h" and tag.name[1:].isdigit():
            lines.extend(["", "#" * int(tag.name[1:]) + " " + text, ""])
        elif tag.name == "li":
            lines.append("- " + text)
        else:
            lines.extend([text, ""])
    if not lines:
        lines = [root.get_text("\n", strip=True)]
    h1 = root.find("h1")
    title = h1.get_text(" ", strip=True) if h1 else page_title
    return title, "\n".join(lines)


def load_html(path: Path, source: str) -> LoadedDocument:
    title, text = html_to_text(_decode_utf8(path.read_bytes()))
    return LoadedDocument(source, title or _fallback_title(path), "html", [Page(None, text)])


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
    return LoadedDocument(source, title, "docx", [Page(None, text)])


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
        accepted = ", ".join(sorted(LOADERS))
        raise SkippedFile(messages.SKIP_UNSUPPORTED.format(ext=path.suffix or "sans extension", accepted=accepted))
    size = path.stat().st_size
    if size == 0:
        raise SkippedFile(messages.SKIP_EMPTY)
    if size > max_bytes:
        raise SkippedFile(messages.SKIP_TOO_LARGE.format(size_mb=size / 1024 / 1024, limit_mb=max_bytes / 1024 / 1024))
    if path.suffix.lower() in ZIP_FORMATS:
        check_zip_expansion(path, max_decompressed_bytes)
    try:
        return loader(path, source)
    except SkippedFile:
        raise
    except OSError as exc:
        raise SkippedFile(messages.SKIP_UNREADABLE.format(detail=exc.strerror or exc)) from exc
    except Exception as exc:  # a damaged file must skip itself, never stop the whole ingestion
        raise SkippedFile(parser_failure_reason(path, exc)) from exc


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
