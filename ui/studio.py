"""The browser app's wiring: sessions, the chat's turns, render jobs and creations.

The Studio connects what the Gradio handlers need to the parts that do the work — the
director (for the agent's rewrite), the shared job queue (for renders), the store (for
history, creations and shares) — and returns plain data the views turn into widgets. It
holds no Gradio objects, so every path here is tested without a browser.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from agent.director import RenderOptions
from agent.jobs import Job, JobProgress, JobQueue, decode_spec, encode_spec
from agent.shot import ShotSpec
from errors import InputError
from store.creations import Creation, CreationStore, Message, Share, new_id
from store.layout import DataLayout, UnsafePath, check_id
from ui.i18n import LANGUAGES, Strings, language_from_header
from ui.views import Choice, choice_name, proposal_text

log = logging.getLogger(__name__)

MAX_IDEA_CHARS = 2000


@dataclass(frozen=True)
class SessionInfo:
    """Who is on the page: their session id and UI language."""

    session_id: str
    language: str

    @property
    def owner(self) -> str:
        """The job queue's owner string for this browser."""
        return f"session:{self.session_id}"


@dataclass(frozen=True)
class Turn:
    """What one chat message led to: the proposed shot and the assistant's reply."""

    spec: ShotSpec
    reply: str


@dataclass(frozen=True)
class JobStatus:
    """A render job as the page shows it while it waits or runs."""

    job: Job
    position: int  # 0 running, n n-th in line, -1 finished
    progress: JobProgress


@dataclass(frozen=True)
class ShotEdits:
    """What the user may change in the shot panel before generating."""

    camera: str = ""
    scene: str = ""
    details: str = ""
    style: str | None = None
    music: str = "auto"
    seed: int | None = None


