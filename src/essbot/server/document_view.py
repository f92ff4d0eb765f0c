"""Read-only views of cited documents: GET /documents/view (HTML text) and GET /documents/page.png (PDF page).

Who may open a document follows the rules of GET /v1/documents: everyone when `public_documents` is set, the
administrator (bearer token) always, and otherwise only through a link that essbot signed when it cited the
passage in an answer (`DocumentLinks`): a chat user sees the documents cited to them, and no one can list or
open the others by guessing names. Only sources of the index in service, inside the documents folder, are
served; the text view is rebuilt from the indexed chunks (see document_render.py), never from the file.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, Response

from essbot import messages
from essbot.answer.engine import Assistant
from essbot.config import Settings
from essbot.server.deps import check_admin
from essbot.server.document_render import (
    CITED_ANCHOR,
    ViewHeader,
    document_blocks,
    render_document,
    render_error,
    view_csp,
)
from essbot.server.documents import check_source, printable
from essbot.server.http_errors import HttpError, error_response
from essbot.server.page_preview import PagePreviews
from essbot.server.ratelimit import parse_origins
from essbot.types import Chunk

logger = logging.getLogger("essbot.server")

VIEW_PATH = "/documents/view"
PAGE_PATH = "/documents/page.png"
_LINK_CONTEXT = b"essbot document links v1"


class DocumentLinks:
    """Signs (source, chunk) pairs, so that the chat can link to the documents it cites.

    The key is derived from ESSBOT_ADMIN_TOKEN when one is set (replicas sharing the token accept each other's
    links), else drawn at random when the process starts (links then last as long as the server).
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentLinks:
        token = settings.admin_token.get_secret_value()
        key = hmac.new(token.encode(), _LINK_CONTEXT, hashlib.sha256).digest() if token else secrets.token_bytes(32)
        return cls(key)

    def signature(self, source: str, chunk_id: str) -> str:
        message = f"{source}\x1f{chunk_id}".encode("utf-8", "surrogatepass")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def is_valid(self, source: str, chunk_id: str, signature: str) -> bool:
        return hmac.compare_digest(self.signature(source, chunk_id).encode(), signature.encode("utf-8", "replace"))

    def _query(self, source: str, chunk_id: str) -> str:
        return urlencode({"source": source, "chunk": chunk_id, "sig": self.signature(source, chunk_id)})

    def view_path(self, source: str, chunk_id: str) -> str:
        """Path of the text view, opened at the cited passage."""
        return f"{VIEW_PATH}?{self._query(source, chunk_id)}#{CITED_ANCHOR}"

    def page_path(self, source: str, chunk_id: str) -> str:
        """Path of the image of the cited PDF page."""
        return f"{PAGE_PATH}?{self._query(source, chunk_id)}"


def indexed_chunks(assistant: Assistant, source: str, chunk_ids: Sequence[str]) -> list[Chunk]:
    """The chunks `chunk_ids` of `source` in the index in service, in the order given (missing ones left out)."""
    found = assistant.retriever.store.fetch(list(chunk_ids))
    by_id = {chunk.chunk_id: chunk for chunk in found if chunk.source == source}
    return [by_id[chunk_id] for chunk_id in chunk_ids if chunk_id in by_id]


def indexed_chunk(assistant: Assistant, source: str, chunk_id: str) -> Chunk | None:
    """The chunk `chunk_id` of `source` in the index in service, if it is there."""
    found = indexed_chunks(assistant, source, [chunk_id])
    return found[0] if found else None


