"""Learned post-production (video/learned/) on the CPU: the real architectures with random
weights, saved as the published files are (safetensors, torch pickles with "module." or
params_ema), found where a GPU host keeps them (a folder under the cache, the Hugging Face
cache) and loaded by the real code; the choice between learned and CPU paths; the weights
list's validation."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from errors import DataFileError, EngineUnavailable, InputError
from video.learned import LearnedPost, learned_post, load_learned_post
from video.learned.esrgan import RRDBNet, SRVGGNetCompact
from video.learned.rife import IFNet, published_state_dict
from video.learned.upscale import Upscaler, load_network, spandrel_importable
from video.learned.weights import (WEIGHTS_FILE, WeightsInfo, find_weights,
                                   load_weights_list)

COMPACT = WeightsInfo("compact-x2", "upscale", "realesrgan-compact", 2, "compact.safetensors")
ESRGAN = WeightsInfo("esrgan-x2", "upscale", "esrgan", 2, "RealESRGAN_x2.pth",
                     hub_id="someone/Real-ESRGAN")
RIFE = WeightsInfo("rife", "interpolate", "rife-4.25", 1, "flownet.pkl")


def weights_toml(path: Path, *entries: WeightsInfo) -> Path:
    """A weights list naming `entries`, as weights.toml does."""
    text = ""
    for e in entries:
        text += (f'[[weights]]\nid = "{e.id}"\ntask = "{e.task}"\n'
                 f'architecture = "{e.architecture}"\nscale = {e.scale}\n'
                 f'filename = "{e.filename}"\n'
                 + (f'hub_id = "{e.hub_id}"\n' if e.hub_id else "") + "\n")
    path.write_text(text, encoding="utf-8")
    return path


def seeded(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """The module with reproducible random weights (small, so activations stay in range)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
    return module.eval()


def in_folder(cache: Path, info: WeightsInfo) -> Path:
    path = info.folder_path(cache)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def in_hub_cache(hub: Path, repo_id: str, filename: str) -> Path:
    """Where huggingface_hub keeps a downloaded file: models--org--name/snapshots/<commit>/."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo = hub / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True, exist_ok=True)
    (repo / "refs" / "main").write_text(commit)
    path = repo / "snapshots" / commit / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def clip(count: int, height: int, width: int, seed: int = 1) -> np.ndarray:
    """A smooth moving pattern (random noise would make every interpolator equal)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = [np.stack([128 + 100 * np.sin((x + 4 * t) / 9 + c + seed) * np.cos(y / 13)
                        for c in range(3)], -1) for t in range(count)]
    return np.clip(frames, 0, 255).astype(np.uint8)


@pytest.fixture
def compact_file(tmp_path) -> tuple[Path, SRVGGNetCompact]:
    network = seeded(SRVGGNetCompact(num_feat=8, num_conv=2, upscale=2))
    path = in_folder(tmp_path / "cache", COMPACT)
    save_file(network.state_dict(), str(path))
    return path, network


@pytest.fixture
def rife_file(tmp_path) -> tuple[Path, IFNet]:
    network = seeded(IFNet(), seed=3)
    path = in_folder(tmp_path / "cache", RIFE)
    # As published: saved from DistributedDataParallel, so every key starts with "module."
    torch.save({f"module.{k}": v for k, v in network.state_dict().items()}, path)
    return path, network


# --- the weights list ------------------------------------------------------------------------

def test_the_shipped_weights_list_loads():
    entries = load_weights_list(WEIGHTS_FILE)
    assert {e.task for e in entries} == {"upscale", "interpolate"}
    assert all(e.scale == 2 for e in entries if e.task == "upscale")


