"""`python -m bench learned`: learned post-production (video/learned/) timed on this machine.

The real architectures with random weights — none can be downloaded here or on a lent
device, and the time does not depend on the values — saved as their published files are
and loaded by the real code (`load_learned_post`, fp16 on CUDA): Real-ESRGAN x2plus
(RRDBNet: 64 features, 23 blocks), the compact Real-ESRGAN (SRVGGNetCompact: 64 features,
16 convolutions) and RIFE v4.25. Rows: each upscaler per frame, RIFE per in-between frame,
RIFE and the compact upscaler on the whole clip, and post-production with them
(`finish(learned=…)`, encode included) against the DIS + Lanczos path on the same clip —
these two only where imageio-ffmpeg is installed (a bare GPU image may lack it).

On a CUDA GPU the clip is CogVideoX's: 49×720×480 @ 8 fps → 1440×960 @ 16 fps. A CPU costs
about 20 s a frame for the compact upscaler at 720×480, so there the default is 3 frames of
a 180×120 crop, and the rows say so (scale by area for a full frame):

    python -m bench learned                              # CUDA if there is one, else the CPU
    python -m bench learned --device cpu --frames 3 --size 180x120
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.timing import Measurement, machine, table

CLIP_FRAMES, CLIP_SIZE = 49, (720, 480)  # CogVideoX's clip
CPU_FRAMES, CPU_SIZE = 3, (180, 120)
POST_TARGET_S = 6.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench learned", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="auto", choices=("auto", "cuda", "cpu"))
    parser.add_argument("--frames", type=int, help="frames of the engine's clip (default: 49 "
                        "on CUDA, 3 on a CPU)")
    parser.add_argument("--size", help="WxH of the engine's clip (default: 720x480 on CUDA, "
                        "180x120 on a CPU)")
    parser.add_argument("--repeats", type=int, help="timed runs of each row after a warm-up "
                        "(default: 3 on CUDA, 1 on a CPU)")
    args = parser.parse_args(argv)
    if args.device == "auto":
        import torch

        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    on_gpu = args.device == "cuda"
    args.frames = args.frames or (CLIP_FRAMES if on_gpu else CPU_FRAMES)
    args.repeats = max(1, args.repeats or (3 if on_gpu else 1))
    try:
        width, height = (int(v) for v in (args.size or "x".join(
            map(str, CLIP_SIZE if on_gpu else CPU_SIZE))).lower().split("x"))
    except ValueError:
        parser.error(f"--size must be WIDTHxHEIGHT, like 720x480; got {args.size!r}")
    if args.frames < 2 or width < 16 or height < 16:
        parser.error("--frames must be at least 2 and --size at least 16x16")
    args.size = (width, height)
    return args


def saved_networks(cache: Path) -> Path:
    """The three networks with random weights, saved where the loader looks (as their
    published files are), and a weights list naming them; returns the list's path."""
    import torch
    from safetensors.torch import save_file

    from video.learned.esrgan import RRDBNet, SRVGGNetCompact
    from video.learned.rife import IFNet
    from video.learned.weights import WeightsInfo

    networks = [
        (WeightsInfo("bench-compact-x2", "upscale", "realesrgan-compact", 2,
                     "compact.safetensors"), SRVGGNetCompact(num_feat=64, num_conv=16, upscale=2)),
        (WeightsInfo("bench-x2plus", "upscale", "esrgan", 2, "RealESRGAN_x2plus.pth"),
         RRDBNet(scale=2)),
        (WeightsInfo("bench-rife", "interpolate", "rife-4.25", 1, "flownet.pkl"), IFNet()),
    ]
    lines = []
    for info, network in networks:
        torch.manual_seed(0)
        with torch.no_grad():  # small weights keep the activations in range
            for parameter in network.parameters():
                parameter.mul_(0.05)
        path = info.folder_path(cache)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".safetensors":
            save_file(network.state_dict(), str(path))
        else:
            torch.save(network.state_dict(), path)
        lines.append(f'[[weights]]\nid = "{info.id}"\ntask = "{info.task}"\n'
                     f'architecture = "{info.architecture}"\nscale = {info.scale}\n'
                     f'filename = "{info.filename}"\n')
    weights = cache / "weights.toml"
    weights.write_text("\n".join(lines), encoding="utf-8")
    return weights


