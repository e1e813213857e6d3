"""The GPU benchmark's code, run on the CPU: specs, random-weight builds, the suite itself."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from bench.pipelines import load_specs, parameter_counts
from errors import DataFileError

ROOT = Path(__file__).resolve().parents[1]


def test_published_configs_have_the_published_sizes():
    specs, _ = load_specs()

    def billions(name, component):
        return parameter_counts(specs[name], (component,))[component] / 1e9

    # CogVideoX-2B's transformer has 1.69 B parameters, the 5B's 5.57 B; T5-XXL's encoder 4.76 B.
    assert billions("cogvideox-2b", "transformer") == pytest.approx(1.69, abs=0.01)
    assert billions("cogvideox-5b", "transformer") == pytest.approx(5.57, abs=0.01)
    assert billions("cogvideox1.5-5b", "transformer") == pytest.approx(5.57, abs=0.01)
    assert billions("cogvideox-5b", "text_encoder") == pytest.approx(4.76, abs=0.01)
    assert billions("cogvideox-5b", "vae") == pytest.approx(0.216, abs=0.002)
    assert {s.text_encoder["d_model"] for n, s in specs.items() if n != "tiny"} == {4096}


def test_variants_cover_every_fast_path_and_the_presets():
    _, variants = load_specs()
    options = [v.options for v in variants.values()]
    assert variants["baseline"].options.describe() == "diffusers defaults"
    assert {o.attention for o in options} >= {"flash", "efficient", "cudnn"}
    assert {o.cache for o in options} >= {"first-block", "faster", "pyramid"}
    assert {o.quantize for o in options} >= {"int8", "fp8"}
    assert any(o.cuda_graphs for o in options) and any(o.compile_vae for o in options)
    assert any(o.fuse_qkv for o in options)
    assert variants["preset-fast"].preset == "fast"


@pytest.mark.parametrize("text, message", [
    ("[model.x]\ndtype = 'float16'\n[variant.baseline]\n",
     r"\[model\] 'x': field 'text_encoder': is missing"),
    ("[text_encoder.t]\n[model.x]\ndtype = 'float8'\ntext_encoder = 't'\nscheduler = "
     "'CogVideoXDDIMScheduler'\nuse_dynamic_cfg = false\ntransformer = {}\nvae = {}\n"
     "scheduler_config = {}\n[variant.baseline]\n", "field 'dtype': must be one of"),
    ("[variant.baseline]\n[variant.turbo]\ncache = 'tea'\n", r"\[variant\] 'turbo': field 'cache': must be one of"),
    ("[variant.baseline]\ncompile = 'whole'\n", r"\[variant\] 'baseline': must exist and set nothing"),
])
def test_a_broken_spec_file_names_the_entry(tmp_path, text, message):
    path = tmp_path / "gpu_models.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError, match=message):
        load_specs(path)


def test_the_same_seed_builds_the_same_random_weights():
    from bench.pipelines import build_transformer

    specs, _ = load_specs()
    first, again = build_transformer(specs["tiny"]), build_transformer(specs["tiny"])
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(),
                                                 again.state_dict().values()))


def test_padding_frames_follow_cogvideox_1_5s_temporal_patches():
    from bench.gpu import padding_frames

    def pipe(patch):
        return SimpleNamespace(vae_scale_factor_temporal=4,
                               transformer=SimpleNamespace(config=SimpleNamespace(patch_size_t=patch)))

    assert padding_frames(pipe(None), 49) == 0
    assert padding_frames(pipe(2), 49) == 1  # 13 latent frames → 14
    assert padding_frames(pipe(2), 81) == 1  # 21 → 22
    assert padding_frames(pipe(2), 45) == 0  # 12 already even


@pytest.mark.slow  # a `python -m bench gpu` process
@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_without_a_gpu_the_suite_says_so_and_how_to_test_it(tmp_path):
    result = subprocess.run([sys.executable, "-m", "bench", "gpu"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 2
    assert "needs a CUDA GPU" in result.stderr and "--tiny" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # renders every variant
def test_tiny_run_reports_ratios_memory_and_picture_distance(tmp_path, capsys, monkeypatch,
                                                             shared_cache):
    from bench.gpu import main

    monkeypatch.setenv("CLIPWRIGHT_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("CLIPWRIGHT_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "results.jsonl"
    code = main(["--tiny", "--steps", "6", "--variants", "fused-qkv,pyramid,attention-efficient",
                 "--headline", "baseline,pyramid", "--post-seconds", "2.5", "--json", str(out)])
    printed = capsys.readouterr().out
    rows = {r["variant"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(rows) == {"baseline", "fused-qkv", "pyramid", "attention-efficient"}
    assert rows["baseline"]["speedup"] is None and rows["baseline"]["step_s"] > 0
    assert rows["fused-qkv"]["speedup"] > 0 and rows["fused-qkv"]["psnr_db"] > 60  # same picture
    assert 0 < rows["pyramid"]["ssim"] <= 1
    assert "CUDA" in rows["attention-efficient"]["skipped"]
    assert "tiny baseline: per denoising step" in printed and "live preview" in printed
    assert "end to end (tiny, baseline)" in printed and "end to end (tiny, pyramid)" in printed
    assert "post-production 2.5 s (given)" in printed and "≤ 30 s" in printed
    assert "skipped: tiny attention-efficient" in printed
    assert code in (0, 1)  # 1 only if a budget row is SLOW on a busy machine


@pytest.mark.slow  # renders variants until the deadline
def test_a_deadline_skips_what_would_not_fit_and_says_so(tmp_path, capsys, monkeypatch,
                                                         shared_cache):
    from bench.gpu import OUT_OF_TIME, main

    monkeypatch.setenv("CLIPWRIGHT_CACHE_DIR", str(shared_cache))
    out = tmp_path / "results.jsonl"
    # The baseline always runs (the deadline needs its time to judge the rest); after it,
    # neither one more variant nor a second model fits in 0.5 s.
    main(["--tiny", "--steps", "2", "--models", "tiny,tiny", "--variants", "fused-qkv",
          "--deadline-s", "0.5", "--json", str(out)])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["variant"], r["skipped"]) for r in rows] == [
        ("baseline", ""), ("fused-qkv", OUT_OF_TIME), ("baseline", OUT_OF_TIME)]
    assert rows[0]["total_s"] > 0
    printed = capsys.readouterr()
    assert "tiny baseline: per denoising step" in printed.out
    assert f"skipped: tiny fused-qkv: {OUT_OF_TIME}" in printed.out
    assert "tiny baseline: 0." in printed.err  # each result on stderr as it lands


def _lease_script(out: Path, budget: int, cache: Path, *extra: str):
    env = {**os.environ, "OUT": str(out), "BUDGET": str(budget), "CLIPWRIGHT_CACHE_DIR": str(cache)}
    result = subprocess.run(["bash", "bench/gpu_session.sh", "--tiny", "--models", "tiny",
                             "--steps", "2", *extra], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=240)
    assert result.returncode == 0, result.stdout + result.stderr
    return (out / "gpu.md").read_text()


@pytest.mark.slow  # runs the lease script's phases as processes
def test_the_lease_script_runs_its_phases_and_keeps_each_result(tmp_path, shared_cache):
    """bench/gpu_session.sh runs blind on a short GPU lease: here, its plan on the tiny
    pipeline (the baseline of each phase only, to keep it short)."""
    log = _lease_script(tmp_path, 300, shared_cache, "--variants", "baseline")
    assert [line.split(":")[0] for line in log.splitlines() if line.startswith("== phase")] == [
        "== phase headline", "== phase headline ended with 0", "== phase options",
        "== phase options ended with 0", "== phase caches", "== phase caches ended with 0",
        "== phase learned", "== phase learned ended with 0"]
    assert "RIFE v4.25: one in-between frame at 180×120 (cpu)" in log
    assert "1 s clip at 192×128, end to end (tiny, baseline)" in log  # only the headline's
    rows = [json.loads(line) for line in (tmp_path / "gpu.jsonl").read_text().splitlines()]
    assert [(r["model"], r["variant"], r["steps"]) for r in rows] == [
        ("tiny", "baseline", 2)] * 3
    assert all(r["total_s"] > 0 and not r["skipped"] for r in rows)


def test_the_lease_script_starts_no_phase_it_has_no_time_for(tmp_path, shared_cache):
    log = _lease_script(tmp_path, 20, shared_cache)
    assert log.count("not started") == 4 and "done in" in log
    assert not (tmp_path / "gpu.jsonl").exists()


def test_a_spec_file_that_is_not_toml_is_named(tmp_path):
    path = tmp_path / "gpu_models.toml"
    path.write_text("[model.x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"gpu_models.toml: not valid TOML"):
        load_specs(path)


# --- the prepared device run: warm-up length and carried wheels ---------------------------

def test_compiled_and_cached_variants_warm_up_with_a_full_render():
    """A compiled or cached variant recompiles as the cache's reuse decision changes along the
    schedule: a short warm-up would leave those recompiles inside the timed render."""
    from bench.gpu import WARMUP_STEPS, warmup_steps
    from video.engines.speed import preset_options

    _, variants = load_specs()
    full = {name for name, v in variants.items() if not v.preset
            and warmup_steps(v.options, 50) == 50}
    assert {"compile-blocks", "compile-whole", "compile-vae", "first-block-0.05", "pyramid",
            "faster-cache", "fp8-compiled"} <= full
    assert not full & {"baseline", "fused-qkv", "attention-flash", "int8", "fp8"}
    assert warmup_steps(preset_options("fast"), 50) == 50  # the preset that measured 0.205 s/step
    assert warmup_steps(variants["baseline"].options, 50) == WARMUP_STEPS
    assert warmup_steps(variants["baseline"].options, 1) == 1


def test_the_deadline_counts_a_full_length_warm_up():
    from bench.gpu import expected_seconds
    from bench.gpu_results import VariantResult

    baseline = VariantResult("m", "baseline", "", total_s=10.0, first_call_s=1.0)
    args = SimpleNamespace(steps=50, repeats=1)
    assert expected_seconds(baseline, args) == pytest.approx(11.0)
    assert expected_seconds(baseline, args, 50) == pytest.approx(11.0 + 10.0 * 48 / 50)


def _wheel(folder: Path, name: str, version: str, *requires: str) -> Path:
    """A real (empty) wheel file with the metadata pip and the plan read."""
    import zipfile

    path = folder / f"{name}-{version}-py3-none-any.whl"
    meta = "".join([f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
                    *(f"Requires-Dist: {r}\n" for r in requires)])
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{info}/METADATA", meta)
        archive.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\n"
                                          "Root-Is-Purelib: true\nTag: py3-none-any\n")
        archive.writestr(f"{info}/RECORD", f"{info}/METADATA,,\n{info}/WHEEL,,\n"
                                           f"{info}/RECORD,,\n")
    return path


def _device(**versions):
    from packaging.version import Version

    return lambda name: Version(versions[name]) if name in versions else None


def test_the_wheel_plan_installs_what_the_device_lacks_and_says_what_it_skips(tmp_path):
    from bench.wheel_plan import plan, read_wheel, torch_note

    _wheel(tmp_path, "diffusers", "0.42.1", "huggingface-hub<3.0,>=1.32.0",
           "safetensors>=0.8.0", "numpy", 'pytest; extra == "test"')
    _wheel(tmp_path, "huggingface_hub", "2.4.0", "filelock")
    _wheel(tmp_path, "safetensors", "0.8.0")
    _wheel(tmp_path, "numpy", "2.5.5")
    _wheel(tmp_path, "filelock", "4.3.2")
    _wheel(tmp_path, "torchao", "0.18.0")
    wheels = {w.name: w for w in map(read_wheel, sorted(tmp_path.glob("*.whl")))}
    # An older image: hub and safetensors too old, numpy and filelock fine, torch 2.5.
    device = _device(**{"huggingface-hub": "0.30.2", "safetensors": "0.4.5", "numpy": "1.26.4",
                        "filelock": "3.16.1", "torch": "2.5.1+cu124"})
    chosen, lines = plan(wheels, ["diffusers", "torchao"], device)
    assert sorted(w.name for w in chosen) == ["diffusers", "huggingface-hub", "safetensors",
                                              "torchao"]
    assert "install huggingface-hub 2.4.0: diffusers 0.42.1 needs <3.0,>=1.32.0 " \
           "(the device has 0.30.2)" in lines
    assert "skip numpy: the device has 1.26.4, diffusers 0.42.1 needs any" in lines
    assert any(line.startswith("skip filelock") for line in lines)
    assert not any("pytest" in line for line in lines)  # an extra's requirement is not needed
    assert torch_note(chosen, device)[0].startswith("warn torchao C++ kernels will not load: "
                                                    "torch 2.5.1+cu124 < 2.11")
    # A device that has it all installs the packages asked for only, and nothing when current.
    current = _device(**{"huggingface-hub": "2.4.0", "safetensors": "0.8.0", "numpy": "2.4.6",
                         "filelock": "4.3.2", "torch": "2.13.0", "diffusers": "0.42.1"})
    chosen, lines = plan(wheels, ["diffusers", "torchao"], current)
    assert [w.name for w in chosen] == ["torchao"]
    assert "skip diffusers: the device has 0.42.1 already" in lines
    assert torch_note(chosen, current)[0].startswith("ok torchao kernels")


def test_the_lease_script_says_in_gpu_md_which_wheels_it_installed_or_skipped(
        tmp_path, shared_cache, monkeypatch):
    """With no time for a phase, only the wheel step runs: here the device (this machine)
    already has diffusers 0.42.1, and a wheel nothing needs is not installed."""
    from importlib.metadata import version

    wheels = tmp_path / "whl"
    wheels.mkdir()
    _wheel(wheels, "diffusers", version("diffusers"))
    _wheel(wheels, "torchao", "0.18.0")
    _wheel(wheels, "unneeded_package", "1.0")
    monkeypatch.setenv("WHEELS_DIR", str(wheels))
    monkeypatch.setenv("SITE_DIR", str(tmp_path / "site"))
    log = _lease_script(tmp_path / "out", 20, shared_cache)
    assert "## carried wheels" in log
    assert f"skip diffusers: the device has {version('diffusers')} already" in log
    assert "unneeded" not in log
    listed = [Path(line).name for line in
              (tmp_path / "out" / "wheels.txt").read_text().splitlines()]
    has_torchao = importlib.util.find_spec("torchao") is not None
    assert listed == ([] if has_torchao else ["torchao-0.18.0-py3-none-any.whl"])
    if not has_torchao:  # installed for real, with pip, where the run said
        assert (tmp_path / "site" / "torchao-0.18.0.dist-info").is_dir()
        assert "installed 1 wheel(s) into" in log
