"""The director benches: post-production through the app's wiring, overhead on the tiny engine."""

import numpy as np
import pytest

from bench.director import ReplayEngine, director_overhead, post_production_seconds


@pytest.fixture
def app_env(monkeypatch, shared_cache, tmp_path):
    monkeypatch.setenv("CLIPWRIGHT_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("CLIPWRIGHT_DATA_DIR", str(tmp_path / "data"))


def test_replay_engine_hands_back_its_frames_at_their_size():
    frames = np.random.default_rng(0).integers(0, 256, (5, 32, 48, 3), dtype=np.uint8)
    engine = ReplayEngine(frames, fps=8)
    defaults = engine.defaults("t2v")
    assert (defaults.width, defaults.height, defaults.frames, defaults.fps) == (48, 32, 5, 8)
    clip = engine.generate(None)
    assert np.array_equal(clip.frames, frames) and clip.frames is not frames


def test_post_production_runs_what_the_app_wires_after_the_engine(app_env):
    frames = np.random.default_rng(1).integers(0, 256, (9, 64, 96, 3), dtype=np.uint8)
    seconds, note = post_production_seconds(frames, fps=8, repeats=1)
    assert seconds > 0
    assert "encode" in note and "interpolate" in note
    assert "grade '" in note  # the app wires the style library: a real grade ran


def test_director_overhead_is_measured_against_a_bare_call_on_the_same_pipeline(app_env):
    row = director_overhead(repeats=1)
    assert row.median_s > 0 and row.target_s > 0
    assert "bare diffusers" in row.note and "%" in row.note
