"""Every fast-path flag that runs on a CPU, on real diffusers pipelines with tiny weights.

The tiny engine's pipeline has one transformer block; the first-block cache needs two, so
those tests use the GPU benchmark's tiny spec (two blocks), built the same way.
"""

import importlib.util
import logging

import numpy as np
import pytest
import torch
from diffusers.models.attention_processor import CogVideoXAttnProcessor2_0

from bench.pipelines import build_pipeline, load_specs
from bench.quality import psnr
from errors import GenerationCancelled
from video.engines.speed import (Machine, SpeedOptions, SpeedupUnavailable, apply_preset,
                                 apply_speedups)

CPU = Machine.detect("cpu")


def tiny_engine_pipe(engine_settings):
    """A fresh copy of the tiny engine's pipeline (one block), loaded from its folder."""
    from diffusers import CogVideoXPipeline

    from video.engines.tiny import TinyEngine, tiny_model_dir

    info = TinyEngine(engine_settings).model_info("t2v")
    pipe = CogVideoXPipeline.from_pretrained(str(tiny_model_dir(engine_settings, info)))
    pipe.set_progress_bar_config(disable=True)
    return pipe


def two_block_pipe():
    specs, _ = load_specs()
    return build_pipeline(specs["tiny"], "cpu")


def render(pipe, applied=None, steps=4, callback=None) -> np.ndarray:
    """uint8 frames of one render, as the engine calls the pipeline."""
    applied = applied or apply_speedups(pipe, SpeedOptions(), CPU)
    with torch.inference_mode(), applied.around_call(pipe):
        frames = pipe(prompt="a cheetah lying in the grass", height=64, width=96, num_frames=9,
                      num_inference_steps=steps, guidance_scale=6.0, output_type="np",
                      generator=torch.Generator("cpu").manual_seed(3),
                      callback_on_step_end=callback).frames[0]
    return np.clip(np.rint(frames * 255), 0, 255).astype(np.uint8)


