"""Answers are plain text with `[n]` markers: markup from a document or an LLM is neutralised here.

Chat clients render Markdown and some render HTML: a remote image (`![x](http://…)`) is loaded without a click
and can leak the conversation, a `javascript:` link runs on a click, a tag can do both. Well-formed constructs
are reduced to their visible text; what is left of a broken one is defanged (`<` followed by a letter gets a
space, `](` and `![` are split), so that two pieces neutralised apart cannot form markup once joined with a space.
"""

from __future__ import annotations

import re

_HTML = re.compile(r"<!--.*?(?:-->|$)|</?[A-Za-z][^<>]*>|<![^<>]*>|<\?[^<>]*>", re.DOTALL)
_URL = r"\((?:[^()\n]|\([^()\n]*\))*\)"  # "(url)", parentheses inside it too: "(javascript:alert(1))"
_IMAGE = re.compile(r"!\[([^\]\n]*)\]\s*(?:" + _URL + r"|\[[^\]\n]*\])")
_LINK = re.compile(r"\[([^\]\n]*)\]\s*" + _URL)
_REFERENCE = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.MULTILINE)
_SCHEME = re.compile(r"\b(?:javascript|vbscript|livescript)\s*:|\bdata:(?=[a-z]+/)", re.IGNORECASE)
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_ENTITY_OPEN = re.compile(r"&(?=#?\w+;)")


def _link_text(match: re.Match[str]) -> str:
    text = match.group(1)
    return f"[{text}]" if text.strip().isdigit() else text  # "[1](http://…)" keeps its citation marker


def neutralise_markup(text: str) -> str:
    """Plain text: HTML, images, links and script URLs reduced to their visible text, leftovers defanged."""
    for _ in range(4):  # nested constructs ("[![x](img)](link)", "<scr<b>ipt>") need a few passes
        before = text
        text = _HTML.sub("", text)
        text = _IMAGE.sub(lambda m: m.group(1), text)
        text = _LINK.sub(_link_text, text)
        text = _REFERENCE.sub("", text)
        text = _SCHEME.sub("", text)
        if text == before:
            break
    text = _TAG_OPEN.sub("< ", text)
    text = _ENTITY_OPEN.sub("& ", text)  # "&lt;img …&gt;" must not turn into a tag in a client that decodes
    return text.replace("![", "! [").replace("](", "] (")
