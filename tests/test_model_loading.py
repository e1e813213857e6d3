"""One model load at a time in a process (model_loading.py): two loads on two threads at
once broke each other ("cannot import name 'T5EncoderModel'", modules on the meta device),
so the engines and the music selector each wait while another load holds the lock."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from model_loading import loading_model
from music.select import Embedder
from video.engines.tiny import TinyEngine
from video.types import GenerationRequest

ROOT = Path(__file__).resolve().parents[1]


def _request(engine: TinyEngine) -> GenerationRequest:
    defaults = engine.defaults("t2v")
    return GenerationRequest(prompt="a paper boat on a pond", negative_prompt="", image=None,
                             frames=defaults.frames, fps=defaults.fps, width=defaults.width,
                             height=defaults.height, steps=1, guidance=6.0, seed=1,
                             model=defaults.model)


def _waits_for_the_lock(load, is_loaded, caplog, what: str) -> None:
    """`load` on another thread waits while this thread holds the lock (the wait is logged
    under the load's name), and finishes once it is let go."""
    failures: list[BaseException] = []

    def run():
        try:
            load()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    with caplog.at_level(logging.INFO, logger="model_loading"):
        with loading_model("the test"):
            thread = threading.Thread(target=run, daemon=True)
            thread.start()
            thread.join(timeout=1.0)
            assert not is_loaded(), "the load did not wait for the lock"
        thread.join(timeout=240)
    assert not thread.is_alive() and not failures, failures
    assert is_loaded()
    assert any(r.getMessage().startswith(f"{what} waited") for r in caplog.records), \
        [r.getMessage() for r in caplog.records]


def test_the_music_selectors_model_waits_for_another_load(caplog):
    import torch  # noqa: F401 - imported first, so the load reaches the lock within the second
    from transformers import AutoModel, AutoTokenizer  # noqa: F401

    embedder = Embedder()
    _waits_for_the_lock(lambda: embedder.embed(["a quiet morning"]), lambda: embedder.loaded,
                        caplog, "the music selector's sentence model")


def test_an_engine_waits_for_another_load_and_then_renders(engine_settings, caplog):
    engine = TinyEngine(engine_settings)  # a new instance: its pipeline is not loaded yet
    clips = []
    _waits_for_the_lock(lambda: clips.append(engine.generate(_request(engine))),
                        lambda: bool(clips), caplog, engine.defaults("t2v").model)
    assert clips[0].frames.ndim == 4


def test_the_lock_is_reentrant_on_one_thread():
    """The tiny engine builds its model inside its own load: the same thread may nest."""
    done = threading.Event()

    def nested():
        with loading_model("outer"), loading_model("inner"):
            done.set()

    thread = threading.Thread(target=nested, daemon=True)  # a plain lock would hang it
    thread.start()
    thread.join(timeout=5)
    assert done.is_set(), "a load inside a load waited for itself"


RACE = textwrap.dedent("""
    import sys, threading
    from pathlib import Path
    from music.select import Embedder
    from video.engines.base import EngineSettings
    from video.engines.tiny import TinyEngine
    from video.types import GenerationRequest

    engine = TinyEngine(EngineSettings(cache_dir=Path(sys.argv[1])))
    d = engine.defaults("t2v")
    request = GenerationRequest(prompt="a cat", negative_prompt="", image=None,
                                frames=d.frames, fps=d.fps, width=d.width, height=d.height,
                                steps=2, guidance=6.0, seed=1, model=d.model)
    errors = []

    def music():
        try:
            Embedder().embed(["a quiet morning"])
        except Exception as exc:
            errors.append(f"music: {exc!r}")

    thread = threading.Thread(target=music)
    thread.start()  # its imports start just ahead of the engine's: the timing that broke
    try:
        clip = engine.generate(request)
        assert clip.frames.std() > 0, "a blank clip"
    except Exception as exc:
        errors.append(f"engine: {exc!r}")
    thread.join()
    print("ERRORS", errors)
    sys.exit(1 if errors else 0)
""")


@pytest.mark.slow  # three fresh processes import torch, transformers and diffusers (~20 s)
def test_an_engine_and_the_music_model_loading_at_once_in_fresh_processes(tmp_path):
    """The case that broke: both loads start together, first imports and the tiny model's
    build included. Before the lock, 2 of 6 such processes failed with "cannot import name
    'T5EncoderModel'"; three runs catch that most of the time."""
    for run in range(3):
        done = subprocess.run([sys.executable, "-c", RACE, str(tmp_path / f"cache{run}")],
                              cwd=ROOT, capture_output=True, text=True, timeout=600,
                              env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1",
                                   "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
