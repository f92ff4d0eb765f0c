"""Hostile files built at test time: damaged and oversized Word files, deep HTML, a one-word Markdown file.

Each `write_*` function writes one file and returns its path. The heavy ones (`write_docx_bomb`,
`write_nested_html`, `write_one_word_markdown`) reproduce the attacks of issue 12 at full size by default.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.data.make_fixtures import write_docx

_DOCUMENT_XML = "word/document.xml"
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _rewrite_part(source: Path, target: Path, part: str, data: bytes, compress_type: int) -> Path:
    """Copy a zip, replacing the bytes of one member."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            content = data if info.filename == part else old.read(info.filename)
            new.writestr(info.filename, content, compress_type=compress_type)
    return target


def write_docx_malformed_xml(path: Path) -> Path:
    """A Word file whose main part is cut in the middle of a tag (lxml raises XMLSyntaxError)."""
    good = write_docx(path.with_name(".good-" + path.name))
    with zipfile.ZipFile(good) as archive:
        xml = archive.read(_DOCUMENT_XML)
    _rewrite_part(good, path, _DOCUMENT_XML, xml[: len(xml) // 2] + b"<w:p><w:r", zipfile.ZIP_DEFLATED)
    good.unlink()
    return path


def write_docx_truncated_part(path: Path) -> Path:
    """A Word file whose compressed main part is damaged, as after a broken download (zlib.error)."""
    good = write_docx(path.with_name(".good-" + path.name))
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo(_DOCUMENT_XML)
    good.unlink()
    # The data of the member starts after its local header (30 bytes + name + extra field).
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_len + extra_len
    # Keep the first bytes of the deflate stream and fill the rest with bytes that are not a valid stream.
    for i in range(start + 16, start + info.compress_size):
        data[i] = 0xFF
    path.write_bytes(bytes(data))
    return path


def write_docx_bomb(path: Path, xml_mb: int = 100) -> Path:
    """A small Word file whose main part expands to `xml_mb` MB of XML (many tiny paragraphs)."""
    good = write_docx(path.with_name(".good-" + path.name))
    paragraph = b"<w:p><w:r><w:t>coop\xc3\xa9rative</w:t></w:r></w:p>"
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W_NS}"><w:body>'
    tail = b"</w:body></w:document>"
    count = xml_mb * 1024 * 1024 // len(paragraph)
    body = head.encode() + paragraph * count + tail
    _rewrite_part(good, path, _DOCUMENT_XML, body, zipfile.ZIP_DEFLATED)
    good.unlink()
    return path


def write_nested_html(path: Path, megabytes: int = 10) -> Path:
    """An HTML page made of `megabytes` MB of nested <div> elements around one sentence."""
    depth = megabytes * 1024 * 1024 // len("<div></div>")
    path.write_text(
        "<html><body>" + "<div>" * depth + "<p>Une coopérative.</p>" + "</div>" * depth + "</body></html>",
        encoding="utf-8",
    )
    return path


def write_one_word_markdown(path: Path, megabytes: int = 5) -> Path:
    """A Markdown file whose text is a single `megabytes` MB long « word »."""
    path.write_text("# Fiche\n\n" + "coopérative" * (megabytes * 1024 * 1024 // 12) + "\n", encoding="utf-8")
    return path
