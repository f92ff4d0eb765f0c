"""A conversation as a PDF that an élu can file or forward: each question, its answer, numbered sources
(document, section, page, date) and the cited passages.

Pure fpdf2, no chainlit: ui/conversation.py offers it in the chat. Text from documents and the generator has
its markup reduced to plain text, and fpdf2 writes text as text (no markdown, no HTML). The font is DejaVu
Sans, shipped with matplotlib (a dependency) or installed by Debian, so accents, « » and € render.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from essbot import messages as core_messages
from essbot.answer.markup import neutralise_markup
from essbot.answer.provenance import date_phrase, french_date, source_label
from essbot.answer.types import Answer, Citation
from essbot.ui import messages

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf", "I": "DejaVuSans-Oblique.ttf"}
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
MAX_PASSAGE_CHARS = 1500  # a cited passage longer than this is cut in the PDF
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b\u2060\ufeff]")
MARGIN_MM = 18
LINE_MM = 5.2


@dataclass(frozen=True)
class Exchange:
    """One question of the conversation and the Answer it got."""

    question: str
    answer: Answer


def font_dir() -> Path:
    """A folder holding the DejaVu Sans files: matplotlib's copy, else Debian's."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is not None and spec.origin is not None:
        shipped = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf"
        if all((shipped / name).is_file() for name in FONT_FILES.values()):
            return shipped
    return SYSTEM_FONT_DIR


def plain(text: str) -> str:
    """Text as printed: markup reduced to its words, invisible and control characters removed."""
    return _CONTROL.sub("", neutralise_markup(text)).strip()


def source_lines(citation: Citation) -> tuple[str, str]:
    """« [1] Title — Section » and « fiche.pdf, p. 3 — mis à jour le 1er novembre 2026 »."""
    heading = f"[{citation.id}] {plain(source_label(citation))}"
    where = plain(citation.source)
    if citation.page:
        where += messages.SOURCE_PAGE.format(page=citation.page)
    if dated := date_phrase(citation):
        where = messages.SOURCE_BODY_DATED.format(where=where, date=dated)
    return heading, where


class _ConversationPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(110)
        self.cell(0, 5, messages.EXPORT_FOOTER.format(page=self.page_no()), align="C")


def conversation_file_name(when: datetime) -> str:
    return messages.EXPORT_FILE_NAME.format(day=when.strftime("%Y-%m-%d"))


def conversation_pdf(exchanges: Sequence[Exchange], when: datetime) -> bytes:
    """The PDF of the conversation, exported at `when`."""
    pdf = _ConversationPDF(format="A4")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    fonts = font_dir()
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(fonts / name))
    pdf.set_title(messages.EXPORT_TITLE)
    pdf.set_author(messages.APP_NAME)
    pdf.set_creator(messages.APP_NAME)
    pdf.set_lang("fr-FR")
    pdf.alias_nb_pages()
    pdf.add_page()

    def write(text: str, style: str = "", size: float = 10.5, gray: int = 0, indent: float = 0) -> None:
        pdf.set_font(FONT, style, size)
        pdf.set_text_color(gray)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(pdf.epw - indent, LINE_MM, text, align="L", new_x="LMARGIN", new_y="NEXT")

    write(messages.EXPORT_TITLE, "B", 17)
    day = french_date(when.date().isoformat())
    write(messages.EXPORT_DATE.format(day=day, time=when.strftime("%H:%M")), gray=80)
    write(messages.EXPORT_NOTICE, "I", 9, gray=80)
    for number, exchange in enumerate(exchanges, start=1):
        pdf.ln(4)
        write(messages.EXPORT_QUESTION.format(number=number), "B", 12)
        write(_CONTROL.sub("", exchange.question).strip())
        pdf.ln(1.5)
        write(messages.EXPORT_ANSWER, "B", 11)
        if exchange.answer.abstained and exchange.answer.answer not in core_messages.SMALL_TALK_REPLIES:
            write(messages.EXPORT_ABSTAINED, "I", 10, gray=60)
        write(plain(exchange.answer.answer))
        if exchange.answer.citations:
            pdf.ln(1.5)
            write(messages.EXPORT_SOURCES, "B", 11)
        for citation in exchange.answer.citations:
            heading, where = source_lines(citation)
            write(heading, "B", 10)
            write(where, size=9.5, gray=60, indent=5)
            passage = plain(citation.text)
            if len(passage) > MAX_PASSAGE_CHARS:
                passage = passage[:MAX_PASSAGE_CHARS].rsplit(" ", 1)[0] + " […]"
            write(f"« {passage} »", "I", 9.5, gray=40, indent=5)
    return bytes(pdf.output())
