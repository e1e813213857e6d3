"""Shared fixtures: a tiny-model cache shared by parallel workers, and the CLI runners.

The checkout is importable without an install: pyproject.toml's `pythonpath = ["."]` for
the tests, and PYTHONPATH (set here) for the processes they start (app.py, fault_writer.py,
`python -c` checks), so a child imports this checkout too, installed or not.
"""

from __future__ import annotations

import faulthandler
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The browser tests' fixtures (server, browser, open_page), for every browser test module.
pytest_plugins = ["browser_support"]

os.environ["PYTHONPATH"] = os.pathsep.join(
    part for part in (str(ROOT), os.environ.get("PYTHONPATH")) if part)
# Parallel workers that each run torch's kernels on every core fight over them (on 2 cores
# with 2 workers the engine tests took 3× as long): each xdist worker gets its share of the
# cores, and so do the processes it starts. An OMP_NUM_THREADS set by the caller wins.
if "PYTEST_XDIST_WORKER" in os.environ:
    _share = len(os.sched_getaffinity(0)) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"])
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, _share)))
    if "torch" in sys.modules:  # a plugin imported it before this file: tell it directly
        sys.modules["torch"].set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
# No test may reach for a model hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """One cache folder for all xdist workers of a run (tiny models are built atomically)."""
    root = Path(os.environ.get("CLIPWRIGHT_TEST_CACHE") or
                tmp_path_factory.getbasetemp().parent / "clipwright-cache")
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture(scope="session")
def engine_settings(shared_cache):
    from video.engines.base import EngineSettings

    return EngineSettings(cache_dir=shared_cache)


@pytest.fixture(scope="session")
def tiny_engine(engine_settings):
    """The tiny engine, loaded once per worker."""
    from video.engines.tiny import TinyEngine

    return TinyEngine(engine_settings)


@dataclass
class CliResult:
    """What one command left: its exit code and what it printed (as subprocess.run's)."""

    returncode: int
    stdout: str
    stderr: str


def _cli_environment(monkeypatch, shared_cache: Path, tmp_path: Path) -> None:
    """The environment each CLI run gets: the shared tiny-model cache, a data folder of
    this test's own, no model hub, and the test's folder as the working directory."""
    monkeypatch.setenv("CLIPWRIGHT_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("CLIPWRIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # A command run in this process must not re-size the test worker's thread pools for the
    # tests after it: the budget itself is tested in child processes (tests/test_threads.py).
    monkeypatch.setenv("CLIPWRIGHT_THREADS", "default")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def run_cli(shared_cache, tmp_path, monkeypatch, capfd):
    """Run `app.py ARGS` in this process: `app.main(ARGS)` with the environment a
    subprocess would get, returning its exit code and what it printed (both file
    descriptors, so ffmpeg's or a library's own output counts too). Start-up in a new
    process costs seconds (torch); tests about the process itself use `run_app_process`."""
    import app

    _cli_environment(monkeypatch, shared_cache, tmp_path)

    def run(*args: str | bytes, timeout: float = 240) -> CliResult:
        # argv arrives as text; bytes that are not UTF-8 become surrogates as in a process.
        argv = [os.fsdecode(arg) for arg in args]
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        # app.main's logging.basicConfig does nothing while pytest holds the root logger;
        # a handler like the one it adds in a process puts log lines on stderr as there.
        shown = logging.StreamHandler(sys.stderr)
        shown.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(shown)
        root.setLevel(os.environ.get("CLIPWRIGHT_LOG", "WARNING"))
        capfd.readouterr()  # only what this command prints
        # A command that never returns (a server that started after all) ends this worker
        # with every thread's stack, where a subprocess would have timed out.
        faulthandler.dump_traceback_later(timeout, exit=True)
        try:
            code = app.main(argv)
        except SystemExit as exc:  # argparse's --help exits by itself
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        finally:
            faulthandler.cancel_dump_traceback_later()
            root.handlers[:], root.level = handlers, level
        printed = capfd.readouterr()
        return CliResult(code, printed.out, printed.err)

    return run


@pytest.fixture
def run_app_process(shared_cache, tmp_path):
    """Run `python app.py ARGS` as a real subprocess with isolated data and shared cache:
    for what only a process shows (start-up, output of a fresh interpreter, exit status)."""

    def run(*args: str | bytes, timeout: float = 240) -> subprocess.CompletedProcess:
        env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(shared_cache),
                   CLIPWRIGHT_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1")
        return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=timeout)

    return run


def pytest_collection_modifyitems(items):
    """Long tests first (slow, browser), each file's in its own order: a minute-long test
    that starts last keeps one worker busy while the other has nothing left to run."""
    items.sort(key=lambda item: not (item.get_closest_marker("slow")
                                     or item.get_closest_marker("browser")))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can act on a failure (screenshots)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --- the LLM rewriter's tests (tests/llm_support.py) --------------------------------------

@pytest.fixture(scope="module")
def formula():
    """The offline formula rewriter, the LLM's fallback."""
    from agent.rewriter import FormulaRewriter

    return FormulaRewriter()


@pytest.fixture
def chat_server():
    """A scripted chat-completions endpoint on 127.0.0.1."""
    from llm_support import ChatServer

    chat = ChatServer()
    yield chat
    chat.close()
