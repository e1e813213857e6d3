"""Public share pages: `/s/<token>` and its files, server-rendered, no Gradio involved.

A page exists only while its token is live: unknown or revoked tokens, and any file name
but the three a creation has, answer a plain 404. Files are served only from the creation's
folder inside the data folder. Every piece of user text is escaped.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from string import Template
from typing import Callable

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from store.creations import Creation, CreationStore
from store.layout import DataLayout, UnsafePath
from studio.i18n import Strings, language_from_header
from studio.messages import Choice, choice_name
from ui.views import download_name

TEMPLATE_FILE = Path(__file__).with_name("share.html")
FILES = {"video.mp4": ("mp4", "video/mp4"), "poster.jpg": ("poster", "image/jpeg"),
         "clip.gif": ("gif", "image/gif")}
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow",
            "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"}
PAGE_CSP = ("default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
            "frame-ancestors *")


def not_found() -> Response:
    return PlainTextResponse("Not found", status_code=404, headers=NO_STORE)


def share_router(store: CreationStore, layout: DataLayout, strings: Strings,
                 styles: list[Choice], public_url: Callable[[], str] = lambda: "") -> APIRouter:
    """The routes of share pages and their files."""
    router = APIRouter()
    template = Template(TEMPLATE_FILE.read_text(encoding="utf-8"))

    def live(token: str) -> Creation | None:
        if not _TOKEN.match(token):
            return None
        try:
            return store.shared(token)
        except UnsafePath:  # its files point out of the data folder: not served, a plain 404
            return None

    # HEAD too: link-preview fetchers ask it first, and a 404 there hides the preview.
    @router.api_route("/s/{token}", methods=["GET", "HEAD"], include_in_schema=False)
    def page(token: str, request: Request) -> Response:
        creation = live(token)
        if creation is None:
            return not_found()
        language = language_from_header(request.headers.get("accept-language"))
        base = public_url().rstrip("/") or str(request.base_url).rstrip("/")
        body = render_page(template, strings, language, creation, token, base,
                           choice_name(styles, creation.style, language))
        return HTMLResponse(body, headers={**NO_STORE, "Content-Security-Policy": PAGE_CSP})

    @router.api_route("/s/{token}/{name}", methods=["GET", "HEAD"], include_in_schema=False)
    def file(token: str, name: str, download: int = 0) -> Response:
        creation = live(token)
        if creation is None or name not in FILES:
            return not_found()
        field, media_type = FILES[name]
        path = getattr(creation, field)
        # Only a file inside this creation's own folder in the data folder is ever sent.
        if path is None or layout.creation_dir(creation.id) not in path.resolve().parents \
                or not path.is_file():
            return not_found()
        headers = {"Cache-Control": "private, max-age=300", "X-Robots-Tag": "noindex",
                   "X-Content-Type-Options": "nosniff"}
        filename = None
        if download:
            filename = download_name(creation, Path(name).suffix)
        return FileResponse(path, media_type=media_type, headers=headers, filename=filename,
                            content_disposition_type="attachment" if download else "inline")

    return router


def render_page(template: Template, strings: Strings, language: str, creation: Creation,
                token: str, base: str, style_name: str | None) -> str:
    """The share page's HTML, every value escaped for where it goes."""
    t = lambda key, **v: strings.text(language, key, **v)  # noqa: E731
    page_url = f"{base}/s/{token}"
    video_url, poster_url, gif_url = (f"{page_url}/{n}" for n in FILES)
    e = lambda value: html.escape(str(value), quote=True)  # noqa: E731
    description = " ".join(creation.prompt.split())
    if len(description) > 300:
        description = description[:299] + "…"
    badge = f'<p class="badge">{e(t("test_pattern_note"))}</p>' if creation.test_pattern else ""
    gif_link = (f'<a class="btn" href="{e(gif_url)}?download=1" id="dl-gif">'
                f'{e(t("btn_gif"))}</a>') if creation.gif else ""
    return template.substitute(
        lang="zh-CN" if language == "zh" else "en", title=e(creation.title),
        description=e(description), page_url=e(page_url), video_url=e(video_url),
        poster_url=e(poster_url), width=creation.width, height=creation.height,
        secure_video=(f'<meta property="og:video:secure_url" content="{e(video_url)}">'
                      if video_url.startswith("https://") else ""),
        prompt=e(creation.prompt), style_label=e(t("field_style")),
        style=e(style_name or t("style_none")), prompt_label=e(t("field_prompt")),
        download_mp4=e(t("btn_mp4")), gif_link=gif_link, copy_link=e(t("copy_link")),
        copied=e(t("copied")), badge=badge, tagline=e(t("tagline")),
        duration=f"{creation.duration:.1f}")
