"""One web server: share pages, the REST API and the Gradio app on one FastAPI app.

`build_server` wires the parts for a data folder; `serve` runs it with uvicorn on a
socket it binds itself (port 0 picks a free port) and prints the address once it answers.
The Gradio page joins a moment later (importing Gradio takes seconds): share pages, the API
and a self-reloading "starting…" page answer meanwhile. Nothing loads a model here:
engines load on the first render.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import sys
import threading
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from fastapi import FastAPI

from allocator import MemoryTrimmer
from errors import EngineUnavailable, InputError
from files import out_of_space
from studio.parts import Parts
from studio.services import Services, open_services
from ui.file_guard import guard_data_files
from ui.operator import OperatorRule
from ui.session_cookie import SessionCookies, with_session_cookie
from ui.upload_limits import UploadLimits, limit_uploads
from video.engines.pool import EnginePool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServeOptions:
    """The serve command's flags."""

    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    auth: tuple[str, str] | None = None
    engine: str = "auto"
    public_url: str = ""  # the address share links use, when behind a proxy


@dataclass
class Server:
    """The wired web app and the services it owns (closed on shutdown)."""

    app: FastAPI
    services: Services


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'user:pass' → (user, pass); a clear InputError otherwise."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise InputError("--auth must look like user:password")
    return user, password


def engine_probe(engines: EnginePool, name: str, on_cluster: bool = False):
    """A cached answer to "what renders text-to-video here?" for the header, asked again
    once the engines' settings change (the operator set a platform key). A web host
    rendering on a Ray cluster makes no engine of its own (it loads no model)."""
    from ui.views import EngineState

    answers: dict[int, EngineState] = {}  # engines.version → its answer

    def probe() -> EngineState:
        version = engines.version
        if version not in answers:
            answers.clear()
            answers[version] = ask()
        return answers[version]

    def ask() -> EngineState:
        if on_cluster:
            return EngineState(name="a Ray cluster" if name == "auto" else
                               f"{name} on a Ray cluster", test_pattern=name == "tiny")
        try:
            engine = engines.get(name, "t2v")
        except (EngineUnavailable, InputError) as exc:
            return EngineState(name=None, problem=str(exc))
        return EngineState(name=engine.name, test_pattern=engine.test_pattern)
    return probe


def engine_line(services: Services, name: str) -> str:
    """The terminal's line on what renders here (issue #19: it never said)."""
    state = engine_probe(services.parts.engines, name,
                         on_cluster=services.parts.settings.cluster is not None)()
    if state.name is None:
        return (f"engine: none can render text-to-video here ({state.problem}); photos can "
                f"still be animated (the motion engine)")
    return f"engine: {state.name}" + (" (test patterns, not real footage)"
                                      if state.test_pattern else "")


# Another door on the same web app and services (the REST API): it adds its routes.
Door = Callable[[FastAPI, Services], None]


def build_server(parts: Parts, options: ServeOptions, on_ready=None, on_page=None,
                 on_page_failed=None, doors: Sequence[Door] = ()) -> Server:
    """Open the data folder (studio.services) and put the share pages, the page and the
    other `doors` (app.py adds the REST API) on one web app.

    The server answers as soon as it runs: on_ready() is called then. The Gradio page is
    built on a thread meanwhile (importing Gradio takes seconds) and answers from when
    on_page() is called; until then its address shows a page that reloads itself (see
    ui/starting.py). If it cannot be built, on_page_failed(exc) is called.
    """
    from ui.share import share_router
    from ui.starting import DeferredApp

    services = open_services(parts)
    # The key that signs browsers' session cookies: kept in secrets/, never sent anywhere
    # (before issue #20 the page's "browser-state" key went to every page in /config).
    cookies = SessionCookies(session_cookie_key(services.layout))
    page = DeferredApp()
    loader = PageLoader(lambda: build_page(services, options, cookies), page, on_page,
                        on_page_failed)

    @asynccontextmanager
    async def lifespan(_):
        services.start()  # takes the data folder's job lock; recovers interrupted jobs
        loader.start(asyncio.get_running_loop())
        if on_ready is not None:
            on_ready()
        try:
            yield
        finally:
            await loader.close()
            services.close()

    web = FastAPI(title="Clipwright", lifespan=lifespan, docs_url="/docs",
                  redoc_url=None)
    studio = services.studio
    web.include_router(share_router(services.creations, services.layout, services.strings,
                                    studio.styles, public_url=lambda: studio.public_url))
    for door in doors:
        door(web, services)
    # last: every path the routes above do not take is the page's
    # Gradio's file route serves a library file only to the session that owns it
    # (ui/file_guard.py); share links serve a shared video by its token (ui/share.py).
    guarded = with_session_cookie(
        guard_data_files(page, services.layout.root, cookies, studio.may_read), cookies)
    web.mount("", with_page_headers(limit_uploads(guarded, page_upload_limits())))
    return Server(app=web, services=services)


