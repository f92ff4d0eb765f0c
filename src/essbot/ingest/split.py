"""Section-aware splitting: one chunk per short section or legal article, sentence windows for long ones."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from essbot.ingest.clean import ARTICLE_LABEL, Block
from essbot.types import Chunk


@dataclass
class _Section:
    path: tuple[str, ...]
    page: int | None
    paragraphs: list[str]
    is_article: bool


def _word_count(text: str) -> list[str]:
    return text.split()


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int) -> Any:
    from llama_index.core.node_parser import SentenceSplitter

    # Sizes are in words: a deterministic, offline measure that tracks the encoder's token budget
    # (French text runs at about 2.2 e5 tokens per word).
    return SentenceSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, tokenizer=_word_count, paragraph_separator="\n\n"
    )


def _sections(blocks: list[Block], title: str) -> Iterator[_Section]:
    """Group paragraphs under their heading path; a new page or heading starts a new section."""
    stack: list[tuple[int, str, bool]] = []
    current: _Section | None = None
    for block in blocks:
        if block.level:
            if current and current.paragraphs:
                yield current
            if block.level == 1 and block.text == title:
                stack = []
            else:
                stack = [entry for entry in stack if entry[0] < block.level] + [
                    (block.level, block.text, block.is_article)
                ]
            current = None
            continue
        path = tuple(entry[1] for entry in stack)
        if current is None or current.page != block.page or current.path != path:
            if current and current.paragraphs:
                yield current
            is_article = bool(stack and stack[-1][2])
            current = _Section(path, block.page, [], is_article)
        current.paragraphs.append(block.text)
    if current and current.paragraphs:
        yield current


_CODE_NUMBER = re.compile(r"^([LRDA])\.?\s?\*?(\d.*)$")
_LABEL_WORD = re.compile(r"^(?:Article|Art\.)\s+", re.IGNORECASE)


def article_number(label: str) -> str | None:
    """The article number in a heading or a LEGI NUM: "Article L3332-17-1" -> "L. 3332-17-1", "premier" -> "1er"."""
    match = ARTICLE_LABEL.search(label)
    number = _LABEL_WORD.sub("", match.group(0)) if match else label.strip()
    number = " ".join(number.replace("\u2011", "-").split())
    if not number or len(number) > 40:
        return None
    if number.lower() in {"premier", "1er"}:
        return "1er"
    code = _CODE_NUMBER.match(number)
    return f"{code.group(1)}. {code.group(2)}" if code else number


def chunk_id_for(source: str, page: int | None, path: tuple[str, ...], text: str) -> str:
    """Content hash of a chunk: the same text at the same place always gets the same id."""
    digest = hashlib.sha256("\x1f".join([source, str(page), *path, text]).encode("utf-8")).hexdigest()
    return digest[:20]


def cut_long_passage(text: str, max_chars: int) -> list[str]:
    """Cut a passage longer than `max_chars` at spaces (hard cuts when a piece has none)."""
    pieces: list[str] = []
    while len(text) > max_chars:
        cut = text.rfind(" ", max_chars // 2, max_chars + 1)
        cut = cut if cut > 0 else max_chars
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text] if text else pieces


def split_into_chunks(
    blocks: list[Block],
    *,
    source: str,
    title: str,
    doc_type: str,
    chunk_size_words: int,
    chunk_overlap_words: int,
    updated: str | None = None,
    section_dates: Mapping[str, str] | None = None,
    max_passage_chars: int | None = None,
) -> list[Chunk]:
    """Cut cleaned blocks into chunks that never cross a page, a section or a legal article.

    Every chunk carries `updated` (or the date of its own heading in `section_dates`) and, inside a
    legal article, the article's number.
    """
    section_dates = section_dates or {}
    splitter = _splitter(chunk_size_words, chunk_overlap_words)
    chunks: list[Chunk] = []
    used: set[str] = set()
    for section in _sections(blocks, title):
        text = "\n\n".join(section.paragraphs)
        # A legal article is kept whole when it fits the encoder, so it can be cited as one unit.
        limit = int(chunk_size_words * 1.4) if section.is_article else chunk_size_words
        pieces = [text] if len(text.split()) <= limit else splitter.split_text(text)
        if max_passage_chars:
            pieces = [part for piece in pieces for part in cut_long_passage(piece, max_passage_chars)]
        label = section.path[-1] if section.path else title
        article = article_number(label) if section.is_article else None
        dated = next((section_dates[h] for h in reversed(section.path) if h in section_dates), updated)
        for piece in pieces:
            chunk_id = chunk_id_for(source, section.page, section.path, piece)
            while chunk_id in used:  # identical text twice in one section: keep both, distinct ids
                chunk_id = hashlib.sha256(chunk_id.encode()).hexdigest()[:20]
            used.add(chunk_id)
            chunks.append(
                Chunk(chunk_id, piece, source, title, section.page, label, doc_type, section.path, article, dated)
            )
    return chunks
