"""The chat page's HTML made self-contained: chainlit's real index.html loses every outside host."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from essbot.ui.page import self_contained_page

OUTSIDE_URL = re.compile(r"""(?:href|src)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


def chainlit_index_html() -> str:
    spec = importlib.util.find_spec("chainlit")  # locates the package without importing it
    assert spec is not None and spec.origin is not None
    return (Path(spec.origin).parent / "frontend" / "dist" / "index.html").read_text(encoding="utf-8")


def test_chainlit_page_loses_google_fonts_and_katex_but_keeps_its_own_files() -> None:
    original = chainlit_index_html()
    assert "fonts.googleapis.com" in original and "katex" in original  # what there is to remove

    page = self_contained_page(original)

    assert not OUTSIDE_URL.search(page), page
    assert "fonts.g" not in page and "katex" not in page
    assert '<html lang="fr">' in page
    own = re.findall(r"""(?:href|src)="(/assets/[^"]+)""", original)
    assert own and all(path in page for path in own)  # chainlit's bundle is still loaded
    assert "const global = globalThis;" in page  # inline scripts are kept


def test_every_outside_form_is_removed() -> None:
    html = (
        '<html lang="en"><head>'
        "<link rel=stylesheet href=//cdn.example/a.css>"
        "<LINK REL='preconnect' HREF='https://fonts.example'/>"
        '<script src="http://cdn.example/x.js"></script>'
        '<script src="/chat/public/essbot.js"></script>'
        '<link rel="icon" href="/chat/favicon" />'
        "</head></html>"
    )
    page = self_contained_page(html)
    assert "example" not in page
    assert '<script src="/chat/public/essbot.js"></script>' in page
    assert '<link rel="icon" href="/chat/favicon" />' in page
    assert page.startswith('<html lang="fr">')
