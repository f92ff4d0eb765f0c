"""A read-only HTML view of a document's text as essbot indexed it, opened at the cited passage.

The page is built from the cleaned text blocks (headings and paragraphs), never from the document's own
markup: as in the chat, markup left in a text is reduced to its visible words (answer/markup.py), then every
text is HTML-escaped, so nothing of an HTML, Markdown or Word file runs or loads in the page.
Its only style is a fixed stylesheet allowed by its hash in the Content-Security-Policy; no script at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from essbot import messages
from essbot.answer.markup import neutralise_markup
from essbot.ingest.clean import Block
from essbot.types import Chunk

CITED_ANCHOR = "extrait"
_STYLE = """
:root{color-scheme:light}
body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#161616;
background:#fff}
main{max-width:46rem;margin:0 auto;padding:1rem 1.25rem 4rem}
header{border-bottom:1px solid #ddd;margin-bottom:1rem;padding-bottom:.5rem}
header h1{font-size:1.25rem;margin:.25rem 0;color:#000091}
header p{margin:.25rem 0;color:#3a3a3a;font-size:.9rem}
h2,h3,h4,h5,h6{color:#000091;line-height:1.3;margin:1.5rem 0 .5rem}
h2{font-size:1.2rem}h3{font-size:1.1rem}h4,h5,h6{font-size:1rem}
p{margin:.5rem 0;overflow-wrap:anywhere;white-space:pre-line}
.page{color:#666;font-size:.8rem;border-top:1px dashed #ccc;margin-top:1.25rem;padding-top:.25rem}
.cited{background:#fff3b0;border-left:5px solid #000091;padding:.25rem .5rem;margin-left:-.75rem}
mark{background:#ffe066;color:inherit}
#extrait{scroll-margin-top:3.5rem}
""".strip()
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()


def view_csp(frame_ancestors: Sequence[str]) -> str:
    """No script, no request; only our stylesheet; framed only by essbot's pages and the allowed sites."""
    ancestors = " ".join(["'self'", *frame_ancestors]) if "*" not in frame_ancestors else "*"
    return (
        f"default-src 'none'; style-src '{STYLE_HASH}'; img-src 'none'; base-uri 'none'; form-action 'none'; "
        f"frame-ancestors {ancestors}"
    )


@dataclass(frozen=True)
class ViewHeader:
    """What the view says above the text: the document and the cited passage's place."""

    title: str
    source: str
    section: str = ""
    page: int | None = None
    updated: str | None = None


_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")


def readable(text: str) -> str:
    """A passage as shown to readers: markup reduced to its words (answer/markup.py), Markdown bold marks dropped."""
    return _EMPHASIS.sub(r"\2", neutralise_markup(text))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _cited_indexes(blocks: Sequence[Block], chunk: Chunk | None) -> list[int]:
    """Indexes of the paragraph blocks that make up the cited chunk, under its headings and on its page."""
    if chunk is None:
        return []
    wanted = _squash(chunk.text)
    stack: list[tuple[int, str]] = []
    found: list[int] = []
    for position, block in enumerate(blocks):
        if block.level:
            stack = [entry for entry in stack if entry[0] < block.level] + [(block.level, block.text)]
            continue
        path = tuple(text for _, text in stack)
        if chunk.heading_path and path[-len(chunk.heading_path) :] != chunk.heading_path:
            continue
        if chunk.page is not None and block.page != chunk.page:
            continue
        paragraph = _squash(block.text)
        # A long section is cut into overlapping windows: a paragraph may be only partly in the chunk.
        if paragraph and (
            paragraph in wanted or wanted in paragraph or paragraph[:80] in wanted or paragraph[-80:] in wanted
        ):
            found.append(position)
    return found


def _paragraph(block: Block, chunk: Chunk | None, cited: bool, first: bool) -> str:
    text = html.escape(block.text)
    if not cited or chunk is None:
        return f"<p>{text}</p>"
    anchor = f' id="{CITED_ANCHOR}"' if first else ""
    wanted = chunk.text.strip()
    if wanted and wanted in block.text and wanted != block.text.strip():
        # The chunk is a piece of a long paragraph: mark that piece only.
        before, _, after = block.text.partition(wanted)
        text = f"{html.escape(before)}<mark>{html.escape(wanted)}</mark>{html.escape(after)}"
    else:
        text = f"<mark>{text}</mark>"
    return f'<p class="cited"{anchor}>{text}</p>'


def render_document(header: ViewHeader, blocks: Sequence[Block], chunk: Chunk | None) -> str:
    """The whole page: header, then every heading and paragraph, the cited ones highlighted."""
    blocks = [replace(block, text=readable(block.text)) for block in blocks]
    if chunk is not None:
        chunk = replace(chunk, text=readable(chunk.text))
    cited = set(_cited_indexes(blocks, chunk))
    first_cited = min(cited, default=-1)
    body: list[str] = []
    page: int | None = None
    for position, block in enumerate(blocks):
        if block.page is not None and block.page != page:
            page = block.page
            body.append(f'<p class="page">{html.escape(messages.VIEW_PAGE.format(page=page))}</p>')
        if block.level:
            level = min(block.level + 1, 6)
            body.append(f"<h{level}>{html.escape(block.text)}</h{level}>")
        else:
            body.append(_paragraph(block, chunk, position in cited, position == first_cited))
    details = [messages.VIEW_SOURCE.format(source=header.source)]
    if header.section:
        details.append(messages.VIEW_SECTION.format(section=header.section))
    if header.page:
        details.append(messages.VIEW_PAGE.format(page=header.page))
    if header.updated:
        details.append(messages.VIEW_UPDATED.format(date=header.updated))
    note = messages.VIEW_NOTE if cited else messages.VIEW_PASSAGE_NOT_FOUND
    return _page(
        header.title,
        f"<header><h1>{html.escape(header.title)}</h1><p>{html.escape(' — '.join(details))}</p>"
        f"<p>{html.escape(note)}</p></header>{''.join(body)}",
    )


def render_error(message: str) -> str:
    """A French error page (unknown document, link refused) in the same frame as the view."""
    title = html.escape(messages.VIEW_ERROR_TITLE)
    return _page(messages.VIEW_ERROR_TITLE, f"<h1>{title}</h1><p>{html.escape(message)}</p>")


def _page(title: str, content: str) -> str:
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{content}</main></body></html>"
    )
