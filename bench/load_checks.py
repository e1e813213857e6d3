"""What a load run proves: nothing lost, nothing run twice, places in line right, memory
bounded. `check(report)` returns one line per problem; bench/load.py makes the report.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.load import LoadReport


# --- what the run proves -----------------------------------------------------------------

def check(report: LoadReport) -> list[str]:
    """Everything that went wrong, one line each; an empty list when the run was clean."""
    problems = [f"{t.client}: {t.error}" for t in report.tasks if t.error]
    jobs = {job["id"]: job for job in report.jobs}
    by_idea: dict[str, list[dict]] = {}
    for job in report.jobs:
        by_idea.setdefault(json.loads(job["spec"]).get("idea"), []).append(job)
    accepted = [task for task in report.tasks if not task.outcome.startswith("refused")]
    for task in report.tasks:
        if task.outcome.startswith("refused"):  # a 4xx: a reason, and no job at all
            if len(task.outcome) <= len("refused: ") or by_idea.get(task.idea):
                problems.append(f"{task.client}: refused as '{task.outcome}', and "
                                f"{len(by_idea.get(task.idea, []))} jobs hold its idea")
            continue
        if task.job_id is None:  # a session: its numbered idea names its job
            matches = by_idea.get(task.idea, [])
            if len(matches) != 1:
                problems.append(f"{task.client}: {len(matches)} jobs hold its idea, not 1")
                continue
            task.job_id = matches[0]["id"]
        job = jobs.get(task.job_id)
        if job is None:
            problems.append(f"{task.client}: its job {task.job_id} is not in the database")
        elif task.outcome == "done" and (job["status"] != "done" or not task.video_bytes):
            problems.append(f"{task.client}: shown a video, but the job is {job['status']} "
                            f"and the download had {task.video_bytes} bytes")
        elif task.outcome.startswith("failed") and (job["status"] != "failed" or
                                                    len(task.outcome) <= len("failed: ")):
            problems.append(f"{task.client}: shown '{task.outcome}' for a {job['status']} job")
    if len(report.jobs) != len(accepted):
        problems.append(f"{len(report.jobs)} jobs in the database for {len(accepted)} "
                        f"renders accepted")
    for job in report.jobs:
        name = f"job {job['id'][:8]} ({job['owner'][:14]})"
        if job["status"] not in ("done", "failed"):
            problems.append(f"{name} was left {job['status']}")
        if job["status"] == "failed" and not (job["error"] or "").strip():
            problems.append(f"{name} failed without a reason")
        if job["attempts"] != 1:
            problems.append(f"{name} was run {job['attempts']} times")
        # A browser's video moves to its creation (checked below); an API task's stays.
        if job["status"] == "done" and not job["owner"].startswith("session:") and \
                not _whole(report.data_dir / (job["mp4"] or "-")):
            problems.append(f"{name} is done but its video is missing")
    problems += _creation_problems(report)
    problems += _position_problems(report)
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
        for seen in (s for s in task.sightings if s.position is not None):
            passed = sum(seen.at < at < job["started_at"] for at in starts)
            ahead = sum(task.submitted_at < at < job["started_at"] for at in starts)
            if passed > seen.position - 1:
                problems.append(f"{task.client}: shown #{seen.position} in line, then "
                                f"{passed} jobs started before it")
                break
            if ahead < seen.position - 1:
                problems.append(f"{task.client}: shown #{seen.position} in line, yet only "
                                f"{ahead} jobs started before it")
                break
    steady.sort(key=lambda job: job["seq"])
    if [job["id"] for job in steady] != [job["id"] for job in
                                          sorted(steady, key=lambda job: job["started_at"])]:
        problems.append("jobs that waited alone did not start in the order they were sent")
    return problems