class CountingProcessor(CogVideoXAttnProcessor2_0):
    """CogVideoX's own attention, counting how often it really computes."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return super().__call__(*args, **kwargs)


def count_attention(pipe) -> list[CountingProcessor]:
    processors = [CountingProcessor() for _ in pipe.transformer.transformer_blocks]
    for block, processor in zip(pipe.transformer.transformer_blocks, processors):
        block.attn1.set_processor(processor)
    return processors


def test_fused_qkv_projections_give_the_same_frames(engine_settings):
    pipe = tiny_engine_pipe(engine_settings)
    baseline = render(pipe)
    applied = apply_speedups(pipe, SpeedOptions(fuse_qkv=True), CPU)
    assert "fused QKV projections" in applied.done
    assert type(pipe.transformer.transformer_blocks[0].attn1.processor).__name__.startswith("Fused")
    assert np.abs(render(pipe, applied).astype(int) - baseline).max() <= 1


@pytest.mark.parametrize("kernel", ["math", "flash"])
def test_attention_kernels_that_exist_on_a_cpu_give_the_same_frames(engine_settings, kernel):
    pipe = tiny_engine_pipe(engine_settings)
    baseline = render(pipe)
    applied = apply_speedups(pipe, SpeedOptions(attention=kernel), CPU)
    assert np.abs(render(pipe, applied).astype(int) - baseline).max() <= 1


@pytest.mark.parametrize("options, message", [
    (SpeedOptions(attention="efficient"), "needs a CUDA GPU"),
    (SpeedOptions(attention="cudnn"), "needs a CUDA GPU"),
    (SpeedOptions(compile="blocks", compile_mode="reduce-overhead"), "CUDA graphs"),
    (SpeedOptions(quantize="fp8"), "compute capability"),
])
def test_cuda_only_flags_are_refused_on_a_cpu_before_touching_the_pipeline(engine_settings,
                                                                           options, message):
    pipe = tiny_engine_pipe(engine_settings)
    with pytest.raises(SpeedupUnavailable, match=message):
        apply_speedups(pipe, options, CPU)
    assert type(pipe.transformer.transformer_blocks[0].attn1.processor) is CogVideoXAttnProcessor2_0


@pytest.mark.parametrize("cache", ["pyramid", "faster"])
def test_attention_caches_skip_work_and_move_the_picture_only_a_little(engine_settings, cache):
    pipe = tiny_engine_pipe(engine_settings)
    counted = count_attention(pipe)
    baseline = render(pipe, steps=8)
    computed = counted[0].calls
    counted[0].calls = 0
    applied = apply_speedups(pipe, SpeedOptions(cache=cache), CPU)
    frames = render(pipe, applied, steps=8)
    assert frames.shape == baseline.shape
    assert counted[0].calls < computed  # attention was reused on some steps
    assert psnr(baseline, frames) > 30.0


def test_first_block_cache_skips_the_later_blocks_when_the_first_barely_moves():
    pipe = two_block_pipe()
    counted = count_attention(pipe)
    baseline = render(pipe, steps=8)
    assert [p.calls for p in counted] == [8, 8]
    for p in counted:
        p.calls = 0
    applied = apply_speedups(pipe, SpeedOptions(cache="first-block", cache_threshold=0.5), CPU)
    frames = render(pipe, applied, steps=8)
    first, later = (p.calls for p in counted)
    assert first == 8 and later < 8  # the first block always runs; the rest was reused
    assert frames.shape == baseline.shape and psnr(baseline, frames) > 25.0


def test_first_block_cache_is_refused_for_a_one_block_model(engine_settings):
    with pytest.raises(SpeedupUnavailable, match="at least 2 transformer blocks"):
        apply_speedups(tiny_engine_pipe(engine_settings), SpeedOptions(cache="first-block"), CPU)


def test_a_cancelled_render_leaves_no_cache_state_behind():
    pipe = two_block_pipe()
    applied = apply_speedups(pipe, SpeedOptions(cache="first-block", cache_threshold=0.5), CPU)
    fresh = render(pipe, applied)

    def cancel(pipe, step, timestep, kwargs):
        if step == 2:
            raise GenerationCancelled("stop")
        return kwargs

    with pytest.raises(GenerationCancelled):
        render(pipe, applied, callback=cancel)
    assert np.array_equal(render(pipe, applied), fresh)


@pytest.mark.slow  # torch.compile on a CPU: about a minute
def test_regional_compile_on_a_cpu_gives_the_same_frames(engine_settings):
    pipe = tiny_engine_pipe(engine_settings)
    baseline = render(pipe, steps=2)
    applied = apply_speedups(pipe, SpeedOptions(compile="blocks"), CPU)
    assert pipe.transformer.transformer_blocks[0]._compiled_call_impl is not None
    assert np.abs(render(pipe, applied, steps=2).astype(int) - baseline).max() <= 1


@pytest.mark.skipif(importlib.util.find_spec("torchao") is not None, reason="torchao installed")
def test_quantizing_without_torchao_is_refused_with_the_install_line(engine_settings):
    with pytest.raises(SpeedupUnavailable, match="pip install torchao=="):
        apply_speedups(tiny_engine_pipe(engine_settings), SpeedOptions(quantize="int8"),
                       Machine.detect("cpu"))


@pytest.mark.skipif(importlib.util.find_spec("torchao") is None, reason="needs torchao")
@pytest.mark.parametrize("kind", ["int8", "int8-dynamic"])
def test_int8_weights_through_torchao_stay_close(engine_settings, kind):
    pipe = tiny_engine_pipe(engine_settings)
    baseline = render(pipe)
    applied = apply_speedups(pipe, SpeedOptions(quantize=kind), Machine.detect("cpu"))
    weight = pipe.transformer.transformer_blocks[0].attn1.to_q.weight
    assert "Int8" in type(weight).__name__
    assert psnr(baseline, render(pipe, applied)) > 25.0


def test_the_engine_applies_its_preset_without_what_the_cpu_cannot_run(engine_settings, caplog):
    from dataclasses import replace

    from video.engines.tiny import TinyEngine

    engine = TinyEngine(replace(engine_settings, speed="fast"))
    with caplog.at_level(logging.WARNING, logger="video.engines.speed"):
        loaded = engine._pipeline(engine.model_info("t2v"))
    options = loaded.speed.options
    assert options.compile == "blocks" and options.quantize == "none" and options.cache == "none"
    assert any("fp8" in r for r in loaded.speed.skipped)
    assert any("2 transformer blocks" in r for r in loaded.speed.skipped)
    assert "speed preset 'fast'" in caplog.text
    assert loaded.pipe.transformer.transformer_blocks[0]._compiled_call_impl is not None


def test_speed_flag_of_the_cli_accepts_only_presets(run_cli):
    result = run_cli("generate", "x", "--engine", "tiny", "--speed", "warp")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    assert "quality" in result.stderr and "fast" in result.stderr


def test_a_style_lora_is_refused_when_the_qkv_projections_are_fused(engine_settings, tmp_path):
    """Fused QKV reads to_qkv, so a LoRA on to_q/to_k/to_v would apply only in part."""
    from dataclasses import replace

    from diffusers import CogVideoXPipeline, CogVideoXTransformer3DModel
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    from errors import InputError
    from video.engines.tiny import TinyEngine, tiny_model_dir
    from video.types import GenerationRequest, LoraSpec

    engine = TinyEngine(engine_settings)
    folder = tiny_model_dir(engine_settings, engine.model_info("t2v"))
    transformer = CogVideoXTransformer3DModel.from_pretrained(folder, subfolder="transformer")
    transformer.add_adapter(LoraConfig(r=2, init_lora_weights=False,
                                       target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    CogVideoXPipeline.save_lora_weights(tmp_path, get_peft_model_state_dict(transformer))
    loaded = engine._pipeline(engine.model_info("t2v"))
    loaded.speed = apply_speedups(loaded.pipe, SpeedOptions(fuse_qkv=True), CPU)
    request = GenerationRequest(prompt="a cheetah", frames=9, width=96, height=64, steps=2,
                                lora=LoraSpec(source=str(tmp_path)))
    with pytest.raises(InputError, match="fuses the QKV projections"):
        engine.generate(request)
    assert engine.generate(replace(request, lora=None)).frames.shape == (9, 64, 96, 3)
