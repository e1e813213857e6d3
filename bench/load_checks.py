"""What a load run proves: nothing lost, nothing run twice, places in line right, memory
bounded. `check(report)` returns one line per problem; bench/load.py makes the report.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.load_report import LoadReport, Task


# --- what the run proves -----------------------------------------------------------------

def check(report: LoadReport) -> list[str]:
    """Everything that went wrong, one line each; an empty list when the run was clean."""
    problems = [f"{t.client}: {t.error}" for t in report.tasks if t.error]
    problems += _task_problems(report)
    problems += _job_problems(report)
    problems += _creation_problems(report)
    problems += _position_problems(report)
    problems += _server_problems(report)
    return problems


def _task_problems(report: LoadReport) -> list[str]:
    """Each task as its client saw it, against the database (a session's task learns its
    job's id here: its numbered idea names the job)."""
    jobs = {job["id"]: job for job in report.jobs}
    by_idea: dict[str, list[dict]] = {}
    for job in report.jobs:
        by_idea.setdefault(json.loads(job["spec"]).get("idea"), []).append(job)
    problems = [_refusal_problem(task, by_idea) if task.outcome.startswith("refused")
                else _accepted_problem(task, jobs, by_idea) for task in report.tasks]
    return [problem for problem in problems if problem]


def _refusal_problem(task: Task, by_idea: dict[str, list[dict]]) -> str | None:
    """A refused task (a 4xx): a reason, and no job at all."""
    if len(task.outcome) <= len("refused: ") or by_idea.get(task.idea):
        return (f"{task.client}: refused as '{task.outcome}', and "
                f"{len(by_idea.get(task.idea, []))} jobs hold its idea")
    return None


def _accepted_problem(task: Task, jobs: dict[str, dict],
                      by_idea: dict[str, list[dict]]) -> str | None:
    """An accepted task: one job in the database, which ended as the client was shown."""
    if task.job_id is None:  # a session: its numbered idea names its job
        matches = by_idea.get(task.idea, [])
        if len(matches) != 1:
            return f"{task.client}: {len(matches)} jobs hold its idea, not 1"
        task.job_id = matches[0]["id"]
    job = jobs.get(task.job_id)
    if job is None:
        return f"{task.client}: its job {task.job_id} is not in the database"
    if task.outcome == "done" and (job["status"] != "done" or not task.video_bytes):
        return (f"{task.client}: shown a video, but the job is {job['status']} "
                f"and the download had {task.video_bytes} bytes")
    if task.outcome.startswith("failed") and (job["status"] != "failed" or
                                              len(task.outcome) <= len("failed: ")):
        return f"{task.client}: shown '{task.outcome}' for a {job['status']} job"
    return None


def _job_problems(report: LoadReport) -> list[str]:
    """One job per render accepted, and each job ended, run once, with its reason or its
    video."""
    accepted = [task for task in report.tasks if not task.outcome.startswith("refused")]
    problems = []
    if len(report.jobs) != len(accepted):
        problems.append(f"{len(report.jobs)} jobs in the database for {len(accepted)} "
                        f"renders accepted")
    for job in report.jobs:
        problems += _one_job_problems(job, report.data_dir)
    return problems


def _one_job_problems(job: dict, data_dir: Path) -> list[str]:
    """One job's row: done or failed (with a reason), run once, and an API task's video on
    disk."""
    problems = []
    name = f"job {job['id'][:8]} ({job['owner'][:14]})"
    if job["status"] not in ("done", "failed"):
        problems.append(f"{name} was left {job['status']}")
    if job["status"] == "failed" and not (job["error"] or "").strip():
        problems.append(f"{name} failed without a reason")
    if job["attempts"] != 1:
        problems.append(f"{name} was run {job['attempts']} times")
    # A browser's video moves to its creation (checked below); an API task's stays.
    if job["status"] == "done" and not job["owner"].startswith("session:") and \
            not _whole(data_dir / (job["mp4"] or "-")):
        problems.append(f"{name} is done but its video is missing")
    return problems


def _server_problems(report: LoadReport) -> list[str]:
    """The server's memory stayed under its ceiling, and its database is intact."""
    problems = []
    growth_mib = (report.peak_kib - report.baseline_kib) / 1024
    if growth_mib > report.plan.rss_ceiling_mib:
        problems.append(f"server memory grew {growth_mib:.0f} MiB over its baseline "
                        f"({report.baseline_kib // 1024} MiB), above the "
                        f"{report.plan.rss_ceiling_mib} MiB ceiling")
    if report.integrity != "ok":
        problems.append(f"PRAGMA integrity_check: {report.integrity}")
    return problems


def _whole(path: Path) -> bool:
    return path.is_file() and path.stat().st_size > 0


def _creation_problems(report: LoadReport) -> list[str]:
    """Each browser session: one creation per finished render, with its files."""
    problems = []
    owners = [job["owner"] for job in report.jobs if job["owner"].startswith("session:")]
    if len(set(owners)) != len(owners):
        problems.append("two browser sessions shared one identity")
    made: dict[str, int] = {}
    for creation in report.creations:
        made[creation["session_id"]] = made.get(creation["session_id"], 0) + 1
        for column in ("mp4", "poster", "gif"):
            if creation[column] and not _whole(report.data_dir / creation[column]):
                problems.append(f"creation {creation['id'][:8]} lacks its {column}")
    for job in report.jobs:
        if job["owner"].startswith("session:"):
            want = 1 if job["status"] == "done" else 0
            got = made.get(job["owner"].partition(":")[2], 0)
            if got != want:
                problems.append(f"session {job['owner'][8:16]} has {got} creations for "
                                f"{want} finished render(s)")
    return problems


def _position_problems(report: LoadReport) -> list[str]:
    """Places in line, for every job whose owner had nothing else waiting when it was sent
    (a browser session, an API client's first task): only ever going down; exactly the
    jobs shown ahead started before it; such jobs start in the order they were sent."""
    problems = []
    jobs = {job["id"]: job for job in report.jobs}
    starts = [job["started_at"] for job in report.jobs if job["started_at"]]

    def waiting_alone(job: dict) -> bool:
        return not any(other["owner"] == job["owner"] and other["seq"] < job["seq"] and
                       (other["started_at"] or float("inf")) > job["created_at"]
                       for other in report.jobs)

    steady = []
    for task in report.load_tasks:
        job = jobs.get(task.job_id or "")
        if job is None or not job["started_at"] or not waiting_alone(job):
            continue
        steady.append(job)
        shown = [s.position for s in task.sightings if s.position is not None]
        if any(later > earlier for earlier, later in zip(shown, shown[1:])):
            problems.append(f"{task.client}: its place in line went up: {shown}")
        if problem := _place_problem(task, job, starts):
            problems.append(problem)
    steady.sort(key=lambda job: job["seq"])
    if [job["id"] for job in steady] != [job["id"] for job in
                                          sorted(steady, key=lambda job: job["started_at"])]:
        problems.append("jobs that waited alone did not start in the order they were sent")
    return problems


def _place_problem(task: Task, job: dict, starts: list[float]) -> str | None:
    """The first place in line shown to the client that the start times contradict: more
    jobs started before its job than were shown ahead of it, or fewer."""
    for seen in (s for s in task.sightings if s.position is not None):
        passed = sum(seen.at < at < job["started_at"] for at in starts)
        ahead = sum(task.submitted_at < at < job["started_at"] for at in starts)
        if passed > seen.position - 1:
            return (f"{task.client}: shown #{seen.position} in line, then "
                    f"{passed} jobs started before it")
        if ahead < seen.position - 1:
            return (f"{task.client}: shown #{seen.position} in line, yet only "
                    f"{ahead} jobs started before it")
    return None
