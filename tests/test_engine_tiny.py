"""The tiny engine: the real CogVideoX loading and sampling code on random weights."""

import json

import numpy as np
import pytest
from PIL import Image

from agent.rewriter import FormulaRewriter
from agent.shot import ShotSpec
from errors import GenerationCancelled, InputError
from video.engines.tiny import tiny_model_dir
from video.types import GenerationRequest

PROMPT = "a cheetah lying in the grass, body gently rising and falling"


def request(**changes) -> GenerationRequest:
    base = dict(prompt=PROMPT, frames=9, width=96, height=64, steps=2, seed=7)
    return GenerationRequest(**{**base, **changes})


def test_same_seed_same_frames_other_seed_other_frames(tiny_engine):
    first = tiny_engine.generate(request(seed=7))
    again = tiny_engine.generate(request(seed=7))
    other = tiny_engine.generate(request(seed=8))
    assert first.frames.shape == (9, 64, 96, 3) and first.frames.dtype == np.uint8
    assert np.array_equal(first.frames, again.frames)
    assert not np.array_equal(first.frames, other.frames)
    assert first.test_pattern and first.engine == "tiny" and first.model == "tiny"


def test_loader_goes_through_from_pretrained_on_a_saved_folder(tiny_engine, engine_settings):
    folder = tiny_model_dir(engine_settings, tiny_engine.model_info("t2v"))
    index = json.loads((folder / "model_index.json").read_text())
    assert index["_class_name"] == "CogVideoXPipeline"
    assert (folder / "transformer" / "diffusion_pytorch_model.safetensors").is_file()
    tiny_engine.generate(request())
    loaded = tiny_engine._pipeline(tiny_engine.model_info("t2v")).pipe
    # from_pretrained records the folder it read the weights from.
    assert loaded.config._name_or_path == str(folder)


def test_on_step_reports_every_step_and_cancels_promptly(tiny_engine):
    seen = []

    def cancel_after_first(i, n):
        seen.append((i, n))
        raise GenerationCancelled("user pressed stop")

    with pytest.raises(GenerationCancelled):
        tiny_engine.generate(request(steps=4), on_step=cancel_after_first)
    assert seen == [(1, 4)]

    steps = []
    tiny_engine.generate(request(steps=3), on_step=lambda i, n: steps.append((i, n)))
    assert steps == [(1, 3), (2, 3), (3, 3)]


def test_prompt_longer_than_the_encoder_reads_is_reported(tiny_engine):
    long_prompt = " ".join(["golden light over the river at sunset"] * 60)
    clip = tiny_engine.generate(request(prompt=long_prompt))
    assert clip.warnings and "226" in clip.warnings[0]
    assert tiny_engine.generate(request()).warnings == []
    # A whole formula prompt, most of its words outside the tiny vocabulary, fits too.
    formula = FormulaRewriter().rewrite(ShotSpec(idea="a cheetah lying in the grass", seed=1))
    assert len(formula.spec.prompt.split()) > 60 and not formula.warnings
    assert tiny_engine.generate(request(prompt=formula.spec.prompt)).warnings == []


@pytest.mark.parametrize("changes, message", [
    (dict(frames=10), r"4k\+1"),
    (dict(frames=53), "at most 49"),
    (dict(width=100), "multiple of 16"),
    (dict(height=4096), "multiple of 16"),
    (dict(steps=0), "steps"),
    (dict(guidance=50.0), "guidance"),
    (dict(prompt="   "), "empty"),
])
def test_requests_the_model_cannot_render_are_refused_clearly(tiny_engine, changes, message):
    with pytest.raises(InputError, match=message):
        tiny_engine.generate(request(**changes))


def test_image_to_video_twin_uses_the_i2v_pipeline(tiny_engine):
    photo = Image.fromarray(np.full((64, 96, 3), 200, np.uint8))
    clip = tiny_engine.generate(request(image=photo))
    assert clip.model == "tiny-i2v" and clip.frames.shape == (9, 64, 96, 3)
    with pytest.raises(InputError, match="i2v"):
        tiny_engine.generate(request(model="tiny-i2v"))  # an i2v model with no photo
