"""What a render job leaves on disk, and clearing it: its folder under jobs/, the partial
files an interrupted render left, and the photo it was sent with (studio/jobs.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

from store import uploads
from store.db import Database
from store.jobs import JobRow
from store.layout import DataLayout
from studio.job_records import decode_spec


def release_upload(db: Database, layout: DataLayout, row: JobRow | None) -> None:
    """The job has ended: its photo goes unless something still uses it."""
    try:
        photo = decode_spec(row.spec).source_image if row is not None else None
    except (ValueError, TypeError):
        return
    if photo is not None:
        uploads.release(db, layout, [photo])


def remove_job_folder(jobs_dir: Path, job_id: str) -> None:
    """Everything a render wrote for a job that will not be done (a silent video whose
    music failed, a partial file): its owner gets a reason, never half a result."""
    shutil.rmtree(jobs_dir / job_id, ignore_errors=True)


def remove_partial_files(jobs_dir: Path, job_id: str) -> None:
    """Temporary files an interrupted render left (atomic writes never leave others)."""
    folder = jobs_dir / job_id
    if folder.is_dir():
        for partial in folder.glob(".*.part"):
            partial.unlink(missing_ok=True)
