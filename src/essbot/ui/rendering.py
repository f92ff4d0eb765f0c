"""Answers and cited passages as chainlit markdown that displays as plain text.

chainlit renders message and element content as markdown. With `unsafe_allow_html = false` raw HTML is never
interpreted, but it would silently disappear, and markdown syntax in a document (links, images, emphasis,
lists) would still be interpreted. Everything that comes from documents or the generator goes through
`escape_markdown`, so `<script>` shows as the literal text `<script>`.
"""

from __future__ import annotations

import re
from pathlib import Path

from essbot.answer.provenance import date_phrase, source_label
from essbot.answer.types import Answer, Citation
from essbot.ui import messages

# Characters that start inline markdown or HTML anywhere in a line (ASCII punctuation may always be escaped);
# "$" starts math, and ":" followed by a letter a directive (":name"), both parsed by chainlit's renderer.
_INLINE = re.compile(r"([\\`*_\[\]<>&~|$]|:(?=[A-Za-z]|$))")
# Block syntax that only counts at the start of a line: headings, quotes, lists, setext underlines.
_BLOCK_START = re.compile(r"^([#>+\-=])")
_ORDERED_ITEM = re.compile(r"^(\d{1,9})([.)])")
# A citation marker, kept as typed when it cannot start a link or a link definition.
_CITATION = re.compile(r"\\\[(\d{1,3})\\\](?![(:\[])")
# U+200B is turned into a blinking cursor by chainlit's renderer.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")


def escape_inline(text: str) -> str:
    """Escape characters that start inline markdown or HTML (context-free: safe on streamed fragments)."""
    return _INLINE.sub(r"\\\1", _INVISIBLE.sub("", text))


def escape_markdown(text: str) -> str:
    """Markdown source that chainlit displays as exactly `text`: no HTML, link, image, emphasis or list."""
    lines = []
    for line in escape_inline(text).split("\n"):
        # Indented lines would become code blocks; leading spaces carry no meaning in our texts.
        line = line.strip()
        line = _BLOCK_START.sub(r"\\\1", line)
        line = _ORDERED_ITEM.sub(r"\1\\\2", line)
        lines.append(line)
    return "\n".join(lines)


def answer_markdown(text: str) -> str:
    """The answer text, escaped, with its [n] markers left readable when copied."""
    return _CITATION.sub(r"[\1]", escape_markdown(text))


def answer_content(answer: Answer) -> str:
    """The final content of an answer message: abstention note, text, then the header of the source list."""
    parts = []
    if answer.abstained:
        parts.append(messages.ABSTAINED_NOTE)
    parts.append(answer_markdown(answer.answer))
    if answer.citations:
        parts.append(f"**{messages.SOURCES_HEADER}**")
    return "\n\n".join(parts)


def citation_name(citation: Citation) -> str:
    """The heading of a source element, "[n] Title, p. N" or "[n] Art. 9-1, loi n° …" (rendered as text)."""
    title = source_label(citation) if citation.article else " ".join(citation.title.split())
    name = messages.SOURCE_NAME.format(id=citation.id, title=title)
    if citation.page:
        name += messages.SOURCE_PAGE.format(page=citation.page)
    return name


def pdf_name(citation: Citation) -> str:
    """Name of the PDF preview element, unique per document and page within one answer."""
    return messages.PDF_NAME.format(title=" ".join(citation.title.split()), page=citation.page)


def citation_body(citation: Citation) -> str:
    """Section, document file, page and date on one line, then the cited passage as a quote; escaped markdown."""
    page = messages.SOURCE_PAGE.format(page=citation.page) if citation.page else ""
    where = messages.SOURCE_BODY_FILE.format(source=escape_markdown(citation.source), page=page)
    if dated := date_phrase(citation):
        where = messages.SOURCE_BODY_DATED.format(where=where, date=escape_markdown(dated))
    section = escape_markdown(" ".join(citation.section.split()))
    header = messages.SOURCE_BODY_SECTION.format(section=section, where=where) if section else where
    quoted = "\n".join(f"> {line}" if line else ">" for line in escape_markdown(citation.text).split("\n"))
    return f"{header}\n\n{quoted}"


def pdf_path(documents_dir: Path, source: str) -> Path | None:
    """The PDF behind a citation, if it is a PDF still present inside the documents folder."""
    if not source.lower().endswith(".pdf"):
        return None
    root = documents_dir.resolve()
    path = (root / source).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
