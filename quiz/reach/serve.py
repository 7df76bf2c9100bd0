"""`transferlings serve`: the app in a browser, on Textualize's textual-serve.

textual-serve (pinned to 1.1.*: this module overrides its request handlers and page
template) runs an aiohttp server. Its page loads xterm.js; each WebSocket (each browser
tab) starts one app process with `command` through the shell, with pipes for stdio and
Textual's web driver named in TEXTUAL_DRIVER (quiz.cli.lifetime.is_served). The app runs
on the serving machine, with its workspace, progress and grader: whoever can open the page
can run code there.

What `LocalServer` changes in the stock server:
  * the page asks no other host for anything: textual-serve's template loads Roboto Mono
    from Google Fonts although the font files ship with it; ours (templates/) declares
    them with @font-face;
  * URLs in the page come from the request (a relative static URL, ws://<Host>/ws), so the
    page works whichever loopback name the browser used (stock: from `public_url`);
  * a WebSocket whose Origin is another site is refused (stock: any web page the user
    visits could open ws://127.0.0.1:8000/ws and type into the app), and when bound to a
    loopback address a request whose Host is not a loopback name is refused (DNS
    rebinding);
  * on shutdown the open WebSockets are closed, so Ctrl+C with a tab open ends at once
    (stock: after aiohttp's 60 s shutdown timeout);
  * at most MAX_SESSIONS sessions at once (each is an app with its own grading worker);
  * one line on start-up instead of a logo, and no access log.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("textual-serve")

TEMPLATES = Path(__file__).resolve().with_name("templates")
MAX_SESSIONS = 4
LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True for a name or address of this machine only (localhost, 127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def app_command(argv: list[str], cwd: Path | None = None) -> str:
    """The shell command textual-serve runs for each session: every word quoted, and
    `exec`, so that the app itself is the process the server holds (and is its child)."""
    command = "exec " + shlex.join(argv)
    return f"cd {shlex.quote(str(cwd))} && {command}" if cwd is not None else command


class LocalServer(Server):
    """textual-serve's Server with the changes listed in the module's docstring."""

    def __init__(self, command: str, host: str = "127.0.0.1", port: int = 8000, title: str = "transferlings"):
        # An absolute templates_path wins over textual-serve's package-relative default.
        super().__init__(command, host=host, port=port, title=title, templates_path=TEMPLATES)
        self._sockets: set[web.WebSocketResponse] = set()

    def initialize_logging(self) -> None:
        logging.basicConfig(level=logging.WARNING, format="transferlings serve: %(message)s")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._check_host)
        return app

    @web.middleware
    async def _check_host(self, request: web.Request, handler):
        """Bound to loopback, answer loopback names only: a page of another site that
        rebinds its own name to 127.0.0.1 sends its own name as Host."""
        if is_loopback(self.host) and not is_loopback(urlsplit(f"//{request.host}").hostname or ""):
            raise web.HTTPForbidden(text=f"Host {request.host!r} is not a name of this machine")
        return await handler(request)

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict:
        scheme = "wss" if request.secure else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve 1.1's handle_websocket, after the Origin check and the session
        cap, with the socket tracked so that shutdown can close it."""
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:  # browsers always send Origin
            raise web.HTTPForbidden(text=f"a WebSocket from {origin!r} is refused: open the app's own page")
        if len(self._sockets) >= MAX_SESSIONS:
            raise web.HTTPServiceUnavailable(text=f"at most {MAX_SESSIONS} sessions at once: close a tab first")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        self._sockets.add(websocket)
        try:
            await websocket.prepare(request)
            app_service = AppService(self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                                     close=websocket.close, download_manager=self.download_manager,
                                     debug=self.debug)
            await app_service.start(width, height)
            await self._process_messages(websocket, app_service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.exception(error)
        finally:
            self._sockets.discard(websocket)
            if app_service is not None:
                await app_service.stop()
        return websocket

    async def on_shutdown(self, app: web.Application) -> None:
        for websocket in list(self._sockets):
            await websocket.close(code=1001, message=b"server shutting down")

    async def on_startup(self, app: web.Application) -> None:
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.console.print(f"transferlings: serving the app on http://{host}:{self.port}/ (Ctrl+C to stop)",
                           highlight=False)
