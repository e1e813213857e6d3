"""The motion engine: camera moves you can measure, no black edges, determinism, effects."""

import functools

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

from errors import GenerationCancelled, InputError
from video.engines import choose_engine, create_engine, cuda_available
from video.engines.motion import MotionEngine
from video.types import GenerationRequest

WIDTH, HEIGHT, FRAMES = 320, 208, 25  # the style gallery's preview size


def photo(width: int = WIDTH, height: int = HEIGHT) -> Image.Image:
    """A bluish-grey textured scene, never darker than 60, with a striped yellow disc."""
    rng = np.random.default_rng(5)
    blobs = cv2.resize(rng.uniform(0, 1, (height // 12, width // 12)).astype(np.float32),
                       (width, height), interpolation=cv2.INTER_CUBIC)[..., None]
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    base = (70 + 90 * np.clip(blobs, 0, 1) + 40 * y) * np.array([0.9, 1.0, 1.1], np.float32)
    image = Image.fromarray(np.clip(base, 60, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    cx, cy, r = width // 2, height // 2, height // 6
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, 215, 40))
    for k in range(-r, r, 7):
        draw.line((cx + k, cy - r + 4, cx + k + 3, cy + r - 4), fill=(200, 60, 30), width=2)
    return image


@pytest.fixture(scope="module")
def engine():
    return MotionEngine()


def render(engine, prompt: str, seed: int = 1, **changes) -> np.ndarray:
    """The frames for a prompt; renders are reused within the test run (read-only)."""
    return _render(engine, prompt, seed, tuple(sorted(changes.items())))


@functools.lru_cache(maxsize=64)
def _render(engine, prompt: str, seed: int, changes: tuple) -> np.ndarray:
    request = dict(prompt=prompt, image=photo(), frames=FRAMES, width=WIDTH, height=HEIGHT,
                   fps=8, seed=seed)
    frames = engine.generate(GenerationRequest(**{**request, **dict(changes)})).frames
    frames.setflags(write=False)
    return frames


def grey(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)


def shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """How far the picture moved from a to b, (dx, dy) in pixels (+x right, +y down)."""
    (dx, dy), _ = cv2.phaseCorrelate(grey(a), grey(b))
    return dx, dy


def disc(frame: np.ndarray) -> np.ndarray:
    """Where the disc is: warm pixels (yellow or its red stripes); the scene is never warm."""
    r, b = frame[..., 0].astype(int), frame[..., 2].astype(int)
    return (r > 170) & (b < 120)


def subject_area(frame: np.ndarray) -> int:
    return int(disc(frame).sum())


# --- camera moves ----------------------------------------------------------------------------

@pytest.mark.parametrize("prompt", ["slow push in on the flower", "镜头缓慢推近"])
def test_push_in_grows_the_centre_frame_after_frame(engine, prompt):
    frames = render(engine, prompt)
    areas = [subject_area(f) for f in frames]
    assert areas[-1] > areas[0] * 1.08
    assert all(b >= a - 3 for a, b in zip(areas, areas[1:]))  # never shrinks on the way


def test_pull_out_shrinks_it(engine):
    areas = [subject_area(f) for f in render(engine, "pull out to reveal the valley")]
    assert areas[-1] < areas[0] / 1.08


@pytest.mark.parametrize("prompt, sign", [("pan left across the hills", 1),
                                          ("镜头左移", 1),
                                          ("pan right", -1)])
def test_pans_slide_the_picture_the_opposite_way(engine, prompt, sign):
    frames = render(engine, prompt)
    dx, dy = shift(frames[0], frames[-1])
    assert sign * dx > 0.04 * WIDTH and abs(dy) < abs(dx) / 3


@pytest.mark.parametrize("prompt, sign", [("tilt up to the sky", 1), ("tilt down", -1)])
def test_tilts_slide_the_picture_vertically(engine, prompt, sign):
    frames = render(engine, prompt)
    dx, dy = shift(frames[0], frames[-1])
    assert sign * dy > 0.03 * HEIGHT and abs(dx) < abs(dy) / 3


def test_moves_ease_in_and_out(engine):
    frames = render(engine, "pan left")
    steps = [shift(a, b)[0] for a, b in zip(frames, frames[1:])]
    middle = max(steps[len(steps) // 3: 2 * len(steps) // 3])
    assert steps[0] < middle / 2 and steps[-1] < middle / 2
    assert all(s > -0.2 for s in steps)  # one direction, no jitter


def disc_centre_x(frame: np.ndarray) -> float:
    return float(np.nonzero(disc(frame))[1].mean())


def test_parallax_moves_the_subject_more_than_the_background(engine):
    frames = render(engine, "pan left")
    band = slice(0, HEIGHT // 5)  # the top band holds background only
    background_moved = shift(frames[0][band], frames[-1][band])[0]
    subject_moved = disc_centre_x(frames[-1]) - disc_centre_x(frames[0])
    assert subject_moved > background_moved * 1.3 > 0


def test_static_keeps_the_photo_pixel_exact(engine):
    frames = render(engine, "static shot, locked-off")
    assert all(np.array_equal(f, np.asarray(photo())) for f in frames)


@pytest.mark.parametrize("prompt", ["slow push in", "pull out", "pan left", "pan right",
                                    "tilt up", "tilt down", "orbit around the subject",
                                    "handheld", "fast pan left, handheld", "环绕拍摄"])
def test_no_black_edges_in_any_frame(engine, prompt):
    frames = render(engine, prompt)
    brightness = frames.max(axis=-1)  # a black pixel is dark in every channel
    edges = np.concatenate([brightness[:, :2].ravel(), brightness[:, -2:].ravel(),
                            brightness[:, :, :2].ravel(), brightness[:, :, -2:].ravel()])
    assert edges.min() >= 45  # nothing in the photo is darker than 60
    assert brightness.min() >= 45


def test_handheld_drifts_smoothly(engine):
    frames = render(engine, "handheld, static subject", frames=33)
    positions = np.array([shift(frames[0], f) for f in frames])
    jumps = np.linalg.norm(np.diff(positions, axis=0), axis=1)
    assert np.ptp(positions[:, 0]) > 0.5 or np.ptp(positions[:, 1]) > 0.5  # it does move
    assert jumps.max() < 2.0  # but drifts, never jerks


# --- determinism ---------------------------------------------------------------------------

def test_same_seed_same_frames_other_seed_other_drift_and_rain(engine):
    prompt = "handheld, rain falling"
    first = render(engine, prompt, seed=11)
    again = engine.generate(GenerationRequest(prompt=prompt, image=photo(), frames=FRAMES,
                                              width=WIDTH, height=HEIGHT, seed=11)).frames
    other = render(engine, prompt, seed=12)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


# --- effects -------------------------------------------------------------------------------

def effect_layer(engine, prompt: str, seed: int = 1) -> np.ndarray:
    """What an effect adds to a locked-off shot: frames minus the plain photo (float)."""
    plain = render(engine, "static", seed=seed).astype(np.float32)
    return render(engine, f"static, {prompt}", seed=seed).astype(np.float32) - plain


@pytest.mark.parametrize("effect", ["rain", "snow", "petals falling", "fog", "fireflies",
                                    "light rays", "下雨", "樱花花瓣"])
def test_each_effect_shows_in_every_frame(engine, effect):
    changed = np.abs(effect_layer(engine, effect)).max(axis=-1) > 12
    assert changed.mean(axis=(1, 2)).min() > 0.0005


@pytest.mark.parametrize("effect", ["rain", "snow", "petals falling"])
def test_falling_things_fall_steadily_from_frame_to_frame(engine, effect):
    light = np.clip(effect_layer(engine, effect), 0, None).max(axis=-1)  # what was added
    falls = [cv2.phaseCorrelate(light[i], light[i + 1])[0][1] for i in range(len(light) - 1)]
    assert min(falls) > 1.0  # every frame moves it down: continuous, not re-drawn at random
    assert max(falls) < 3 * np.median(falls)


@pytest.mark.parametrize("effect", ["fog", "light rays", "fireflies"])
def test_veils_and_glows_drift_slowly(engine, effect):
    layer = effect_layer(engine, effect)
    steps = np.abs(np.diff(layer, axis=0)).mean()
    unrelated = np.abs(layer - effect_layer(engine, effect, seed=2)).mean()
    assert 0 < steps < unrelated / 2


def test_words_that_only_look_like_effects_add_nothing(engine):
    plain = render(engine, "static")
    assert np.array_equal(render(engine, "static, a rainbow over snow-capped peaks"), plain)
    assert np.array_equal(render(engine, "static, no rain"), plain)


# --- the engine's contract -------------------------------------------------------------------

def test_text_to_video_is_refused_clearly(engine):
    with pytest.raises(InputError, match="animates a photo"):
        engine.generate(GenerationRequest(prompt="a cheetah", frames=9))
    with pytest.raises(InputError, match="animates a photo"):
        engine.defaults("t2v")
    assert engine.capabilities == frozenset({"i2v"})


def test_defaults_are_a_cogvideox_sized_clip(engine):
    d = engine.defaults("i2v")
    assert (d.width, d.height, d.frames, d.fps) == (720, 480, 49, 8)
    with pytest.raises(InputError, match="no models"):
        engine.defaults("i2v", "cogvideox-5b-i2v")


def test_default_render_is_720_by_480_49_frames_from_any_photo(engine):
    clip = engine.generate(GenerationRequest(prompt="", image=photo(1000, 1400), seed=3))
    assert clip.frames.shape == (49, 480, 720, 3) and clip.fps == 8
    assert clip.engine == "motion" and not clip.test_pattern
    assert set(clip.timings) == {"analyse", "render"}


@pytest.mark.parametrize("changes, message", [
    (dict(width=321), "even"), (dict(height=32), "from 64"), (dict(frames=1), "frames"),
    (dict(fps=0), "fps"), (dict(seed=-1), "seed")])
def test_requests_it_cannot_render_are_refused(engine, changes, message):
    with pytest.raises(InputError, match=message):
        render(engine, "push in", **changes)


def test_on_step_counts_frames_and_cancels_promptly(engine):
    seen = []
    engine.generate(GenerationRequest(prompt="push in", image=photo(), frames=9, width=WIDTH,
                                      height=HEIGHT), on_step=lambda i, n: seen.append((i, n)))
    assert seen == [(i, 9) for i in range(1, 10)]

    calls = []

    def stop_at_third(i, n):
        calls.append(i)
        if i == 3:
            raise GenerationCancelled("stop")

    with pytest.raises(GenerationCancelled):
        engine.generate(GenerationRequest(prompt="push in", image=photo(), frames=25,
                                          width=WIDTH, height=HEIGHT), on_step=stop_at_third)
    assert calls == [1, 2, 3]


@pytest.mark.skipif(cuda_available(), reason="with a GPU, auto picks cogvideox")
def test_auto_picks_motion_for_a_photo_on_a_cpu(engine_settings):
    assert choose_engine("auto", "i2v", engine_settings) == "motion"
    assert create_engine("motion", engine_settings).name == "motion"
