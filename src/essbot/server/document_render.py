"""A read-only HTML view of a document's text as essbot indexed it, opened at the cited passage.

The page is rebuilt from the document's chunks in the index (headings from their heading paths, paragraphs
from their texts), never from the file itself: no parser runs when a document is viewed, the text is exactly
what essbot searched and cited. As in the chat, markup left in a text is reduced to its visible words
(answer/markup.py), then every text is HTML-escaped: nothing of an HTML, Markdown or Word file runs or loads.
Its only style is a fixed stylesheet allowed by its hash in the Content-Security-Policy; no script at all.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

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


def _overlap(previous: str, current: str, shortest: int = 20) -> int:
    """Length of the longest start of `current` that ends `previous` (windows of one section overlap)."""
    for length in range(min(len(previous), len(current)), shortest - 1, -1):
        if previous.endswith(current[:length]):
            return length
    return 0


def document_blocks(chunks: Sequence[Chunk], cited_id: str | None) -> list[tuple[Block, bool]]:
    """The document's headings and paragraphs rebuilt from its indexed chunks, in order; True marks the cited ones.

    Headings come from each chunk's heading path; the overlap between consecutive windows of one section is
    shown once.
    """
    parts: list[tuple[Block, bool]] = []
    path: tuple[str, ...] = ()
    previous: Chunk | None = None
    for chunk in chunks:
        text = readable(chunk.text)
        if chunk.heading_path != path:
            shared = 0
            while shared < min(len(path), len(chunk.heading_path)) and path[shared] == chunk.heading_path[shared]:
                shared += 1
            for level, heading in enumerate(chunk.heading_path[shared:], start=shared + 1):
                parts.append((Block(readable(heading), level, chunk.page), False))
            path = chunk.heading_path
        elif previous is not None and previous.page == chunk.page:
            shared_text = _overlap(readable(previous.text), text)
            if chunk.chunk_id != cited_id:
                text = text[shared_text:].lstrip()
            elif shared_text and parts and parts[-1][0].text.endswith(text[:shared_text].strip()):
                # The cited window is shown whole, highlighted: its start leaves the previous paragraph.
                block, cited = parts.pop()
                if kept := block.text[: len(block.text) - len(text[:shared_text].strip())].rstrip():
                    parts.append((Block(kept, block.level, block.page), cited))
        for paragraph in text.split("\n\n"):
            if paragraph.strip():
                parts.append((Block(paragraph.strip(), 0, chunk.page), chunk.chunk_id == cited_id))
        previous = chunk
    return parts


def render_document(header: ViewHeader, parts: Sequence[tuple[Block, bool]]) -> str:
    """The whole page: header, then every heading and paragraph, the cited ones highlighted."""
    body: list[str] = []
    page: int | None = None
    anchored = False
    for block, cited in parts:
        if block.page is not None and block.page != page:
            page = block.page
            body.append(f'<p class="page">{html.escape(messages.VIEW_PAGE.format(page=page))}</p>')
        text = html.escape(block.text)
        if block.level:
            level = min(block.level + 1, 6)
            body.append(f"<h{level}>{text}</h{level}>")
        elif cited:
            anchor = "" if anchored else f' id="{CITED_ANCHOR}"'
            anchored = True
            body.append(f'<p class="cited"{anchor}><mark>{text}</mark></p>')
        else:
            body.append(f"<p>{text}</p>")
    details = [messages.VIEW_SOURCE.format(source=header.source)]
    if header.section:
        details.append(messages.VIEW_SECTION.format(section=header.section))
    if header.page:
        details.append(messages.VIEW_PAGE.format(page=header.page))
    if header.updated:
        details.append(messages.VIEW_UPDATED.format(date=header.updated))
    note = messages.VIEW_NOTE if anchored else messages.VIEW_PASSAGE_NOT_FOUND
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
