"""Helpers for the fault tests: the app's real processes, an ffmpeg stand-in that reports
each call (and can hold one kind of call still, so a kill lands inside it), and checks of
what a crash may leave in a data folder."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from api_support import stop_process, wait_for

ROOT = Path(__file__).resolve().parents[1]


class AppProcess:
    """`python app.py serve|api …` in a subprocess with its own data folder; `url` once it
    answers. stderr goes to a log file the test can watch (CLIPWRIGHT_LOG=INFO is set)."""

    def __init__(self, command: str, data_dir: Path, cache_dir: Path, *args: str,
                 env: dict | None = None, prefix: tuple[str, ...] = ()):
        self.data_dir = data_dir
        full_env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(cache_dir), HF_HUB_OFFLINE="1",
                        CLIPWRIGHT_LOG="INFO", PYTHONDONTWRITEBYTECODE="1")
        full_env.pop("ZHIPUAI_API_KEY", None)
        full_env.update(env or {})
        extra = ("--allow-private-image-hosts",) if command == "api" else ()
        handle, name = tempfile.mkstemp(prefix=f"{data_dir.name}-{command}-", suffix=".log",
                                        dir=data_dir.parent)
        os.close(handle)
        self.log_path = Path(name)  # one log per run, so a restart starts a fresh one
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, str(ROOT / "app.py"), command, "--engine", "tiny",
             "--port", "0", "--data-dir", str(data_dir), *extra, *args],
            cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=self.log)
        self.url = self._read_url()

    def _read_url(self, timeout: float = 180) -> str:
        found: list[str] = []
        self.stdout: list[str] = []  # every line the app printed, as it prints them

        def read() -> None:  # and go on reading, so a full pipe never blocks the app
            for raw in self.proc.stdout:
                line = raw.decode("utf-8", "replace")
                self.stdout.append(line)
                match = re.search(r"(?:listening|running) on (http://\S+)", line)
                if match and not found:
                    found.append(match[1])

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        wait_until = time.monotonic() + timeout
        while not found and reader.is_alive() and time.monotonic() < wait_until:
            time.sleep(0.05)
        if not found:
            self.stop()
            raise RuntimeError(f"the app did not start: {self.log_path.read_text()[-3000:]}")
        return found[0]

    def logged(self, text: str) -> bool:
        return text in self.log_path.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()

    def stop(self) -> None:
        stop_process(self.proc)
        self.log.close()


class FfmpegStandIn:
    """An executable to put in IMAGEIO_FFMPEG_EXE: it appends each call's kind (mux: a call
    that puts a soundtrack into a video, the render's encode pass or a music change; encode:
    a silent encode; gif, decode, other) and pid to a log, then runs the real ffmpeg. With `hold`, a call of
    that kind waits instead (as a stalled write would) until the test kills it. With
    `ignore_xfsz`, ffmpeg meets a file-size limit as a failed write (EFBIG), as it meets a
    full disk, instead of being killed by SIGXFSZ."""

    def __init__(self, folder: Path, hold: str | None = None, ignore_xfsz: bool = False):
        import imageio_ffmpeg

        real = imageio_ffmpeg.get_ffmpeg_exe()
        self.log = folder / "ffmpeg-calls.log"
        self.path = folder / "ffmpeg-stand-in"
        self.path.write_text("\n".join([
            "#!/bin/sh",
            "kind=other",
            'case " $* " in',
            '  *" 1:a:0 "*) kind=mux ;;',  # music joins a video: the encode's or a remux
            '  *" rawvideo "*) kind=encode ;;',
            '  *" gif "*) kind=gif ;;',
            '  *" pipe:1 "*) kind=decode ;;',
            "esac",
            f'echo "$kind $$" >> "{self.log}"',
            f'if [ "$kind" = "{hold or "-"}" ]; then exec sleep 600; fi',
            "trap '' XFSZ" if ignore_xfsz else ":",
            f'exec "{real}" "$@"',
            ""]))
        self.path.chmod(0o755)

    @property
    def env(self) -> dict:
        return {"IMAGEIO_FFMPEG_EXE": str(self.path)}

    def calls(self) -> list[tuple[str, int]]:
        if not self.log.is_file():
            return []
        return [(kind, int(pid)) for kind, pid in
                (line.split() for line in self.log.read_text().splitlines() if line.strip())]

    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.calls()]

    def kill_held(self) -> None:
        """End the held call (the server that waited on it is already dead)."""
        for kind, pid in self.calls():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def create_key(data: Path, name: str, **limits):
    """A new API key in the data folder's database: (ApiKey, the secret to send)."""
    from store.db import Database
    from store.keys import KeyStore
    from store.layout import DataLayout

    db = Database(DataLayout(data).ensure().db_path)
    try:
        return KeyStore(db).create(name, **limits)
    finally:
        db.close()


def job_row(data: Path, job_id: str) -> dict:
    """A job's row, read the way a second process would (read-only)."""
    conn = sqlite3.connect(f"file:{data / 'clipwright.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return dict(row) if row else {}
    finally:
        conn.close()


def integrity(db_path: Path) -> str:
    """PRAGMA integrity_check of a database file ('ok' when whole)."""
    conn = sqlite3.connect(str(db_path))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def half_written(data: Path) -> list[Path]:
    """Temporary files of unfinished writes, anywhere in the data folder, and renders
    still in staging: none may outlive a restart."""
    found = [p for p in data.rglob(".*.part")]
    staging = data / "staging"
    if staging.is_dir():
        found += list(staging.iterdir())
    return found


def wait_running(data: Path, job_id: str, attempts: int, timeout: float = 180) -> None:
    wait_for(lambda: job_row(data, job_id).get("status") == "running"
             and job_row(data, job_id).get("attempts") == attempts, timeout,
             f"job {job_id} to run (attempt {attempts})")


def studio_on(data: Path, engine_settings):
    """The browser app's wiring (studio.session.Studio) on a data folder that a server process
    runs: its job queue is not started, since the server runs the line for every browser.
    Returns (studio, database); close the database when done."""
    from studio.director import Director
    from studio.jobs import JobQueue
    from store.creations import CreationStore
    from store.db import Database
    from store.layout import DataLayout
    from studio.i18n import load_strings
    from studio.session import Studio
    from video.engines.pool import EnginePool

    layout = DataLayout(data).ensure()
    db = Database(layout.db_path)
    director = Director(EnginePool(engine_settings))
    studio = Studio(store=CreationStore(db, layout), layout=layout,
                    queue=JobQueue(db, director, layout.root), director=director,
                    strings=load_strings())
    return studio, db