class Studio:
    """One per server process; every method takes the browser's session."""

    def __init__(self, *, store: CreationStore, layout: DataLayout, queue: JobQueue,
                 director, strings: Strings, styles: list[Choice] = (),
                 tracks: list[Choice] = (), public_url: str = ""):
        self.store = store
        self.layout = layout
        self.queue = queue
        self.director = director
        self.strings = strings
        self.styles = list(styles)
        self.tracks = list(tracks)
        self.public_url = public_url.rstrip("/")
        self._warm_lock = threading.Lock()
        self._warming: threading.Thread | None = None
        self._music_ready = threading.Event()

    # --- sessions --------------------------------------------------------------------------

    def open_session(self, saved: dict | None, accept_language: str | None) -> SessionInfo:
        """The browser's session from its saved browser state, or a new one."""
        saved = saved if isinstance(saved, dict) else {}
        session_id = saved.get("sid")
        try:
            check_id(session_id or "", "session id")
        except UnsafePath:
            session_id = None
        if session_id is None:
            session_id = new_id()
        self.store.ensure_session(session_id)
        language = saved.get("lang") or self.store.language(session_id) or \
            language_from_header(accept_language)
        if language not in LANGUAGES:
            language = language_from_header(accept_language)
        return SessionInfo(session_id, language)

    def set_language(self, session: SessionInfo, language: str) -> SessionInfo:
        if language not in LANGUAGES:
            raise InputError(f"unknown language '{language}'")
        self.store.set_language(session.session_id, language)
        return SessionInfo(session.session_id, language)

    def history(self, session: SessionInfo) -> list[Message]:
        return self.store.messages(session.session_id)

    def current_spec(self, session: SessionInfo) -> ShotSpec | None:
        """The shot the chat is working on, if any."""
        text = self.store.state(session.session_id).get("spec")
        return decode_spec(text) if text else None

    def _save(self, session: SessionInfo, **changes) -> None:
        state = self.store.state(session.session_id)
        state.update(changes)
        self.store.save_state(session.session_id, state)

    # --- the chat --------------------------------------------------------------------------

    def say(self, session: SessionInfo, text: str, photo: Path | None = None,
            style: str | None = None) -> Turn:
        """A user's chat message: record it, turn it into a proposed shot, reply."""
        text = " ".join((text or "").split()) if "\n" not in (text or "") else text.strip()
        if len(text) > MAX_IDEA_CHARS:
            raise InputError(self.strings.text(session.language, "error_too_long",
                                               limit=MAX_IDEA_CHARS))
        if not text and photo is None:
            raise InputError(self.strings.text(session.language, "error_empty"))
        kept_photo = self._keep_upload(session, photo) if photo else None
        self.store.add_message(session.session_id, "user", text, attachment=kept_photo)
        idea = text or self.strings.text(session.language, "photo_default_idea")
        spec = ShotSpec(idea=idea, style=style or None, source_image=kept_photo,
                        language=session.language)
        spec = self.director.rewrite(spec)
        picks = self.suggest_music(spec)
        if picks:  # pin the best fit, so what the player plays is what the video gets
            spec = spec.with_changes(music=picks[0])
        self._save(session, spec=encode_spec(spec), music_picks=picks)
        reply = self.describe(session, spec, picks[1:])
        self.store.add_message(session.session_id, "assistant", reply)
        return Turn(spec=spec, reply=reply)

    def warm_up(self) -> None:
        """Load the music selector's model in the background, once, on the first visit:
        the first chat reply then need not wait for it (nothing loads at start-up)."""
        music = getattr(self.director, "music", None)
        with self._warm_lock:
            if music is None or self._warming is not None:
                return
            self._warming = threading.Thread(target=self._warm, args=(music,), daemon=True,
                                             name="clipwright-warm-music")
        self._warming.start()

    def _warm(self, music) -> None:
        try:
            music.selector.rank("a quiet morning", (), top=1)
            self._music_ready.set()
        except Exception:  # noqa: BLE001 - renders still choose music; proposals just won't
            log.warning("the music selector could not load", exc_info=True)

    def suggest_music(self, spec: ShotSpec) -> list[str]:
        """The three library tracks that fit the shot best; none without a music library,
        or while the selector is still loading (the render then picks the music)."""
        music = getattr(self.director, "music", None)
        if music is None or spec.music != "auto" or not self._music_ready.is_set():
            return []
        moods = self.director.style(spec).music_moods
        text = spec.idea if spec.prompt == spec.idea else f"{spec.idea}. {spec.prompt}"
        return [pick.track.id for pick in music.selector.rank(text, moods, top=3)]

    def describe(self, session: SessionInfo, spec: ShotSpec,
                 alternatives: list[str] = ()) -> str:
        """The assistant's words for a proposed shot, in the session's language."""
        language = session.language
        track = None if spec.music == "auto" else (
            self.strings.text(language, "music_none") if spec.music == "none"
            else choice_name(self.tracks, spec.music, language))
        also = [choice_name(self.tracks, track_id, language) for track_id in alternatives]
        return proposal_text(self.strings, language, spec,
                             choice_name(self.styles, spec.style, language), track,
                             [name for name in also if name])

    def note(self, session: SessionInfo, text: str) -> Message:
        """An assistant line in the chat (e.g. "style set to cinematic")."""
        return self.store.add_message(session.session_id, "assistant", text)

    def _keep_upload(self, session: SessionInfo, photo: Path) -> Path:
        """Check a photo the browser sent (video/intake says what is wrong with a bad one)
        and keep a copy in the data folder (Gradio's copy is temporary)."""
        from video.intake import load_image

        photo = Path(photo)
        load_image(photo)  # InputError with one clear sentence for anything but a photo
        suffix = photo.suffix.lower()
        if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
            suffix = ".img"
        target = self.layout.upload_path(session.session_id, suffix)
        shutil.copyfile(photo, target)
        return target

    # --- rendering -------------------------------------------------------------------------

    def generate(self, session: SessionInfo, edits: ShotEdits, options: RenderOptions,
                 spec: ShotSpec | None = None) -> Job:
        """Queue a render of the current shot (or `spec`) with the user's edits."""
        base = spec or self.current_spec(session)
        if base is None:
            raise InputError(self.strings.text(session.language, "error_no_shot"))
        spec = base.with_changes(camera=edits.camera.strip(), scene=edits.scene.strip(),
                                 details=edits.details.strip(), style=edits.style or None,
                                 music=edits.music or "auto", seed=edits.seed,
                                 language=session.language)
        job = self.queue.submit(session.owner, spec, options)
        self._save(session, spec=encode_spec(spec), pending_job=job.id)
        return job

    def options(self, *, engine: str = "auto", model: str | None = None,
                steps: int | None = None, guidance: float | None = None,
                seconds: float = 0.0, task: str = "t2v") -> RenderOptions:
        """Render options from the Advanced panel; a length in seconds becomes the 4k+1
        frames the model renders at its own fps. Raises EngineUnavailable now, with what
        to set up, when no engine here can render the task."""
        frames = None
        chosen = self.director.engines.get(engine, task)
        if seconds > 0:
            fps = chosen.defaults(task, model).fps
            frames = 4 * max(1, round(seconds * fps / 4)) + 1
        return RenderOptions(engine=engine, model=model, steps=steps, frames=frames,
                             guidance=guidance)

    def choose_style(self, session: SessionInfo, style_id: str | None) -> None:
        """Set the current shot's style (the chips and the Styles tab both do this)."""
        spec = self.current_spec(session)
        if spec is not None and spec.style != style_id:
            self._save(session, spec=encode_spec(spec.with_changes(style=style_id)))

    def creation_spec(self, session: SessionInfo, creation_id: str) -> ShotSpec | None:
        """The shot a creation was rendered from, with the seed it got."""
        creation = self.store.creation(creation_id, session.session_id)
        encoded = creation.spec.get("encoded") if creation else None
        return decode_spec(encoded) if encoded else None

    def draw_again(self, session: SessionInfo, creation_id: str,
                   options: RenderOptions) -> Job:
        """Render a creation's shot once more with a new seed."""
        spec = self.creation_spec(session, creation_id)
        if spec is None:
            raise InputError(self.strings.text(session.language, "error_no_video"))
        spec = spec.with_changes(seed=None)
        job = self.queue.submit(session.owner, spec, options)
        self._save(session, spec=encode_spec(spec), pending_job=job.id)
        return job

    def pending_job(self, session: SessionInfo) -> str | None:
        """The render this session is waiting for, if any."""
        return self.store.state(session.session_id).get("pending_job")

    def status(self, session: SessionInfo, job_id: str) -> JobStatus | None:
        """Where the session's job stands; None if it is not theirs."""
        job = self.queue.get(job_id, session.owner)
        if job is None:
            return None
        return JobStatus(job=job, position=self.queue.position(job_id),
                         progress=self.queue.progress(job_id))

    def cancel(self, session: SessionInfo, job_id: str) -> bool:
        return self.queue.cancel(job_id, session.owner)

    def collect(self, session: SessionInfo, job: Job) -> Creation | str:
        """Turn the session's finished job into a creation (or the reason it failed).

        The job's files are linked into a staging folder with a GIF made beside them, the
        folder is published in one rename, then the row and the chat line are written.
        Collecting the same job twice returns the creation made the first time.
        """
        state = self.store.state(session.session_id)
        if state.get("pending_job") == job.id:
            self._save(session, pending_job=None)
        made = state.get("collected", {}).get(job.id)
        if made:
            existing = self.store.creation(made, session.session_id)
            if existing is not None:
                return existing
        if job.status == "failed" or job.mp4 is None:
            reason = job.error or "failed"
            self.note(session, self.strings.text(session.language, "reply_failed",
                                                 reason=reason))
            return reason
        creation = self._publish(session, job)
        collected = dict(self.store.state(session.session_id).get("collected", {}))
        collected[job.id] = creation.id
        self._save(session, collected=dict(list(collected.items())[-200:]))
        key = "reply_done_test_pattern" if creation.test_pattern else "reply_done"
        self.store.add_message(session.session_id, "assistant",
                               self.strings.text(session.language, key, seed=creation.seed,
                                                 engine=creation.engine),
                               creation_id=creation.id)
        return creation

    def _publish(self, session: SessionInfo, job: Job) -> Creation:
        from video.export import export_gif
        from video.ffmpeg import probe

        creation_id = new_id()
        staging = self.layout.staging_dir(creation_id)
        try:
            mp4, poster = staging / "video.mp4", staging / "poster.jpg"
            _link_or_copy(job.mp4, mp4)
            _link_or_copy(job.poster, poster)
            gif = export_gif(mp4, staging / "clip.gif")
            info = probe(mp4)
            video = info.first("video")
            folder = self.layout.publish(staging, creation_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        spec = job.spec
        return self.store.add_creation(Creation(
            id=creation_id, session_id=session.session_id, idea=spec.idea,
            prompt=job.prompt or spec.prompt, camera=spec.camera, scene=spec.scene,
            details=spec.details, style=spec.style,
            track=spec.music if spec.music not in ("auto", "none") else None,
            engine=job.engine or "", model=job.model or "", seed=int(job.seed or 0),
            mp4=folder / mp4.name, poster=folder / poster.name, gif=folder / gif.name,
            width=video.width, height=video.height, fps=video.fps,
            frames=info.video_frames, test_pattern=job.test_pattern,
            spec={"encoded": encode_spec(replace(spec, seed=job.seed))},
            timings={"queued_s": (job.started_at or job.created_at) - job.created_at,
                     "render_s": (job.finished_at or time.time()) - (job.started_at or 0)}))

    def change_music(self, session: SessionInfo, creation_id: str,
                     track_id: str | None) -> Creation:
        """Give a finished video another library track, or none; the video stream is
        copied, not re-encoded, and the file is replaced atomically."""
        from video.export import without_audio

        creation = self.store.creation(creation_id, session.session_id)
        if creation is None:
            raise InputError(self.strings.text(session.language, "error_no_video"))
        music = getattr(self.director, "music", None)
        if track_id:
            if music is None:
                raise InputError(self.strings.text(session.language, "error_no_music"))
            chosen = music.choose(track_id, creation.prompt)
            music.apply(chosen, creation.mp4)
        else:
            without_audio(creation.mp4)
        updated = self.store.update_files(creation_id, session.session_id,
                                          track=track_id or None)
        name = choice_name(self.tracks, track_id, session.language)
        self.note(session, self.strings.text(session.language, "music_changed", name=name)
                  if track_id else self.strings.text(session.language, "music_removed"))
        return updated

    # --- my videos and sharing -------------------------------------------------------------

    def creations(self, session: SessionInfo) -> list[Creation]:
        return self.store.creations(session.session_id)

    def creation(self, session: SessionInfo, creation_id: str | None) -> Creation | None:
        if not creation_id:
            return None
        return self.store.creation(creation_id, session.session_id)

    def share(self, session: SessionInfo, creation_id: str) -> Share:
        """The creation's share link, made on first use."""
        share = self.store.share(creation_id, session.session_id)
        if share is None:
            raise InputError(self.strings.text(session.language, "error_no_video"))
        return share

    def share_url(self, share: Share, base_url: str = "") -> str:
        """The public address of a share page."""
        base = (self.public_url or base_url).rstrip("/")
        return f"{base}/s/{share.token}"

    def active_share(self, session: SessionInfo, creation_id: str) -> Share | None:
        return self.store.active_share(creation_id, session.session_id)

    def revoke(self, session: SessionInfo, creation_id: str) -> int:
        return self.store.revoke(creation_id, session.session_id)

    def delete(self, session: SessionInfo, creation_id: str) -> bool:
        return self.store.delete_creation(creation_id, session.session_id)


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a finished file into place (no copy on the same disk), else copy it."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
