"""Load: browser sessions and API clients at once on one server with the tiny engine.

`python -m bench load` starts `python app.py serve --engine tiny` on a temporary data
folder, lets one browser-like session render first (the engine and the music selector
load; the most memory the server used until then is the baseline), then sends 20
browser-like sessions and 3 API clients (2 tasks each, and one request for a model this
server lacks, which must be refused with its reason and leave no job) at the same moment. A session is
a `gradio_client.Client` — its own Gradio session, so its own browser identity — that
sends an idea to `/chat`, presses Generate (`/generate`, one denoising step) and follows
the render (`/follow`), noting every place in line it is shown. An API client submits
with a key made by `python app.py keys create` and polls `/async-result/{id}`.

The run's records are in bench/load_report.py; bench/load_checks.py names whatever went
wrong: a job lost, run twice or failed without a reason, a place in line that was wrong,
memory above its ceiling. tests/test_load.py runs the same load and asserts it finds
nothing.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

from bench.load_checks import check
from bench.load_report import LoadPlan, LoadReport, Sighting, Task
from bench.timing import Measurement

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "/api/paas/v4"
IDEAS = ("a cat on a roof at dusk", "猎豹卧在草地上", "a lighthouse in a storm",
         "waves on a beach at sunset", "a paper boat on a rainy street", "雪山下的小木屋",
         "a fox running through snow", "a hot air balloon over fields")
POLL_S = 0.3
REFUSED_MODEL = "cogvideox-2b"  # a real model id that a tiny-engine server lacks


# --- the server --------------------------------------------------------------------------

class Server:
    """`python app.py serve --engine tiny` in a subprocess on a free port."""

    def __init__(self, data_dir: Path, cache_dir: Path, log_path: Path):
        self.data_dir, self.cache_dir, self.log_path = data_dir, cache_dir, log_path
        self.env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(cache_dir), HF_HUB_OFFLINE="1",
                        GRADIO_ANALYTICS_ENABLED="False")
        self.env.pop("ZHIPUAI_API_KEY", None)
        self.log = open(log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "serve", "--engine", "tiny", "--port", "0",
             "--data-dir", str(data_dir)],
            cwd=data_dir.parent, env=self.env, stdout=subprocess.PIPE, stderr=self.log,
            text=True)
        self.url = self._read_url()

    def _read_url(self, timeout: float = 180) -> str:
        found: list[str] = []

        def read() -> None:
            for line in self.process.stdout:
                self.log.write(line)
                if match := re.search(r"running on (http://\S+)", line):
                    found.append(match[1])

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while not found:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the server did not start: "
                                   + self.log_path.read_text(encoding="utf-8")[-2000:])
            time.sleep(0.1)
        return found[0]

    def rss_kib(self) -> int:
        """The server's resident memory now (VmRSS), 0 once it is gone."""
        try:
            with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def create_key(self, name: str) -> str:
        """A key from `python app.py keys create`, generous enough for the load."""
        result = subprocess.run(
            [sys.executable, str(ROOT / "app.py"), "keys", "create", "--name", name,
             "--submits-per-minute", "100", "--max-in-flight", "10", "--json",
             "--data-dir", str(self.data_dir)],
            env=self.env, capture_output=True, text=True, timeout=180)
        if result.returncode != 0:
            raise RuntimeError(f"keys create failed: {result.stderr}")
        return json.loads(result.stdout)["key"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


# --- the clients -------------------------------------------------------------------------

_POSITION = re.compile(r"#(\d+) in line")
_STAGE = re.compile(r'data-stage="([a-z-]+)"')


def _sighting(progress: object) -> Sighting | None:
    """The progress card's stage and place in line, from a /generate or /follow output."""
    html = progress.get("value") if isinstance(progress, dict) else None
    if not isinstance(html, str) or not (stage := _STAGE.search(html)):
        return None
    position = _POSITION.search(html)
    return Sighting(time.time(), stage[1], int(position[1]) if position else None)


def browser_session(url: str, task: Task, plan: LoadPlan, start: threading.Barrier) -> None:
    """Send the idea, press Generate, follow the render to the video (or its failure)."""
    from gradio_client import Client

    client = Client(url, verbose=False, download_files=False)
    try:
        start.wait()
        _press_generate(client, task, plan)
    finally:
        client.close()


def _press_generate(client, task: Task, plan: LoadPlan) -> None:
    chat = client.predict({"text": task.idea, "files": []}, "", api_name="/chat")
    camera, scene, details, style, music = (part.get("value") for part in chat[2:7])
    task.submitted_at = time.time()
    started = client.predict(camera, scene, details, style or "", music or "auto", "tiny", "",
                             None, plan.steps, None, 0, api_name="/generate")
    if seen := _sighting(started[0]):
        task.sightings.append(seen)
    last = None
    for last in client.submit(api_name="/follow"):
        if (seen := _sighting(last[0])) and seen.stage != "done":
            task.sightings.append(seen)
    task.answered_at = time.time()
    messages = last[1]["value"] if last else []
    videos = [part["file"] for message in messages for part in message["content"]
              if isinstance(part.get("file"), dict) and
              str(part["file"].get("path", "")).endswith(".mp4")]
    if videos:
        task.outcome = "done"
        # with the session's cookie, as its browser would: the file is its own (#20)
        task.video_bytes = _download(videos[-1].get("url") or "", client.cookies)
    else:
        texts = [part.get("text", "") for part in messages[-1]["content"]] if messages else []
        task.outcome = "failed: " + " ".join(texts).strip()


def api_client(url: str, key: str, tasks: list[Task], start: threading.Barrier) -> None:
    """Submit every task at once (and one repeat), then poll them all to the end."""
    import httpx

    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url + PREFIX, headers=auth, timeout=60) as http:
        start.wait()
        for number, task in enumerate(tasks):
            task.submitted_at = time.time()
            body = {"model": task.model, "prompt": task.idea, "with_audio": number % 2 == 1,
                    "request_id": f"{task.client}-{number}"}  # every other one with music
            answer = http.post("/videos/generations", json=body)
            if answer.status_code in (400, 404, 413):
                task.answered_at = time.time()
                task.outcome = f"refused: {answer.json()['error']['message']}"
                continue
            answer.raise_for_status()
            task.job_id = answer.json()["id"]
        # A client that retries its first request gets the same task, not a second render;
        # the same request_id with another body is refused (409), never silently merged.
        first = {"model": tasks[0].model, "prompt": tasks[0].idea, "with_audio": False,
                 "request_id": f"{tasks[0].client}-0"}
        repeat = http.post("/videos/generations", json=first)
        if repeat.json().get("id") != tasks[0].job_id:
            tasks[0].error = f"a repeated request_id made another task: {repeat.text}"
        changed = http.post("/videos/generations", json={**first, "prompt": "a red kite"})
        if changed.status_code != 409:
            tasks[0].error = f"a reused request_id with another body got {changed.status_code}"
        waiting = [task for task in tasks if task.job_id]
        while waiting:
            for task in list(waiting):
                result = http.get(f"/async-result/{task.job_id}").json()
                status = result["task_status"]
                if status == "PROCESSING":
                    position = result.get("queue_position")
                    task.sightings.append(Sighting(
                        time.time(), "queued" if position and position > 0 else "running",
                        position if position and position > 0 else None))
                    continue
                task.answered_at = time.time()
                waiting.remove(task)
                if status == "SUCCESS":
                    task.outcome = "done"
                    task.video_bytes = _download(result["video_result"][0]["url"])
                else:
                    task.outcome = f"failed: {result.get('error_message') or ''}".strip()
            time.sleep(POLL_S)


