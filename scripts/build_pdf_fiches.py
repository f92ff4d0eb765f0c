#!/usr/bin/env python3
"""Build the PDF fiches of the default corpus from their Markdown sources.

Every ``fiches-src/*.md`` file becomes ``documents/<same stem>.pdf``: A4 pages,
DejaVu Unicode fonts, a running header with the fiche title and a
"Page N / M" footer. Only the small Markdown subset used by the fiches is
supported: ``#``/``##``/``###`` headings, paragraphs, bulleted and numbered
lists (one nesting level), ``**bold**`` and ``*italic*`` spans.

A source may open with a front matter block (``---`` / ``title: ...`` /
``date: YYYY-MM-DD`` / ``---``): it is not printed; its title and date become
the PDF metadata (``/Title`` and ``/CreationDate``, the date the fiche was
last checked). The output is deterministic: re-running the script gives
identical bytes.

Usage: python scripts/build_pdf_fiches.py [--src DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
FIXED_DATE = datetime(2026, 11, 1, tzinfo=UTC)  # used when a source has no front matter date
BODY_SIZE = 11
LINE_H = 5.6  # mm, line height of body text
HEADING_SIZES = {1: 17, 2: 14, 3: 12}
INDENT = 6.0  # mm per list level

LIST_RE = re.compile(r"^(?P<indent>\s*)(?P<marker>[-*]|\d+\.)\s+(?P<text>.*)$")
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n---[ \t]*\n", re.DOTALL)
HEADING_RE = re.compile(r"^(?P<level>#{1,3})\s+(?P<text>.*)$")
ITALIC_RE = re.compile(r"(?<!\*)\*(?!\*)(?P<inner>[^*]+?)\*(?!\*)")


@dataclass
class Block:
    kind: str  # "heading", "para" or "item"
    text: str
    level: int = 0  # heading level, or list nesting level for items
    marker: str = ""  # "•" or "3." for list items


def split_front_matter(source: str) -> tuple[dict[str, str], str]:
    """Return the ``key: value`` pairs of a leading front matter block and the remaining text."""
    match = FRONT_MATTER_RE.match(source)
    if not match:
        return {}, source
    meta: dict[str, str] = {}
    for line in match["body"].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip().lower()] = value.strip().strip("\"'")
    return meta, source[match.end() :]


def fiche_date(meta: dict[str, str], src: Path) -> datetime:
    """The front matter date (YYYY-MM-DD) as a UTC datetime, or FIXED_DATE without one."""
    raw = meta.get("date")
    if not raw:
        return FIXED_DATE
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"{src}: front matter date {raw!r} is not YYYY-MM-DD") from exc


def parse_markdown(source: str) -> list[Block]:
    """Split Markdown text into headings, paragraphs and list items."""
    blocks: list[Block] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(Block("para", " ".join(para)))
            para.clear()

    for raw in source.splitlines():
        line = raw.rstrip()
        if not line.strip():
            flush()
            continue
        heading = HEADING_RE.match(line)
        item = LIST_RE.match(line)
        if heading:
            flush()
            blocks.append(Block("heading", heading["text"].strip(), len(heading["level"])))
        elif item:
            flush()
            marker = "•" if item["marker"] in "-*" else item["marker"]
            level = 1 if len(item["indent"].expandtabs(4)) >= 2 else 0
            blocks.append(Block("item", item["text"].strip(), level, marker))
        elif raw.startswith(" ") and blocks and blocks[-1].kind == "item" and not para:
            blocks[-1].text += " " + line.strip()  # continuation of a list item
        else:
            para.append(line.strip())
    flush()
    return blocks


def to_fpdf_markdown(text: str) -> str:
    """Convert inline Markdown to the syntax of fpdf2 (``__`` means italics)."""
    for marker in ("__", "--", "~~"):  # literal markers would be read as styles
        text = text.replace(marker, "\\" + marker)
    return ITALIC_RE.sub(lambda m: f"__{m['inner']}__", text)


class FichePDF(FPDF):
    """A4 document with a running title header and a page-number footer."""

    def __init__(self, title: str, date: datetime = FIXED_DATE) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.fiche_title = title
        for style, name in FONT_FILES.items():
            self.add_font("DejaVu", style, str(FONT_DIR / name))
        self.set_margins(left=20, top=22, right=20)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages("{nb}")
        self.set_title(title)
        self.set_author("essbot")
        self.set_subject("Fiche essbot - économie sociale et solidaire")
        self.set_creator("essbot scripts/build_pdf_fiches.py")
        self.set_creation_date(date)

    def header(self) -> None:
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110, 110, 110)
        self.set_y(10)
        title = self.fiche_title
        while self.get_string_width(title) > self.epw and len(title) > 4:
            title = title[:-2].rstrip() + "…"
        self.cell(self.epw, 5, title, align="C")
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(self.epw, 5, f"Page {self.page_no()} / {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def keep_space(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on the current one."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def heading(self, text: str, level: int) -> None:
        size = HEADING_SIZES[level]
        height = size * 0.5
        space_before = {1: 0, 2: 5, 3: 3}[level]
        # Keep the heading together with at least three lines of what follows.
        self.keep_space(space_before + height + 3 * LINE_H)
        if self.get_y() > self.t_margin:
            self.ln(space_before)
        self.set_font("DejaVu", "B", size)
        # Bookmarks give readers a table of contents and give the ingestion the section titles.
        self.start_section(text, level=level - 1)
        self.multi_cell(self.epw, height, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.ln(2 if level > 1 else 4)
        self.set_font("DejaVu", "", BODY_SIZE)

    def paragraph(self, text: str) -> None:
        self.set_font("DejaVu", "", BODY_SIZE)
        self.multi_cell(self.epw, LINE_H, to_fpdf_markdown(text), markdown=True, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def list_item(self, text: str, marker: str, level: int) -> None:
        self.set_font("DejaVu", "", BODY_SIZE)
        self.keep_space(LINE_H)
        marker_w = 5.0 if marker == "•" else 7.0
        x = self.l_margin + INDENT * level + 2
        self.set_x(x)
        self.cell(marker_w, LINE_H, marker)
        self.multi_cell(
            self.epw - (x - self.l_margin) - marker_w,
            LINE_H,
            to_fpdf_markdown(text),
            markdown=True,
            new_x="LMARGIN",
            new_y="NEXT",
        )
        self.ln(0.8)


def build_pdf(src: Path, out_dir: Path) -> Path:
    """Render one Markdown fiche to ``out_dir/<stem>.pdf`` and return its path."""
    meta, text = split_front_matter(src.read_text(encoding="utf-8"))
    blocks = parse_markdown(text)
    titles = [b.text for b in blocks if b.kind == "heading" and b.level == 1]
    if not titles:
        raise ValueError(f"{src}: no '# Title' line found")
    pdf = FichePDF(meta.get("title") or titles[0], fiche_date(meta, src))
    pdf.add_page()
    previous = ""
    for block in blocks:
        if block.kind != "item" and previous == "item":
            pdf.ln(1.5)  # breathing space after a list
        if block.kind == "heading":
            pdf.heading(block.text, block.level)
        elif block.kind == "para":
            pdf.paragraph(block.text)
        else:
            pdf.list_item(block.text, block.marker, block.level)
        previous = block.kind
    out = out_dir / f"{src.stem}.pdf"
    pdf.output(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=ROOT / "fiches-src")
    parser.add_argument("--out", type=Path, default=ROOT / "documents")
    args = parser.parse_args(argv)
    missing = [n for n in FONT_FILES.values() if not (FONT_DIR / n).is_file()]
    if missing:
        print(
            f"error: DejaVu fonts missing in {FONT_DIR}: {', '.join(missing)}\n"
            "Install them with: apt-get install fonts-dejavu-core fonts-dejavu-extra",
            file=sys.stderr,
        )
        return 1
    sources = sorted(args.src.glob("*.md"))
    if not sources:
        print(f"error: no Markdown file in {args.src}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for src in sources:
        out = build_pdf(src, args.out)
        print(f"{src.name} -> {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