def session_cookie_key(layout) -> str:
    """The key that signs session cookies, made once and kept in secrets/. On a full disk
    where it was never made, a key for this run only: the page still answers (read-only),
    and browsers get sessions that last until the next start."""
    try:
        return layout.secret("session-cookie")
    except OSError as exc:
        if not out_of_space(exc):
            raise
        log.warning("the disk is full: browser sessions last only until the server restarts")
        return secrets.token_urlsafe(32)


# The page's Content-Security-Policy. Gradio's page runs inline and eval'd script and inline
# styles (its config, its event handlers) and streams events over fetch (a websocket for a
# few components); everything it loads comes from this server. frame-ancestors 'self': no
# other site may frame the page to trick a click (X-Frame-Options says the same to older
# browsers). Share pages (ui/share.py) keep their own policy, which lets any site embed a
# shared video on purpose.
PAGE_CSP = "; ".join((
    "default-src 'self'", "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:",
    "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
    "media-src 'self' data: blob:", "font-src 'self' data:",
    "connect-src 'self' ws: wss: data: blob:", "worker-src 'self' blob:", "frame-src 'self'",
    "frame-ancestors 'self'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"))
PAGE_HEADERS = ((b"content-security-policy", PAGE_CSP.encode()),
                (b"x-frame-options", b"SAMEORIGIN"))


def page_upload_limits() -> UploadLimits:
    """The page takes one photo a message (video/intake.py's largest), and a few a minute."""
    from video.intake import MAX_BYTES as PHOTO_MAX_BYTES

    one = PHOTO_MAX_BYTES + 1024 * 1024  # a photo and its multipart framing
    return UploadLimits(request_bytes=one, client_bytes=8 * one, window_s=600.0)


def with_page_headers(app):
    """An ASGI app answering as `app` does, with PAGE_HEADERS on every HTTP answer that has
    no Content-Security-Policy of its own (the page, the "starting…" page, Gradio's routes)."""
    async def page(scope, receive, send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == PAGE_HEADERS[0][0] for name, _ in headers):
                    message = {**message, "headers": [*headers, *PAGE_HEADERS]}
            await send(message)

        await app(scope, receive, sending)
    return page


def build_page(services: Services, options: ServeOptions, cookies: SessionCookies) -> FastAPI:
    """The Gradio app, mounted on a FastAPI app of its own (slow: imports Gradio)."""
    import gradio as gr

    from ui.catalog import asset_folders, load_catalog
    from ui.web import HEAD, build_blocks, css, js, theme
    from video.intake import MAX_BYTES as PHOTO_MAX_BYTES

    layout = services.layout
    catalog = load_catalog(services.studio.choices, options.engine)
    blocks = build_blocks(services.studio, catalog, cookies,
                          engine_probe(services.parts.engines, options.engine,
                                       on_cluster=services.parts.settings.cluster is not None),
                          OperatorRule.for_server(options.host, auth=options.auth is not None,
                                                  share=options.share,
                                                  public_url=options.public_url))
    blocks.queue(default_concurrency_limit=8)
    # Library files are shown in place, not copied into Gradio's cache: each request for one
    # is checked against its owner (ui/file_guard.py), and a deleted file leaves no copy.
    # (Gradio keeps static paths per process; a second server only adds its own folders.)
    gr.set_static_paths([layout.creations, layout.uploads])
    web = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    gr.mount_gradio_app(
        web, blocks, path="", auth=options.auth,
        allowed_paths=[str(layout.creations), str(layout.uploads), *asset_folders(catalog)],
        blocked_paths=[str(layout.root / "secrets"), str(layout.db_path),
                       str(layout.root / "jobs")],
        theme=theme(), css=css(), js=js(), head=HEAD, ssr_mode=False, footer_links=["api"],
        show_error=True,
        # The page takes photos only: a bigger upload than the intake accepts is refused
        # (HTTP 413) while it streams in, before it fills the disk.
        max_file_size=PHOTO_MAX_BYTES)
    return web


