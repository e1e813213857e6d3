"""store/jobs.py: idempotent adds, the fair line, claiming, crash recovery, isolation."""

import threading

from store.db import Component, Database
from store.jobs import JOBS, JobOutcome, JobStore

OUTCOME = JobOutcome(mp4="jobs/x/clip.mp4", poster="jobs/x/clip.jpg", width=96, height=64,
                     fps=8.0, frames=9, prompt="p",
                     engine="tiny", model="tiny", seed=1)


def store(tmp_path) -> JobStore:
    return JobStore(Database(tmp_path / "app.db"))


def add(jobs: JobStore, owner: str, request_id: str | None = None):
    return jobs.add(owner, '{"idea": "a cat"}', "{}", request_id=request_id)


def test_same_request_id_gives_the_same_job_per_owner(tmp_path):
    jobs = store(tmp_path)
    first, created = add(jobs, "key:a", "r1")
    again, created_again = add(jobs, "key:a", "r1")
    other, other_created = add(jobs, "key:b", "r1")
    assert created and not created_again and other_created
    assert again.id == first.id and other.id != first.id
    fresh, _ = add(jobs, "key:a")
    assert fresh.request_id.startswith("req-") and fresh.id != first.id


def test_concurrent_repeats_make_one_job(tmp_path):
    jobs = store(tmp_path)
    ids, barrier = [], threading.Barrier(8)

    def send():
        barrier.wait()
        ids.append(add(jobs, "key:a", "same")[0].id)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1
    assert jobs.db.query("SELECT COUNT(*) FROM jobs")[0][0] == 1


def test_owners_take_turns_and_each_owner_is_fifo(tmp_path):
    jobs = store(tmp_path)
    a1, a2, a3 = (add(jobs, "key:a")[0] for _ in range(3))
    b1 = add(jobs, "key:b")[0]
    c1, c2 = (add(jobs, "session:c")[0] for _ in range(2))
    assert jobs.line() == [a1.id, b1.id, c1.id, a2.id, c2.id, a3.id]

    # a1 starts: a's next job now waits behind the first turns of b and c.
    assert jobs.claim_next().id == a1.id
    assert jobs.line() == [b1.id, c1.id, a2.id, c2.id, a3.id]
    running = jobs.get(a1.id)
    assert running.status == "running" and running.attempts == 1 and running.started_at



def test_a_waiting_job_keeps_its_place_when_others_start_and_end(tmp_path):
    """The load test's finding: with turns counted from the jobs in flight, a2 (a's
    second job) waited behind s1 while a1 ran, then jumped ahead of s1 when a1 ended —
    s1's user, shown "#1 in line", saw another job start first."""
    jobs = store(tmp_path)
    a1, a2 = (add(jobs, "key:a")[0] for _ in range(2))
    assert jobs.claim_next().id == a1.id
    s1 = add(jobs, "session:s")[0]  # sent while turn 1 runs: it joins turn 2, after a2
    assert jobs.line() == [a2.id, s1.id]
    jobs.finish(a1.id, OUTCOME)
    assert jobs.line() == [a2.id, s1.id]
    assert jobs.claim_next().id == a2.id
    late = add(jobs, "session:late")[0]  # sent during turn 2: turn 3, behind s1
    a3 = add(jobs, "key:a")[0]
    assert jobs.line() == [s1.id, late.id, a3.id]


def test_turns_survive_a_restart_and_a_requeue(tmp_path):
    jobs = store(tmp_path)
    a1, a2 = (add(jobs, "key:a")[0] for _ in range(2))
    b1 = add(jobs, "key:b")[0]
    assert jobs.claim_next().id == a1.id
    jobs.requeue(a1.id, count_attempt=False)  # a graceful stop puts it back at its place
    again = JobStore(Database(tmp_path / "app.db"))
    assert again.line() == [a1.id, b1.id, a2.id]
    assert [again.get(j.id).turn for j in (a1, b1, a2)] == [1, 1, 2]


