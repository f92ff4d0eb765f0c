"""Small test documents, good and bad, generated at test time (nothing binary is committed).

Each `write_*` function writes one file and returns its path. PDFs use the DejaVu TTF font when the machine has
it and fall back to the core Helvetica font with ASCII-only text otherwise, so assertions on PDF text should
use ASCII fragments (or `pdf_text`).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF

from essbot import messages

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

REPORT_HEADER = "Guide RTES des collectivités — édition 2024"
# (heading, lines as laid out on the page); the lines ending with "-" are hyphenated word breaks.
REPORT_PAGES: list[tuple[str, list[str]]] = [
    (
        "Chapitre 1 : Les structures de l'ESS",
        [
            "Les associations, coopératives, mutuelles et fondations forment le socle de",
            "l'économie sociale et solidaire. Les collectivités favorisent leur accompa-",
            "gnement dans la durée.",
        ],
    ),
    (
        "Chapitre 2 : L'agrément ESUS",
        [
            "L'agrément entreprise solidaire d'utilité sociale est délivré par la DDEETS",
            "du département du siège social, pour une durée de cinq ans renouvelable.",
        ],
    ),
    (
        "Chapitre 3 : La commande publique",
        [
            "Le schéma de promotion des achats socialement et écologiquement respon-",
            "sables est obligatoire au-delà de cinquante millions d'euros d'achats annuels.",
        ],
    ),
]

OUTLINE_SECTIONS: list[tuple[str, str]] = [
    (
        "Les missions de la CRESS",
        "La chambre régionale représente les entreprises de l'ESS auprès des pouvoirs publics.",
    ),
    (
        "Le financement de la CRESS",
        "Une convention pluriannuelle avec la région finance les missions d'intérêt général.",
    ),
]


def has_unicode_font() -> bool:
    return DEJAVU.is_file()


def pdf_text(text: str, unicode_font: bool) -> str:
    """The text as it is written into a PDF: unchanged with DejaVu, folded to ASCII with the core font."""
    if unicode_font:
        return text
    text = text.replace("—", "-").replace("’", "'").replace("«", '"').replace("»", '"')
    folded = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).encode("ascii", "replace").decode()


class _GuidePDF(FPDF):
    """A PDF with a running header and a "Page N / M" footer on every page."""

    def __init__(self, unicode_font: bool, running_header: str | None = None) -> None:
        super().__init__()
        self.unicode_font = unicode_font
        self.running_header = running_header
        if unicode_font:
            self.add_font("DejaVu", fname=str(DEJAVU))
        self.family = "DejaVu" if unicode_font else "Helvetica"
        self.set_font(self.family, size=11)

    def write_line(self, text: str, size: int = 11) -> None:
        self.set_font(self.family, size=size)
        self.cell(text=pdf_text(text, self.unicode_font), new_x="LMARGIN", new_y="NEXT")

    def header(self) -> None:
        if self.running_header:
            self.write_line(self.running_header, size=9)
            self.ln(4)

    def footer(self) -> None:
        if self.running_header:
            self.set_y(-15)
            self.write_line(f"Page {self.page_no()} / {{nb}}", size=9)


def _new_pdf(unicode_font: bool | None, running_header: str | None = None) -> _GuidePDF:
    return _GuidePDF(has_unicode_font() if unicode_font is None else unicode_font, running_header)


def write_report_pdf(path: Path, unicode_font: bool | None = None) -> Path:
    """Three pages, a running header and footer, a `Chapitre N` heading per page, hyphenated line ends."""
    pdf = _new_pdf(unicode_font, REPORT_HEADER)
    pdf.set_title("Guide de l’ESS pour les élus")
    for heading, lines in REPORT_PAGES:
        pdf.add_page()
        pdf.write_line(heading, size=14)
        pdf.ln(3)
        for line in lines:
            pdf.write_line(line)
    pdf.output(str(path))
    return path


def write_outline_pdf(path: Path, unicode_font: bool | None = None) -> Path:
    """One page whose headings are also PDF bookmarks (an outline), without any heading numbering."""
    pdf = _new_pdf(unicode_font)
    pdf.add_page()
    for title, body in OUTLINE_SECTIONS:
        pdf.start_section(pdf_text(title, pdf.unicode_font), level=0)
        pdf.write_line(title, size=14)
        pdf.write_line(body)
        pdf.ln(4)
    pdf.output(str(path))
    return path


def write_scanned_pdf(path: Path) -> Path:
    """A PDF without a text layer: one page holding only a filled rectangle (what a scan looks like)."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(120, 120, 120)
    pdf.rect(20, 20, 170, 250, style="F")
    pdf.output(str(path))
    return path


