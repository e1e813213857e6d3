"""The tiny engine stretched to the real model's size, so post-production does a user's work."""

import numpy as np
import pytest

from video.engines.tiny import TinyEngine, stretch
from video.types import GenerationRequest


@pytest.fixture(scope="module")
def real_size_engine(engine_settings):
    return TinyEngine(engine_settings, real_size=True)


def test_a_real_size_clip_is_49_frames_of_720x480_and_still_a_test_pattern(real_size_engine):
    request = GenerationRequest(prompt="a cheetah lying in the grass", frames=9, width=96,
                                height=64, steps=2, seed=7)
    clip = real_size_engine.generate(request)
    assert clip.frames.shape == (49, 480, 720, 3) and clip.frames.dtype == np.uint8
    assert clip.test_pattern and clip.engine == "tiny" and clip.model == "tiny"
    assert clip.fps == 8 and "stretch" in clip.timings
    assert real_size_engine.real_model("t2v").id == "cogvideox-5b"


def test_stretch_keeps_the_ends_and_blends_between_them():
    frames = np.stack([np.full((4, 6, 3), 0, np.uint8), np.full((4, 6, 3), 200, np.uint8)])
    out = stretch(frames, 5, 12, 8)
    assert out.shape == (5, 8, 12, 3)
    assert [int(f.mean()) for f in out] == [0, 50, 100, 150, 200]
