"""A finished render job → a creation: files linked into a staging folder with a GIF made
beside them, the folder published in one rename, then the row written. Nothing is listed
before its files are whole. The job's own copy is removed then: the creation's folder is
the video's one home, so deleting the creation deletes the video."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from agent.shot import ShotSpec
from files import copy_complete
from store.creations import AlreadyPublished, Creation, CreationStore, new_id
from store.layout import DataLayout
from studio.job_records import Job


def publish_job(layout: DataLayout, store: CreationStore, session_id: str,
                job: Job) -> tuple[Creation, bool]:
    """Record the done job's video as the session's creation: (the creation, True when this
    call made it). A job has one creation: when another publisher (another page, another
    process) recorded it first, that one is returned with False and nothing is left over."""
    existing = store.creation_of_job(job.id, session_id)
    if existing is not None:
        return existing, False
    from video.export import export_gif

    video = job.video
    if video is None:
        raise ValueError(f"job {job.id} has no finished video to publish")
    creation_id = new_id()
    staging = layout.staging_dir(creation_id)
    try:
        mp4, poster = staging / "video.mp4", staging / "poster.jpg"
        _link_or_copy(video.mp4, mp4)
        _link_or_copy(video.poster, poster)
        gif = export_gif(mp4, staging / "clip.gif")
        folder = layout.publish(staging, creation_id)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        existing = store.creation_of_job(job.id, session_id)  # its files moved on meanwhile
        if existing is not None:
            return existing, False
        raise
    try:
        creation = store.add_creation(_creation(job, session_id, creation_id, folder, gif.name))
    except AlreadyPublished:
        shutil.rmtree(folder, ignore_errors=True)
        return store.creation_of_job(job.id, session_id), False
    _remove_job_files(layout, job)
    return creation, True


def _creation(job: Job, session_id: str, creation_id: str, folder: Path, gif: str) -> Creation:
    """The creation record of a done job whose files were published in `folder`."""
    spec, video = job.spec, job.video
    return Creation(
        id=creation_id, session_id=session_id, idea=spec.idea,
        prompt=job.prompt or spec.prompt, camera=spec.camera, scene=spec.scene,
        details=spec.details, style=spec.style,
        track=job.track,
        engine=job.engine or "", model=job.model or "", seed=int(job.seed or 0),
        mp4=folder / "video.mp4", poster=folder / "poster.jpg", gif=folder / gif,
        width=video.width, height=video.height, fps=video.fps, frames=video.frames,
        test_pattern=job.test_pattern, spec=replace(spec, seed=job.seed).to_dict(),
        timings={"queued_s": (job.started_at or job.created_at) - job.created_at,
                 "render_s": (job.finished_at or time.time()) - (job.started_at or 0)},
        job_id=job.id)


def _remove_job_files(layout: DataLayout, job: Job) -> None:
    """The job's folder in jobs/, once its files live on (hard-linked) in the creation's."""
    folder = Path(job.mp4).parent
    if folder.parent == layout.root / "jobs" and folder.name == job.id:
        shutil.rmtree(folder, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link a finished file into place (no copy on the same disk), else copy it.
    Later changes replace the creation's file by rename, never writing into the inode."""
    try:
        os.link(source, target)
    except FileNotFoundError:
        raise  # the source went (published by another and moved on): nothing to copy
    except OSError:
        copy_complete(source, target)  # another disk: whole or not at all


def creation_shot(saved: dict) -> ShotSpec | None:
    """The shot a creation recorded (`to_dict`; rows written before it kept the JSON text
    under "encoded")."""
    if "encoded" in saved:
        saved = json.loads(saved["encoded"])
    return ShotSpec.from_dict(saved) if saved.get("idea") is not None else None
