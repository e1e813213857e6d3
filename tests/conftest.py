"""Shared fixtures: a tiny-model cache shared by parallel workers, and the CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

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


@pytest.fixture
def run_cli(shared_cache, tmp_path):
    """Run `python app.py ARGS` in a subprocess with isolated data and shared cache."""

    def run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess:
        env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(shared_cache),
                   CLIPWRIGHT_DATA_DIR=str(tmp_path / "data"), HF_HUB_OFFLINE="1")
        return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=timeout)

    return run


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can act on a failure (screenshots)."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