class PageLoader:
    """Builds the page on a thread, then starts it (its lifespan) on the server's loop."""

    def __init__(self, build, page, on_page=None, on_failed=None):
        self._build, self._page = build, page
        self._on_page = on_page or (lambda: None)
        self._on_failed = on_failed or (lambda exc: None)
        self._running = AsyncExitStack()  # the started page's lifespan, closed on shutdown
        self._closed = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Begin building; returns at once."""
        threading.Thread(target=self._load, args=(loop,), name="clipwright-page",
                         daemon=True).start()

    def _load(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            built = self._build()
        except Exception as exc:  # noqa: BLE001 - reported to the caller, on the loop
            log.debug("the page could not be built", exc_info=True)
            self._call_on(loop, self._on_failed, exc)
            return
        try:
            asyncio.run_coroutine_threadsafe(self._open(built), loop)
        except RuntimeError:  # the server stopped while the page was being built
            pass

    async def _open(self, built) -> None:
        if self._closed:
            return
        try:  # Gradio's start-up (its queue, its clean-up tasks) runs in this lifespan
            await self._running.enter_async_context(built.router.lifespan_context(built))
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            log.debug("the page could not start", exc_info=True)
            self._on_failed(exc)
            return
        self._page.attach(built)
        self._on_page()

    @staticmethod
    def _call_on(loop, fn, *args) -> None:
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop has closed: nobody is left to tell
            pass

    async def close(self) -> None:
        """Stop the page (if it started); a build still under way is left to end unseen."""
        self._closed = True
        await self._running.aclose()


def serve(parts: Parts, options: ServeOptions, doors: Sequence[Door] = ()) -> int:
    """Run the server until interrupted; returns an exit code."""
    import uvicorn

    sock = _bind(options.host, options.port)
    host, port = sock.getsockname()[:2]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    local_url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"
    holder: list[Server] = []
    runner: list[uvicorn.Server] = []
    exit_code = [0]

    def ready() -> None:
        # The socket already listens, so the address is good as soon as this prints.
        print(f"Clipwright is starting on {local_url}", flush=True)

    def page_ready() -> None:
        print(f"Clipwright is running on {local_url}", flush=True)
        print(f"data folder: {holder[0].services.layout.root}", flush=True)
        print(engine_line(holder[0].services, options.engine), flush=True)
        if options.share:
            threading.Thread(target=_share_link, args=(holder[0], shown, port),
                             daemon=True).start()

    def page_failed(exc: Exception) -> None:
        print(f"internal error: the page could not be built: {type(exc).__name__}: {exc} "
              f"(CLIPWRIGHT_LOG=DEBUG shows more)", file=sys.stderr, flush=True)
        exit_code[0] = 1
        runner[0].should_exit = True

    trimmer = MemoryTrimmer()  # before the server's threads start (see allocator.py)
    trimmer.start()
    server = build_server(parts, options, on_ready=ready, on_page=page_ready,
                          on_page_failed=page_failed, doors=doors)
    holder.append(server)
    server.services.connect()  # a cluster that cannot be reached: one line, before serving
    # proxy_headers off: whose X-Forwarded-* to believe is the doors' HTTP policy's to say
    # (app.py puts api/http_policy.py around the whole app), never uvicorn's default.
    config = uvicorn.Config(server.app, log_level="warning", timeout_graceful_shutdown=5,
                            proxy_headers=False)
    runner.append(uvicorn.Server(config))
    try:
        runner[0].run(sockets=[sock])
    finally:
        trimmer.stop()
    return exit_code[0]


def _share_link(server: Server, host: str, port: int) -> None:
    public = _open_tunnel(host, port)
    if public:
        server.services.studio.set_public_url(public)
        print(f"public link: {public}", flush=True)


def _bind(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so port 0 (a free port) can be reported.

    Protocol IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on accepted sockets whose
    protocol says TCP; without it every answer on a kept-alive connection waits ~40 ms."""
    if not 0 <= port <= 65535:
        raise InputError(f"--port must be between 0 and 65535; got {port}")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                         f"choose another --port (0 picks a free one)") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _open_tunnel(host: str, port: int) -> str | None:
    """A public link to this server through Gradio's share tunnel, or None with a note.

    Gradio's tunnel runs its `frpc` program, which it downloads from the Hugging Face CDN
    on first use, and asks api.gradio.app for a share server unless
    GRADIO_SHARE_SERVER_ADDRESS names one (a self-hosted share server). With
    HF_HUB_OFFLINE set nothing is downloaded: the program must already be there.
    """
    from gradio import networking, tunneling
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE and not Path(tunneling.BINARY_PATH).is_file():
        _no_public_link(f"Gradio's tunnel program is not at {tunneling.BINARY_PATH} and "
                        f"HF_HUB_OFFLINE is set, so it is not downloaded; run once online "
                        f"without HF_HUB_OFFLINE, or put it there")
        return None
    try:
        return networking.setup_tunnel(host, port, secrets.token_urlsafe(32), None, None)
    except Exception as exc:  # noqa: BLE001 - the app runs on without a public link
        _no_public_link(f"{type(exc).__name__}: {exc}")
        return None


def _no_public_link(why: str) -> None:
    print(f"note: no public link ({why}); the app is local only", file=sys.stderr,
          flush=True)
