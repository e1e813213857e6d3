"""Colour grades: shape and type kept, each look really changes the clip, B&W is grey,
letterbox bars are black, grain and textures are seeded and do not boil."""

from __future__ import annotations

import numpy as np
import pytest

from styles.filters_tone import letterbox_rows
from styles.grades import FILTERS, ClipGrade, GradeStep, check_step, param_specs
from styles.presets import StyleLibrary
from styles.textures import grain_blend, grain_keyframe, paper_texture

LIBRARY = StyleLibrary.load()


def sample_clip(frames: int = 6, height: int = 48, width: int = 72, seed: int = 0) -> np.ndarray:
    """A colourful, moving test clip: gradients, a bright disc and some texture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    clip = np.empty((frames, height, width, 3), np.uint8)
    for t in range(frames):
        disc = ((x - 20 - 3 * t) ** 2 + (y - height / 2) ** 2) < (height / 4) ** 2
        r = 40 + 180 * x / width
        g = 30 + 160 * y / height
        b = 200 - 150 * x / width + 40 * disc
        image = np.stack([r, g, b], -1) + rng.normal(0, 6, (height, width, 3))
        image[disc] = [250, 220, 120]
        clip[t] = np.clip(image, 0, 255).astype(np.uint8)
    return clip


@pytest.mark.parametrize("style_id", LIBRARY.ids())
def test_every_style_keeps_shape_and_type_and_changes_the_picture(style_id):
    clip = sample_clip()
    graded = LIBRARY.grade_for(style_id)(clip)
    assert graded.shape == clip.shape and graded.dtype == np.uint8
    # Documentary is meant to be subtle; every look still moves pixels well past rounding.
    difference = np.abs(graded.astype(np.int16) - clip).mean()
    assert difference > 1.5, f"{style_id} barely changes the clip ({difference:.2f} levels)"
    assert np.array_equal(clip, sample_clip())  # the input is left alone


@pytest.mark.parametrize("style_id", LIBRARY.ids())
def test_every_style_is_deterministic_and_threading_does_not_change_it(style_id):
    clip = sample_clip(frames=7)
    grade = LIBRARY.grade_for(style_id)
    single = ClipGrade(grade.steps, grade.seed, workers=1)
    assert np.array_equal(grade(clip), grade(clip))
    assert np.array_equal(grade(clip), single(clip))


@pytest.mark.parametrize("style_id", LIBRARY.ids())
def test_every_style_streamed_block_by_block_is_the_whole_clip_graded(style_id):
    """Post-production grades the clip as it is interpolated, in blocks of any size: the
    frames must come out exactly as grading the whole clip would make them."""
    clip = sample_clip(frames=11)
    grade = LIBRARY.grade_for(style_id)
    cuts = [0, 1, 3, 4, 8, 11]  # blocks of 1, 2, 1, 4 and 3 frames
    blocks = (clip[a:b] for a, b in zip(cuts, cuts[1:]))
    streamed = list(grade.stream(blocks))
    assert [len(b) for b in streamed] == [1, 2, 1, 4, 3]
    assert np.array_equal(np.concatenate(streamed), grade(clip))
    assert list(grade.stream(iter([]))) == []


def test_a_streamed_grade_refuses_a_block_that_is_not_frames():
    grade = LIBRARY.grade_for(LIBRARY.ids()[0])
    with pytest.raises(ValueError, match="uint8"):
        list(grade.stream([sample_clip(frames=2), sample_clip(frames=2).astype(np.float32)]))


@pytest.mark.parametrize("size", [(9, 96, 64), (3, 37, 53), (1, 480, 720)])
def test_every_style_works_at_any_frame_size(size):
    frames, height, width = size
    clip = sample_clip(frames, height, width)
    for style_id in LIBRARY.ids():
        assert LIBRARY.grade_for(style_id)(clip).shape == clip.shape


def grain_field(seed: int, frame_index: int, height: int, width: int, *,
                size: float = 0.8, hold: int = 6) -> np.ndarray:
    """The grain (float32 H×W, unit std) on one frame: same seed and index, same grain."""
    key, w0, w1 = grain_blend(frame_index, hold)
    field = grain_keyframe(seed, key, height, width, size) * np.float32(w0)
    if w1:
        field += grain_keyframe(seed, key + 1, height, width, size) * np.float32(w1)
    return field


def test_black_and_white_is_grey_grain_included():
    graded = LIBRARY.grade_for("black-and-white")(sample_clip())
    assert np.array_equal(graded[..., 0], graded[..., 1])
    assert np.array_equal(graded[..., 1], graded[..., 2])
    assert graded.std() > 20  # not a flat grey either


def test_ink_wash_is_desaturated_ink_on_warm_paper():
    graded = LIBRARY.grade_for("ink-wash")(sample_clip()).astype(np.int16)
    chroma = graded.max(-1) - graded.min(-1)
    assert chroma.mean() < 20  # ink, not colour
    brightest = graded.reshape(-1, 3)[graded.sum(-1).argmax()]
    assert brightest[0] > brightest[2]  # the paper is warm


def test_cinematic_letterbox_rows_are_black_and_the_picture_is_not():
    clip = sample_clip(4, 120, 180)
    graded = LIBRARY.grade_for("cinematic")(clip)
    bar = letterbox_rows(120, 180, 2.39)
    assert bar == 22  # (120 − 180/2.39) / 2 ≈ 22.3 → 22, an even number of rows
    assert letterbox_rows(480, 720, 2.39) == 90  # CogVideoX: 89.3 → 90
    assert not graded[:, :bar].any() and not graded[:, -bar:].any()
    assert graded[:, bar:-bar].mean() > 40
    assert letterbox_rows(100, 300, 2.39) == 0  # already wider: no bars


def test_grain_is_the_same_for_the_same_seed_and_frame_index():
    one = grain_field(7, frame_index=5, height=40, width=60)
    assert np.array_equal(one, grain_field(7, frame_index=5, height=40, width=60))
    assert not np.array_equal(one, grain_field(8, frame_index=5, height=40, width=60))
    assert abs(float(one.std()) - 1.0) < 0.1


def test_grain_drifts_between_frames_instead_of_boiling():
    """Neighbouring frames share most of their grain; frames far apart do not."""
    frames = [grain_field(3, i, 64, 96, hold=6) for i in range(13)]
    def correlation(a, b):
        return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    assert correlation(frames[0], frames[1]) > 0.9
    assert correlation(frames[0], frames[12]) < 0.1
    assert all(abs(float(f.std()) - 1.0) < 0.1 for f in frames)  # no pulsing mid-crossfade


def test_a_frame_is_graded_the_same_wherever_the_clip_is_cut():
    """Grain depends on the frame's index in the clip, not on how it is split into blocks."""
    clip = sample_clip(frames=9)
    grade = ClipGrade((GradeStep("grain", {"amount": 0.1}),), seed=11)
    whole = grade(clip)
    assert np.array_equal(whole[:5], grade(clip[:5]))
    assert not np.array_equal(whole[0], whole[8])  # a still picture still has live grain