def write_encrypted_pdf(path: Path, password: str = "secret") -> Path:
    """A readable PDF, then protected with a user password."""
    from pypdf import PdfReader, PdfWriter

    pdf = _new_pdf(False)
    pdf.add_page()
    pdf.write_line("Document confidentiel sur les subventions aux associations.")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(pdf.output()))))
    writer.encrypt(user_password=password, owner_password=password + "-owner")
    writer.write(path)
    return path


def write_corrupt_pdf(path: Path) -> Path:
    """Starts like a PDF, then garbage: no objects, no cross-reference table, no %%EOF."""
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4 + b"\n1 0 obj\n<< /Type /Cat")
    return path


def write_empty_file(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def write_blank_text(path: Path) -> Path:
    path.write_text("   \n\n\t  \n \u00a0\n", encoding="utf-8")
    return path


def write_unsupported(path: Path) -> Path:
    path.write_bytes(b"PK\x03\x04 not really a spreadsheet \x00\x01\x02")
    return path


def write_latin1_text(path: Path) -> Path:
    text = "Économie sociale et solidaire : les collectivités et l'agrément délivré à l'entreprise.\n"
    path.write_bytes(text.encode("latin-1"))
    return path


def write_docx(path: Path) -> Path:
    """A Word file with a Title, Heading 1 and Heading 2 paragraphs."""
    import docx

    document = docx.Document()
    document.add_heading("Guide des SCIC", level=0)
    document.add_heading("Qu'est-ce qu'une SCIC ?", level=1)
    document.add_paragraph("La société coopérative d'intérêt collectif associe salariés, usagers et bénévoles.")
    document.add_heading("Le rôle des collectivités", level=2)
    document.add_paragraph(
        "Une collectivité territoriale peut détenir jusqu'à cinquante pour cent du capital d'une SCIC."
    )
    document.save(str(path))
    return path


HTML_NOISE = {
    "header": "Logo du portail régional",
    "nav": "Plan du site et annuaire",
    "cookie": "Ce site dépose des traceurs pour mesurer l'audience",
    "aside": "À lire aussi notre lettre mensuelle",
    "footer": "Mentions légales et accessibilité",
}


def write_html(path: Path, with_main: bool = True) -> Path:
    """A web page: header, nav, cookie banner, aside and footer around an article with h1/h2 headings.

    Without `<main>`, the noise sits next to the article in <body>, so only the cleaning removes it.
    """
    article = (
        "<h1>Les pôles territoriaux de coopération économique</h1>"
        "<p>Un PTCE regroupe sur un territoire des entreprises de l'ESS, des collectivités et des chercheurs.</p>"
        "<h2>Le soutien des collectivités</h2>"
        "<p>La communauté de communes met à disposition un tiers-lieu et cofinance l'animation du pôle.</p>"
    )
    noise_inside = (
        f'<aside class="encart"><p>{HTML_NOISE["aside"]}</p></aside>'
        f'<div id="cookie-consent"><p>{HTML_NOISE["cookie"]}</p></div>'
    )
    body = f"<div class='contenu'>{article}</div>{noise_inside}"
    if with_main:
        body = f"<main>{body}</main>"
    html = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>PTCE | Portail</title></head><body>"
        f"<header><p>{HTML_NOISE['header']}</p></header>"
        f"<nav><ul><li>{HTML_NOISE['nav']}</li></ul></nav>"
        f"{body}"
        f"<footer><p>{HTML_NOISE['footer']}</p></footer>"
        "</body></html>"
    )
    path.write_text(html, encoding="utf-8")
    return path


