"""Reading a LEGI dump (.tar.gz) that may be hostile, within bounds, and the date a LEGI file is indexed at.

A LEGI archive is read as a stream, never extracted to disk: the bytes inflated are counted as they come out of
the decompressor, so a gzip bomb stops at `legi_max_inflated_mb` whatever its headers claim; the number of
members is capped (`legi_max_members`); a member named with `..` or an absolute path, a link, a device or a
pipe has nothing to do in a DILA dump and makes the whole archive refused; an encrypted file is named as such.

An uploaded LEGI file can be indexed at its own date (`POST /v1/documents?at=AAAA-MM-JJ`): the date is recorded
in a hidden file beside it (`.<name>.legi-at`, ignored by ingestion like every dot file), read back whenever the
file is parsed again, and part of the file's content hash so that a new date re-indexes an unchanged file.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import tarfile
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from essbot import messages
from essbot.ingest.loaders import SkippedFile

MAX_MEMBER_BYTES = 4 * 1024 * 1024  # one article version is a few kB; bigger members are not LEGI articles
DATE_SUFFIX = ".legi-at"
_GZIP, _BZIP2, _XZ = b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"
# Encrypted files (openssl enc, OpenPGP armored or binary, age): refused with a clear reason, not « corrupt ».
_ENCRYPTED = (b"Salted__", b"-----BEGIN PGP", b"age-encryption.org", b"\x85\x01", b"\x85\x02", b"\x8c\x0d")


class _Inflated:
    """A read-only stream counting the bytes read through it; SkippedFile past `limit` (a decompression bomb)."""

    def __init__(self, raw: io.BufferedIOBase, limit: int) -> None:
        self.raw, self.limit, self.count = raw, limit, 0

    def read(self, size: int = -1) -> bytes:
        # Never more than the limit allows, plus one byte to know it was passed.
        allowed = self.limit - self.count + 1
        data = self.raw.read(allowed if size is None or size < 0 else min(size, allowed))
        self.count += len(data)
        if self.count > self.limit:
            raise SkippedFile(messages.SKIP_LEGI_ARCHIVE_INFLATED.format(limit_mb=self.limit / 1024 / 1024))
        return data


def _decompressed(raw: io.BufferedReader) -> io.BufferedIOBase:
    """The archive's tar stream: gzip (the DILA format), bzip2, xz or a plain tar, known by their first bytes."""
    head = raw.peek(512)[:512]
    if head.startswith(_ENCRYPTED):
        raise SkippedFile(messages.SKIP_LEGI_ARCHIVE_ENCRYPTED)
    if head.startswith(_GZIP):
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if head.startswith(_BZIP2):
        return bz2.BZ2File(raw)
    if head.startswith(_XZ):
        return lzma.LZMAFile(raw)
    if head[257:262] == b"ustar" or len(head) == 512:
        return raw  # a plain tar (old V7 archives have no magic: tarfile decides)
    raise SkippedFile(messages.SKIP_LEGI_ARCHIVE_CORRUPT.format(detail="ni gzip ni tar"))


def _unsafe_member(member: tarfile.TarInfo) -> str:
    """The French reason an archive member makes the archive refused, or ""."""
    name = PurePosixPath(member.name.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts or "\x00" in member.name:
        return messages.SKIP_LEGI_MEMBER_PATH
    if member.issym() or member.islnk():
        return messages.SKIP_LEGI_MEMBER_LINK
    if not (member.isfile() or member.isdir()):
        return messages.SKIP_LEGI_MEMBER_SPECIAL
    return ""


def archive_members(path: Path, settings: Any) -> Iterator[tuple[str, bytes | None]]:
    """(name, content) of each .xml file in the archive, content None for a member too large to be an article.

    SkippedFile (French reason) for an archive that is corrupt, encrypted, or passes a bound."""
    max_members, max_bytes = settings.legi_max_members, settings.legi_max_inflated_bytes
    try:
        with open(path, "rb") as raw, _decompressed(raw) as stream:
            inflated = _Inflated(stream, max_bytes)
            with tarfile.open(fileobj=inflated, mode="r|") as archive:  # type: ignore[call-overload]
                for count, member in enumerate(archive, start=1):
                    if count > max_members:
                        raise SkippedFile(messages.SKIP_LEGI_ARCHIVE_MEMBERS.format(limit=max_members))
                    if reason := _unsafe_member(member):
                        shown = member.name[:120].encode("utf-8", "replace").decode("utf-8").replace("\x00", "?")
                        raise SkippedFile(messages.SKIP_LEGI_ARCHIVE_UNSAFE.format(name=shown, reason=reason))
                    if not member.isfile() or not member.name.lower().endswith(".xml"):
                        continue
                    if member.size > MAX_MEMBER_BYTES:
                        yield member.name, None
                        continue
                    handle = archive.extractfile(member)
                    yield member.name, handle.read() if handle is not None else b""
    except SkippedFile:
        raise
    except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        raise SkippedFile(messages.SKIP_LEGI_ARCHIVE_CORRUPT.format(detail=type(exc).__name__)) from exc


# --- the date an uploaded LEGI file is indexed at ---


def date_file(path: Path) -> Path:
    """The hidden file holding the date `path` is indexed at: `.<name>.legi-at` in the same folder."""
    return path.with_name(f".{path.name}{DATE_SUFFIX}")


def recorded_date(path: Path) -> date | None:
    """The date recorded for this LEGI file, None when there is none; SkippedFile when it is not a date."""
    try:
        text = date_file(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SkippedFile(messages.SKIP_LEGI_BAD_RECORDED_DATE.format(value=type(exc).__name__)) from exc
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise SkippedFile(messages.SKIP_LEGI_BAD_RECORDED_DATE.format(value=text[:40])) from exc


def record_date(path: Path, at: date | None) -> None:
    """Index `path` at `at` from now on (None: at the configured date, the record is removed).

    The file's modification time is renewed, so that ingestion looks at it again (it trusts an unchanged size
    and time) and finds its content hash changed."""
    if at is None:
        date_file(path).unlink(missing_ok=True)
    else:
        date_file(path).write_text(at.isoformat() + "\n", encoding="utf-8")
    if path.exists():
        os.utime(path)


def move_date(source: Path, target: Path) -> None:
    """Give `target` the recorded date of `source` (none if `source` has none), as the file itself moves."""
    if date_file(source).is_file():
        os.replace(date_file(source), date_file(target))
    else:
        date_file(target).unlink(missing_ok=True)


def digest_with_date(path: Path, file_digest: str) -> str:
    """The content hash of a file, changed when a date is recorded for it: a new date re-indexes the file."""
    try:
        at = date_file(path).read_bytes().strip()
    except OSError:
        return file_digest
    return hashlib.sha256(file_digest.encode() + b"@" + at).hexdigest()