def test_paper_and_canvas_stay_put_from_frame_to_frame():
    still = np.repeat(sample_clip(frames=1), 8, axis=0)
    for filter_name in ("paper", "canvas", "pigment"):
        graded = ClipGrade((GradeStep(filter_name, {}),), seed=2)(still)
        assert all(np.array_equal(graded[0], frame) for frame in graded[1:]), filter_name
    assert np.array_equal(paper_texture(4, 30, 40), paper_texture(4, 30, 40))


def test_every_filter_runs_with_its_defaults_and_declares_checked_parameters():
    clip = sample_clip(frames=3)
    for name in FILTERS:
        assert check_step(GradeStep(name, {})) is None
        out = ClipGrade((GradeStep(name, {}),), seed=1)(clip)
        assert out.shape == clip.shape and out.dtype == np.uint8
        for spec in param_specs(name).values():
            assert spec.kind in (int, float, str, bool), (name, spec)


def test_a_grade_refuses_what_is_not_a_clip():
    grade = LIBRARY.grade_for("anime")
    with pytest.raises(ValueError, match="uint8"):
        grade(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="T×H×W×3"):
        grade(np.zeros((8, 8, 3), np.uint8))
    assert grade(np.zeros((0, 8, 8, 3), np.uint8)).shape == (0, 8, 8, 3)
    with pytest.raises(ValueError, match="unknown filter"):
        ClipGrade((GradeStep("blur-everything", {}),), seed=1)
