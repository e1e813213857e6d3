"""Faults other than a kill (those are in test_faults_kill.py): a full disk while a video is
written, the engine raising in the middle of a render, and a language model that never
answers. Each ends with a clear message, nothing half-written, and the app still serving.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from studio.director import Director, RenderOptions
from studio.job_records import DISK_FULL
from studio.jobs import JobQueue
from agent.rewriter import rewriter_from_env
from agent.shot import ShotSpec
from api.errors import DISK_FULL_MESSAGE
from api_support import submit, wait_for, wait_result
from fault_support import ROOT, AppProcess, FfmpegStandIn, integrity
from store.creations import CreationStore
from store.db import Database
from store.layout import DataLayout
from studio.i18n import load_strings
from studio.session import Studio
from video.engines.pool import EnginePool
from video.engines.tiny import TinyEngine
from video.ffmpeg import probe


@pytest.fixture(scope="module")
def tiny_built(engine_settings):
    """The tiny models on disk before a test limits what may be written."""
    from video.engines.registry import load_registry
    from video.engines.tiny import tiny_model_dir

    registry = load_registry()
    for model in ("tiny", "tiny-i2v"):
        tiny_model_dir(engine_settings, registry[model])
    return engine_settings


# --- a full disk ---------------------------------------------------------------------------

@pytest.mark.slow  # two `python app.py generate` processes
def test_disk_full_in_the_cli_says_so_and_leaves_nothing(tmp_path, shared_cache, tiny_built):
    """`generate` under a 16 KiB file-size limit (RLIMIT_FSIZE): the kernel refuses the
    write with EFBIG as a full disk refuses it with ENOSPC; ffmpeg meets it as a failed
    write (the stand-in only keeps SIGXFSZ from killing it, which a full disk never does)."""
    out = tmp_path / "out"
    out.mkdir()
    ffmpeg = FfmpegStandIn(tmp_path, ignore_xfsz=True)
    limit = 16 * 1024

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(shared_cache), HF_HUB_OFFLINE="1",
               CLIPWRIGHT_DATA_DIR=str(tmp_path / "data"), PYTHONDONTWRITEBYTECODE="1",
               **ffmpeg.env)
    run = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "generate", "a cat on a roof", "--engine",
         "tiny", "--frames", "5", "--steps", "1", "--music", "none",
         "--out", str(out / "clip.mp4")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
        preexec_fn=limited)
    assert run.returncode == 1, run.stderr
    assert run.stderr.strip().splitlines()[-1] == (
        "error: not enough disk space to write the video (nothing half-written was kept); "
        "free some space and try again")
    assert "encode" in ffmpeg.kinds()
    assert list(out.iterdir()) == []  # no mp4, no poster, no temporary file

    # With the limit gone, the same command works.
    env.pop("IMAGEIO_FFMPEG_EXE")
    again = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "generate", "a cat on a roof", "--engine",
         "tiny", "--frames", "5", "--steps", "1", "--music", "none",
         "--out", str(out / "clip.mp4")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert probe(out / "clip.mp4").video_frames > 0


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe_dir = Path(f"/tmp/clipwright-tmpfs-probe-{os.getpid()}")
    probe_dir.mkdir(exist_ok=True)
    try:
        done = subprocess.run(["unshare", "-rm", "sh", "-c",
                               f"mount -t tmpfs -o size=1m tmpfs {probe_dir}"],
                              capture_output=True, timeout=20)
        return done.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
    finally:
        probe_dir.rmdir()


@pytest.mark.slow
@pytest.mark.skipif(not _can_mount_tmpfs(),
                    reason="needs `unshare -rm` to mount a small tmpfs (user namespaces)")
def test_disk_full_in_the_api_fails_the_job_with_a_reason(tmp_path, shared_cache, tiny_built):
    """The API server's whole data folder on an 8 MiB tmpfs, filled while a job generates
    until 64 KiB are left: the encode hits ENOSPC. The owner reads that the disk is full,
    nothing of the video is left, the database is whole. Filled to the last byte, a new
    task is refused with 507 and that reason. Once space is freed the same request renders."""
    data, key_file = tmp_path / "data", tmp_path / "key.json"
    data.mkdir()
    # In a mount namespace of its own: a tmpfs on the data folder, a key made there, the API.
    mount = ("unshare", "-rm", "sh", "-c",
             'mount -t tmpfs -o size=8m tmpfs "$0" && "$1" "$2" keys create --json '
             '--data-dir "$0" > "$3" && shift 3 && exec "$@"',
             str(data), sys.executable, str(ROOT / "app.py"), str(key_file))
    server = AppProcess("api", data, shared_cache, prefix=mount)
    inside = Path(f"/proc/{server.proc.pid}/root") / data.relative_to("/")  # its tmpfs
    try:
        key = json.loads(key_file.read_text())["key"]
        body = {"model": "cogvideox-3", "prompt": "a lighthouse in a storm", "duration": 6}
        task = submit(server.url, key, body).json()["id"]
        wait_for(lambda: server.logged("placed:"), 240, "the pipeline to load")
        ballast = inside / "ballast"
        room = os.statvfs(inside)
        with open(ballast, "wb") as handle:  # the disk fills up while the job generates
            os.posix_fallocate(handle.fileno(), 0, room.f_bavail * room.f_frsize - 64 * 1024)
        failed = wait_result(server.url, key, task)
        assert failed["task_status"] == "FAIL" and failed["error_message"] == DISK_FULL
        assert not (inside / "jobs" / task).exists()
        assert not list(inside.rglob("*.part")) and not list(inside.rglob("*.mp4"))
        assert snapshot_integrity(inside, tmp_path / "check-1") == "ok"

        # Now not a byte is left: even the database cannot take a new task. The caller is
        # told so (507), nothing is stored, and the database stays whole.
        room = os.statvfs(inside)
        with open(inside / "ballast-2", "wb") as handle:
            os.posix_fallocate(handle.fileno(), 0, room.f_bavail * room.f_frsize)
        refused = submit(server.url, key, body)
        assert refused.status_code == 507, refused.text
        assert refused.json()["error"]["message"] == DISK_FULL_MESSAGE
        assert snapshot_integrity(inside, tmp_path / "check-full") == "ok"

        ballast.unlink()  # space is freed; the same request renders
        (inside / "ballast-2").unlink()
        done = wait_result(server.url, key, submit(server.url, key, body).json()["id"])
        assert done["task_status"] == "SUCCESS", done
        video = tmp_path / "after.mp4"
        video.write_bytes(httpx.get(done["video_result"][0]["url"], timeout=30).content)
        assert probe(video).video_frames > 0
        assert snapshot_integrity(inside, tmp_path / "check-2") == "ok"
    finally:
        server.stop()


def snapshot_integrity(data: Path, folder: Path) -> str:
    """integrity_check of a copy of the database as it lies on that disk now (SQLite itself
    cannot open it through /proc/<pid>/root: it resolves the link to this namespace)."""
    folder.mkdir()
    for name in ("clipwright.db", "clipwright.db-wal"):
        if (data / name).is_file():
            shutil.copyfile(data / name, folder / name)
    return integrity(folder / "clipwright.db")


# --- the engine raising mid-run --------------------------------------------------------------

class FaultyTiny(TinyEngine):
    """The tiny engine with a fault injected into its denoising loop: for a prompt that
    mentions thunder, the step callback raises as a failing GPU kernel would (diffusers
    runs it between steps, so the error comes out of the middle of the real pipeline)."""

    def generate(self, request, on_step=None, on_preview=None):
        def step(i: int, n: int) -> None:
            if "thunder" in request.prompt and i >= 1:
                raise RuntimeError("CUDA error: an illegal memory access was encountered")
            if on_step is not None:
                on_step(i, n)

        return super().generate(request, on_step=step, on_preview=on_preview)


class OnePool(EnginePool):
    """A pool that hands out one engine for every name."""

    def __init__(self, engine):
        super().__init__(engine.settings)
        self.engine = engine

    def get(self, name, task):
        return self.engine


def test_engine_raising_mid_run_fails_the_job_and_the_line_goes_on(tmp_path, tiny_built):
    db = Database(tmp_path / "data" / "clipwright.db")
    queue = JobQueue(db, Director(OnePool(FaultyTiny(tiny_built))), tmp_path / "data")
    queue.start()
    try:
        quick = RenderOptions(engine="tiny", steps=3, upscale=1)
        storm = queue.submit("key:a", ShotSpec(idea="thunder over the hills", seed=1), quick)
        odd = queue.submit("key:b", ShotSpec(idea="a duck swimming", seed=2),
                           RenderOptions(engine="tiny", frames=6))  # a request the engine refuses
        calm = queue.submit("key:a", ShotSpec(idea="a horse running", seed=3), quick)
        failed = queue.wait(storm.id, "key:a", timeout=300)
        assert failed.status == "failed"
        assert failed.error.startswith("the render failed while generating the frames "
                                       "(RuntimeError: CUDA error: an illegal memory access")
        assert "try again" in failed.error
        refused = queue.wait(odd.id, "key:b", timeout=300)
        assert refused.status == "failed" and "frames must be 4k+1" in refused.error
        done = queue.wait(calm.id, "key:a", timeout=300)
        assert done.status == "done" and probe(done.mp4).video_frames > 0
        assert not (queue.jobs_dir / storm.id).exists()  # nothing of the failed render
        assert all(worker.is_alive() for worker in queue._workers)
    finally:
        queue.stop()
    assert db.query("PRAGMA integrity_check")[0][0] == "ok"
    db.close()


# --- a language model that never answers ----------------------------------------------------

class SilentEndpoint:
    """A TCP server on 127.0.0.1 that accepts connections and never answers ("hang"), or
    answers with headers and then one byte every half second, forever ("trickle")."""

    def __init__(self, mode: str):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.held: list[socket.socket] = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            if self.mode == "trickle":
                threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n")
            while not self.closed.is_set():
                conn.sendall(b" ")
                time.sleep(0.5)
        except OSError:
            return

    def close(self) -> None:
        self.closed.set()
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.mark.slow  # waits out the endpoint's timeout on each chat turn
@pytest.mark.parametrize("mode", ["hang", "trickle"])
def test_a_hanging_language_model_falls_back_and_the_chat_answers(tmp_path, mode,
                                                                   engine_settings):
    endpoint = SilentEndpoint(mode)
    rewriter = rewriter_from_env({"CLIPWRIGHT_LLM_BASE_URL": endpoint.base_url,
                                  "CLIPWRIGHT_LLM_MODEL": "local-model",
                                  "CLIPWRIGHT_LLM_TIMEOUT": "2"})
    layout = DataLayout(tmp_path / "data").ensure()
    db = Database(layout.db_path)
    director = Director(EnginePool(engine_settings), rewriter=rewriter)
    studio = Studio(store=CreationStore(db, layout), layout=layout,
                    queue=JobQueue(db, director, layout.root), director=director,
                    strings=load_strings())
    session = studio.open_session(None, "en")
    turns: list = []
    chat = threading.Thread(target=lambda: turns.extend([
        studio.say(session, "a lighthouse on a cliff at dusk"),
        studio.say(session, "make it night")]), daemon=True)
    chat.start()
    chat.join(60)  # two turns of at most 2 s each, with room for a busy machine
    try:
        assert not chat.is_alive(), "the chat waited on the silent model"
        first, second = turns
        assert "no answer from local-model at 127.0.0.1" in first.reply
        assert "within 2 s" in first.reply and "offline formula" in first.reply
        assert first.spec.camera and first.spec.scene and first.spec.details
        assert "lighthouse" in first.spec.prompt
        assert second.spec is not None and "night" in second.spec.prompt.lower()
        assert [m.role for m in studio.history(session)] == ["user", "assistant"] * 2
    finally:
        endpoint.close()
        db.close()