class DocumentViews:
    """The two routes' work: access, finding the indexed file and its chunk, rendering."""

    def __init__(self, settings: Settings, assistant: Callable[[], Assistant], links: DocumentLinks) -> None:
        self.settings = settings
        self.assistant = assistant
        self.links = links
        self.previews = PagePreviews()
        self.frame_ancestors = parse_origins(settings.cors_origins)

    def authorize(self, request: Request, source: str, chunk_id: str, signature: str) -> None:
        """Pass when documents are public, the link is signed, or the admin token is given; else raise."""
        if self.settings.public_documents or (signature and self.links.is_valid(source, chunk_id, signature)):
            return
        authorization = request.headers.get("authorization")
        if authorization:
            check_admin(self.settings, authorization)
            return
        raise HttpError(403, "link_refused", messages.VIEW_LINK_REFUSED)

    def locate(self, source: str, chunk_id: str) -> tuple[Path, Assistant, Chunk | None]:
        """The indexed file of `source` inside the documents folder, the Assistant in service whose index holds
        it, and the cited chunk if still indexed."""
        check_source(source)
        assistant = self.assistant()
        record = assistant.retriever.store.files().get(source)
        not_found = HttpError(404, "document_not_found", messages.VIEW_NOT_FOUND.format(source=printable(source)))
        if record is None or record.skipped or ".." in PurePosixPath(source).parts:
            raise not_found
        root = self.settings.documents_dir.resolve()
        path = (root / source).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            raise not_found
        return path, assistant, indexed_chunk(assistant, source, chunk_id)

    def view_html(self, request: Request, source: str, chunk_id: str, signature: str) -> str:
        self.authorize(request, source, chunk_id, signature)
        _, assistant, chunk = self.locate(source, chunk_id)
        record = assistant.retriever.store.files()[source]
        header = ViewHeader(
            title=(chunk.title if chunk else record.title) or source,
            source=source,
            section=chunk.section if chunk else "",
            page=chunk.page if chunk else None,
            updated=chunk.updated if chunk else None,
        )
        chunks = indexed_chunks(assistant, source, record.chunk_ids)
        return render_document(header, document_blocks(chunks, chunk.chunk_id if chunk else None))

    def page_png(self, request: Request, source: str, chunk_id: str, signature: str) -> bytes:
        self.authorize(request, source, chunk_id, signature)
        path, _, chunk = self.locate(source, chunk_id)
        if chunk is None:
            raise HttpError(404, "passage_not_found", messages.VIEW_PASSAGE_UNKNOWN.format(source=printable(source)))
        if chunk.page is None or path.suffix.lower() != ".pdf":
            raise HttpError(404, "no_page", messages.VIEW_NO_PAGE)
        try:
            return self.previews.png(path, chunk.page, chunk.text)
        except IndexError as exc:
            raise HttpError(404, "no_page", messages.VIEW_NO_PAGE) from exc

    def html_headers(self) -> dict[str, str]:
        return {
            "Content-Security-Policy": view_csp(self.frame_ancestors),
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "private, max-age=300",
            "X-Robots-Tag": "noindex",
        }


def install_document_views(app: FastAPI, views: DocumentViews) -> None:
    """Add GET /documents/view and GET /documents/page.png to `app`."""

    async def view_document(
        request: Request,
        source: str = Query(max_length=1024, description="Nom du document (tel que dans la citation)."),
        chunk: str = Query(default="", max_length=64, description="Identifiant du passage cité."),
        sig: str = Query(default="", max_length=64, description="Signature du lien."),
    ) -> HTMLResponse:
        """Texte du document en lecture seule, ouvert au passage cité (surligné)."""
        try:
            page = await asyncio.to_thread(views.view_html, request, source, chunk, sig)
        except HttpError as exc:
            return HTMLResponse(render_error(exc.user_message), exc.status, headers=views.html_headers())
        return HTMLResponse(page, headers=views.html_headers())

    async def page_image(
        request: Request,
        source: str = Query(max_length=1024, description="Nom du document PDF."),
        chunk: str = Query(max_length=64, description="Identifiant du passage cité."),
        sig: str = Query(default="", max_length=64, description="Signature du lien."),
    ) -> Response:
        """Image PNG de la page citée, le passage surligné."""
        try:
            image = await asyncio.to_thread(views.page_png, request, source, chunk, sig)
        except HttpError as exc:
            return error_response(exc.status, exc.code, exc.user_message, exc.headers)
        headers = {"Cache-Control": "private, max-age=3600", "Content-Security-Policy": "default-src 'none'"}
        return Response(image, media_type="image/png", headers=headers)

    app.add_api_route(VIEW_PATH, view_document, methods=["GET"], tags=["documents"], summary="Consulter un document")
    app.add_api_route(PAGE_PATH, page_image, methods=["GET"], tags=["documents"], summary="Image d'une page citée")
