"""The chat page's HTML as chainlit builds it, made self-contained and French.

chainlit's index.html preconnects to Google Fonts and loads KaTeX's stylesheet from a CDN: on an intranet without
internet these fail, and contacting third-party hosts is a GDPR question for a public body. essbot uses a system
font stack (public/theme.json, whose `custom_fonts` also keeps the widget off Google Fonts) and no KaTeX: LaTeX is
off (config.toml), as answers about ESS law and procedures have no formulas. So every outside <link> and <script>
is removed, and the page is declared French for screen readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# A <link> or <script> element whose href/src is an absolute URL (http:, https: or protocol-relative).
_OUTSIDE_ELEMENT = re.compile(
    r"""<(link|script)\b[^>]*?\b(?:href|src)\s*=\s*["']?(?:https?:)?//[^>]*?>(?:\s*</script>)?\s*""",
    re.IGNORECASE,
)
_HTML_LANG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)


def self_contained_page(html: str) -> str:
    """`html` without elements that load from another host, with <html lang="fr">."""
    html = _OUTSIDE_ELEMENT.sub("", html)
    return _HTML_LANG.sub('<html lang="fr">', html, count=1)


def patch_chainlit_page() -> None:
    """Make chainlit serve self_contained_page() of its index.html (looked up by its route at each request)."""
    import chainlit.server as chainlit_server

    build: Callable[..., str] = chainlit_server.get_html_template
    if getattr(build, "essbot_self_contained", False):
        return

    def get_html_template(*args: Any, **kwargs: Any) -> str:
        return self_contained_page(build(*args, **kwargs))

    get_html_template.essbot_self_contained = True  # type: ignore[attr-defined]
    chainlit_server.get_html_template = get_html_template