def _download(url: str, cookies: dict | None = None) -> int:
    import httpx

    if not url:
        return 0
    answer = httpx.get(url, cookies=cookies, timeout=60)
    return len(answer.content) if answer.status_code == 200 else 0


def _client_thread(tasks: list[Task], work, start: threading.Barrier) -> threading.Thread:
    """A thread running one client; an exception is recorded on its tasks (check() reports
    it) and breaks the start barrier, so the other clients do not wait for it forever."""

    def guarded() -> None:
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - recorded, and check() reports it
            start.abort()
            for task in tasks:
                task.error = task.error or f"{type(exc).__name__}: {exc}"

    return threading.Thread(target=guarded, daemon=True)


# --- one run -----------------------------------------------------------------------------

def run_load(work_dir: Path, cache_dir: Path, plan: LoadPlan = LoadPlan()) -> LoadReport:
    """Start a server in work_dir, put the plan's load on it, stop it, read its database."""
    data_dir = work_dir / "data"
    server = Server(data_dir, cache_dir, work_dir / "server.log")
    samples: list[tuple[float, int]] = []
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.is_set():
            samples.append((time.time(), server.rss_kib()))
            sampling.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    try:
        cold = server.rss_kib()
        sampler.start()
        keys = [server.create_key(f"load-{n}") for n in range(plan.api_clients)]
        warm = Task("warm-up", "a red kite over green hills")
        alone = threading.Barrier(1)
        warming = _client_thread([warm], lambda: browser_session(server.url, warm, plan, alone),
                                 alone)
        warming.start()
        warming.join(plan.client_timeout_s)
        baseline = max([kib for _, kib in samples] + [server.rss_kib()])
        tasks = [Task(f"session-{n}", f"{IDEAS[n % len(IDEAS)]} (take {n})")
                 for n in range(plan.sessions)]
        api_tasks = [[Task(f"api-{c}", f"{IDEAS[(c + t) % len(IDEAS)]}, task {t} of client {c}")
                      for t in range(plan.tasks_per_client)] for c in range(plan.api_clients)]
        if api_tasks and plan.refused_task:  # refused with a reason, leaving nothing
            api_tasks[0].append(Task("api-0", "a render it cannot do", model=REFUSED_MODEL))
        start = threading.Barrier(plan.sessions + plan.api_clients)
        threads = [_client_thread([task], partial(browser_session, server.url, task, plan, start),
                                  start) for task in tasks]
        threads += [_client_thread(group, partial(api_client, server.url, key, group, start), start)
                    for group, key in zip(api_tasks, keys)]
        load_started = time.time()
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + plan.client_timeout_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        for task in [warm, *tasks, *[t for group in api_tasks for t in group]]:
            if not task.outcome and not task.error:
                task.error = f"no answer within {plan.client_timeout_s:.0f} s"
        load_ended = time.time()
    finally:
        sampling.set()
        server.stop()
    jobs, creations, integrity = read_database(data_dir / "clipwright.db")
    return LoadReport(plan=plan, tasks=[warm, *tasks, *[t for g in api_tasks for t in g]],
                      jobs=jobs, creations=creations, integrity=integrity, rss_kib=samples,
                      cold_kib=cold, baseline_kib=baseline, load_started=load_started,
                      load_ended=load_ended, data_dir=data_dir)


