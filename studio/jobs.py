"""The job queue: queued renders run through `Director.render`, one worker per engine slot.

API keys and browser sessions share this one fair line (see store/jobs.py for the order).
The contract other folders code against:

    queue = JobQueue(db, director, data_dir, slots=1)
    queue.start()                                  # recovers jobs a dead process left
    job = queue.submit(owner, spec, options, request_id=None)   # idempotent per owner
    queue.get(job.id, owner)                       # None for another owner's job
    queue.position(job.id)                         # 0 running, n n-th in line, -1 neither
    queue.progress(job.id)                         # JobProgress(stage, fraction, detail, eta_s)
    queue.cancel(job.id, owner)                    # True when it was stopped
    queue.wait(job.id, owner, timeout)             # the job once done or failed
    queue.stop()

Owners are strings: "key:<key id>" for API keys, "session:<browser id>" for the UI.
Results go to `<data_dir>/jobs/<job id>/clip.mp4` (+ clip.jpg), written atomically by
post-production; a job is marked done only after its files are complete. The database keeps
those paths relative to the data folder (as store/layout.py does); `Job` gives them
absolute. On start-up, jobs that were running when a process died are re-queued once,
then failed with a reason.
One process at a time runs a data folder's jobs (a lock file says which). Where a job
renders is its runner's business (studio/runner.py): this process by default, the actors
of a Ray cluster with `serve --cluster` (studio/ray_runner.py); the line, its order and
every record stay here.

A job that fails leaves nothing in its folder; the reason its owner reads says what went
wrong in words (a full disk is named as such). When a job ends, the photo it was sent with
is deleted unless something else still uses it (store/uploads.py has the rule).
"""

from __future__ import annotations

import fcntl
import hmac
import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable

from agent.shot import ShotSpec
from errors import EngineUnavailable, GenerationCancelled, InputError, WorkerLost
from store import uploads
from store.db import Database
from store.jobs import JobOutcome, JobRow, JobStore
from store.layout import DataLayout
from studio.director import Director, RenderOptions, RenderResult
from studio.runner import LocalRunner, Runner
from studio.job_files import release_upload, remove_job_folder, remove_partial_files
from studio.job_records import (CANCELLED, INTERRUPTED_TWICE, MAX_ATTEMPTS, STAGE_WEIGHTS, Job,
                                JobProgress, RunningJob, decode_options, encode_options,
                                encode_spec, failure_reason, job_from_row, owner_view)
from video.engines.preview import Preview

log = logging.getLogger(__name__)

# Called with a job once it has ended (done with its files complete, or failed), on the
# worker's thread.
OnFinished = Callable[[Job], None]


# A job no machine can take now (a cluster without its model) is offered again this late.
PARKED_S = 5.0


