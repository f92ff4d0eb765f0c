"""A PDF page as a PNG image, fit for a width, with the cited passage highlighted (pypdfium2 and Pillow).

Rendered on the server rather than by pdf.js in the browser: the chat and the widget (on another site) then
show the same plain <img>, fit to the card's width on any screen, with no PDF script or worker to load, and
only the cited page leaves the server. The passage is found on the page through PDFium's text positions:
cleaning at ingestion joined hyphenated words and collapsed spaces, so letters and digits are compared only.
"""

from __future__ import annotations

import difflib
import io
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

PAGE_WIDTH_PX = 1100  # sharp on a phone (390 px at 3x) and on a desktop card
MIN_MATCH_CHARS = 8  # shorter common runs are chance (« la commune »), not the passage
HIGHLIGHT_RGBA = (255, 212, 0, 96)
HIGHLIGHT_EDGE_RGBA = (0, 0, 145, 255)
CACHE_SIZE = 64


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points (origin bottom-left)."""

    left: float
    bottom: float
    right: float
    top: float


def _letters(text: str) -> tuple[str, list[int]]:
    """Lowercase letters and digits of `text` (ligatures unfolded), and the index in `text` of each."""
    kept: list[str] = []
    where: list[int] = []
    for position, char in enumerate(text):
        for part in unicodedata.normalize("NFKD", char):
            if part.isalnum():
                kept.append(part.casefold())
                where.append(position)
    return "".join(kept), where


def matched_positions(page_text: str, passage: str) -> list[int]:
    """Indexes of the characters of `page_text` that belong to `passage` (empty when it is not on the page)."""
    page_letters, page_where = _letters(page_text)
    passage_letters, _ = _letters(passage)
    if not page_letters or not passage_letters:
        return []
    matcher = difflib.SequenceMatcher(None, page_letters, passage_letters, autojunk=False)
    positions: list[int] = []
    for block in matcher.get_matching_blocks():
        if block.size >= MIN_MATCH_CHARS:
            positions.extend(page_where[block.a : block.a + block.size])
    return sorted(set(positions))


def line_boxes(char_boxes: list[Box]) -> list[Box]:
    """Merge the boxes of consecutive characters of one line into one box per line."""
    lines: list[Box] = []
    for box in char_boxes:
        if box.right <= box.left or box.top <= box.bottom:
            continue  # spaces and generated characters have no extent
        last = lines[-1] if lines else None
        middle = (box.top + box.bottom) / 2
        if last and last.bottom <= middle <= last.top and box.left >= last.left - 2:
            lines[-1] = Box(last.left, min(last.bottom, box.bottom), max(last.right, box.right), max(last.top, box.top))
        else:
            lines.append(box)
    return lines


def text_area(boxes: list[Box], width: float, height: float, margin: float = 24.0) -> Box:
    """The part of the page that holds text, with a margin (the whole page when it has no text)."""
    inked = [box for box in boxes if box.right > box.left and box.top > box.bottom]
    if not inked:
        return Box(0.0, 0.0, width, height)
    return Box(
        max(min(box.left for box in inked) - margin, 0.0),
        max(min(box.bottom for box in inked) - margin, 0.0),
        min(max(box.right for box in inked) + margin, width),
        min(max(box.top for box in inked) + margin, height),
    )


class PagePreviews:
    """Renders and caches page images; PDFium is not thread-safe, so one page is rendered at a time."""

    def __init__(self, width_px: int = PAGE_WIDTH_PX) -> None:
        self.width_px = width_px
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, int, int, int, str], bytes] = OrderedDict()

    def png(self, path: Path, page_number: int, passage: str) -> bytes:
        """The 1-based page `page_number` of the PDF at `path` as PNG, `passage` highlighted; IndexError if absent."""
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size, page_number, passage)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            image = self._render(path, page_number, passage)
            self._cache[key] = image
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            return image

    def _render(self, path: Path, page_number: int, passage: str) -> bytes:
        import pypdfium2 as pdfium
        import pypdfium2.raw as pdfium_c
        from PIL import Image, ImageDraw

        pdf = pdfium.PdfDocument(path)
        try:
            if not 1 <= page_number <= len(pdf):
                raise IndexError(page_number)
            page = pdf[page_number - 1]
            width, height = page.get_size()
            textpage = page.get_textpage()
            count = textpage.count_chars()
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage, i) or 32) for i in range(count))
            boxes = [Box(*textpage.get_charbox(i, loose=False)) for i in range(count)]
            # Fit the text's width, not the paper's: the page's blank margins would only shrink the text.
            area = text_area(boxes, width, height)
            scale = self.width_px / max(area.right - area.left, 1.0)
            image = page.render(scale=scale).to_pil().convert("RGBA")
        finally:
            pdf.close()
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for box in line_boxes([boxes[i] for i in matched_positions(text, passage)]):
            x0, x1 = box.left * scale - 3, box.right * scale + 3
            y0, y1 = (height - box.top) * scale - 2, (height - box.bottom) * scale + 2
            draw.rectangle((x0, y0, x1, y1), fill=HIGHLIGHT_RGBA)
            draw.rectangle((max(x0 - 14, 0), y0, max(x0 - 9, 0), y1), fill=HIGHLIGHT_EDGE_RGBA)
        image = Image.alpha_composite(image, overlay).crop(
            (
                round(area.left * scale),
                round((height - area.top) * scale),
                round(area.right * scale),
                round((height - area.bottom) * scale),
            )
        )
        out = io.BytesIO()
        # 64 colours keep text and highlight crisp at a third of the size of a true-colour PNG.
        image.convert("RGB").quantize(colors=64).save(out, format="PNG", optimize=True)
        return out.getvalue()
