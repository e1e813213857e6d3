"""What happens on the page: every Gradio event, connected to the Studio.

Handlers return {component: gr.update(...)} dictionaries, so each one names exactly what
it changes. A user's mistake (InputError, EngineUnavailable) becomes a gr.Error toast with
the message as it is; nothing they typed is lost.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

import gradio as gr

from studio.director import RenderOptions
from errors import EngineUnavailable, InputError
from ui.actions import NEXT_TRACK, ChatAction
from ui.gallery_events import GalleryEvents, Updates, refused
from ui.gradio_cache import discard_upload
from studio.i18n import LANGUAGES
from studio.messages import escape_markdown
from ui.live_preview import PreviewImages
from ui.operator import OperatorRule
from ui.session_cookie import SessionCookies, proven_session
from ui.settings_events import SettingsEvents
from ui.choices import (Catalog, aspect_choices, duration_choices, model_choices,
                        music_choices, style_choices, style_gallery)
from ui.page import Page
from studio.session import SessionInfo, ShotEdits, Studio
from ui.views import (EngineState, chat_messages, creation_caption, download_name,
                      header_html, notice_html, progress_html)
from video.shape import AUTO

log = logging.getLogger(__name__)
POLL_S = 0.4
CHAT_HISTORY = 80  # lines shown; older ones stay stored


class Handlers(GalleryEvents, SettingsEvents):
    """The page's event handlers; one instance per server, sessions come in as state."""

    def __init__(self, page: Page, studio: Studio, catalog: Catalog,
                 engine_state: Callable[[], EngineState],
                 cookies: SessionCookies | None = None,
                 operator: OperatorRule = OperatorRule()):
        self.page, self.studio = page, studio
        self.cookies = cookies  # None: no browser is recognised (each load a new session)
        self.operator = operator  # who sees the Settings tab (default: nobody)
        self.catalog, self.engine_state = catalog, engine_state
        self.strings = studio.strings
        self.previews = PreviewImages()  # this process's live previews, one per job

    def t(self, session: SessionInfo, key: str, **values) -> str:
        return self.strings.text(session.language, key, **values)

    # --- shared pieces ---------------------------------------------------------------------

    def reword(self, updates: Updates, language: str) -> None:
        """Every language-following text and choice list, in `language`."""
        page, create, s = self.page, self.page.create, self.strings
        for component, update in zip(page.labels.components, page.labels.updates(s, language)):
            updates.set(component, **{k: v for k, v in update.items() if k != "__type__"})
        updates.set(create.chips, choices=style_choices(s, language, self.catalog.styles))
        updates.set(create.music, choices=music_choices(s, language, self.catalog.tracks))
        updates.set(create.model, choices=model_choices(s, language, self.catalog.models))
        updates.set(create.duration, choices=duration_choices(s, language))
        updates.set(create.aspect, choices=aspect_choices(s, language))
        updates.set(page.header, value=header_html(s, language, self.engine_state()))
        updates.set(page.styles.gallery, value=style_gallery(self.catalog, language))
        updates.set(create.result_music, choices=[(t.name(language), t.id)
                                                  for t in self.catalog.tracks])

    def chat_view(self, session: SessionInfo) -> list[dict]:
        history = self.studio.history(session)[-CHAT_HISTORY:]
        creations = {c.id: c for c in self.studio.creations(session)}
        return chat_messages(history, creations, self.strings, session.language)

    def videos_view(self, updates: Updates, session: SessionInfo) -> None:
        creations, videos = self.studio.creations(session), self.page.videos
        updates.set(videos.gallery, value=[
            (str(item.poster), creation_caption(item, self.catalog.styles, session.language))
            for item in creations])
        updates.set(self.page.state.video_ids, value=[item.id for item in creations])
        updates.set(videos.note, value=self.t(
            session, "videos_pick" if creations else "videos_empty"))

    def actions_view(self, updates: Updates, session: SessionInfo, creation_id: str | None) -> None:
        creation = self.studio.creation(session, creation_id)
        create = self.page.create
        updates.set(self.page.state.creation, value=creation.id if creation else None)
        updates.set(create.actions, visible=creation is not None)
        updates.set(create.result_music_row,
                    visible=creation is not None and bool(self.catalog.tracks))
        if creation is not None:
            updates.set(create.result_music, value=creation.track)
            updates.set(create.mp4, value=(creation.mp4, download_name(creation, ".mp4")))
            updates.set(create.gif, value=(creation.gif, download_name(creation, ".gif"))
                        if creation.gif else None,
                        visible=creation.gif is not None)

    def fill_shot(self, updates: Updates, session: SessionInfo) -> None:
        spec = self.studio.current_spec(session)
        create = self.page.create
        updates.set(create.camera, value=spec.camera if spec else "")
        updates.set(create.scene, value=spec.scene if spec else "")
        updates.set(create.details, value=spec.details if spec else "")
        updates.set(create.generate, interactive=spec is not None)
        if spec is not None:
            updates.set(create.chips, value=spec.style or "")
            music = spec.music if spec.music in ("auto", "none") or any(
                t.id == spec.music for t in self.catalog.tracks) else "auto"
            updates.set(create.music, value=music)
            updates.set(create.music_player, **self.track_player(music))

    def track_player(self, track_id: str | None) -> dict:
        """The small player's value for a track id (hidden for auto, none or unknown)."""
        track = next((t for t in self.catalog.tracks if t.id == track_id), None)
        if track is None or track.preview is None or not track.preview.is_file():
            return {"value": None, "visible": False}
        return {"value": str(track.preview), "visible": True}

    def on_music_pick(self, track_id: str):
        return gr.update(**self.track_player(track_id))

    def on_change_music(self, session: SessionInfo | None, creation_id: str | None,
                        track_id: str | None, remove: bool = False):
        if session is None or not creation_id:
            raise gr.Error("Nothing to change yet.")
        if not remove and not track_id:
            raise gr.Error(self.t(session, "error_no_music"), print_exception=False)
        try:
            self.studio.change_music(session, creation_id, None if remove else track_id)
        except InputError as exc:
            raise refused(exc) from None
        updates = Updates()
        updates.set(self.page.create.chat, value=self.chat_view(session))
        self.actions_view(updates, session, creation_id)
        return updates.result()

    def on_remove_music(self, session, creation_id):
        return self.on_change_music(session, creation_id, None, remove=True)

    def render_options(self, session: SessionInfo, engine: str, model: str, steps,
                       guidance, task: str = "t2v") -> RenderOptions:
        """The Advanced panel → RenderOptions; says now if no engine can render."""
        return self.studio.options(engine=engine or "auto", model=model or None,
                                   steps=int(steps) if steps else None,
                                   guidance=float(guidance) if guidance else None, task=task)

    # --- load and language -----------------------------------------------------------------

    def cookie_session(self, request: gr.Request | None) -> SessionInfo:
        """The session the request's signed cookie proves (a new one without it); nothing
        the page sends counts. A gradio_client keeps the cookie its first request got, so
        one Client is one session, and its downloads pass ui/file_guard.py."""
        proven = proven_session(self.cookies, request)
        accept = request.headers.get("accept-language") if request else None
        return self.studio.open_session({"sid": proven} if proven else None, accept)

    def on_load(self, request: gr.Request):
        session = self.cookie_session(request)
        self.studio.warm_up()
        updates = Updates()
        state = self.page.state
        updates.set(state.session, value=session)
        updates.set(self.page.language, value=session.language)
        self.reword(updates, session.language)
        updates.set(self.page.create.chat, value=self.chat_view(session))
        self.fill_shot(updates, session)
        self.videos_view(updates, session)
        latest = next((m.creation_id for m in reversed(self.studio.history(session))
                       if m.creation_id), None)
        self.actions_view(updates, session, latest)
        updates.set(state.job, value=self.studio.pending_job(session))
        self.settings_view(updates, session.language, request)
        return updates.result()

    def on_language(self, session: SessionInfo | None, language: str, request: gr.Request):
        state = self.page.state
        if session is None or language not in LANGUAGES:
            return {state.session: gr.update()}
        session = self.studio.set_language(session, language)
        updates = Updates()
        updates.set(state.session, value=session)
        self.reword(updates, language)
        self.videos_view(updates, session)
        # The Styles tab's text is back to its hint: the picked style starts over with it.
        updates.set(state.picked_style, value=None)
        updates.set(self.page.styles.preview, value=None, visible=False)
        updates.set(self.page.styles.use_style, interactive=False)
        self.settings_view(updates, language, request)
        return updates.result()

    # --- the chat --------------------------------------------------------------------------

    def on_message(self, session: SessionInfo | None, message: dict | None, style: str,
                   request: gr.Request):
        if session is None:  # a gradio_client caller (no page load)
            session = self.cookie_session(request)
        message = message or {}
        files = message.get("files") or []
        photo = files[0] if files else None
        if isinstance(photo, dict):
            photo = photo.get("path")
        try:
            turn = self.studio.say(session, message.get("text") or "", photo, style or None)
        except InputError as exc:
            return self.refusal(session, message.get("text") or "", photo, exc)
        discard_upload(photo)  # the studio kept its own copy, shown in place
        updates = Updates()
        updates.set(self.page.state.session, value=session)
        updates.set(self.page.create.chat, value=self.chat_view(session))
        updates.set(self.page.create.box, value=None)
        self.fill_shot(updates, session)
        updates.set(self.page.state.chat_action,
                    value=ChatAction.from_turn(turn.intent, turn.music))
        return updates.result()

    def refusal(self, session: SessionInfo, text: str, photo, exc: Exception) -> dict:
        """A message the studio refused: the chat keeps its history and shows the reason
        once, under it, in the user's language; the text stays in the box to fix, and a
        refused photo goes (issue #19: one red "Error" badge used to replace the chat, and
        the broken attachment refused the next good message too)."""
        log.info("refused on the page: %s", exc)
        discard_upload(photo)
        note = {"role": "assistant", "content": f"⚠️ {escape_markdown(str(exc))}"}
        updates = Updates()
        updates.set(self.page.state.session, value=session)
        updates.set(self.page.create.chat, value=[*self.chat_view(session), note])
        updates.set(self.page.create.box, value={"text": text, "files": []})
        updates.set(self.page.state.chat_action, value=None)
        return updates.result()

    def on_chat_action(self, session, action, job_id, creation_id, camera, scene, details,
                       style, music, engine, model, seed, steps, guidance, seconds,
                       request: gr.Request):
        """What a chat message asked for beyond a reply (on_message's ChatAction): render,
        share, change music."""
        state = self.page.state
        action = ChatAction.check(action)
        # chat_job becomes the job this step started (or None): only that job is followed
        # next, never one a Generate click started meanwhile (it has a follower).
        if session is None or action is None:
            return {state.chat_job: None}
        if action.renders:
            started = self.on_generate(session, job_id, camera, scene, details, style, music,
                                       engine, model, seed, steps, guidance, seconds)
            started[state.chat_job] = started[state.job]["value"]
            return started
        if not creation_id:  # share or music: they act on the latest video
            return {state.chat_job: None}
        if action.kind == "share":
            return {self.page.create.share_box: self.on_share(session, creation_id, request),
                    state.chat_job: None}
        try:  # change_music: "none", "next" or a mood
            self.studio.retrack(session, creation_id, action.music or NEXT_TRACK)
        except InputError as exc:
            raise refused(exc) from None
        updates = Updates()
        updates.set(self.page.create.chat, value=self.chat_view(session))
        updates.set(state.chat_job, value=None)
        self.actions_view(updates, session, creation_id)
        return updates.result()

    # --- rendering -------------------------------------------------------------------------

    def on_generate(self, session, job_id, camera, scene, details, style, music, engine,
                    model, seed, steps, guidance, seconds, aspect=AUTO):
        if session is None:
            raise gr.Error("The page is still loading; try again in a moment.")
        self._refuse_if_busy(session, job_id)
        try:
            spec = self.studio.current_spec(session)
            task = "i2v" if spec is not None and spec.source_image else "t2v"
            options = self.render_options(session, engine, model, steps, guidance, task)
            job = self.studio.generate(session, ShotEdits(
                camera=camera or "", scene=scene or "", details=details or "",
                style=style or None, music=music or "auto",
                seed=int(seed) if seed is not None else None,
                duration=float(seconds) if seconds else None, aspect=aspect or AUTO), options)
        except (InputError, EngineUnavailable) as exc:
            return self._cannot_start(session, exc)
        return self._started(session, job.id)

    def on_again(self, session, job_id, creation_id, engine, model, steps, guidance, seconds,
                 aspect=AUTO):
        if session is None or not creation_id:
            raise gr.Error("Nothing to draw again yet.")
        self._refuse_if_busy(session, job_id)
        try:
            spec = self.studio.creation_spec(session, creation_id)
            task = "i2v" if spec is not None and spec.source_image else "t2v"
            options = self.render_options(session, engine, model, steps, guidance, task)
            job = self.studio.draw_again(session, creation_id, options,
                                         duration=float(seconds) if seconds else None,
                                         aspect=aspect if aspect and aspect != AUTO else None)
        except (InputError, EngineUnavailable) as exc:
            return self._cannot_start(session, exc)
        return self._started(session, job.id)

    def _cannot_start(self, session: SessionInfo, exc: Exception) -> dict:
        """Why a render cannot start, in the card above Generate, in the user's words and
        language (issue #19: a red toast for 4 s, in developer words, then nothing)."""
        log.info("a render could not start: %s", exc)
        text = str(exc)
        if isinstance(exc, EngineUnavailable):  # the operator's words are the terminal's
            text = f"{self.t(session, 'engine_none_title')} {self.t(session, 'engine_none_hint')}"
        return {self.page.create.progress: gr.update(visible=True, value=notice_html(text))}

    def _refuse_if_busy(self, session: SessionInfo, job_id: str | None) -> None:
        if job_id:
            status = self.studio.status(session, job_id)
            if status is not None and not status.job.finished:
                raise gr.Error(self.t(session, "error_busy"), print_exception=False)

    def _started(self, session: SessionInfo, job_id: str) -> dict:
        state, create = self.page.state, self.page.create
        updates = Updates()
        updates.set(state.job, value=job_id)
        updates.set(create.progress, visible=True, value=progress_html(
            self.strings, session.language, "queued", 0.0, "", None, 0))
        updates.set(create.generate, interactive=False)
        updates.set(create.again, interactive=False)
        updates.set(create.stop, visible=True)
        updates.set(create.share_box, visible=False, value="")
        return updates.result()

    def on_poll(self, session: SessionInfo | None, job_id: str | None):
        """Follow a render until it ends: progress while it runs, the video when done."""
        state, create = self.page.state, self.page.create
        if session is None or not job_id:
            yield {state.job: gr.update()}
            return
        try:
            while True:
                status = self.studio.status(session, job_id)
                if status is None or status.job.finished:
                    break
                p = status.progress
                yield {create.progress: gr.update(visible=True, value=progress_html(
                    self.strings, session.language, p.stage, p.fraction, p.detail, p.eta_s,
                    status.position, self.previews.uri(job_id, p.preview)))}
                time.sleep(POLL_S)
        finally:  # also when the tab closes mid-render
            self.previews.forget(job_id)
        updates = Updates()
        if status is not None:
            try:
                outcome = self.studio.collect(session, status.job)
            except InputError as exc:  # e.g. a full disk: the render is kept for later
                raise refused(exc) from None
            if not isinstance(outcome, str):
                self.actions_view(updates, session, outcome.id)
                self.videos_view(updates, session)
        spec = self.studio.current_spec(session)
        if spec is not None and spec.music not in ("auto", "none"):  # the track it got
            updates.set(create.music, value=spec.music)
            updates.set(create.music_player, **self.track_player(spec.music))
        updates.set(create.chat, value=self.chat_view(session))
        updates.set(create.progress, visible=False, value="")
        updates.set(state.job, value=None)
        updates.set(create.generate, interactive=self.studio.current_spec(session) is not None)
        updates.set(create.again, interactive=True)
        updates.set(create.stop, visible=False)
        yield updates.result()

    def on_stop(self, session: SessionInfo | None, job_id: str | None) -> None:
        if session is not None and job_id:
            self.studio.cancel(session, job_id)
