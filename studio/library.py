"""A browser session's library: finished renders published as creations (by the job
worker as soon as a job ends, or by a page that looks first), their soundtrack changed,
shared, revoked and deleted. A mixin of studio.session.Studio, which holds the parts."""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Callable, TypeVar

from agent.shot import ShotSpec
from errors import InputError
from files import out_of_space
from store.creations import Creation, Share
from studio.browser import SESSION_OWNER, SessionInfo
from studio.i18n import DEFAULT_LANGUAGE
from studio.job_records import Job
from studio.messages import choice_name, reply_markdown
from studio.publish import creation_shot, publish_job


log = logging.getLogger(__name__)
Method = TypeVar("Method", bound=Callable)


def full_disk_said(method: Method) -> Method:
    """A session's write that meets a full disk raises one sentence in the user's language
    (an InputError: the page's toast, the CLI's error) instead of SQLite's or the OS's
    words. Reading needs no write, so the chat and the videos still show (issue #20)."""
    @functools.wraps(method)
    def said(self, session: SessionInfo, *args, **kwargs):
        try:
            return method(self, session, *args, **kwargs)
        except InputError:
            raise
        except Exception as exc:
            if not out_of_space(exc):
                raise
            log.warning("the disk is full: %s refused (%s)", method.__name__, exc)
            raise InputError(self.strings.text(session.language,
                                               "error_disk_full_now")) from exc
    return said  # type: ignore[return-value]


