"""A style reaches the generator: template, negative prompt, guidance and LoRA in the
engine's request, and a LoRA on the tiny CogVideoX that changes the output and goes away."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.director import Director, RenderOptions, Styling
from agent.shot import ShotSpec
from errors import InputError
from styles.presets import StyleLibrary
from video.engines.pool import EnginePool
from video.types import GenerationRequest, LoraSpec

LIBRARY = StyleLibrary.load()
SPEC = ShotSpec(idea="a cheetah", camera="slow dolly in,", scene="a cheetah lying in the grass",
                seed=5)


@pytest.fixture(scope="module")
def director(engine_settings) -> Director:
    return Director(EnginePool(engine_settings), styles=LIBRARY)


def test_a_style_change_reaches_the_engine_request(director, tiny_engine):
    plain = Director.build_request(tiny_engine, SPEC, director.style(SPEC), RenderOptions())
    assert plain.prompt == SPEC.prompt and plain.negative_prompt == "" and plain.lora is None

    for style_id in ("cinematic", "ink-wash"):
        preset = LIBRARY.get(style_id)
        styling = director.style(SPEC.with_changes(style=style_id))
        request = Director.build_request(tiny_engine, SPEC, styling, RenderOptions())
        before, after = preset.prompt_template.split("{prompt}")
        assert request.prompt.startswith(before) and request.prompt.endswith(after)
        assert SPEC.prompt in request.prompt
        assert request.negative_prompt == preset.negative_prompt
        assert request.guidance == preset.guidance
        assert styling.music_moods == preset.music_moods and styling.grade is not None
    # The caller's own guidance still wins over the style's.
    styling = director.style(SPEC.with_changes(style="cinematic"))
    assert Director.build_request(tiny_engine, SPEC, styling,
                                  RenderOptions(guidance=3.0)).guidance == 3.0


def test_no_style_keeps_the_prompt_and_an_unknown_one_is_refused(director):
    assert director.style(SPEC) == Styling(prompt=SPEC.prompt)
    assert Director(director.engines).style(SPEC.with_changes(style="anime")).prompt == SPEC.prompt
    with pytest.raises(InputError, match="unknown style 'sepia'.*known styles: cinematic"):
        director.style(SPEC.with_changes(style="sepia"))


def test_a_lora_reaches_only_the_models_it_was_trained_on(tmp_path, tiny_engine):
    text = LIBRARY.root.joinpath("presets.toml").read_text("utf-8")
    marker = 'sample_photo = "rocket"\n'  # the end of the cinematic entry's keys
    lora = ('\n[style.lora]\nsource = "owner/film-look"\nweight_name = "look.safetensors"\n'
            'scale = 0.7\nbase_models = ["cogvideox-5b"]\n')
    (tmp_path / "presets.toml").write_text(text.replace(marker, marker + lora, 1), "utf-8")
    library = StyleLibrary.load(tmp_path / "presets.toml")
    styling = Director(None, styles=library).style(SPEC.with_changes(style="cinematic"))
    expected = LoraSpec(source="owner/film-look", weight_name="look.safetensors", scale=0.7)
    assert styling.lora == expected and styling.lora_for("cogvideox-5b") == expected
    # The tiny model is not what the LoRA was trained on: the request goes without it.
    request = Director.build_request(tiny_engine, SPEC, styling, RenderOptions())
    assert request.lora is None and request.negative_prompt == styling.negative_prompt


def test_a_styled_render_is_graded_with_the_style(director, tmp_path):
    from video.ffmpeg import probe

    result = director.render(SPEC.with_changes(style="cinematic", music="none"),
                             tmp_path / "styled.mp4", RenderOptions(engine="tiny", steps=1))
    assert result.prompt.startswith("A cinematic film scene.")
    assert result.negative_prompt == LIBRARY.get("cinematic").negative_prompt
    from PIL import Image

    poster = np.asarray(Image.open(result.video.poster).convert("L"))
    height = poster.shape[0]
    # 2.39:1 bars on a 3:2 frame take the top and bottom ~18.6 % (JPEG leaves a little noise).
    assert poster[: int(height * 0.15)].max() < 20 and poster[-int(height * 0.15):].max() < 20
    assert poster[int(height * 0.3):int(height * 0.7)].std() > 5
    assert probe(result.video.mp4).first("video").codec == "h264"


# --- the LoRA on the tiny engine ---------------------------------------------------------------

def make_lora(folder: Path, model_dir: Path, seed: int, heads: int | None = None) -> Path:
    """A small LoRA for the tiny CogVideoX transformer: random, non-zero, saved the way
    diffusers saves trained ones. `heads` other than the model's makes one that cannot fit."""
    import torch
    from diffusers import CogVideoXPipeline, CogVideoXTransformer3DModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(seed)
    if heads is None:
        transformer = CogVideoXTransformer3DModel.from_pretrained(model_dir, subfolder="transformer")
    else:
        config = dict(CogVideoXTransformer3DModel.load_config(model_dir, subfolder="transformer"))
        config["num_attention_heads"] = heads
        transformer = CogVideoXTransformer3DModel.from_config(config)
    transformer.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                       target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    CogVideoXPipeline.save_lora_weights(folder, transformer_lora_layers=get_peft_model_state_dict(
        transformer))
    return folder


def test_a_lora_changes_the_output_and_unloading_restores_it(tmp_path, tiny_engine,
                                                             engine_settings):
    from video.engines.tiny import tiny_model_dir

    model_dir = tiny_model_dir(engine_settings, tiny_engine.model_info("t2v"))
    first = make_lora(tmp_path / "first", model_dir, seed=1)
    second = make_lora(tmp_path / "second", model_dir, seed=2)
    wrong = make_lora(tmp_path / "wrong", model_dir, seed=3, heads=2)
    request = GenerationRequest(prompt="a cheetah lying in the grass", frames=9, width=96,
                                height=64, steps=2, seed=7)

    def render(lora: LoraSpec | None) -> np.ndarray:
        return tiny_engine.generate(GenerationRequest(**{**request.__dict__, "lora": lora})).frames

    try:
        base = render(None)
        styled = render(LoraSpec(source=str(first), weight_name="pytorch_lora_weights.safetensors"))
        assert not np.array_equal(styled, base)
        other = render(LoraSpec(source=str(second)))  # switching styles swaps the LoRA
        assert not np.array_equal(other, styled) and not np.array_equal(other, base)
        weaker = render(LoraSpec(source=str(first), scale=0.3))
        assert not np.array_equal(weaker, styled)
        assert np.array_equal(render(LoraSpec(source=str(first))), styled)
        assert np.array_equal(render(None), base)  # unloaded: the base model again

        # A LoRA made for another model is the user's mistake, and leaves nothing behind.
        with pytest.raises(InputError, match="do not fit this model"):
            render(LoraSpec(source=str(wrong)))
        with pytest.raises(InputError, match="cannot load LoRA"):
            render(LoraSpec(source=str(tmp_path / "missing"), weight_name="x.safetensors"))
        assert np.array_equal(render(None), base)
    finally:
        render(None)  # the engine is shared by this worker's other tests
