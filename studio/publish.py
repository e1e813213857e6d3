"""A finished render job → a creation: files linked into a staging folder with a GIF made
beside them, the folder published in one rename, then the row written. Nothing is listed
before its files are whole. The job's own copy is removed then: the creation's folder is
the video's one home, so deleting the creation deletes the video."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import replace
from pathlib import Path

from studio.jobs import Job, encode_spec
from store.creations import Creation, CreationStore, new_id
from store.layout import DataLayout


def publish_job(layout: DataLayout, store: CreationStore, session_id: str, job: Job) -> Creation:
    """Record the done job's video as the session's creation and return it."""
    from video.export import export_gif
    from video.ffmpeg import probe

    creation_id = new_id()
    staging = layout.staging_dir(creation_id)
    try:
        mp4, poster = staging / "video.mp4", staging / "poster.jpg"
        _link_or_copy(job.mp4, mp4)
        _link_or_copy(job.poster, poster)
        gif = export_gif(mp4, staging / "clip.gif")
        info = probe(mp4)
        video = info.first("video")
        folder = layout.publish(staging, creation_id)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    spec = job.spec
    creation = store.add_creation(Creation(
        id=creation_id, session_id=session_id, idea=spec.idea,
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
    _remove_job_files(layout, job)
    return creation


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
    except OSError:
        shutil.copyfile(source, target)
