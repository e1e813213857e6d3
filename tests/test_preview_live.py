"""Live preview: the latent→RGB fit, the preview schedule, and previews from the tiny engine."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from errors import GenerationCancelled
from video.engines.preview import (LatentProjection, LivePreview, colour_fields, fit_projection,
                                   solve_projection)
from video.types import GenerationRequest


def request(**changes) -> GenerationRequest:
    base = dict(prompt="a cheetah lying in the grass", frames=9, width=96, height=64, steps=6,
                seed=11)
    return GenerationRequest(**{**base, **changes})


@pytest.fixture(scope="module")
def previewing_engine(engine_settings):
    from video.engines.tiny import TinyEngine

    return TinyEngine(replace(engine_settings, preview_every=2))


def test_solving_recovers_an_exact_linear_map():
    rng = np.random.default_rng(0)
    weights, bias = rng.normal(size=(16, 3)), rng.normal(size=3)
    latents = rng.normal(size=(500, 16))
    fitted = solve_projection(latents, latents @ weights + bias)
    assert np.allclose(fitted.weights, weights, atol=1e-4) and np.allclose(fitted.bias, bias, atol=1e-4)


def test_projection_turns_latents_into_uint8_frames_and_clips_the_range():
    identity = LatentProjection(weights=np.eye(4, 3, dtype=np.float32), bias=np.zeros(3, np.float32))
    latents = torch.zeros(2, 4, 3, 5)
    latents[:, 0] = 2.0  # red far above 1
    latents[:, 1] = 0.5
    latents[:, 2] = -1.0  # blue below 0
    frames = identity.to_rgb(latents)
    assert frames.shape == (2, 3, 5, 3) and frames.dtype == np.uint8
    assert tuple(frames[0, 0, 0]) == (255, 128, 0)


def test_colour_fields_are_smooth_images_in_range():
    fields = colour_fields(6, 32, seed=1)
    assert fields.shape == (6, 32, 32, 3) and 0 <= fields.min() and fields.max() <= 1
    assert fields.std() > 0.05  # varied colours, not one grey
    assert np.abs(np.diff(fields, axis=1)).mean() < 0.1  # smooth


def test_fit_on_the_tiny_vae_gives_one_rgb_row_per_latent_channel(tiny_engine):
    vae = tiny_engine._pipeline(tiny_engine.model_info("t2v")).pipe.vae
    projection = fit_projection(vae)
    channels = vae.config.latent_channels
    assert projection.weights.shape == (channels, 3) and projection.bias.shape == (3,)
    assert np.isfinite(projection.weights).all() and np.isfinite(projection.bias).all()


def test_previews_come_every_n_steps_but_not_on_the_last():
    seen = []
    live = LivePreview(LatentProjection(np.ones((4, 3), np.float32), np.zeros(3, np.float32)),
                       seen.append, steps=7, fps=2.0, every=3)
    for step in range(1, 8):
        live.on_step_end(step, torch.zeros(1, 3, 4, 8, 12))
    assert [p.step for p in seen] == [3, 6] and live.count == 2
    assert seen[0].frames.shape == (3, 8, 12, 3) and seen[0].steps == 7


def test_watching_records_the_schedulers_clean_estimate_and_restores_the_scheduler():
    from diffusers import CogVideoXDDIMScheduler

    scheduler = CogVideoXDDIMScheduler(prediction_type="v_prediction")
    scheduler.set_timesteps(4)
    sample, output = torch.randn(1, 2, 4, 3, 3), torch.randn(1, 2, 4, 3, 3)
    live = LivePreview(LatentProjection(np.zeros((4, 3), np.float32), np.zeros(3, np.float32)),
                       lambda preview: None, steps=4, fps=2.0)
    with live.watching(scheduler):
        _prev, clean = scheduler.step(output, scheduler.timesteps[0], sample, return_dict=False)
        assert live._denoised is clean
    assert "step" not in vars(scheduler) and live._denoised is None
    with pytest.raises(RuntimeError), live.watching(scheduler):
        raise RuntimeError("render failed")
    assert "step" not in vars(scheduler)


def test_the_engine_previews_without_changing_the_clip(previewing_engine):
    previews = []
    clip = previewing_engine.generate(request(), on_preview=previews.append)
    assert [p.step for p in previews] == [2, 4]
    first = previews[0]
    assert first.frames.dtype == np.uint8 and first.frames.shape == (3, 8, 12, 3)  # 1/4 frames, 1/8 size
    assert first.fps == 2.0 and first.steps == 6
    assert "preview" in clip.timings and clip.timings["preview"] < clip.timings["generate"]
    plain = previewing_engine.generate(request())
    assert np.array_equal(plain.frames, clip.frames) and "preview" not in plain.timings


def test_previews_follow_the_sampler_towards_the_finished_clip(previewing_engine):
    previews = []
    previewing_engine.generate(request(steps=8), on_preview=previews.append)
    assert [p.step for p in previews] == [2, 4, 6]
    assert not np.array_equal(previews[0].frames, previews[-1].frames)


def test_raising_from_on_preview_cancels_the_render(previewing_engine):
    steps = []

    def stop(preview):
        raise GenerationCancelled("stop")

    with pytest.raises(GenerationCancelled):
        previewing_engine.generate(request(), on_step=lambda i, n: steps.append(i), on_preview=stop)
    assert steps == [1, 2]
    scheduler = previewing_engine._pipeline(previewing_engine.model_info("t2v")).pipe.scheduler
    assert "step" not in vars(scheduler)


def test_the_director_passes_previews_through_to_an_engine_that_makes_them(engine_settings,
                                                                          tmp_path):
    from studio.director import Director, RenderOptions
    from agent.shot import ShotSpec
    from bench.director import OneEngine, ReplayEngine
    from video.engines.pool import EnginePool

    director = Director(EnginePool(replace(engine_settings, preview_every=1)))
    previews = []
    director.render(ShotSpec(idea="a lighthouse at night", seed=3), tmp_path / "a.mp4",
                    RenderOptions(engine="tiny", steps=3), on_preview=previews.append)
    assert [p.step for p in previews] == [1, 2]
    # An engine that cannot preview simply renders; the callback is never called.
    frames = np.zeros((9, 64, 96, 3), np.uint8)
    replaying = Director(OneEngine(ReplayEngine(frames, fps=8)))
    replaying.render(ShotSpec(idea="a lighthouse at night", seed=3), tmp_path / "b.mp4",
                     on_preview=previews.append)
    assert len(previews) == 2


def test_a_queued_render_shows_its_latest_preview_until_it_ends(engine_settings, tmp_path):
    """The job queue keeps the latest preview where the page polls for progress."""
    import time

    from studio.director import Director, RenderOptions
    from studio.jobs import JobQueue
    from agent.shot import ShotSpec
    from store.db import Database
    from video.engines.pool import EnginePool

    db = Database(tmp_path / "data" / "clipwright.db")
    queue = JobQueue(db, Director(EnginePool(replace(engine_settings, preview_every=2))),
                     tmp_path / "data")
    try:
        queue.start()
        job = queue.submit("owner", ShotSpec(idea="a lighthouse at night", seed=3, music="none"),
                           RenderOptions(engine="tiny", steps=12))
        seen = {}
        deadline = time.monotonic() + 240
        while not (current := queue.get(job.id, "owner")).finished:
            assert time.monotonic() < deadline, "the job did not end"
            progress = queue.progress(job.id)
            if progress.preview is not None:
                seen[progress.preview.step] = progress.preview
            time.sleep(0.02)
        assert current.status == "done", current.error
        assert seen, "no preview was seen while the job ran"
        assert set(seen) <= {2, 4, 6, 8, 10}
        first = next(iter(seen.values()))
        assert first.steps == 12 and first.frames.dtype == np.uint8
        assert queue.progress(job.id).preview is None  # gone with the job
    finally:
        queue.stop()
        db.close()


def test_the_preview_becomes_a_small_looping_webp_encoded_once_per_step():
    import base64
    import io

    from PIL import Image

    from ui.live_preview import MAX_SIDE, PreviewImages, preview_data_uri
    from video.engines.preview import Preview

    rng = np.random.default_rng(0)
    preview = Preview(step=5, steps=50, frames=rng.integers(0, 255, (13, 60, 90, 3), np.uint8),
                      fps=2.0)
    uri = preview_data_uri(preview)
    assert uri.startswith("data:image/webp;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.n_frames == 13 and image.size == (90, 60) and max(image.size) <= MAX_SIDE
    big = Preview(step=1, steps=2, frames=np.zeros((2, 480, 720, 3), np.uint8), fps=8)
    small = Image.open(io.BytesIO(base64.b64decode(preview_data_uri(big).split(",", 1)[1])))
    assert max(small.size) == MAX_SIDE
    images = PreviewImages()
    assert images.uri("job", None) == ""
    assert images.uri("job", preview) == uri and images.uri("job", preview) is images.uri("job",
                                                                                        preview)
    images.forget("job")
    assert images._latest == {}
