"""Answers and cited passages as chainlit markdown that displays as plain text.

chainlit renders message and element content as markdown. With `unsafe_allow_html = false` raw HTML is never
interpreted, but it would silently disappear, and markdown syntax in a document (links, images, emphasis,
lists) would still be interpreted. Everything that comes from documents or the generator goes through
`escape_markdown`, so `<script>` shows as the literal text `<script>`.
"""

from __future__ import annotations

import re

# Characters that start inline markdown or HTML anywhere in a line (ASCII punctuation may always be escaped);
# "$" starts math, and ":" followed by a letter a directive (":name"), both parsed by chainlit's renderer.
_INLINE = re.compile(r"([\\`*_\[\]<>&~|$]|:(?=[A-Za-z]|$))")
# Block syntax that only counts at the start of a line: headings, quotes, lists, setext underlines.
_BLOCK_START = re.compile(r"^([#>+\-=])")
_ORDERED_ITEM = re.compile(r"^(\d{1,9})([.)])")
# A citation marker, kept as typed when it cannot start a link or a link definition.
_CITATION = re.compile(r"\\\[(\d{1,3})\\\](?![(:\[])")
# U+200B is turned into a blinking cursor by chainlit's renderer.
_INVISIBLE = re.compile("[\u200b\u2060\ufeff]")


def escape_inline(text: str) -> str:
    """Escape characters that start inline markdown or HTML (context-free: safe on streamed fragments)."""
    return _INLINE.sub(r"\\\1", _INVISIBLE.sub("", text))


def escape_markdown(text: str) -> str:
    """Markdown source that chainlit displays as exactly `text`: no HTML, link, image, emphasis or list."""
    lines = []
    for line in escape_inline(text).split("\n"):
        # Indented lines would become code blocks; leading spaces carry no meaning in our texts.
        line = line.strip()
        line = _BLOCK_START.sub(r"\\\1", line)
        line = _ORDERED_ITEM.sub(r"\1\\\2", line)
        lines.append(line)
    return "\n".join(lines)


def answer_markdown(text: str) -> str:
    """The answer text, escaped, with its [n] markers left readable when copied."""
    return _CITATION.sub(r"[\1]", escape_markdown(text))