class JobQueue:
    """Durable render jobs, run in a fair line by worker threads, as many at once as the
    runner has room for.

    Locally the workers share the director's engines, so slots above 1 suit engines that
    may render concurrently (cloud); a local diffusers pipeline renders one clip at a time.
    """

    def __init__(self, db: Database, director: Director, data_dir: Path | str, slots: int = 1,
                 runner: Runner | None = None):
        self.runner = runner or LocalRunner(director, slots)
        self.store = JobStore(db)
        self.director = director
        self.layout = DataLayout(Path(data_dir))
        self.data_dir = self.layout.root
        self.jobs_dir = self.data_dir / "jobs"
        self._wake = threading.Condition()
        self._claiming = threading.Lock()  # room is checked and a job taken as one step
        self._parked: dict[str, tuple[float, str]] = {}  # job id → (until, why it waits)
        self._stopping = threading.Event()
        self._running: dict[str, RunningJob] = {}
        self._workers: list[threading.Thread] = []
        self._lock_file = None
        self._on_finished: list[OnFinished] = []

    def when_finished(self, listener: OnFinished) -> None:
        """Call `listener(job)` on the worker's thread each time a job ends, whoever
        submitted it (the browser sessions publish their videos this way)."""
        self._on_finished.append(listener)

    # --- life ------------------------------------------------------------------------------

    def start(self) -> None:
        """Take the data folder's job lock, recover interrupted jobs, start the workers."""
        if self._workers:
            return
        self.recover()
        self.runner.start()
        self._stopping.clear()
        for slot in range(self.runner.max_slots):
            worker = threading.Thread(target=self._work, name=f"clipwright-job-{slot}",
                                      daemon=True)
            worker.start()
            self._workers.append(worker)

    def recover(self) -> None:
        """Take the data folder's job lock and put right what a dead process left: its
        running jobs go back in line (their partial files removed) or are given up, and
        uploads nothing uses are swept. `start` does this before any worker renders."""
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        if self._lock_file is None:
            self._take_lock()
        requeued, failed = self.store.recover_interrupted(MAX_ATTEMPTS, INTERRUPTED_TWICE)
        for job_id in requeued:
            remove_partial_files(self.jobs_dir, job_id)
        for job_id in failed:
            remove_job_folder(self.jobs_dir, job_id)
            release_upload(self.store.db, self.layout, self.store.get(job_id))
        if requeued or failed:
            log.warning("after a restart: %d job(s) re-queued, %d given up",
                        len(requeued), len(failed))
        uploads.sweep(self.store.db, self.layout)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the workers; renders in progress are cancelled and put back in line."""
        self._stopping.set()
        for running in list(self._running.values()):
            running.cancel.set()
        with self._wake:
            self._wake.notify_all()
        for worker in self._workers:
            worker.join(timeout)
        if self._workers:
            self.runner.close()
        self._workers.clear()
        if self._lock_file is not None:
            self._lock_file.close()  # closing the file releases the lock
            self._lock_file = None

    def _take_lock(self) -> None:
        handle = open(self.jobs_dir / "queue.lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise EngineUnavailable(f"another Clipwright process is running the jobs of "
                                    f"{self.data_dir}; stop it or use another --data-dir")
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._lock_file = handle

    # --- the contract ----------------------------------------------------------------------

    def submit(self, owner: str, spec: ShotSpec, options: RenderOptions,
               request_id: str | None = None, *, end_user: str | None = None,
               api_model: str | None = None) -> Job:
        """Queue a render; a repeated (owner, request_id) returns the first job unchanged.

        end_user and api_model are the API's user_id and model fields, kept for its answers.
        """
        row, created = self.store.add(owner, encode_spec(spec), encode_options(options),
                                      request_id=request_id, end_user=end_user,
                                      api_model=api_model)
        if created:
            with self._wake:
                self._wake.notify()
        return owner_view(row, self.layout)

    def get(self, job_id: str, owner: str) -> Job | None:
        """The job if `owner` owns it, else None (another owner's job looks unknown)."""
        row = self.store.get_for(job_id, owner)
        return owner_view(row, self.layout) if row else None

    def find(self, owner: str, request_id: str) -> Job | None:
        """The owner's job sent with this request_id, if any (to answer repeats)."""
        row = self.store.get_by_request(owner, request_id)
        return owner_view(row, self.layout) if row else None

    def shared_result(self, job_id: str, file_token: str) -> Job | None:
        """A done job whose file token matches (result URLs carry it instead of a key)."""
        row = self.store.get(job_id)
        if row is None or row.status != "done":
            return None
        if not hmac.compare_digest(row.file_token.encode(), file_token.encode()):
            return None
        return owner_view(row, self.layout)

    def list(self, owner: str, limit: int = 50) -> list[Job]:
        """The owner's latest jobs, newest first."""
        return [owner_view(r, self.layout) for r in self.store.list_for(owner, limit)]

    def in_flight(self, owner: str) -> int:
        """How many of the owner's jobs are queued or running."""
        return self.store.in_flight(owner)

    def position(self, job_id: str) -> int:
        """0 while running, n when n-th in line, -1 when finished or unknown."""
        if job_id in self._running:
            return 0
        line = self.store.line()
        if job_id in line:
            return line.index(job_id) + 1
        row = self.store.get(job_id)
        return 0 if row is not None and row.status == "running" else -1

    def progress(self, job_id: str) -> JobProgress:
        """Stage, overall fraction, detail and an estimate of the seconds left."""
        running = self._running.get(job_id)
        if running is not None:
            fraction = running.fraction
            elapsed = time.time() - running.started
            if fraction >= 0.05:
                eta = elapsed * (1 - fraction) / fraction
            else:
                eta = self._typical_run_seconds()
                eta = max(0.0, eta - elapsed) if eta is not None else None
            return JobProgress(running.stage, fraction, running.detail, eta, running.preview)
        row = self.store.get(job_id)
        if row is None:
            return JobProgress("unknown", 0.0, "", None)
        if row.status in ("done", "failed"):
            return JobProgress(row.status, 1.0 if row.status == "done" else 0.0,
                               row.error or "", 0.0)
        if job_id in self._parked:  # no machine can take it now: say why, guess no time
            return JobProgress("queued", 0.0, self._parked[job_id][1], None)
        position = max(self.position(job_id), 1)
        typical = self._typical_run_seconds()
        # Jobs ahead share the slots; the running ones are about half done on average.
        slots = max(1, self.runner.capacity())
        eta = typical * ((position - 1) / slots + 0.5 + 1) if typical is not None else None
        return JobProgress("queued", 0.0, f"{position} in line", eta)

    def cancel(self, job_id: str, owner: str) -> bool:
        """Stop the owner's job: a waiting one fails at once, a running one at its next step."""
        if self.store.cancel_waiting(job_id, owner, CANCELLED):
            self._announce(job_id)
            return True
        running = self._running.get(job_id)
        row = self.store.get_for(job_id, owner)
        if running is None or row is None:
            return False
        running.cancel.set()
        return True

    def wait(self, job_id: str, owner: str, timeout: float | None = None,
             poll_s: float = 0.2) -> Job | None:
        """Block until the owner's job is done or failed (or the timeout passes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            job = self.get(job_id, owner)
            if job is None or job.finished:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                return job
            time.sleep(poll_s)

    def _typical_run_seconds(self) -> float | None:
        recent = sorted(self.store.recent_run_seconds())
        return recent[len(recent) // 2] if recent else None

    # --- the workers -----------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                row = self._claim()
            except Exception:  # noqa: BLE001 - e.g. a full disk: the worker waits, lives on
                log.exception("could not take the next job from the line; retrying")
                self._stopping.wait(2.0)
                continue
            if row is None:
                with self._wake:
                    self._wake.wait(timeout=1.0)
                continue
            self._run(row)

    def _claim(self) -> JobRow | None:
        """The next job in line that can run now, marked running, or None (no room, or
        nothing that can run). A job no machine can take waits in line with the reason."""
        with self._claiming:
            now = time.monotonic()
            self._parked = {i: p for i, p in self._parked.items() if p[0] > now}
            while len(self._running) < self.runner.capacity():
                row = self.store.claim_next(skip=tuple(self._parked))
                if row is None:
                    return None
                try:
                    reason = self.runner.unplaceable(decode_options(row.options))
                except (ValueError, TypeError):  # a damaged row: _run fails it with a reason
                    reason = None
                if reason is None:
                    self._running[row.id] = RunningJob(started=time.time())
                    return row
                self.store.requeue(row.id, count_attempt=False)
                self._parked[row.id] = (now + PARKED_S, reason)
            return None

    def _run(self, row: JobRow) -> None:
        running = self._running[row.id]
        try:
            job = job_from_row(row, self.layout)
            out = self.jobs_dir / row.id / "clip.mp4"
            remove_partial_files(self.jobs_dir, row.id)

            def on_progress(stage: str, fraction: float, detail: str) -> None:
                if running.cancel.is_set():
                    raise GenerationCancelled("stopped")
                if stage in STAGE_WEIGHTS:
                    running.stage, running.stage_fraction = stage, fraction
                running.detail = detail

            def on_preview(preview: Preview) -> None:
                if running.cancel.is_set():
                    raise GenerationCancelled("stopped")
                running.preview = preview

            result = self.runner.render(row.id, job.spec, out, job.options,
                                        on_progress=on_progress, on_preview=on_preview)
            self.store.finish(row.id, self._outcome(result))
        except GenerationCancelled:
            if self._stopping.is_set():
                self._record(self.store.requeue, row.id, count_attempt=False)
                return
            self._failed(row.id, CANCELLED)
        except WorkerLost as exc:  # a cluster node went: as if a server had stopped
            log.warning("%s; attempt %d of %d", exc, row.attempts, MAX_ATTEMPTS)
            remove_partial_files(self.jobs_dir, row.id)
            if row.attempts < MAX_ATTEMPTS:
                self._record(self.store.requeue, row.id)
                return
            self._failed(row.id, INTERRUPTED_TWICE)
        except (InputError, EngineUnavailable) as exc:
            self._failed(row.id, str(exc))
        except Exception as exc:  # noqa: BLE001 - a job fails with a reason; the worker lives on
            log.exception("job %s failed while %s", row.id, running.stage)
            self._failed(row.id, failure_reason(exc, running.stage))
        finally:
            self._running.pop(row.id, None)
        release_upload(self.store.db, self.layout, row)
        self._announce(row.id)

    def _outcome(self, result: RenderResult) -> JobOutcome:
        """The row's record of a render: its files (relative) with their facts."""
        video = result.video
        track = result.track
        return JobOutcome(
            mp4=self.layout.relative(video.mp4), poster=self.layout.relative(video.poster),
            width=video.width, height=video.height, fps=video.fps, frames=video.frames,
            track=track.id if track is not None and track.source == "library" else None,
            prompt=result.prompt, engine=result.engine, model=result.model, seed=result.seed,
            test_pattern=result.test_pattern, warnings=tuple(result.warnings))

    def _announce(self, job_id: str) -> None:
        """Tell the listeners about a job that has ended, done or failed (one put back in
        line by a stopping server has not)."""
        row = self.store.get(job_id)
        if row is None or row.status not in ("done", "failed"):
            return
        try:
            job = job_from_row(row, self.layout)
        except (ValueError, TypeError):  # a damaged row: nothing to tell; the worker lives on
            log.warning("job %s ended but its record no longer reads", job_id)
            return
        for listener in self._on_finished:
            try:
                listener(job)
            except Exception:  # noqa: BLE001 - the job is done; its owner can collect it later
                log.exception("could not publish job %s; it stays collectable", job_id)

    def _failed(self, job_id: str, reason: str) -> None:
        """Record a failure and remove whatever the render had written."""
        remove_job_folder(self.jobs_dir, job_id)
        self._record(self.store.fail, job_id, reason)

    @staticmethod
    def _record(change, *args, **kwargs) -> None:
        """A change to the job's row; if even that fails (a full disk), the job stays
        'running' in the database and the next start re-runs it."""
        try:
            change(*args, **kwargs)
        except Exception:  # noqa: BLE001 - the worker must live on
            log.exception("could not record the outcome of job %s", args[0] if args else "?")
