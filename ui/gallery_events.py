"""Events of sharing, the Styles tab and My videos, and the helpers every handler uses.

`GalleryEvents` is mixed into ui.events.Handlers, which gives it `page` (the components,
ui.page.Page), `studio`, `catalog`, `strings`, `t`, `chat_view`, `videos_view`, `actions_view` and
`fill_shot`.
"""

from __future__ import annotations

import logging
from collections import defaultdict

import gradio as gr
from gradio.blocks import Block

from errors import InputError
from studio.session import SessionInfo
from ui.views import creation_details, download_name, share_html

log = logging.getLogger(__name__)


class Updates:
    """Collects property changes per component and hands Gradio one update each."""

    def __init__(self) -> None:
        self._props: dict[Block, dict] = defaultdict(dict)

    def set(self, component: Block, **props) -> "Updates":
        """Change `component`'s properties (a later value for the same one wins)."""
        self._props[component].update(props)
        return self

    def result(self) -> dict[Block, dict]:
        """{component: gr.update(...)}, as a Gradio event's handler returns it."""
        return {component: gr.update(**props) for component, props in self._props.items()}


def refused(exc: Exception) -> gr.Error:
    """The toast for a user's mistake (InputError, EngineUnavailable): its message as it
    is, no traceback; logged at INFO so an operator (or a failing browser test) sees what
    the page was told."""
    log.info("refused on the page: %s", exc)
    return gr.Error(str(exc), print_exception=False)


def base_url(request: gr.Request | None) -> str:
    """The address the browser used, for absolute share links."""
    if request is None:
        return ""
    headers = request.headers
    host = headers.get("x-forwarded-host") or headers.get("host") or "127.0.0.1"
    scheme = headers.get("x-forwarded-proto") or "http"
    return f"{scheme}://{host}"


class GalleryEvents:
    """Share, Styles tab and My videos handlers."""

    def on_share(self, session, creation_id, request: gr.Request):
        try:
            share = self.studio.share(session, creation_id or "")
        except InputError as exc:
            raise refused(exc) from None
        url = self.studio.share_url(share, base_url(request))
        return gr.update(visible=True, value=share_html(self.strings, session.language, url))

    def on_style_pick(self, session: SessionInfo | None, evt: gr.SelectData):
        picked, tab = self.page.state.picked_style, self.page.styles
        language = session.language if session else "en"
        shown = [s for s in self.catalog.styles if s.thumbnail]
        if evt is None or not 0 <= evt.index < len(shown):
            return {picked: gr.update()}
        style = shown[evt.index]
        return {picked: style.id,
                tab.preview: gr.update(value=str(style.preview) if style.preview else None,
                                       visible=style.preview is not None),
                tab.info: f"### {style.name(language)}\n{style.description(language)}",
                tab.use_style: gr.update(interactive=True)}

    def on_use_style(self, session: SessionInfo | None, style_id: str | None):
        create = self.page.create
        if session is None or not style_id:
            return {create.chat: gr.update()}
        self.studio.use_style(session, style_id)
        updates = Updates()
        updates.set(self.page.tabs, selected="create")
        updates.set(create.chat, value=self.chat_view(session))
        self.fill_shot(updates, session)
        updates.set(create.chips, value=style_id)
        return updates.result()

    def on_chip(self, session: SessionInfo | None, style_id: str):
        """A style chip changes the current shot's style (said in the chat only via Styles)."""
        if session is not None:
            self.studio.choose_style(session, style_id or None)

    def on_video_pick(self, session: SessionInfo | None, ids: list[str],
                      evt: gr.SelectData):
        if session is None or evt is None or not 0 <= evt.index < len(ids):
            return {self.page.state.picked_video: gr.update()}
        return self._video_detail(session, ids[evt.index])

    def _video_detail(self, session: SessionInfo, creation_id: str | None) -> dict:
        picked, videos = self.page.state.picked_video, self.page.videos
        creation = self.studio.creation(session, creation_id)
        if creation is None:
            return {videos.detail: gr.update(visible=False), picked: None}
        share = self.studio.active_share(session, creation.id)
        return {
            picked: creation.id,
            self.page.state.armed_delete: None,  # another video: Delete asks afresh
            videos.delete: gr.update(value=self.t(session, "btn_delete")),
            videos.detail: gr.update(visible=True),
            videos.player: gr.update(value=str(creation.mp4)),
            videos.info: creation_details(self.strings, session.language, creation,
                                          self.catalog.styles, self.catalog.tracks),
            videos.mp4: gr.update(value=(creation.mp4, download_name(creation, ".mp4"))),
            videos.gif: gr.update(value=(creation.gif, download_name(creation, ".gif"))
                                  if creation.gif else None,
                                  visible=creation.gif is not None),
            videos.share_box: share_html(self.strings, session.language,
                                         f"/s/{share.token}" if share else None),
            videos.revoke: gr.update(visible=share is not None),
        }

    def on_video_share(self, session, creation_id, request: gr.Request):
        try:
            share = self.studio.share(session, creation_id or "")
        except InputError as exc:
            raise refused(exc) from None
        url = self.studio.share_url(share, base_url(request))
        videos = self.page.videos
        return {videos.share_box: share_html(self.strings, session.language, url),
                videos.revoke: gr.update(visible=True)}

    def on_video_revoke(self, session, creation_id):
        if session is not None and creation_id:
            self.studio.revoke(session, creation_id)
            gr.Info(self.t(session, "revoked"))
        videos = self.page.videos
        return {videos.share_box: "", videos.revoke: gr.update(visible=False)}

    def on_video_delete(self, session, creation_id, chat_creation, armed):
        """Delete asks once more: the first press turns the button into "Press again to
        delete" (issue #19: one tap deleted for good)."""
        state, videos = self.page.state, self.page.videos
        if session is None or not creation_id:
            return {state.picked_video: gr.update()}
        if armed != creation_id:
            return {state.armed_delete: creation_id,
                    videos.delete: gr.update(value=self.t(session, "btn_delete_confirm"))}
        self.studio.delete(session, creation_id)  # no copy anywhere: ui/file_guard.py
        gr.Info(self.t(session, "deleted"))
        updates = Updates()
        updates.set(state.armed_delete, value=None)
        updates.set(videos.delete, value=self.t(session, "btn_delete"))
        self.videos_view(updates, session)
        updates.set(self.page.videos.detail, visible=False)
        updates.set(self.page.state.picked_video, value=None)
        updates.set(self.page.create.chat, value=self.chat_view(session))
        if chat_creation == creation_id:
            self.actions_view(updates, session, None)
        return updates.result()
