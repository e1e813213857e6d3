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
from ui.gallery_events import GalleryEvents, Updates, refused
from studio.i18n import LANGUAGES
from ui.live_preview import PreviewImages
from ui.page import (Catalog, Page, aspect_choices, duration_choices, model_choices,
                     music_choices, style_choices, style_gallery)
from studio.session import SessionInfo, ShotEdits, Studio
from ui.views import EngineState, chat_messages, creation_caption, header_html, progress_html
from video.shape import AUTO

log = logging.getLogger(__name__)
POLL_S = 0.4
CHAT_ACTIONS = ("generate", "draw_again", "share", "change_music")
CHAT_HISTORY = 80  # lines shown; older ones stay stored


class Handlers(GalleryEvents):
    """The page's event handlers; one instance per server, sessions come in as state."""

    def __init__(self, page: Page, studio: Studio, catalog: Catalog,
                 engine_state: Callable[[], EngineState]):
        self.page, self.c, self.studio = page, page.c, studio
        self.catalog, self.engine_state = catalog, engine_state
        self.strings = studio.strings
        self.previews = PreviewImages()  # this process's live previews, one per job

    def t(self, session: SessionInfo, key: str, **values) -> str:
        return self.strings.text(session.language, key, **values)

    # --- shared pieces ---------------------------------------------------------------------

    def reword(self, updates: Updates, language: str) -> None:
        """Every language-following text and choice list, in `language`."""
        c, s = self.c, self.strings
        for component, update in zip(self.page.labels.components,
                                     self.page.labels.updates(s, language)):
            updates.set(component, **{k: v for k, v in update.items() if k != "__type__"})
        updates.set(c["chips"], choices=style_choices(s, language, self.catalog.styles))
        updates.set(c["music"], choices=music_choices(s, language, self.catalog.tracks))
        updates.set(c["model"], choices=model_choices(s, language, self.catalog.models))
        updates.set(c["duration"], choices=duration_choices(s, language))
        updates.set(c["aspect"], choices=aspect_choices(s, language))
        updates.set(c["header"], value=header_html(s, language, self.engine_state()))
        updates.set(c["style_gallery"], value=style_gallery(self.catalog, language))
        updates.set(c["result_music"], choices=[(t.name(language), t.id)
                                                for t in self.catalog.tracks])

    def chat_view(self, session: SessionInfo) -> list[dict]:
        history = self.studio.history(session)[-CHAT_HISTORY:]
        creations = {c.id: c for c in self.studio.creations(session)}
        return chat_messages(history, creations, self.strings, session.language)

    def videos_view(self, updates: Updates, session: SessionInfo) -> None:
        creations = self.studio.creations(session)
        updates.set(self.c["videos"], value=[
            (str(item.poster), creation_caption(item, self.catalog.styles, session.language))
            for item in creations])
        updates.set(self.c["video_ids"], value=[item.id for item in creations])
        updates.set(self.c["videos_note"], value=self.t(
            session, "videos_pick" if creations else "videos_empty"))

    def actions_view(self, updates: Updates, session: SessionInfo, creation_id: str | None) -> None:
        creation = self.studio.creation(session, creation_id)
        c = self.c
        updates.set(c["creation"], value=creation.id if creation else None)
        updates.set(c["actions"], visible=creation is not None)
        updates.set(c["result_music_row"],
                    visible=creation is not None and bool(self.catalog.tracks))
        if creation is not None:
            updates.set(c["result_music"], value=creation.track)
            updates.set(c["mp4"], value=str(creation.mp4))
            updates.set(c["gif"], value=str(creation.gif) if creation.gif else None,
                        visible=creation.gif is not None)

    def fill_shot(self, updates: Updates, session: SessionInfo) -> None:
        spec = self.studio.current_spec(session)
        c = self.c
        updates.set(c["camera"], value=spec.camera if spec else "")
        updates.set(c["scene"], value=spec.scene if spec else "")
        updates.set(c["details"], value=spec.details if spec else "")
        updates.set(c["generate"], interactive=spec is not None)
        if spec is not None:
            updates.set(c["chips"], value=spec.style or "")
            music = spec.music if spec.music in ("auto", "none") or any(
                t.id == spec.music for t in self.catalog.tracks) else "auto"
            updates.set(c["music"], value=music)
            updates.set(c["music_player"], **self.track_player(music))

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
        updates.set(self.c["chat"], value=self.chat_view(session))
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

    def on_load(self, saved, request: gr.Request):
        accept = request.headers.get("accept-language") if request else None
        session = self.studio.open_session(saved, accept)
        self.studio.warm_up()
        updates = Updates()
        c = self.c
        updates.set(c["browser"], value={"sid": session.session_id, "lang": session.language})
        updates.set(c["session"], value=session)
        updates.set(c["language"], value=session.language)
        self.reword(updates, session.language)
        updates.set(c["chat"], value=self.chat_view(session))
        self.fill_shot(updates, session)
        self.videos_view(updates, session)
        latest = next((m.creation_id for m in reversed(self.studio.history(session))
                       if m.creation_id), None)
        self.actions_view(updates, session, latest)
        updates.set(c["job"], value=self.studio.pending_job(session))
        return updates.result()

    def on_language(self, session: SessionInfo | None, language: str):
        if session is None or language not in LANGUAGES:
            return {self.c["session"]: gr.update()}
        session = self.studio.set_language(session, language)
        updates = Updates()
        updates.set(self.c["session"], value=session)
        updates.set(self.c["browser"], value={"sid": session.session_id, "lang": language})
        self.reword(updates, language)
        self.videos_view(updates, session)
        # The Styles tab's text is back to its hint: the picked style starts over with it.
        updates.set(self.c["picked_style"], value=None)
        updates.set(self.c["style_preview"], value=None, visible=False)
        updates.set(self.c["use_style"], interactive=False)
        return updates.result()

    # --- the chat --------------------------------------------------------------------------

    def on_message(self, session: SessionInfo | None, message: dict | None, style: str,
                   request: gr.Request):
        if session is None:  # a gradio_client caller (no page load): its own new session
            accept = request.headers.get("accept-language") if request else None
            session = self.studio.open_session(None, accept)
        message = message or {}
        files = message.get("files") or []
        photo = files[0] if files else None
        if isinstance(photo, dict):
            photo = photo.get("path")
        try:
            turn = self.studio.say(session, message.get("text") or "", photo, style or None)
        except InputError as exc:
            raise refused(exc) from None
        updates = Updates()
        updates.set(self.c["session"], value=session)
        updates.set(self.c["chat"], value=self.chat_view(session))
        updates.set(self.c["box"], value=None)
        self.fill_shot(updates, session)
        action = turn.intent if turn.intent in CHAT_ACTIONS else None
        if action == "change_music":
            action = f"change_music:{turn.music or 'next'}"
        updates.set(self.c["chat_action"], value=action)
        return updates.result()

    def on_chat_action(self, session, action, job_id, creation_id, camera, scene, details,
                       style, music, engine, model, seed, steps, guidance, seconds,
                       request: gr.Request):
        """What a chat message asked for beyond a reply: render, share, change music."""
        c = self.c
        # chat_action becomes the job this step started (or None): only that job is
        # followed next, never one a Generate click started meanwhile (it has a follower).
        if session is None or not action:
            return {c["chat_action"]: None}
        if action in ("generate", "draw_again"):
            started = self.on_generate(session, job_id, camera, scene, details, style, music,
                                       engine, model, seed, steps, guidance, seconds)
            started[c["chat_action"]] = started[c["job"]]["value"]
            return started
        if not creation_id:  # share or music: they act on the latest video
            return {c["chat_action"]: None}
        if action == "share":
            return {c["share_box"]: self.on_share(session, creation_id, request),
                    c["chat_action"]: None}
        try:
            self.studio.retrack(session, creation_id, action.partition(":")[2])
        except InputError as exc:
            raise refused(exc) from None
        updates = Updates()
        updates.set(c["chat"], value=self.chat_view(session))
        updates.set(c["chat_action"], value=None)
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
            raise refused(exc) from None
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
            raise refused(exc) from None
        return self._started(session, job.id)

    def _refuse_if_busy(self, session: SessionInfo, job_id: str | None) -> None:
        if job_id:
            status = self.studio.status(session, job_id)
            if status is not None and not status.job.finished:
                raise gr.Error(self.t(session, "error_busy"), print_exception=False)

    def _started(self, session: SessionInfo, job_id: str) -> dict:
        c = self.c
        updates = Updates()
        updates.set(c["job"], value=job_id)
        updates.set(c["progress"], visible=True, value=progress_html(
            self.strings, session.language, "queued", 0.0, "", None, 0))
        updates.set(c["generate"], interactive=False)
        updates.set(c["again"], interactive=False)
        updates.set(c["stop"], visible=True)
        updates.set(c["share_box"], visible=False, value="")
        return updates.result()

    def on_poll(self, session: SessionInfo | None, job_id: str | None):
        """Follow a render until it ends: progress while it runs, the video when done."""
        c = self.c
        if session is None or not job_id:
            yield {c["job"]: gr.update()}
            return
        try:
            while True:
                status = self.studio.status(session, job_id)
                if status is None or status.job.finished:
                    break
                p = status.progress
                yield {c["progress"]: gr.update(visible=True, value=progress_html(
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
            updates.set(c["music"], value=spec.music)
            updates.set(c["music_player"], **self.track_player(spec.music))
        updates.set(c["chat"], value=self.chat_view(session))
        updates.set(c["progress"], visible=False, value="")
        updates.set(c["job"], value=None)
        updates.set(c["generate"], interactive=self.studio.current_spec(session) is not None)
        updates.set(c["again"], interactive=True)
        updates.set(c["stop"], visible=False)
        yield updates.result()

    def on_stop(self, session: SessionInfo | None, job_id: str | None) -> None:
        if session is not None and job_id:
            self.studio.cancel(session, job_id)
