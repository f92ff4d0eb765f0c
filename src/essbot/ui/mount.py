"""Mount the chainlit chat under /chat of a FastAPI app, and serve GET /widget.js.

chainlit reads its configuration from `$CHAINLIT_APP_ROOT/.chainlit/` (default: the working directory) once,
when it is first imported, and writes there too (session files, copies of its translations). So that
`essbot serve` and `essbot ui` work from any directory without polluting it, `prepare_app_root` copies the
configuration shipped in ui/assets/ to a private temporary directory (or fills the missing files of a
directory the administrator set in CHAINLIT_APP_ROOT to customise the UI) before chainlit is imported.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from string import Template
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from essbot.config import Settings
from essbot.server.document_view import DocumentViews, install_document_views
from essbot.server.ratelimit import ClientLimiter, parse_origins
from essbot.ui import messages, runtime
from essbot.ui.page import patch_chainlit_page
from essbot.ui.runtime import AssistantSource

log = logging.getLogger("essbot.ui")

CHAT_PATH = "/chat"
APP_FILE = Path(__file__).with_name("app.py")
ASSETS_DIR = Path(__file__).with_name("assets")
APP_ROOT_ENV = "CHAINLIT_APP_ROOT"


class _State:
    """chainlit is a process-wide singleton: it is configured and mounted once per process."""

    app_root: Path | None = None
    temporary_root = False  # ours to delete when the server stops
    chainlit_mounted = False


def _allowed_origins(settings: Settings) -> list[str]:
    """Sites allowed to embed the chat (cors_origins); none by default, "null" never."""
    return parse_origins(settings.cors_origins)


def _french_translation() -> dict[str, Any]:
    """Our fr-FR.json over chainlit's own, so that keys added by a newer chainlit still have a French text."""
    import importlib.util

    ours: dict[str, Any] = json.loads((ASSETS_DIR / "translations" / "fr-FR.json").read_text(encoding="utf-8"))
    spec = importlib.util.find_spec("chainlit")
    if spec is None or spec.origin is None:
        return ours
    bundled_file = Path(spec.origin).parent / "translations" / "fr-FR.json"
    if not bundled_file.is_file():
        return ours

    def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
        merged = dict(base)
        for key, value in override.items():
            merged[key] = (
                merge(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
            )
        return merged

    return merge(json.loads(bundled_file.read_text(encoding="utf-8")), ours)


def _write_if_missing(path: Path, content: str | bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def prepare_app_root(settings: Settings) -> Path:
    """Write chainlit's configuration, French translation, about page and public files; return the directory."""
    if _State.app_root is not None:
        return _State.app_root
    loaded = sys.modules.get("chainlit.config")
    if loaded is not None:
        # Too late to choose: chainlit already read its directory. Complete it anyway.
        root = Path(loaded.APP_ROOT)
        log.warning("chainlit was imported before essbot configured it; using %s", root)
    elif os.environ.get(APP_ROOT_ENV):
        root = Path(os.environ[APP_ROOT_ENV])
    else:
        root = Path(tempfile.mkdtemp(prefix="essbot-chainlit-"))
        # uvicorn ends on SIGTERM/SIGINT by re-raising the signal, which skips atexit: see _remove_on_shutdown.
        atexit.register(shutil.rmtree, root, ignore_errors=True)
        os.environ[APP_ROOT_ENV] = str(root)
        _State.temporary_root = True

    config = Template((ASSETS_DIR / "config.toml").read_text(encoding="utf-8")).substitute(
        allow_origins=json.dumps(_allowed_origins(settings)), chainlit_version=version("chainlit")
    )
    _write_if_missing(root / ".chainlit" / "config.toml", config)
    translation = json.dumps(_french_translation(), ensure_ascii=False, indent=2)
    _write_if_missing(root / ".chainlit" / "translations" / "fr-FR.json", translation)
    _write_if_missing(root / "chainlit.md", (ASSETS_DIR / "chainlit.md").read_text(encoding="utf-8"))
    for asset in sorted((ASSETS_DIR / "public").iterdir()):
        if asset.is_dir():  # elements/: the custom elements' .jsx (chainlit fetches /public/elements/NAME.jsx)
            for element in sorted(asset.iterdir()):
                _write_if_missing(root / "public" / asset.name / element.name, element.read_bytes())
            continue
        _write_if_missing(root / "public" / asset.name, asset.read_bytes())
    _State.app_root = root
    return root


class ChatCORSMiddleware:
    """CORS of the chat under /chat as chainlit's widget needs it, whatever CORS the host app applies.

    The widget calls the chat server with credentials and PUT requests, which need the caller's origin echoed
    back and every method and header allowed: only for the origins listed in cors_origins ("*" allows any
    site, but then without credentials). Added last, this layer is the outermost: it answers the chat's
    preflight requests itself and sets the final CORS headers of the chat's responses. A websocket opened
    from a page of another, unlisted site is refused, and so is socket.io's long-polling fallback.
    """

    def __init__(self, app: ASGIApp, prefix: str, allow_origins: list[str]) -> None:
        self.app = app
        self.prefix = prefix
        self.allow_origins = allow_origins
        self.cors = CORSMiddleware(
            app,
            allow_origins=allow_origins,
            allow_credentials="*" not in allow_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )

    def _cross_site_refused(self, scope: Scope) -> bool:
        headers = Headers(scope=scope)
        origin = headers.get("origin", "").rstrip("/")
        if not origin or "*" in self.allow_origins or origin in self.allow_origins:
            return False
        return origin.split("://", 1)[-1] != headers.get("host", "")  # same host: the chat page itself

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            await self.app(scope, receive, send)
        elif scope["type"] == "http" and path.startswith(f"{self.prefix}/ws/") and self._cross_site_refused(scope):
            # socket.io's long-polling transport: a session opened from another site is refused like a websocket.
            await JSONResponse({"error": {"code": "forbidden_origin", "message": messages.ORIGIN_REFUSED}}, 403)(
                scope, receive, send
            )
        elif scope["type"] == "http":
            await self.cors(scope, receive, send)
        elif scope["type"] == "websocket" and self._cross_site_refused(scope):
            await send({"type": "websocket.close", "code": 1008})
        else:
            await self.app(scope, receive, send)


def _mount_chainlit(app: FastAPI) -> None:
    from chainlit.server import app as chainlit_app
    from chainlit.utils import mount_chainlit

    if _State.chainlit_mounted:
        # Another FastAPI app of this process (tests build several): share the one chainlit app.
        app.mount(CHAT_PATH, chainlit_app)
        return
    mount_chainlit(app=app, target=str(APP_FILE), path=CHAT_PATH)
    patch_chainlit_page()  # no outside host in the chat page
    _State.chainlit_mounted = True


def widget_script(settings: Settings) -> str:
    """JavaScript of GET /widget.js: a light launcher button that loads and opens chainlit's Copilot widget.

    The chat server is `public_url` + /chat, or else found from the address this script was loaded from, so
    the same tag works behind a reverse proxy. The 2–3 MB widget bundle is only fetched on the first click.
    """
    configured = f"{settings.public_url.rstrip('/')}{CHAT_PATH}" if settings.public_url else ""
    values = {
        "server": configured,
        "label": messages.WIDGET_BUTTON_LABEL,
        "errors": messages.WIDGET_ERRORS,
        "chatPath": CHAT_PATH.lstrip("/"),
    }
    # json.dumps gives JavaScript string literals; "<" is escaped so the file can also be inlined in HTML.
    config = json.dumps(values, ensure_ascii=False).replace("<", "\\u003c")
    return (ASSETS_DIR / "widget.js").read_text(encoding="utf-8").replace("__ESSBOT_CONFIG__", config)


def _remove_on_shutdown(app: FastAPI, root: Path) -> None:
    """Delete our temporary chainlit directory (configuration, session files) when the app shuts down."""
    serve = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(running: Any) -> AsyncIterator[Any]:
        async with serve(running) as state:
            yield state
        shutil.rmtree(root, ignore_errors=True)

    app.router.lifespan_context = lifespan


def mount_ui(
    app: FastAPI, settings: Settings, assistant: AssistantSource = None, limiter: ClientLimiter | None = None
) -> None:
    """Serve the chainlit chat under /chat, the embeddable widget at GET /widget.js, and the views of the
    documents its answers cite (GET /documents/view, GET /documents/page.png, see server/document_view.py).

    Pass the API's Assistant, or better a function returning the one in service (e.g. `lambda: live.current`),
    as `assistant`: the chat then shares its index in memory and follows its re-indexing. By default the UI
    loads its own Assistant from `settings` on first use.
    """
    root = prepare_app_root(settings)
    if _State.temporary_root:
        _remove_on_shutdown(app, root)
    chat = runtime.configure(settings, assistant, limiter)
    install_document_views(app, DocumentViews(settings, chat.assistant, chat.links))
    script = widget_script(settings)

    async def widget_js() -> Response:
        return Response(
            script, media_type="application/javascript; charset=utf-8", headers={"Cache-Control": "public, max-age=300"}
        )

    app.add_api_route("/widget.js", widget_js, methods=["GET"], include_in_schema=False)
    _mount_chainlit(app)
    app.add_middleware(ChatCORSMiddleware, prefix=CHAT_PATH, allow_origins=_allowed_origins(settings))


def create_ui_app(settings: Settings) -> FastAPI:
    """The app of `essbot ui`: the chat under /chat (/ redirects there) and /widget.js, without the HTTP API."""
    app = FastAPI(title="essbot — interface de discussion", docs_url=None, redoc_url=None, openapi_url=None)

    async def home() -> RedirectResponse:
        return RedirectResponse(f"{CHAT_PATH}/")

    app.add_api_route("/", home, methods=["GET"], include_in_schema=False)
    mount_ui(app, settings)
    return app
