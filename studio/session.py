"""The browser sessions: each one's chat, its current shot, its library of videos.

The Studio answers what a browser asks — a chat turn, a render, a share link — with the
parts that do the work: the director (the agent's rewrite), the shared job queue (renders),
the store (history, creations and shares). A session's finished render becomes a creation
as soon as its job is done, whether or not a page is open to see it. It returns plain data
that ui/ turns into widgets, and knows nothing of Gradio.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from agent.conversation import Session
from agent.limits import check_shot, check_text
from agent.shot import Music, ShotSpec
from errors import InputError
from files import copy_complete, out_of_space
from store.creations import CreationStore, Message, new_id
from store.layout import DataLayout, UnsafePath, check_id
from studio.browser import SessionInfo
from studio.catalog import Choices
from studio.director import Director, RenderOptions
from studio.i18n import LANGUAGES, Strings, language_from_header
from studio.job_records import Job, JobProgress
from studio.jobs import JobQueue
from studio.library import SessionLibrary, full_disk_said
from studio.messages import choice_name, proposal_text, reply_markdown
from studio.music_picks import MusicPicks
from studio.platform_key import PlatformKey
from video.shape import check_shape

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """What one chat message led to: the agent's reading of it and the reply shown.

    intent is agent.conversation's: new_idea, refine, draw_again, change_music, generate,
    share or unclear; the page starts a render for generate and draw_again, makes a link
    for share, and changes the latest video's music for change_music (music: "none",
    "next" or a mood)."""

    spec: ShotSpec | None
    reply: str
    intent: str = "new_idea"
    music: str | None = None


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
    duration: float | None = None  # seconds; None: the model's own length
    aspect: str = "auto"  # video/shape.py ASPECTS, or auto


class Studio(SessionLibrary):
    """One per server process; every method takes the browser's session."""

    def __init__(self, *, store: CreationStore, layout: DataLayout, queue: JobQueue,
                 director: Director, strings: Strings, choices: Choices = Choices(),
                 public_url: str = "", platform_key: PlatformKey | None = None):
        self.store = store
        self.layout = layout
        self.queue = queue
        self.director = director
        self.strings = strings
        self.choices = choices
        self.styles, self.tracks = choices.styles, choices.tracks
        self.public_url = public_url.rstrip("/")  # --public-url, or the tunnel's (--share)
        self.music = MusicPicks(director)
        # The operator's platform API key (the Settings tab): kept in this data folder.
        self.platform_key = platform_key or PlatformKey(layout, director.engines, strings,
                                                        env={})
        self._collect_lock = threading.Lock()
        queue.when_finished(self.publish_finished)

    def set_public_url(self, url: str) -> None:
        """The address share links use from now on (the tunnel's, once it opens)."""
        self.public_url = url.rstrip("/")

    # --- sessions --------------------------------------------------------------------------

    def open_session(self, saved: dict | None, accept_language: str | None) -> SessionInfo:
        """The session `saved["sid"]` names, or a new one.

        The caller vouches for the id: the page passes only an id its signed session cookie
        proves (ui/session_cookie.py), never one the page sent."""
        saved = saved if isinstance(saved, dict) else {}
        session_id = saved.get("sid")
        try:
            check_id(session_id or "", "session id")
        except UnsafePath:
            session_id = None
        if session_id is None:
            session_id = new_id()
        try:  # marks it seen; opening must not need a write (a full disk is read-only)
            self.store.ensure_session(session_id)
        except Exception as exc:
            if not out_of_space(exc):
                raise
            log.warning("the disk is full: session %s opened without marking it seen",
                        session_id)
        language = saved.get("lang") or self.store.language(session_id) or \
            language_from_header(accept_language)
        if language not in LANGUAGES:
            language = language_from_header(accept_language)
        return SessionInfo(session_id, language)

    @full_disk_said
    def set_language(self, session: SessionInfo, language: str) -> SessionInfo:
        if language not in LANGUAGES:
            raise InputError(f"unknown language '{language}'")
        self.store.set_language(session.session_id, language)
        return SessionInfo(session.session_id, language)

    def history(self, session: SessionInfo) -> list[Message]:
        return self.store.messages(session.session_id)

    def current_spec(self, session: SessionInfo) -> ShotSpec | None:
        """The shot the chat is working on, if any (kept once, in the chat's state)."""
        return self._chat(session).spec

    def _chat(self, session: SessionInfo) -> Session:
        """The agent's state of this browser's chat."""
        return Session.from_state(self.store.state(session.session_id).get("conversation"))

    def _save(self, session: SessionInfo, **changes) -> None:
        state = self.store.state(session.session_id)
        state.update(changes)
        self.store.save_state(session.session_id, state)

    # --- the chat --------------------------------------------------------------------------

    @full_disk_said
    def say(self, session: SessionInfo, text: str, photo: Path | None = None,
            style: str | None = None) -> Turn:
        """A user's chat message: record it, let the agent answer the turn (a new idea, a
        refinement, draw again, music, generate or share), keep the shot, reply."""
        text = check_text(text or "", language=session.language, allow_empty=photo is not None)
        text = " ".join(text.split()) if "\n" not in text else text
        kept_photo = self._keep_upload(session, photo) if photo else None
        self.store.add_message(session.session_id, "user", text, attachment=kept_photo)
        state = self.store.state(session.session_id)
        chat = Session.from_state(state.get("conversation"))
        if not chat.history:
            chat.language = session.language
        said = text
        if not said and chat.spec is None:  # a photo alone: a gentle default idea
            said = self.strings.text(session.language, "photo_default_idea")
        previous = chat.spec
        reply = self.director.chat(chat, said, image=kept_photo, style=style)
        if reply.intent == "share" and not self.store.creations(session.session_id):
            # The agent knows shots, not videos: with none finished, say so (issue #19:
            # "Making a share link…" and then nothing).
            reply = dataclasses.replace(reply, intent="unclear", text=self.strings.text(
                session.language, "share_nothing_yet"))
        spec, picks = reply.spec, []
        if spec is not None and spec.music == Music.AUTO:
            picks = self.music.suggest(spec)
            if reply.intent == "change_music" and previous is not None and \
                    previous.music in picks and len(picks) > 1:
                picks.remove(previous.music)  # "another track" means another one
            if picks:  # pin the best fit: what the player plays is what the video gets
                spec = spec.with_changes(music=picks[0])
                chat.spec = spec
        self._save(session, conversation=chat.to_state(), music_picks=picks)
        message = reply_markdown(reply.text)
        if spec is not None and reply.intent in ("new_idea", "refine", "change_music"):
            message += "\n\n" + self.describe(chat.language, spec, picks[1:])
        self.store.add_message(session.session_id, "assistant", message)
        return Turn(spec=spec, reply=message, intent=reply.intent, music=reply.music)

    def warm_up(self) -> None:
        """Start loading the music selector (on a browser's first visit)."""
        self.music.warm_up()

    def describe(self, language: str, spec: ShotSpec, alternatives: list[str] = ()) -> str:
        """The style and music lines under the agent's reply, and what to do next."""
        track = None if spec.music == Music.AUTO else (
            self.strings.text(language, "music_none") if spec.music == Music.NONE
            else choice_name(self.tracks, spec.music, language))
        also = [choice_name(self.tracks, track_id, language) for track_id in alternatives]
        return proposal_text(self.strings, language,
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
        return copy_complete(photo, target)  # complete or absent, even on a full disk

    # --- rendering -------------------------------------------------------------------------

    @full_disk_said
    def generate(self, session: SessionInfo, edits: ShotEdits, options: RenderOptions,
                 spec: ShotSpec | None = None) -> Job:
        """Queue a render of the current shot (or `spec`) with the user's edits."""
        base = spec or self.current_spec(session)
        if base is None:
            raise InputError(self.strings.text(session.language, "error_no_shot"))
        spec = base.with_changes(camera=edits.camera.strip(), scene=edits.scene.strip(),
                                 details=edits.details.strip(), style=edits.style or None,
                                 music=edits.music or Music.AUTO,
                                 seed=edits.seed if edits.seed is not None else base.seed,
                                 duration=edits.duration, aspect=edits.aspect or "auto")
        # The limits every door applies (agent/data/limits.toml): the page's fields are no
        # more trusted than an API body.
        check_shot(spec, language=session.language)
        check_shape(spec.aspect, spec.duration)
        self._check_track(spec.music)
        picks = self.music.suggest(spec, wait=True)
        if picks:  # pinned, so the creation knows its track (and Change music its start)
            spec = spec.with_changes(music=picks[0])
        job = self.queue.submit(session.owner, spec, options)
        self._render_started(session, spec, job)
        return job

    def _check_track(self, music: str) -> None:
        """The page picks "auto", "none" or a library track; like the API, it may not name
        a file (that would put one of the server's files into a video)."""
        if music in (Music.AUTO, Music.NONE) or any(t.id == music for t in self.tracks):
            return
        raise InputError(f"music must be \"auto\", \"none\" or a track id; there is no "
                         f"track '{music}'")

    def _render_started(self, session: SessionInfo, spec: ShotSpec, job: Job) -> None:
        """The rendered shot becomes the chat's (the agent refines what it sees, edits
        included), and the session waits for the job."""
        chat = self._chat(session)
        chat.spec, chat.style = spec, spec.style
        self._save(session, pending_job=job.id, conversation=chat.to_state())

    def options(self, *, engine: str = "auto", model: str | None = None,
                steps: int | None = None, guidance: float | None = None,
                task: str = "t2v") -> RenderOptions:
        """Render options from the Advanced panel. Raises EngineUnavailable now, with what
        to set up, when no engine here can render the task (or InputError for a model it
        does not have)."""
        self.queue.runner.check(engine, model, task)
        return RenderOptions(engine=engine, model=model, steps=steps, guidance=guidance)

    @full_disk_said
    def choose_style(self, session: SessionInfo, style_id: str | None) -> None:
        """Set the style quietly (a style chip): the current shot and the agent's state."""
        chat = self._chat(session)
        chat.style = style_id or None
        if chat.spec is not None:
            camera = self.director.conversation.relook(chat.spec.camera, chat.style)
            chat.spec = chat.spec.with_changes(style=style_id or None, camera=camera)
        self._save(session, conversation=chat.to_state())

    @full_disk_said
    def use_style(self, session: SessionInfo, style_id: str) -> str:
        """The Styles tab's "Use this style": set it and say so in the chat (the agent
        rewrites the current shot for it); returns the message."""
        name = choice_name(self.styles, style_id, session.language) or style_id
        if self.current_spec(session) is None:
            self.choose_style(session, style_id)
            text = self.strings.text(session.language, "style_applied", name=name)
            self.note(session, text)
            return text
        chat = self._chat(session)
        before = chat.spec.camera
        self.director.chat(chat, "", style=style_id)  # the shot's look words follow it
        self._save(session, conversation=chat.to_state())
        # One plain sentence (issue #19: it also said "Changed the Style: style …").
        key = "style_applied_look" if chat.spec.camera != before else "style_applied"
        text = self.strings.text(session.language, key, name=name)
        self.note(session, text)
        return text

    @full_disk_said
    def draw_again(self, session: SessionInfo, creation_id: str, options: RenderOptions, *,
                   duration: float | None = None, aspect: str | None = None) -> Job:
        """Render a creation's shot once more with a new seed; a duration or aspect given
        (the Advanced panel's, when not left on its default) replaces the shot's own."""
        spec = self.creation_spec(session, creation_id)
        if spec is None:
            raise InputError(self.strings.text(session.language, "error_no_video"))
        spec = spec.with_changes(seed=None, duration=duration or spec.duration,
                                 aspect=aspect or spec.aspect)
        check_shot(spec, language=session.language)  # a shot kept from before the limits
        check_shape(spec.aspect, spec.duration)
        job = self.queue.submit(session.owner, spec, options)
        self._render_started(session, spec, job)
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

    @full_disk_said
    def cancel(self, session: SessionInfo, job_id: str) -> bool:
        return self.queue.cancel(job_id, session.owner)
