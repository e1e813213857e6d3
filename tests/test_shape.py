"""video/shape.py and the director: a ShotSpec's aspect and duration become the engine's
size and frames, and the finished video has that shape — on the real tiny and motion
engines, and through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from studio.director import Director, RenderOptions, Styling
from agent.shot import ShotSpec
from errors import InputError
from video.engines.base import EngineDefaults
from video.engines.pool import EnginePool
from video.ffmpeg import probe
from video.shape import (ASPECTS, check_shape, crop_to_ratio, framing, frames_for,
                         nearest_aspect, parse_aspect, plan_shape, reframe)
from video.types import Clip

COGVIDEOX = EngineDefaults(model="cogvideox-5b", width=720, height=480, frames=49, fps=8,
                           steps=50, guidance=6.0, max_frames=49)
ONE_SIZE = EngineDefaults(model="cogvideox-5b-i2v", width=720, height=480, frames=49, fps=8,
                          steps=50, guidance=6.0, max_frames=49, fixed_size=True)


# --- the arithmetic ------------------------------------------------------------------------

@pytest.mark.parametrize("aspect", ASPECTS)
def test_every_aspect_keeps_the_pixel_budget_on_the_grid(aspect):
    shape = framing(aspect, (720, 480), fixed_size=False)
    assert shape.width % 16 == 0 and shape.height % 16 == 0
    assert abs(shape.width * shape.height / (720 * 480) - 1) < 0.08  # the same cost
    wide, tall = map(int, aspect.split(":"))
    # What is rendered is within a few percent of the aspect; a crop makes it exact.
    assert abs(np.log(shape.width / shape.height) - np.log(wide / tall)) < 0.06
    assert shape.ratio == pytest.approx(wide / tall) if shape.cropped else True


def test_auto_is_the_native_frame_or_the_photo_s_nearest_aspect():
    assert framing("auto", (720, 480), fixed_size=False) == framing("3:2", (720, 480),
                                                                    fixed_size=False)
    portrait = framing("auto", (720, 480), fixed_size=False, photo=(3024, 4032))  # a phone's
    assert (portrait.width, portrait.height) == (512, 672) and portrait.height > portrait.width
    assert nearest_aspect(3024, 4032) == "3:4" and nearest_aspect(1080, 1920) == "9:16"
    assert nearest_aspect(4000, 1000) == "16:9" and nearest_aspect(500, 500) == "1:1"
    # A one-size model keeps its frame for "auto", even with a portrait photo.
    assert framing("auto", (720, 480), fixed_size=True, photo=(3024, 4032)).cropped is False


def test_a_one_size_model_renders_its_frame_and_the_aspect_is_cut_from_it():
    shape = plan_shape(ONE_SIZE, "9:16", None)
    assert (shape.framing.width, shape.framing.height) == (720, 480) and shape.framing.cropped
    assert "renders only 720×480" in shape.warnings[0] and "9:16" in shape.warnings[0]
    clip = Clip(frames=np.zeros((5, 480, 720, 3), np.uint8), fps=8, engine="x", model="m")
    cut = reframe(clip, shape)
    assert cut.size == (270, 480) and cut.frames.flags.c_contiguous
    assert reframe(clip, plan_shape(ONE_SIZE, "3:2", None)) is clip  # nothing to cut


def test_crop_keeps_the_middle_and_even_sides():
    frames = np.zeros((2, 100, 300, 3), np.uint8)
    frames[:, :, 140:160] = 255  # a bright bar in the middle
    square = crop_to_ratio(frames, 1.0)
    assert square.shape == (2, 100, 100, 3) and square[:, :, 40:60].min() == 255
    odd = crop_to_ratio(np.zeros((1, 480, 720, 3), np.uint8), 9 / 16)
    assert odd.shape[1] % 2 == 0 and odd.shape[2] % 2 == 0


def test_seconds_become_4k_plus_1_frames_within_the_model():
    assert frames_for(None, 8, 49, 49) == (49, None)  # the model's own length
    assert frames_for(6, 8, 49, 49) == (49, None)
    assert frames_for(2, 8, 49, 49) == (17, None)
    assert frames_for(0.1, 8, 49, 49) == (5, None)  # the shortest clip a DiT renders
    assert frames_for(10, 16, 81, 161) == (161, None)
    frames, warning = frames_for(10, 8, 49, 49)
    assert frames == 49 and "at most 6 s" in warning and "10 s" in warning


@pytest.mark.parametrize("aspect, seconds, message", [
    ("4:5", None, "aspect must be auto or one of 16:9"), ("", 0, "positive number"),
    ("16:9", -2, "positive"), ("16:9", float("nan"), "positive"),
    ("16:9", float("inf"), "positive")])
def test_a_bad_aspect_or_length_is_a_clear_input_error(aspect, seconds, message):
    with pytest.raises(InputError, match=message):
        check_shape(aspect, seconds)


def test_parse_aspect():
    assert parse_aspect("auto") is None and parse_aspect("") is None
    assert parse_aspect(" 9:16 ") == pytest.approx(0.5625)


# --- through the director, on real engines -------------------------------------------------

@pytest.fixture(scope="module")
def director(engine_settings):
    return Director(EnginePool(engine_settings))


@pytest.mark.parametrize("aspect, size", [("9:16", (124, 224)), ("1:1", (160, 160)),
                                          ("16:9", (224, 124))])
def test_the_finished_video_has_the_aspect_asked_for(director, tmp_path, aspect, size):
    spec = ShotSpec(idea="a lighthouse at dusk", aspect=aspect, duration=1.0, music="none",
                    seed=3)
    result = director.render(spec, tmp_path / "clip.mp4", RenderOptions(engine="tiny", steps=1))
    info = probe(result.video.mp4)
    video = info.first("video")
    assert (video.width, video.height) == size  # the tiny model's frame, cut if needed, 2×
    # 1 s at the model's 8 fps is 9 frames, interpolated to 16 fps: 17 frames.
    assert info.video_frames == 17 and result.spec.aspect == aspect


def test_a_length_longer_than_the_model_renders_is_cut_with_a_warning(director, tmp_path):
    spec = ShotSpec(idea="waves", duration=60.0, music="none", seed=1)
    request = Director.build_request(director.engines.get("tiny", "t2v"), spec,
                                     Styling(prompt="waves"), RenderOptions(engine="tiny"))
    assert request.frames == 49  # the tiny model's longest, as for CogVideoX 1.0
    shape = Director.shape(director.engines.get("tiny", "t2v"), spec, RenderOptions())
    assert any("at most 6 s" in w for w in shape.warnings)
    # An exact frame count (the CLI's --frames) wins over the duration.
    assert Director.build_request(director.engines.get("tiny", "t2v"), spec,
                                  Styling(prompt="waves"),
                                  RenderOptions(engine="tiny", frames=9)).frames == 9


def test_a_portrait_photo_makes_a_portrait_clip_on_the_motion_engine(director, tmp_path):
    photo = tmp_path / "portrait.jpg"
    Image.new("RGB", (600, 800), (90, 140, 200)).save(photo)
    spec = ShotSpec(idea="slow push in", source_image=photo, music="none", seed=2,
                    duration=1.0)
    result = director.render(spec, tmp_path / "moving.mp4",
                             RenderOptions(engine="motion", upscale=1))
    video = probe(result.video.mp4).first("video")
    assert video.height > video.width and abs(video.width / video.height - 0.75) < 0.01


def test_cli_generate_takes_aspect_and_duration(run_cli, tmp_path):
    out = tmp_path / "tall.mp4"
    done = run_cli("generate", "a paper boat", "--engine", "tiny", "--steps", "1",
                   "--aspect", "9:16", "--duration", "1", "--music", "none", "--seed", "4",
                   "--out", str(out), "--json")
    assert done.returncode == 0, done.stderr
    info = probe(out)
    video = info.first("video")
    assert (video.width, video.height) == (124, 224) and info.video_frames == 17
    assert json.loads(done.stdout)["path"] == str(out)
    refused = run_cli("generate", "a paper boat", "--engine", "tiny", "--duration", "-1")
    assert refused.returncode == 2 and "positive number of seconds" in refused.stderr
