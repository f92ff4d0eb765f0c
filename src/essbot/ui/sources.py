"""The sources of an answer as one compact « Sources (n) » disclosure: a chainlit custom element.

No chainlit here (importing it writes its configuration): ui/app.py sends the element. It
(assets/public/elements/EssbotSources.jsx) renders, under the answer, a closed disclosure holding
one card per citation: document, section, page, article and date, the cited passage, and its own preview (the
cited PDF page as an image with the passage highlighted, or the document's text opened at the passage). Texts
go to the element as props and are rendered by React as text, never as HTML or markdown. The [n] markers of
the answer are links to `#source-n`, which the element intercepts to open and focus card n.
"""

from __future__ import annotations

import re
from typing import Any

from essbot import messages as core_messages
from essbot.answer.markup import neutralise_markup
from essbot.answer.provenance import date_phrase, source_label
from essbot.answer.types import Answer, Citation
from essbot.server.document_render import readable
from essbot.server.document_view import DocumentLinks
from essbot.ui import messages, rendering

ELEMENT_NAME = "EssbotSources"
CARD_ANCHOR = "source-{id}"
# The routes are served by essbot at its root; the element resolves this prefix against the chat's address
# (…/chat), so the links work on the chat page, in the widget on another site and behind a proxy prefix.
ROUTE_PREFIX = ".."
# [n] as rendering.answer_markdown leaves it: a citation marker that starts no link.
_MARKER = re.compile(r"(?<!\\)\[(\d{1,3})\](?![(:\[])")


def _plain(text: str) -> str:
    return " ".join(neutralise_markup(text).split())


def chunk_ids(answer: Answer) -> dict[int, str]:
    """The indexed chunk behind each citation, found among the answer's retrieved passages."""
    found: dict[int, str] = {}
    for citation in answer.citations:
        for passage in answer.retrieved:
            chunk = passage.chunk
            if (chunk.source, chunk.page) == (citation.source, citation.page) and (
                chunk.text == citation.text or neutralise_markup(chunk.text) == citation.text
            ):
                found[citation.id] = chunk.chunk_id
                break
    return found


def source_card(citation: Citation, chunk_id: str | None, links: DocumentLinks) -> dict[str, Any]:
    """What one card shows: plain texts, and the paths of its preview and of the full view."""
    title = _plain(citation.title)
    card: dict[str, Any] = {
        "id": citation.id,
        "anchor": CARD_ANCHOR.format(id=citation.id),
        "title": _plain(source_label(citation)) if citation.article else title,
        "section": _plain(citation.section) if _plain(citation.section) != title else "",
        "page": messages.CARD_PAGE.format(page=citation.page) if citation.page else "",
        "updated": date_phrase(citation),
        "source": citation.source,
        "passage": readable(citation.text).strip(),
        "kind": "none",
        "preview": "",
        "open": "",
    }
    if chunk_id:
        card["open"] = ROUTE_PREFIX + links.view_path(citation.source, chunk_id)
        is_pdf = citation.page is not None and citation.source.lower().endswith(".pdf")
        card["kind"] = "pdf" if is_pdf else "document"
        card["preview"] = ROUTE_PREFIX + (
            links.page_path(citation.source, chunk_id) if is_pdf else links.view_path(citation.source, chunk_id)
        )
    return card


def sources_props(answer: Answer, links: DocumentLinks) -> dict[str, Any]:
    """Props of the element: the French labels and one card per citation, in citation order."""
    ids = chunk_ids(answer)
    return {
        "summary": messages.SOURCES_SUMMARY.format(count=len(answer.citations)),
        "labels": {
            "pdfPreview": messages.CARD_PDF_PREVIEW,
            "documentPreview": messages.CARD_DOCUMENT_PREVIEW,
            "open": messages.CARD_OPEN,
            "openPage": messages.CARD_OPEN_PAGE,
            "passage": messages.CARD_PASSAGE,
            "file": messages.CARD_FILE,
            "previewFailed": messages.CARD_PREVIEW_FAILED,
            "showPreview": messages.CARD_SHOW_PREVIEW,
        },
        "cards": [source_card(c, ids.get(c.id), links) for c in answer.citations],
    }


def linked_markers(markdown: str, cited: set[int]) -> str:
    """The answer's [n] markers as links to their cards (`#source-n`), for the numbers that have a card."""

    def link(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number not in cited:
            return match.group(0)
        return f"[\\[{number}\\]](#{CARD_ANCHOR.format(id=number)})"

    return _MARKER.sub(link, markdown)


def answer_content(answer: Answer) -> str:
    """The answer message: abstention note, then the escaped text with its [n] markers linked to their cards."""
    parts = []
    if answer.abstained and answer.answer not in core_messages.SMALL_TALK_REPLIES:
        parts.append(messages.ABSTAINED_NOTE)
    parts.append(linked_markers(rendering.answer_markdown(answer.answer), {c.id for c in answer.citations}))
    return "\n\n".join(parts)