def timed(fn, repeats: int, synchronize) -> float:
    """Median seconds of fn() after one warm-up call (kernels chosen, memory allocated)."""
    fn()
    synchronize()
    spent = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        synchronize()
        spent.append(time.perf_counter() - started)
    return float(np.median(spent))


def moving_clip(frames: int, width: int, height: int) -> np.ndarray:
    """A smooth drifting pattern, uint8 T×H×W×3 (numpy only: a bare GPU image may lack
    OpenCV)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    return np.stack([np.clip(np.stack([128 + 100 * np.sin((x + 6 * t) / 23 + c) *
                                       np.cos((y - 2 * t) / 17) for c in range(3)], -1), 0, 255)
                     for t in range(frames)]).astype(np.uint8)


def run_suite(args: argparse.Namespace) -> list[Measurement]:
    import torch

    from video.learned.choose import LearnedPost
    from video.learned.interpolate import Interpolator
    from video.learned.upscale import Upscaler
    from video.learned.weights import load_weights_list

    def synchronize() -> None:
        if args.device == "cuda":
            torch.cuda.synchronize()

    width, height = args.size
    frames = moving_clip(args.frames, width, height)
    where = f"{args.frames}×{width}×{height}, {args.device}"
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder)
        entries = {e.id: e for e in load_weights_list(saved_networks(cache))}
        loaded = {name: Upscaler.load(entries[name], entries[name].folder_path(cache),
                                      args.device)
                  for name in ("bench-compact-x2", "bench-x2plus")}
        rife = Interpolator.load(entries["bench-rife"], entries["bench-rife"].folder_path(cache),
                                 args.device)
        for name, label in (("bench-compact-x2", "Real-ESRGAN compact ×2 (64 features, "
                                                 "16 convs)"),
                            ("bench-x2plus", "Real-ESRGAN x2plus ×2 (RRDBNet, 23 blocks)")):
            seconds = timed(lambda n=name: loaded[n].upscale(frames[:1]), args.repeats,
                            synchronize)
            rows.append(Measurement(f"{label}: one {width}×{height} frame ({args.device})",
                                    seconds, args.repeats, note=f"{loaded[name].dtype}"))
        pair = frames[:2]
        seconds = timed(lambda: rife.interpolate(pair, 2), args.repeats, synchronize)
        rows.append(Measurement(f"RIFE v4.25: one in-between frame at {width}×{height} "
                                f"({args.device})", seconds, args.repeats,
                                note=f"{rife.dtype}"))
        learned = LearnedPost(loaded["bench-compact-x2"], rife)
        seconds = timed(lambda: learned.upscale(learned.interpolate(frames, 2)),
                        args.repeats, synchronize)
        rows.append(Measurement(f"RIFE ×2 then compact ×2, the networks alone: {where}",
                                seconds, args.repeats, note="no grade, no encode"))
        lacking = [name for name in ("imageio_ffmpeg", "cv2")
                   if importlib.util.find_spec(name) is None]
        if lacking:  # a bare GPU image: the networks' rows above stand alone
            print(f"note: no post-production rows: {', '.join(lacking)} not installed here",
                  file=sys.stderr)
            return rows
        from video.post import finish
        from video.types import Clip

        clip = Clip(frames=frames, fps=8, engine="bench", model="moving pattern")
        out = cache / "post.mp4"
        for label, post in (("learned (RIFE, compact ×2)", learned), ("DIS + Lanczos", None)):
            seconds = timed(lambda p=post: finish(clip, out, learned=p), args.repeats,
                            synchronize)
            rows.append(Measurement(f"post-production, {label}: {where} → ×2 @ 16 fps",
                                    seconds, args.repeats,
                                    target_s=POST_TARGET_S if args.frames == CLIP_FRAMES
                                    and args.size == CLIP_SIZE else None,
                                    note="encode included"))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        rows = run_suite(args)
    except ImportError as exc:  # a device image without a package the loader needs
        print(f"error: the learned suite cannot run here: {exc}", file=sys.stderr)
        return 1
    device = machine()
    if args.device == "cuda":
        import torch

        device += f", {torch.cuda.get_device_name()}, torch {torch.__version__}"
    print(f"Clipwright benchmarks, {time.strftime('%Y-%m-%d')}, {device}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
