"""Fast-path options and --speed presets: validation, and what each machine may run."""

import pytest

from errors import EngineUnavailable, InputError
from errors import DataFileError
from video.engines.speed import (DEFAULT_PRESET, Machine, SpeedOptions,
                                 adapt_to_machine, load_presets, preset_names, preset_options,
                                 unsupported)

CPU = Machine("cpu", None, has_torchao=False)
A100 = Machine("cuda", (8, 0), has_torchao=True)
H100 = Machine("cuda", (9, 0), has_torchao=True)


def test_shipped_presets_load_and_quality_is_diffusers_defaults():
    presets = load_presets()
    assert {"quality", "balanced", "fast"} <= set(presets) and DEFAULT_PRESET == "quality"
    assert presets["quality"].options == SpeedOptions()
    assert presets["quality"].options.describe() == "diffusers defaults"
    assert all(p.summary for p in presets.values())
    # Each preset is faster than the one before it in what it turns on.
    assert presets["balanced"].options.compile != "off"
    assert presets["fast"].options.cache != "none"
    assert preset_names()[:1] and set(preset_names()) == set(presets)


def test_every_preset_runs_fully_on_an_h100():
    for preset in load_presets().values():
        assert unsupported(preset.options, H100, blocks=42) == {}


@pytest.mark.parametrize("changes, message", [
    (dict(compile="everything"), "compile must be one of"),
    (dict(attention="xformers"), "attention must be one of"),
    (dict(cache="tea"), "cache must be one of"),
    (dict(quantize="int4"), "quantize must be one of"),
    (dict(cache_threshold=1.5), "cache_threshold"),
    (dict(cache_skip_range=1), "cache_skip_range"),
    (dict(cache_timesteps=(800, 100)), "cache_timesteps"),
])
def test_bad_options_are_refused_with_the_field_named(changes, message):
    with pytest.raises(ValueError, match=message):
        SpeedOptions(**changes)


def test_cuda_only_options_are_refused_on_a_cpu_with_reasons():
    options = SpeedOptions(attention="efficient", compile="blocks", compile_mode="max-autotune",
                           quantize="fp8")
    reasons = unsupported(options, CPU)
    assert set(reasons) == {"attention", "compile_mode", "quantize"}
    assert "CUDA" in reasons["attention"] and "CUDA graphs" in reasons["compile_mode"]
    assert "8.9" in reasons["quantize"]
    # What runs on a CPU is not refused.
    assert unsupported(SpeedOptions(attention="math", compile="blocks", fuse_qkv=True,
                                    cache="pyramid"), CPU) == {}
    assert unsupported(SpeedOptions(attention="cudnn"), CPU)["attention"].startswith("the 'cudnn'")


def test_fp8_needs_compute_capability_8_9_and_names_this_gpus():
    reason = unsupported(SpeedOptions(quantize="fp8"), A100)["quantize"]
    assert "≥ 8.9" in reason and "8.0" in reason
    assert unsupported(SpeedOptions(quantize="fp8"), H100) == {}
    assert unsupported(SpeedOptions(quantize="int8"), A100) == {}


def test_quantizing_without_torchao_says_how_to_install_it():
    no_torchao = Machine("cuda", (9, 0), has_torchao=False)
    reason = unsupported(SpeedOptions(quantize="int8"), no_torchao)["quantize"]
    assert "pip install torchao==" in reason


def test_first_block_cache_needs_two_blocks():
    options = SpeedOptions(cache="first-block")
    assert "at least 2" in unsupported(options, H100, blocks=1)["cache"]
    assert unsupported(options, H100, blocks=2) == {}


def test_adapting_a_preset_drops_what_the_machine_cannot_run_and_says_why():
    fast = preset_options("fast")
    on_cpu, reasons = adapt_to_machine(fast, CPU, blocks=1)
    assert on_cpu.quantize == "none" and on_cpu.cache == "none"
    assert on_cpu.compile == fast.compile  # compile runs on a CPU too
    assert len(reasons) == 2 and all(r.endswith("skipped") for r in reasons)
    on_a100, reasons = adapt_to_machine(fast, A100, blocks=42)
    assert on_a100.quantize == "none" and on_a100.cache == fast.cache and len(reasons) == 1
    assert adapt_to_machine(fast, H100, blocks=42) == (fast, [])


def test_cuda_graphs_follow_the_compile_mode():
    assert SpeedOptions(compile="whole", compile_mode="reduce-overhead").cuda_graphs
    assert not SpeedOptions(compile="whole", compile_mode="max-autotune-no-cudagraphs").cuda_graphs
    assert not SpeedOptions(compile="off", compile_mode="max-autotune").cuda_graphs


def test_unknown_preset_is_the_users_mistake():
    with pytest.raises(InputError, match="unknown speed preset 'ludicrous'.*quality"):
        preset_options("ludicrous")


def test_refusals_are_engine_unavailable_so_the_cli_prints_one_line():
    from video.engines.speed import SpeedupUnavailable

    assert issubclass(SpeedupUnavailable, EngineUnavailable)


@pytest.mark.parametrize("text, message", [
    ("[quality]\nsummary = 'x'\n[quick]\nsummary = 'y'\nturbo = true\n", r"\[quick\]: field 'turbo': unknown field"),
    ("[quality]\nsummary = 'x'\n[quick]\nsummary = 'y'\ncache = 'tea'\n", r"\[quick\]: field 'cache': must be one of"),
    ("[quality]\nsummary = 'x'\n[quick]\ncompile = 'blocks'\n", r"\[quick\]: field 'summary': is missing"),
    ("[quick]\nsummary = 'y'\n", r"\[quality\] is missing"),
    ("[quality\n", "not valid TOML"),
    ("quality = 3\n", r"\[quality\]: must be a table, got 3"),
])
def test_a_broken_presets_file_names_the_file_preset_and_key(tmp_path, text, message):
    path = tmp_path / "speed_presets.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=message) as caught:
        load_presets(path)
    assert "speed_presets.toml" in str(caught.value)


def test_cache_timesteps_from_toml_become_a_tuple(tmp_path):
    path = tmp_path / "speed_presets.toml"
    path.write_text("[quality]\nsummary = 'x'\n[pab]\nsummary = 'y'\ncache = 'pyramid'\n"
                    "cache_timesteps = [100, 700]\n", encoding="utf-8")
    assert load_presets(path)["pab"].options.cache_timesteps == (100, 700)