@pytest.mark.parametrize("entry, says", [
    ('id = "x"\ntask = "upscale"\narchitecture = "rife-4.25"\nscale = 2\nfilename = "a.pth"',
     "[[weights]] 'x': field 'architecture': 'rife-4.25' cannot upscale"),
    ('id = "x"\ntask = "upscale"\narchitecture = "esrgan"\nscale = 1\nfilename = "a.pth"',
     "[[weights]] 'x': field 'scale': an upscaler's scale must be at least 2"),
    ('id = "x"\ntask = "upscale"\narchitecture = "esrgan"\nscale = 2\nfilename = "a.zip"',
     "[[weights]] 'x': field 'filename': must end with one of"),
    ('id = "x"\ntask = "upscale"\narchitecture = "esrgan"\nscale = "2"\nfilename = "a.pth"',
     "field 'scale': must be a whole number, got '2'"),
    ('id = "x"\ntask = "upscale"\narchitecture = "esrgan"\nscale = 2\nfile = "a.pth"',
     "[[weights]] 'x': field 'file': unknown field (did you mean 'filename'?)"),
])
def test_a_broken_weights_list_names_the_entry_and_field(tmp_path, entry, says):
    path = tmp_path / "weights.toml"
    path.write_text(f"[[weights]]\n{entry}\n", encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_weights_list(path)
    assert says in str(caught.value) and "weights.toml" in str(caught.value)


def test_a_weights_list_with_a_repeated_id_is_refused(tmp_path):
    path = weights_toml(tmp_path / "weights.toml", COMPACT, COMPACT)
    with pytest.raises(DataFileError, match="'compact-x2': field 'id': is used by an earlier"):
        load_weights_list(path)


# --- finding the files -----------------------------------------------------------------------

def test_weights_are_found_in_the_folder_then_the_hub_cache(tmp_path):
    cache, hub = tmp_path / "cache", tmp_path / "hub"
    assert find_weights(ESRGAN, cache, hub) is None
    cached = in_hub_cache(hub, ESRGAN.hub_id, ESRGAN.filename)
    torch.save({"params_ema": RRDBNet(scale=2, num_feat=4, num_block=1, num_grow_ch=4)
                .state_dict()}, cached)
    assert find_weights(ESRGAN, cache, hub) == cached
    folder = in_folder(cache, ESRGAN)
    folder.write_bytes(cached.read_bytes())
    assert find_weights(ESRGAN, cache, hub) == folder  # a file put by hand wins


def test_the_hub_cache_is_read_from_hf_hub_cache_without_the_network(tmp_path):
    """The default lookup, as a GPU host runs it: HF_HUB_CACHE set, offline, nothing passed."""
    hub = tmp_path / "hub"
    in_hub_cache(hub, ESRGAN.hub_id, ESRGAN.filename).write_bytes(b"weights")
    script = textwrap.dedent(f"""
        from pathlib import Path
        from video.learned.weights import WeightsInfo, find_weights
        info = WeightsInfo(**{ESRGAN.__dict__!r})
        print(find_weights(info, Path({str(tmp_path / 'cache')!r})))
    """)
    env = {**os.environ, "HF_HUB_CACHE": str(hub), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=env, timeout=60, check=True)
    assert result.stdout.strip().startswith(str(hub)) and \
        result.stdout.strip().endswith(ESRGAN.filename)


# --- the upscaler ----------------------------------------------------------------------------

def test_the_compact_upscaler_loads_from_the_folder_and_doubles_the_clip(tmp_path, compact_file):
    path, network = compact_file
    post = load_learned_post(tmp_path / "cache", "cpu",
                             weights_file=weights_toml(tmp_path / "w.toml", COMPACT))
    frames = clip(2, 24, 40)
    out = post.upscale(frames)
    assert out.shape == (2, 48, 80, 3) and out.dtype == np.uint8 and post.scale == 2
    with torch.no_grad():  # the file's weights, not fresh ones
        expected = network(torch.from_numpy(frames[:1]).permute(0, 3, 1, 2).float() / 255)
    expected = (expected.clamp(0, 1) * 255).round().byte()[0].permute(1, 2, 0).numpy()
    assert np.abs(out[0].astype(int) - expected).max() <= 1


def test_the_rrdbnet_upscaler_loads_from_the_hub_cache(tmp_path):
    """RealESRGAN_x2.pth as BasicSR saves it (params_ema), from the Hugging Face cache."""
    hub = tmp_path / "hub"
    network = seeded(RRDBNet(scale=2, num_feat=8, num_block=2, num_grow_ch=4))
    torch.save({"params_ema": network.state_dict()},
               in_hub_cache(hub, ESRGAN.hub_id, ESRGAN.filename))
    post = load_learned_post(tmp_path / "cache", "cpu", hub_cache=hub,
                             weights_file=weights_toml(tmp_path / "w.toml", ESRGAN))
    assert isinstance(post.upscaler.network, RRDBNet) and len(post.upscaler.network.body) == 2
    out = post.upscale(clip(1, 16, 24))
    assert out.shape == (1, 32, 48, 3) and out.dtype == np.uint8


@pytest.mark.parametrize("info, problem", [
    (WeightsInfo("c", "upscale", "esrgan", 2, "compact.safetensors"), "not esrgan"),
    (WeightsInfo("c", "upscale", "realesrgan-compact", 4, "compact.safetensors"),
     "upscales 2×, weights.toml says 4×"),
])
def test_weights_that_are_not_what_the_list_says_are_refused(compact_file, info, problem):
    with pytest.raises(ValueError, match=problem):
        load_network(info, compact_file[0], use_spandrel=False)


def test_tiles_give_the_untiled_picture_at_720x480_to_1440x960(tmp_path, compact_file):
    """A 720×480 frame in 256-pixel tiles (6 of them, seams both ways) matches the whole
    frame at once: the overlap covers the network's reach."""
    path, _ = compact_file
    network = load_network(COMPACT, path)
    assert network.receptive_radius < 24
    frames = clip(1, 480, 720)
    tiled = Upscaler(network, 2, torch.device("cpu"), torch.float32, tile=256, overlap=24)
    whole = Upscaler(network, 2, torch.device("cpu"), torch.float32, tile=4096)
    out = tiled.upscale(frames)
    assert out.shape == (1, 960, 1440, 3)
    assert np.abs(out.astype(int) - whole.upscale(frames).astype(int)).max() <= 1


def test_too_little_overlap_shows_at_the_seams(compact_file):
    """The check above can fail: without context the tiles' borders differ."""
    network = load_network(COMPACT, compact_file[0])
    frames = clip(1, 64, 96)
    tiled = Upscaler(network, 2, torch.device("cpu"), torch.float32, tile=32, overlap=0)
    whole = Upscaler(network, 2, torch.device("cpu"), torch.float32, tile=4096)
    assert np.abs(tiled.upscale(frames).astype(int) - whole.upscale(frames).astype(int)).max() > 1


@pytest.mark.skipif(not spandrel_importable(),
                    reason="spandrel is not installed here: it imports torchvision, which has no "
                           "build beside the CPU torch wheel")
def test_spandrel_reads_the_same_files_as_our_architectures(compact_file):
    path, _ = compact_file
    ours, theirs = load_network(COMPACT, path, use_spandrel=False), \
        load_network(COMPACT, path, use_spandrel=True)
    x = torch.rand(1, 3, 16, 16)
    assert torch.allclose(ours(x), theirs(x), atol=1e-5)


# --- the interpolator ------------------------------------------------------------------------

def test_ifnet_names_its_weights_as_the_published_flownet():
    state = IFNet().state_dict()
    assert state["block0.conv0.0.0.weight"].shape == (96, 39, 3, 3)  # 7 + 2×16 features
    assert state["block4.lastconv.0.weight"].shape == (32, 52, 4, 4)
    assert state["block0.convblock.7.beta"].shape == (1, 192, 1, 1)
    assert state["encode.cnn3.weight"].shape == (16, 16, 4, 4)
    assert len([k for k in state if k.startswith("block")]) == 5 * (4 + 8 * 3 + 2)


def test_rife_interpolates_with_the_same_contract_as_dis(tmp_path, rife_file):
    post = load_learned_post(tmp_path / "cache", "cpu",
                             weights_file=weights_toml(tmp_path / "w.toml", RIFE))
    assert post.upscaler is None and post.interpolator is not None
    frames = clip(3, 72, 100)  # not a multiple of 128: padded, then cropped
    out = post.interpolate(frames, 2)
    assert out.shape == (5, 72, 100, 3) and out.dtype == np.uint8
    assert np.array_equal(out[::2], frames)  # kept frames unchanged
    assert not np.array_equal(out[1], frames[0]) and not np.array_equal(out[1], frames[1])
    assert post.interpolate(frames, 1) is frames


@pytest.mark.slow
def test_rife_batches_give_the_same_frames_as_one_pair_at_a_time(rife_file):
    from video.learned.interpolate import Interpolator, load_network as load_rife

    network = load_rife(rife_file[0])
    frames = clip(4, 40, 56)
    one = Interpolator(network, torch.device("cpu"), torch.float32, batch=1)
    many = Interpolator(network, torch.device("cpu"), torch.float32, batch=3)
    thirds = many.interpolate(frames, 3)
    assert thirds.shape == (10, 40, 56, 3) and np.array_equal(thirds[::3], frames)
    assert np.abs(one.interpolate(frames, 3).astype(int) - thirds.astype(int)).max() <= 1


def test_a_flownet_from_another_rife_version_is_refused():
    state = {f"module.{k}": v for k, v in IFNet().state_dict().items()
             if not k.startswith("block4.")}
    with pytest.raises(ValueError, match=r"not RIFE v4.25.*keys missing, e.g. block4\."):
        published_state_dict(state)


def test_without_a_learned_interpolator_the_dis_path_runs():
    frames = clip(3, 32, 48)
    out = LearnedPost().interpolate(frames, 2)
    assert out.shape == (5, 32, 48, 3) and np.array_equal(out[::2], frames)
    assert LearnedPost().upscale(frames) is frames and LearnedPost().scale == 1


# --- the choice ------------------------------------------------------------------------------

@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU machine's choice")
def test_auto_keeps_the_cpu_path_here_even_with_the_weights(tmp_path, compact_file, rife_file):
    weights = weights_toml(tmp_path / "w.toml", COMPACT, RIFE)
    assert learned_post("auto", tmp_path / "cache", weights_file=weights) is None
    assert learned_post("off", tmp_path / "cache", weights_file=weights) is None
    with pytest.raises(EngineUnavailable, match="needs a CUDA GPU and none is available"):
        learned_post("on", tmp_path / "cache", weights_file=weights)


def test_an_unknown_option_is_the_callers_mistake(tmp_path):
    with pytest.raises(InputError, match="must be one of auto, on, off; got 'yes'"):
        learned_post("yes", tmp_path)


def test_on_without_the_weights_says_where_to_put_them(tmp_path, compact_file):
    weights = weights_toml(tmp_path / "w.toml", COMPACT, RIFE, ESRGAN)
    with pytest.raises(EngineUnavailable) as caught:
        load_learned_post(tmp_path / "cache", "cpu", weights_file=weights, require_all=True)
    message = str(caught.value)
    assert "interpolate: put" in message and str(RIFE.folder_path(tmp_path / "cache")) in message
    assert "upscale" not in message.partition("missing:")[2]  # the compact file is there


# --- in post-production ----------------------------------------------------------------------

def test_post_production_uses_the_learned_networks_end_to_end(tmp_path, compact_file,
                                                              rife_file):
    """video/post.py's finish() with the networks a GPU host would load (here on the CPU):
    RIFE makes the in-between frames, the upscaler the 2× picture, the encode only encodes."""
    from video.ffmpeg import probe
    from video.post import finish
    from video.types import Clip

    weights = weights_toml(tmp_path / "w.toml", COMPACT, RIFE)
    learned = load_learned_post(tmp_path / "cache", "cpu", weights_file=weights,
                                require_all=True)
    frames = clip(3, 64, 96)
    video = finish(Clip(frames=frames, fps=8, engine="tiny", model="tiny"),
                   tmp_path / "out.mp4", learned=learned)
    info = probe(video.mp4)
    assert (video.width, video.height, video.frames, video.fps) == (192, 128, 5, 16)
    assert info.first("video").width == 192 and info.video_frames == 5
    assert {"interpolate", "upscale", "encode"} <= set(video.timings)
    # The middle frame is RIFE's, not DIS's: the two paths differ on the same clip.
    plain = finish(Clip(frames=frames, fps=8, engine="tiny", model="tiny"),
                   tmp_path / "plain.mp4")
    assert "upscale" not in plain.timings
    assert learned.interpolate(frames, 2)[1].tobytes() != \
        LearnedPost().interpolate(frames, 2)[1].tobytes()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU machine's refusal")
def test_the_command_line_refuses_learned_post_on_before_it_renders(run_cli, tmp_path):
    for command in (["generate", "a boat on a calm sea", "--engine", "tiny",
                     "--out", str(tmp_path / "boat.mp4")],
                    ["serve", "--port", "0", "--data-dir", str(tmp_path / "data")],
                    ["api", "--port", "0", "--data-dir", str(tmp_path / "data")]):
        done = run_cli(*command, "--learned-post", "on")
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "needs a CUDA GPU" in done.stderr
    assert not (tmp_path / "boat.mp4").exists()