def test_jobs_waiting_before_the_upgrade_keep_their_order(tmp_path):
    old = Database(tmp_path / "app.db")
    old.migrate(Component("jobs", JOBS.migrations[:1]))  # the release before turns
    with old.transaction() as conn:
        for seq, (owner, status) in enumerate([("a", "running"), ("a", "queued"),
                                               ("a", "queued"), ("b", "queued")], start=1):
            conn.execute("INSERT INTO jobs (id, owner, request_id, status, spec, options, "
                         "created_at, file_token) VALUES (?, ?, ?, ?, '{}', '{}', 0, 't')",
                         (f"j{seq}", owner, f"r{seq}", status))
    old.close()
    jobs = store(tmp_path)
    assert jobs.line() == ["j4", "j2", "j3"]  # b's first turn, then a's 2nd and 3rd
    late = add(jobs, "key:c")[0]
    assert jobs.line() == ["j4", late.id, "j2", "j3"]

def test_finish_fail_and_cancel(tmp_path):
    jobs = store(tmp_path)
    a = add(jobs, "key:a")[0]
    b = add(jobs, "key:a")[0]
    claimed = jobs.claim_next()
    jobs.finish(claimed.id, JobOutcome(mp4="jobs/x/clip.mp4", poster="jobs/x/clip.jpg",
                                       width=96, height=64, fps=8.0, frames=9,
                                       prompt="p", engine="tiny", model="tiny", seed=3,
                                       test_pattern=True, warnings=("long prompt",)))
    done = jobs.get(a.id)
    assert (done.status, done.mp4, done.seed, done.test_pattern, done.warnings) == (
        "done", "jobs/x/clip.mp4", 3, True, ("long prompt",))
    assert jobs.recent_run_seconds() and jobs.recent_run_seconds()[0] >= 0

    assert not jobs.cancel_waiting(b.id, "key:someone-else", "cancelled")
    assert jobs.cancel_waiting(b.id, "key:a", "cancelled")
    assert not jobs.cancel_waiting(b.id, "key:a", "cancelled")  # already finished
    assert (jobs.get(b.id).status, jobs.get(b.id).error) == ("failed", "cancelled")
    assert jobs.in_flight("key:a") == 0


def test_recovery_requeues_once_then_fails_with_the_reason(tmp_path):
    jobs = store(tmp_path)
    first = add(jobs, "key:a")[0]
    jobs.claim_next()  # attempt 1 … then the process dies
    requeued, failed = jobs.recover_interrupted(2, "gave up")
    assert (requeued, failed) == ([first.id], [])
    assert jobs.get(first.id).status == "queued" and jobs.line() == [first.id]
    jobs.claim_next()  # attempt 2 … dies again
    requeued, failed = jobs.recover_interrupted(2, "gave up")
    assert (requeued, failed) == ([], [first.id])
    gone = jobs.get(first.id)
    assert (gone.status, gone.error) == ("failed", "gave up") and gone.finished_at


def test_graceful_requeue_does_not_use_up_an_attempt(tmp_path):
    jobs = store(tmp_path)
    job = add(jobs, "key:a")[0]
    jobs.claim_next()
    jobs.requeue(job.id, count_attempt=False)
    again = jobs.get(job.id)
    assert (again.status, again.attempts, again.started_at) == ("queued", 0, None)


def test_an_owner_reads_only_its_own_jobs(tmp_path):
    jobs = store(tmp_path)
    mine = add(jobs, "key:a", "r")[0]
    assert jobs.get_for(mine.id, "key:a").id == mine.id
    assert jobs.get_for(mine.id, "key:b") is None
    assert jobs.get_by_request("key:b", "r") is None
    assert [j.id for j in jobs.list_for("key:a")] == [mine.id]
    assert jobs.list_for("key:b") == []
    assert jobs.db.query("PRAGMA integrity_check")[0][0] == "ok"
