"""Document management over HTTP: list the indexed sources, upload and delete files, then re-index.

An upload is written to a hidden temporary file inside the documents folder (ingestion ignores dot files),
checked with the real loader, and only then renamed to its final name: a refused or corrupt file never
reaches the folder, and the background re-index then writes only the documents that changed to the store in
service (readers keep answering meanwhile).
Replacing an existing document needs `replace=true`; its previous version is kept as a hidden backup until
the re-index has put the new one in service, and put back if that re-index fails.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import threading
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, BinaryIO

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile

from essbot import messages
from essbot.answer.engine import Assistant
from essbot.answer.safety import check_text
from essbot.config import Settings
from essbot.ingest.isolation import IsolatedParser
from essbot.ingest.legi_archive import move_date, record_date
from essbot.ingest.loaders import LOADERS, SkippedFile
from essbot.server import schemas
from essbot.server.deps import CurrentAssistant, CurrentReindexer, CurrentSettings, check_admin, require_admin
from essbot.server.http_errors import HttpError
from essbot.server.legi_upload import (
    LegiReport,
    check_at_applies,
    forget_date,
    is_legi_upload,
    legi_report,
    parse_at,
    upload_change,
    upload_extension,
)
from essbot.server.reindex import IndexingStatus, Reindexer

logger = logging.getLogger("essbot.server")

UPLOAD_PREFIX = ".upload-"
BACKUP_PREFIX = ".backup-"
MAX_NAME_BYTES = 255  # a file name, on every common file system
MAX_SOURCE_BYTES = 1024
_SAFE_NAME = re.compile(r"^\w[\w .,()'+-]*$")
_COPY_BLOCK = 1 << 20


def status_model(status: IndexingStatus) -> schemas.IndexingStatus:
    return schemas.IndexingStatus(
        state=status.state,
        started_at=status.started_at,
        finished_at=status.finished_at,
        message=status.message,
        generation=status.generation,
        pending=status.pending,
        timeout_s=status.timeout_s,
    )


def list_documents(assistant: Assistant) -> list[schemas.Document]:
    """The files of the index in service, from its store."""
    files = assistant.retriever.store.files()
    return [
        schemas.Document(
            source=r.source,
            title=r.title,
            doc_type=r.doc_type,
            pages=r.pages,
            chunks=len(r.chunk_ids),
            size_bytes=r.size,
            skipped=r.skipped,
        )
        for r in sorted(files.values(), key=lambda record: record.source)
    ]


def printable(raw: str, limit: int = 120) -> str:
    """A user-given name as it can be echoed in a message: shortened, invalid characters replaced."""
    short = raw[:limit] + ("…" if len(raw) > limit else "")
    return short.encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")


def _byte_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def safe_file_name(raw: str) -> str:
    """The bare file name of an upload (no folder part), or an HttpError for anything unusual."""
    name = PureWindowsPath(PurePosixPath(raw).name).name.strip()
    if (
        not name
        or _byte_length(name) > MAX_NAME_BYTES
        or check_text(name)
        or not _SAFE_NAME.match(name)
        or name.startswith(("~$", "."))
    ):
        raise HttpError(400, "invalid_filename", messages.API_UPLOAD_BAD_NAME.format(name=printable(raw)))
    return name


def check_source(source: str) -> None:
    """A 400 for a document name no file can have (null byte, invalid Unicode, too long)."""
    parts = PurePosixPath(source).parts
    if (
        check_text(source)
        or _byte_length(source) > MAX_SOURCE_BYTES
        or any(_byte_length(part) > MAX_NAME_BYTES for part in parts)
    ):
        raise HttpError(400, "invalid_source", messages.API_DOCUMENT_BAD_NAME.format(source=printable(source)))


@dataclass
class SavedUpload:
    source: str
    backup: Path | None  # the replaced file, kept until the re-index put the new one in service
    legi: LegiReport | None = None  # official texts: the date, articles kept and archive files skipped


class DocumentLibrary:
    """The documents folder the server indexes (settings.documents_dir)."""

    def __init__(self, settings: Settings, reindexer: Reindexer) -> None:
        self.settings = settings
        self.folder = settings.documents_dir
        self.reindexer = reindexer
        self.max_bytes = min(int(settings.max_upload_mb * 1024 * 1024), settings.max_file_bytes)
        # Uploads are checked by their own parsing child (one at a time), never in the server process.
        self._parser = IsolatedParser(settings)
        self._parser_lock = threading.Lock()

    def _too_large(self) -> HttpError:
        return HttpError(
            413, "file_too_large", messages.API_UPLOAD_TOO_LARGE.format(limit_mb=round(self.max_bytes / 1024 / 1024, 1))
        )

    def check_folder_matches_index(self) -> None:
        """Refuse changes when the folder holds none of the indexed files: re-indexing it would empty the index."""
        sources = list(self.reindexer.live.current.retriever.store.files())
        if sources and not any((self.folder / source).is_file() for source in sources):
            raise HttpError(
                409,
                "documents_folder_mismatch",
                messages.API_FOLDER_MISMATCH.format(folder=self.folder, index=self.settings.index_dir),
            )

    def save_upload(self, raw_name: str, data: BinaryIO, replace: bool = False, at: date | None = None) -> SavedUpload:
        """Validate and store an uploaded file; official texts (LEGI) keep the versions in force at `at`.

        Blocking: run it in a thread. An existing file is replaced only with `replace`, else 409.
        """
        self.check_folder_matches_index()
        source = safe_file_name(raw_name)
        check_at_applies(source, at)
        if (self.folder / source).exists() and not replace:
            raise HttpError(409, "document_exists", messages.API_UPLOAD_EXISTS.format(source=source))
        extension = upload_extension(source)
        if extension not in LOADERS and not is_legi_upload(source):
            accepted = ", ".join(sorted([*LOADERS, ".xml (LEGI)", ".tar.gz (LEGI)"]))
            reason = messages.SKIP_UNSUPPORTED.format(ext=extension or "sans extension", accepted=accepted)
            raise HttpError(415, "unsupported_file", messages.API_UPLOAD_REFUSED.format(source=source, reason=reason))
        self.folder.mkdir(parents=True, exist_ok=True)
        # The extension stays last: the loader is chosen by it.
        temporary = self.folder / f"{UPLOAD_PREFIX}{uuid.uuid4().hex}{extension}"
        try:
            record_date(temporary, at)  # read by the LEGI loader, here and at every re-index
            with open(temporary, "wb") as out:
                copied = 0
                while block := data.read(_COPY_BLOCK):
                    copied += len(block)
                    if copied > self.max_bytes:
                        raise self._too_large()
                    out.write(block)
            try:
                with self._parser_lock:
                    doc, chunks = self._parser.chunk(temporary, source)  # exactly what ingestion will do
            except SkippedFile as skip:
                raise HttpError(
                    422, "unreadable_file", messages.API_UPLOAD_REFUSED.format(source=source, reason=skip.reason)
                ) from skip
            except Exception as exc:  # a parser crash on a hostile file is a refusal, not a 500
                reason = messages.SKIP_UNREADABLE.format(detail=type(exc).__name__)
                raise HttpError(
                    422, "unreadable_file", messages.API_UPLOAD_REFUSED.format(source=source, reason=reason)
                ) from exc
            target = self.folder / source
            backup = None
            if target.is_file():
                backup = self.folder / f"{BACKUP_PREFIX}{uuid.uuid4().hex}{extension}"
                shutil.copy2(target, backup)
                move_date(target, backup)
            move_date(temporary, target)
            os.replace(temporary, target)
            legi = legi_report(doc, chunks, at or self.settings.legi_at) if is_legi_upload(source) else None
            return SavedUpload(source, backup, legi)
        finally:
            temporary.unlink(missing_ok=True)
            forget_date(temporary)

    def settle_backup(self, source: str, backup: Path) -> None:
        """After the re-index: drop the backup when the new version is in service, else put it back."""
        self.reindexer.wait_idle()
        status = self.reindexer.status
        if status.state == "succeeded":
            backup.unlink(missing_ok=True)
            forget_date(backup)
            return
        logger.warning("re-index failed after replacing %s: previous version restored", source)
        move_date(backup, self.folder / source)
        os.replace(backup, self.folder / source)

    def keep_backup_until_live(self, source: str, backup: Path | None) -> None:
        if backup is not None:
            threading.Thread(
                target=self.settle_backup, args=(source, backup), name="essbot-upload-backup", daemon=True
            ).start()

    def resolve(self, source: str) -> Path:
        """The file of an indexed source, refusing anything outside the documents folder."""
        check_source(source)
        root = self.folder.resolve()
        path = (self.folder / source).resolve()
        if ".." in PurePosixPath(source).parts or not path.is_relative_to(root) or not path.is_file():
            raise HttpError(404, "document_not_found", messages.API_DOCUMENT_NOT_FOUND.format(source=printable(source)))
        return path

    def delete(self, source: str) -> None:
        self.check_folder_matches_index()
        path = self.resolve(source)
        path.unlink()
        forget_date(path)


async def get_library(request: Request) -> DocumentLibrary:
    library: DocumentLibrary = request.app.state.library
    return library


router = APIRouter(prefix="/v1/documents", tags=["documents"])
_ADMIN_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": schemas.Error, "description": "Jeton d'administration absent."},
    403: {"model": schemas.Error, "description": "Jeton refusé, ou gestion désactivée (pas d'ESSBOT_ADMIN_TOKEN)."},
}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, HTML, Markdown, texte, Word (.docx), ou texte officiel LEGI "
                            "de la DILA : article .xml ou archive .tar.gz.",
                        }
                    },
                }
            }
        },
    }
}


@router.get(
    "",
    response_model=schemas.DocumentList,
    summary="Lister les documents indexés",
    responses=_ADMIN_ERRORS,
)
async def get_documents(
    request: Request,
    settings: CurrentSettings,
    assistant: CurrentAssistant,
    reindexer: CurrentReindexer,
) -> schemas.DocumentList:
    """Les documents de l'index en service, et l'état de la dernière réindexation.

    Réservé à l'administrateur, sauf si le réglage `public_documents` le rend public.
    """
    if not settings.public_documents:
        check_admin(settings, request.headers.get("authorization"))
    return schemas.DocumentList(
        documents=list_documents(assistant),
        chunks=assistant.retriever.store.stats().chunks,
        indexing=status_model(reindexer.status),
    )


@router.post(
    "",
    status_code=202,
    response_model=schemas.DocumentChange,
    summary="Ajouter ou remplacer un document",
    dependencies=[Depends(require_admin)],
    openapi_extra=_UPLOAD_BODY,
    responses={
        **_ADMIN_ERRORS,
        409: {"model": schemas.Error, "description": "Un document de ce nom existe : ajoutez replace=true."},
        413: {"model": schemas.Error},
        415: {"model": schemas.Error},
        422: {"model": schemas.Error, "description": "Fichier illisible, corrompu ou sans texte."},
    },
)
async def upload_document(
    request: Request,
    library: Annotated[DocumentLibrary, Depends(get_library)],
    replace: Annotated[bool, Query(description="Remplacer un document du même nom (sinon 409).")] = False,
    at: Annotated[
        str | None,
        Query(
            description="Textes officiels LEGI : garder les versions d'articles en vigueur à cette date (AAAA-MM-JJ ; "
            "par défaut aujourd'hui, ou le réglage legi_date).",
            examples=["2026-01-01"],
        ),
    ] = None,
) -> schemas.DocumentChange:
    """Enregistre le fichier (champ `file`) puis lance une réindexation incrémentale en arrière-plan.

    L'index en service continue de répondre ; le nouvel index le remplace dès qu'il est prêt
    (suivi : `GET /v1/documents`, champ `indexing`). Un document du même nom n'est remplacé qu'avec
    `?replace=true` ; sa version précédente est gardée jusqu'à la mise en service du nouvel index.
    Réservé à l'administrateur (en-tête `Authorization: Bearer`).

    Textes officiels (open data LEGI de la DILA) : un article `.xml` ou une archive `.tar.gz` ; seule la version
    de chaque article en vigueur à la date `at` est indexée, et la réponse indique le nombre d'articles gardés et
    les fichiers de l'archive ignorés avec leur motif (`skipped`).
    """
    day = parse_at(at)
    # The body is read only now, after the token check (a form parameter would be read before it).
    async with request.form(max_files=1, max_fields=4) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise HttpError(400, "missing_file", messages.API_UPLOAD_MISSING_FILE)
        saved = await asyncio.to_thread(library.save_upload, upload.filename, upload.file, replace, day)
    library.reindexer.request()
    library.keep_backup_until_live(saved.source, saved.backup)
    return upload_change(saved.source, saved.backup is not None, saved.legi)


@router.post(
    "/indexing/cancel",
    response_model=schemas.IndexingStatus,
    summary="Annuler la réindexation en cours",
    dependencies=[Depends(require_admin)],
    responses={**_ADMIN_ERRORS, 409: {"model": schemas.Error, "description": "Aucune réindexation en cours."}},
)
def cancel_indexing(reindexer: CurrentReindexer) -> schemas.IndexingStatus:
    """Arrête la réindexation en cours et vide la file d'attente ; l'index en service reste inchangé."""
    if not reindexer.cancel():
        raise HttpError(409, "nothing_to_cancel", messages.API_REINDEX_NOTHING_TO_CANCEL)
    return status_model(reindexer.status)


@router.delete(
    "/{source:path}",
    status_code=202,
    response_model=schemas.DocumentChange,
    summary="Supprimer un document",
    dependencies=[Depends(require_admin)],
    responses={**_ADMIN_ERRORS, 400: {"model": schemas.Error}, 404: {"model": schemas.Error}},
)
def delete_document(source: str, library: Annotated[DocumentLibrary, Depends(get_library)]) -> schemas.DocumentChange:
    """Supprime le fichier du dossier des documents puis réindexe en arrière-plan."""
    library.delete(source)
    library.reindexer.request()
    return schemas.DocumentChange(
        source=source, status="indexing", replaced=False, message=messages.API_DELETE_ACCEPTED.format(source=source)
    )