def read_database(path: Path) -> tuple[list[dict], list[dict], str]:
    """The jobs and creations rows, and PRAGMA integrity_check, read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        jobs = [dict(row) for row in conn.execute("SELECT * FROM jobs ORDER BY seq")]
        creations = [dict(row) for row in conn.execute("SELECT * FROM creations")]
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
    return jobs, creations, integrity


# --- figures -----------------------------------------------------------------------------

def figures(report: LoadReport) -> list[Measurement]:
    """Throughput, latency (submitted → video in the client's hands) and memory."""
    tasks = [t for t in report.load_tasks if t.outcome == "done"]
    latencies = sorted(t.answered_at - t.submitted_at for t in tasks)
    if not latencies:
        return []
    wall = report.load_ended - report.load_started
    renders = sorted(job["finished_at"] - job["started_at"] for job in report.jobs
                     if job["status"] == "done")
    plan = report.plan
    who = (f"{plan.sessions} browser sessions + {plan.api_clients} API clients × "
           f"{plan.tasks_per_client} tasks (+ 1 refused), tiny engine")
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    load = "load average %.1f / %.1f / %.1f" % os.getloadavg()
    memory = (f"server RSS: cold {report.cold_kib // 1024} MiB, warm-up peak "
              f"{report.baseline_kib // 1024} MiB, peak {report.peak_kib // 1024} MiB")
    return [
        Measurement(f"load: {who} — wall time per job", wall / len(tasks), len(tasks),
                    note=f"{60 * len(tasks) / wall:.1f} jobs/min; {load}"),
        Measurement("load: latency p50, sent → video in hand", statistics.median(latencies),
                    len(latencies), note=memory),
        Measurement("load: latency p95, sent → video in hand", p95, len(latencies)),
        Measurement("load: one render (claim → done), median", statistics.median(renders),
                    len(renders)),
    ]


def run(repeats: int = 1) -> list[Measurement]:
    """The load runs once (a run takes minutes); `repeats` is not used."""
    cache = Path(os.environ.get("CLIPWRIGHT_CACHE_DIR") or
                 Path.home() / ".cache" / "clipwright").expanduser()
    with tempfile.TemporaryDirectory(prefix="clipwright-load-") as work:
        report = run_load(Path(work), cache)
        problems = check(report)
        if problems:
            raise RuntimeError("the load went wrong:\n" + "\n".join(problems))
        return figures(report)
