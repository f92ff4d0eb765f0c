"""French text cleaning: whitespace, line-end hyphenation, running headers and footers, boilerplate, duplicates.

The result is a flat list of blocks (headings and paragraphs) that the splitter groups into sections.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from essbot.ingest.loaders import LoadedDocument

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"[ \t\u00a0\u202f\u2007\u2009\u3000]+")
_HYPHEN_BREAK = re.compile(r"([a-zà-öø-ÿœæ])[-‐]\n([a-zà-öø-ÿœæ])")
_BULLET = re.compile(r"^(?:[•▪◦·*–-]|\d{1,2}[.)°]|[a-z]\))\s+")
_HAS_WORD = re.compile(r"[^\W\d_]{2,}")

# A cookie-consent panel starts with a strong marker and goes on with lines describing trackers.
_COOKIE_START = re.compile(
    r"(gestion|panneau|préférences|paramètres|bandeau)\s+(des\s+)?cookies|utilise\s+des\s+cookies|"
    r"accepte[rz]?\s+(tous\s+les\s+|les\s+)?cookies|dépôt\s+(et\s+la\s+lecture\s+)?de\s+cookies|tarteaucitron|"
    r"consentement\s+aux\s+cookies",
    re.IGNORECASE,
)
_COOKIE_PANEL = re.compile(
    r"cookie|traceur|consentement|services?\b|préférences|tout\s+(accepter|refuser)|personnaliser|"
    r"mesure\s+d.audience|régies?\s+publicitaires?|publicit|réseaux\s+sociaux|vidéo|commentaires|"
    r"\bAPIs?\b|scripts?|google|facebook|youtube|données|statistiques|support|contenu\s+web|fonctionnement",
    re.IGNORECASE,
)
# Single lines that are site furniture rather than content.
_BOILERPLATE_LINE = re.compile(
    r"^(n'hésitez pas à (le |la )?partager|partager (cet|cette|sur)|imprimer( cette page)?|"
    r"retour (en haut|à l'accueil)|aller au contenu|menu principal|fil d'ariane|"
    r"abonnez-vous à (notre|la) newsletter|vous trouvez cet article utile|publié le\s*$|"
    r"tout accepter|tout refuser|personnaliser|en savoir plus sur les cookies)",
    re.IGNORECASE,
)

_LEGAL_UNIT = r"(?:Livre|Partie|Titre|Chapitre|Section|Sous-section|Paragraphe)"
_ROMAN_OR_NUMBER = r"(?:[IVXLC]+|\d+|premier|première|unique)(?:er|re)?(?:\s+(?:bis|ter|quater))?"
LEGAL_HEADING = re.compile(rf"^{_LEGAL_UNIT}\s+{_ROMAN_OR_NUMBER}\b.*$", re.IGNORECASE)
_SUFFIX = r"(?:\s+(?:bis|ter|quater|quinquies|sexies|septies|octies|nonies|decies|[A-Z]))?"
ARTICLE_LABEL = re.compile(
    rf"\b(?:Article|Art\.)\s+(?:premier|1er|unique|[LRDA]\.?\s?\*?\d+(?:[-‑.]\d+)*{_SUFFIX}|\d+(?:[-‑]\d+)*{_SUFFIX})",
    re.IGNORECASE,
)
_ARTICLE_LINE = re.compile(rf"^{ARTICLE_LABEL.pattern}\.?(?:\s*:\s*.{{0,100}}|\s+[–—-]\s+.{{0,100}})?$", re.IGNORECASE)
_LEGAL_LEVELS = {"livre": 2, "partie": 2, "titre": 3, "chapitre": 4, "section": 5, "sous-section": 6, "paragraphe": 7}
ARTICLE_LEVEL = 8


@dataclass
class Block:
    """A heading (level >= 1) or a paragraph (level 0) of a document, with its page."""

    text: str
    level: int
    page: int | None
    is_article: bool = False


def normalize_text(text: str) -> str:
    """Unicode NFC, invisible characters removed, spaces collapsed, hyphenated line ends joined."""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _HYPHEN_BREAK.sub(r"\1\2", text)


def _dedupe_key(line: str) -> str:
    line = line.casefold().replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\W+", " ", line).strip()


def _running_key(line: str) -> str:
    # Numbers are masked so "Page 3 / 8" repeats, but not in "Article 12" or "Chapitre 2": those are content.
    if _ARTICLE_LINE.match(line) or LEGAL_HEADING.match(line):
        return _dedupe_key(line)
    return re.sub(r"\d+", "#", _dedupe_key(line))


def remove_running_headers(pages: list[list[str]], edge: int = 2, min_share: float = 0.6) -> list[list[str]]:
    """Drop lines that repeat at the top or bottom of most pages (titles, 'Page 3 / 8')."""
    if len(pages) < 2:
        return pages
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_running_key(line) for line in lines[:edge] + lines[-edge:] if line})
    threshold = max(2, int(min_share * len(pages) + 0.999))
    repeated = {key for key, count in counts.items() if count >= threshold}
    cleaned = []
    for lines in pages:
        last = len(lines) - edge
        cleaned.append(
            [line for i, line in enumerate(lines) if not ((i < edge or i >= last) and _running_key(line) in repeated)]
        )
    return cleaned


def drop_boilerplate(lines: Iterable[str]) -> list[str]:
    """Remove cookie-consent panels, share prompts and navigation-only lines."""
    kept: list[str] = []
    in_cookie_panel = False
    for line in lines:
        if not line:
            kept.append(line)
            continue
        plain = line.lstrip("#").strip()
        if _COOKIE_START.search(plain):
            in_cookie_panel = True
            continue
        if in_cookie_panel:
            if _COOKIE_PANEL.search(plain) and not plain.startswith("#"):
                continue
            in_cookie_panel = False
        if _BOILERPLATE_LINE.search(plain) or not _HAS_WORD.search(plain):
            continue
        kept.append(line)
    return kept


def dedupe_lines(lines: Iterable[str], seen: set[str] | None = None, soft_wraps: bool = False) -> list[str]:
    """Keep each identical paragraph (line) once; headings and blank lines are left alone.

    Pass the same `seen` set for every page of a document to de-duplicate across pages. With `soft_wraps`
    (Markdown, where a paragraph runs over several lines), only a line standing alone between blank lines is a
    paragraph: a wrapped piece of a sentence (« … en application de l' » / « article L. 2322-1 du code du
    travail » / « , lorsque… ») is kept however often it recurs.
    """
    seen = set() if seen is None else seen
    lines = list(lines)
    kept = []
    for position, line in enumerate(lines):
        key = _dedupe_key(line)
        if soft_wraps and not _stands_alone(lines, position):
            key = ""
        if key and not line.startswith("#"):
            if key in seen:
                continue
            seen.add(key)
        kept.append(line)
    return kept


def _stands_alone(lines: list[str], position: int) -> bool:
    """No text line right before or after (a blank line, a heading or the page's edge)."""
    neighbours = lines[max(position - 1, 0) : position] + lines[position + 1 : position + 2]
    return all(not line.strip() or line.startswith("#") for line in neighbours)


def _normalized_title(text: str) -> str:
    return re.sub(r"\s+", " ", _dedupe_key(text))


def _ends_sentence(line: str) -> bool:
    return not line or line.startswith("#") or line[-1] in ".;:!?»)"


def heading_level(line: str, outline: set[str], previous: str = "") -> tuple[int, bool]:
    """Return (level, is_article) when the line is a heading, (0, False) otherwise.

    Unmarked lines ("Article 1er", "Chapitre II : …") count as headings only after a finished sentence,
    so a reference wrapped onto its own line ("… prévu à l'\narticle 1er de la loi") stays in its paragraph.
    """
    match = re.match(r"^(#{1,6})\s+(.+)$", line)
    if match:
        return len(match.group(1)), bool(ARTICLE_LABEL.search(match.group(2)))
    if outline and _normalized_title(line) in outline:
        return 2, False
    if len(line) > 140 or not _ends_sentence(previous):
        return 0, False
    if _ARTICLE_LINE.match(line):
        return ARTICLE_LEVEL, True
    if LEGAL_HEADING.match(line) and not line.endswith((".", ";", ",")):
        return _LEGAL_LEVELS[line.split()[0].lower()], False
    return 0, False


def _pdf_paragraphs(lines: list[str]) -> list[str]:
    """Re-join the visual lines of a PDF page into paragraphs (one per line, blank-separated)."""
    widths = [len(line) for line in lines if len(line) > 20]
    typical = statistics.median(widths) if widths else 80
    out: list[str] = []
    current = previous = ""
    for line in lines:
        if not line:
            continue
        starts_new = (
            not current
            or _BULLET.match(line)
            or (current.endswith((".", "!", "?", ":")) and len(previous) < 0.8 * typical)
        )
        if starts_new:
            if current:
                out.append(current)
            current = line
        else:
            current = current[:-1] + line if current.endswith("-") and line[:1].islower() else current + " " + line
        previous = line
    if current:
        out.append(current)
    return out


def _merge_wrapped_headings(lines: list[str], outline: set[str]) -> list[str]:
    """A bookmarked heading too long for one line comes out of the PDF on two or three lines: join them."""
    if not outline:
        return lines
    merged: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        key = _normalized_title(line)
        if line and key not in outline and any(t.startswith(key + " ") for t in outline):
            for extra in range(1, 4):
                candidate = " ".join(lines[i : i + extra + 1])
                if _normalized_title(candidate) in outline:
                    line, i = candidate, i + extra
                    break
        merged.append(line)
        i += 1
    return merged


def _rejoin_pdf_lines(lines: list[str], outline: set[str]) -> list[str]:
    """Headings sit on lines of their own; the lines between them are re-joined into paragraphs."""
    lines = _merge_wrapped_headings(lines, outline)
    out: list[str] = []
    body: list[str] = []
    previous = ""
    for line in lines:
        if line and heading_level(line, outline, previous)[0]:
            out += [*_pdf_paragraphs(body), "#" * heading_level(line, outline, previous)[0] + " " + line]
            body = []
        else:
            body.append(line)
        previous = line or previous
    out += _pdf_paragraphs(body)
    return [item for paragraph in out for item in (paragraph, "")]


def _blocks_from_lines(lines: list[str], page: int | None, outline: set[str], soft_wraps: bool = False) -> list[Block]:
    """Group lines into heading and paragraph blocks.

    With `soft_wraps` (Markdown), a line break inside a paragraph is only a wrap: the lines are joined,
    except list items, quotes and table rows.
    """
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("\n".join(paragraph), 0, page))
            paragraph.clear()

    previous = ""
    for line in lines:
        if not line:
            flush()
            previous = ""
            continue
        level, is_article = heading_level(line, outline, previous)
        previous = line
        if level:
            flush()
            blocks.append(Block(line.lstrip("#").strip(), level, page, is_article))
        else:
            if (
                soft_wraps
                and paragraph
                and not _BULLET.match(line)
                and not line.startswith((">", "|"))
                and not paragraph[-1].startswith((">", "|"))
            ):
                paragraph[-1] = join_wrapped(paragraph[-1], line)
            else:
                paragraph.append(line)
    flush()
    return blocks