MARKDOWN_FICHE = """# Fiche : le SPASER

## Définition

Le schéma de promotion des achats publics socialement et écologiquement responsables fixe des objectifs d'achat.

## Qui doit l'adopter ?

Les collectivités dont le montant annuel d'achats dépasse le seuil réglementaire adoptent un SPASER.
"""


def write_markdown(path: Path, text: str = MARKDOWN_FICHE) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


LAW_TEXT = """Loi relative à l'économie solidaire (extrait fictif pour les tests)

Titre Ier : Dispositions communes

Chapitre II : Les entreprises solidaires

Article 1er

Les personnes morales de droit privé qui poursuivent un autre but que le partage des bénéfices en relèvent.

Article 2

Sont considérées comme poursuivant une utilité sociale les entreprises qui remplissent les conditions prévues à l'
article 1er de la présente loi et soutiennent des personnes fragiles.

Art. L. 3332-17-1

L'agrément entreprise solidaire d'utilité sociale est délivré par l'autorité administrative compétente.
"""


def write_law_text(path: Path) -> Path:
    path.write_text(LAW_TEXT, encoding="utf-8")
    return path


def write_long_text(path: Path, paragraphs: int, seed: int = 0) -> Path:
    """A plain text file of distinct paragraphs of about 120 words each (slow to embed on purpose)."""
    words = ["collectivité", "coopérative", "association", "territoire", "emploi", "insertion", "achat", "utilité"]
    lines = []
    for i in range(paragraphs):
        sentence = " ".join(words[(i + j + seed) % len(words)] for j in range(118))
        lines.append(f"Paragraphe {seed}-{i}. {sentence}.\n")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


GOOD_FILES: dict[str, Callable[[Path], Path]] = {
    "guide-rtes.pdf": write_report_pdf,
    "cress-sommaire.pdf": write_outline_pdf,
    "scic.docx": write_docx,
    "ptce.html": write_html,
    "fiche-spaser.md": write_markdown,
    "loi-extrait.txt": write_law_text,
}

BAD_FILES: dict[str, Callable[[Path], Path]] = {
    "rapport-corrompu.pdf": write_corrupt_pdf,
    "rapport-protege.pdf": write_encrypted_pdf,
    "rapport-scanne.pdf": write_scanned_pdf,
    "vide.md": write_empty_file,
    "blanc.txt": write_blank_text,
    "tableau.xlsx": write_unsupported,
    "notes-latin1.txt": write_latin1_text,
}


def _fixed_start(template: str) -> str:
    """The start of a French skip message, before its first placeholder."""
    return template.split("{")[0]


# How each bad file must be reported: the start of its one-line French reason.
BAD_FILE_REASONS: dict[str, str] = {
    "rapport-corrompu.pdf": _fixed_start(messages.SKIP_PDF_CORRUPT),
    "rapport-protege.pdf": messages.SKIP_PDF_ENCRYPTED,
    "rapport-scanne.pdf": messages.SKIP_PDF_NO_TEXT,
    "vide.md": messages.SKIP_EMPTY,
    "blanc.txt": messages.SKIP_NO_TEXT,  # loads fine; cleaning leaves nothing
    "tableau.xlsx": _fixed_start(messages.SKIP_UNSUPPORTED),
    "notes-latin1.txt": messages.SKIP_NOT_UTF8,
}


def write_files(folder: Path, writers: dict[str, Callable[[Path], Path]]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [writer(folder / name) for name, writer in writers.items()]