class SessionLibrary:
    """Creations, shares and soundtracks of a session (see studio.session.Studio)."""

    def creation_spec(self, session: SessionInfo, creation_id: str) -> ShotSpec | None:
        """The shot a creation was rendered from, with the seed it got."""
        creation = self.store.creation(creation_id, session.session_id)
        return creation_shot(creation.spec) if creation else None

    def publish_finished(self, job: Job) -> None:
        """A job has ended (the queue calls this on its worker): a browser session's video
        becomes a creation in its library and its chat, a failure a line saying why —
        whether or not a page is open. Other owners' jobs (API keys) are not sessions'."""
        if not job.owner.startswith(SESSION_OWNER):
            return
        session_id = job.owner[len(SESSION_OWNER):]
        language = self.store.language(session_id) or DEFAULT_LANGUAGE
        self.collect(SessionInfo(session_id, language), job)

    def collect(self, session: SessionInfo, job: Job) -> Creation | str:
        """Turn the session's finished job into a creation (or the reason it failed).

        The job's files are linked into a staging folder with a GIF made beside them, the
        folder is published in one rename, then the row and the chat line are written.
        Collecting the same job twice returns the creation made the first time.
        """
        with self._collect_lock:  # two followers of one job (two tabs) make one creation
            try:
                return self._collect(session, job)
            except Exception as exc:
                if not out_of_space(exc):
                    raise
                # The render is kept in jobs/ and the job stays pending (nothing was
                # written): once there is space, a reload (or the next look) collects it.
                raise InputError(self.strings.text(session.language,
                                                   "error_disk_full")) from exc

    def _collect(self, session: SessionInfo, job: Job) -> Creation | str:
        if job.status == "failed" or job.video is None:
            reason = job.error or "failed"
            if self._mark_collected(session, job):
                self.note(session, self.strings.text(session.language, "reply_failed",
                                                     reason=reason))
            return reason
        try:
            creation, made = publish_job(self.layout, self.store, session.session_id, job)
        except FileNotFoundError:  # published once and deleted since: its files are gone
            if job.id not in self.store.state(session.session_id).get("collected", ()):
                raise
            return self.strings.text(session.language, "error_no_video")
        self._mark_collected(session, job)  # only now: a failed publish stays pending
        if made:
            self._say_done(session, job, creation)
        return creation

    def _mark_collected(self, session: SessionInfo, job: Job) -> bool:
        """Record that the session has its job's outcome; True the first time."""
        return self.store.update_state(session.session_id,
                                       lambda state: _mark_collected(state, job.id))

    def _say_done(self, session: SessionInfo, job: Job, creation: Creation) -> None:
        """The chat line that shows a finished video, with what the render had to change."""
        key = "reply_done_test_pattern" if creation.test_pattern else "reply_done"
        text = self.strings.text(session.language, key, seed=creation.seed,
                                 engine=creation.engine)
        if job.warnings:  # e.g. cut to the model's longest clip, or an aspect cropped
            notes = self.strings.text(session.language, "render_notes")
            text += f"\n\n{notes}\n" + "\n".join(f"- {reply_markdown(w)}" for w in job.warnings)
        self.store.add_message(session.session_id, "assistant", text, creation_id=creation.id)

    @full_disk_said
    def change_music(self, session: SessionInfo, creation_id: str,
                     track_id: str | None, *, say: bool = True) -> Creation:
        """Give a finished video another library track, or none, and say so in the chat
        (unless `say` is False: the chat's own reply already did)."""
        creation = self.store.creation(creation_id, session.session_id)
        if creation is None:
            raise InputError(self.strings.text(session.language, "error_no_video"))
        if track_id and self.music.music is None:
            raise InputError(self.strings.text(session.language, "error_no_music"))
        self.music.apply(creation.mp4, track_id or None, creation.prompt)
        updated = self.store.update_files(creation_id, session.session_id,
                                          track=track_id or None)
        name = choice_name(self.tracks, track_id, session.language)
        if say:
            self.note(session, self.strings.text(session.language, "music_changed", name=name)
                      if track_id else self.strings.text(session.language, "music_removed"))
        return updated

    @full_disk_said
    def retrack(self, session: SessionInfo, creation_id: str, music: str) -> Creation:
        """The chat's music request on a finished video: "none" removes the music,
        "next" gives it the next best track, a mood id the best track of that mood."""
        if music == "none":  # the chat's reply said "music removed" (issue #19: twice)
            return self.change_music(session, creation_id, None, say=False)
        creation = self.store.creation(creation_id, session.session_id)
        if creation is None or self.music.music is None:
            raise InputError(self.strings.text(session.language,
                                                "error_no_video" if creation is None
                                                else "error_no_music"))
        spec = self.creation_spec(session, creation_id) or ShotSpec(idea=creation.idea)
        track = self.music.another(spec, creation.prompt, creation.track,
                                   None if music in ("next", "") else music)
        return self.change_music(session, creation_id, track)

    # --- my videos and sharing -------------------------------------------------------------

    def creations(self, session: SessionInfo) -> list[Creation]:
        return self.store.creations(session.session_id)

    def creation(self, session: SessionInfo, creation_id: str | None) -> Creation | None:
        if not creation_id:
            return None
        return self.store.creation(creation_id, session.session_id)

    @full_disk_said
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

    @full_disk_said
    def revoke(self, session: SessionInfo, creation_id: str) -> int:
        return self.store.revoke(creation_id, session.session_id)

    @full_disk_said
    def delete(self, session: SessionInfo, creation_id: str) -> bool:
        return self.store.delete_creation(creation_id, session.session_id)

    def may_read(self, session_id: str, path: Path | str) -> bool:
        """True when the browser session may download `path`: the video, poster or GIF of
        one of its creations, or a photo it sent. The page's file route asks this on every
        request for a data-folder file (ui/file_guard.py), so a deleted creation's files, or
        another session's, answer to nobody."""
        try:
            folder, owner, name = self.layout.relative(path).split("/")
        except ValueError:  # UnsafePath (outside the data folder), or not two levels down
            return False
        if folder == "uploads":
            return owner == session_id and Path(path).is_file()
        if folder != "creations" or not owner.isalnum():
            return False
        creation = self.store.creation(owner, session_id)
        named = (creation.mp4, creation.poster, creation.gif) if creation else ()
        return any(file is not None and Path(file).name == name
                   and Path(file).parent.name == owner for file in named)


def _mark_collected(state: dict, job_id: str) -> bool:
    """Note in a session's state that its job was looked at once it ended (and that the
    session no longer waits for it); True the first time."""
    if state.get("pending_job") == job_id:
        state["pending_job"] = None
    collected = state.setdefault("collected", [])
    if job_id in collected:
        return False
    state["collected"] = [*collected, job_id][-200:]
    return True