def join_wrapped(first: str, second: str) -> str:
    """Two lines of one paragraph: « de l' » + « article 1er » and « du code » + « , lorsque » close up."""
    if first.endswith(("'", "’")) or second.startswith((",", ".", ";", ")")):
        return first + second
    return f"{first} {second}"


def clean_document(doc: LoadedDocument) -> list[Block]:
    """Turn a loaded document into cleaned heading and paragraph blocks, pages kept."""
    outline = {_normalized_title(title) for title in doc.outline}
    pages = [normalize_text(page.text).split("\n") for page in doc.pages]
    if doc.doc_type == "pdf":
        pages = remove_running_headers([[line for line in lines if line] for lines in pages])
    seen: set[str] = set()
    cleaned_pages: list[list[str]] = []
    for lines in pages:
        lines = drop_boilerplate(lines)
        if doc.doc_type == "pdf":
            lines = _rejoin_pdf_lines(lines, outline)
        cleaned_pages.append(dedupe_lines(lines, seen, soft_wraps=doc.doc_type == "markdown"))
    blocks: list[Block] = []
    for page, lines in zip(doc.pages, cleaned_pages, strict=True):
        blocks.extend(_blocks_from_lines(lines, page.number, outline, soft_wraps=doc.doc_type == "markdown"))
    return join_across_pages(blocks)


_SENTENCE_END = re.compile(r"[.!?…:;»)\]]\s*$")


def join_across_pages(blocks: list[Block]) -> list[Block]:
    """A paragraph cut by a page break (« …qui créait un » / « dispositif… ») becomes one, on its first page."""
    joined: list[Block] = []
    for block in blocks:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.level == 0
            and block.level == 0
            and previous.page is not None
            and block.page != previous.page
            and not _SENTENCE_END.search(previous.text)
            and block.text[:1].islower()
        ):
            joined[-1] = Block(f"{previous.text} {block.text}", 0, previous.page, previous.is_article)
            continue
        joined.append(block)
    return joined
