"""`python -m bench quality`: interpolation and encoding scored against a known sequence.

A synthetic ground truth at 1440×960 @ 16 fps — a procedural, photograph-like collage (1/f
noise patches of many scales, hard and soft edges, stripes) panned by the camera under a
textured cut-out that moves its own way — is downscaled to 720×480 @ 8 fps: what an
engine hands post-production. Every way of making the 16-fps, 1440×960 video from it is
scored against the truth: PSNR/SSIM of the in-between frames (made up) and of the kept
frames (upscaled only), with the seconds it took. Then the H.264 encode: x264 preset, CRF,
and whether the 2× upscale happens before the encode (cv2 Lanczos) or inside it (ffmpeg
scale=lanczos), and x264 options beyond the preset (CABAC, the 8×8 transform), scored on
the decoded MP4 with seconds, ffmpeg's CPU seconds and bytes; every table is the mean over
four sequences (`SEEDS`).

Nothing is downloaded; the sequence is made from a seed. The quality tables are printed;
the seconds are returned as Measurements like every suite's.
"""

from __future__ import annotations

import resource
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from bench.quality import psnr, ssim
from bench.timing import Measurement
from video.ffmpeg import run_ffmpeg
from video.interpolate import FlowSettings, interpolate

TRUTH_SIZE = (1440, 960)
TRUTH_FPS = 16
TRUTH_FRAMES = 41  # 2.5 s at 16 fps; the engine's clip is its even frames: 21 at 8 fps
CLIP_FRAMES = 49  # a CogVideoX clip: seconds are also given scaled to its 48 pairs
SEEDS = (0, 1, 2, 3)  # the sequences every interpolator is scored on (textures differ)

# An interpolator: 720×480 frames at 8 fps → the 16-fps frames at the same size.
Interpolator = Callable[[np.ndarray], np.ndarray]


# ------------------------------------------------------------------------ the ground truth

def _pink_noise(rng: np.random.Generator, height: int, width: int, slope: float) -> np.ndarray:
    """A field of 1/f^slope noise in [0, 1]: the spectrum of natural photographs."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.sqrt(fx * fx + fy * fy)
    radius[0, 0] = 1.0
    spectrum = (rng.standard_normal(radius.shape) + 1j * rng.standard_normal(radius.shape))
    field = np.fft.irfft2(spectrum / radius**slope, s=(height, width))
    field -= field.min()
    return (field / max(field.max(), 1e-9)).astype(np.float32)


def _texture(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """One patch's look: a tinted mix of coarse and fine 1/f noise, sometimes stripes."""
    slope = rng.uniform(0.9, 1.6)
    luma = 0.75 * _pink_noise(rng, height, width, slope) + 0.25 * _pink_noise(rng, height, width, 0.6)
    if rng.random() < 0.1:  # fabric, fences, text lines: strong oriented detail
        y, x = np.mgrid[0:height, 0:width].astype(np.float32)
        angle, period = rng.uniform(0, np.pi), rng.uniform(10, 30)
        luma = 0.6 * luma + 0.4 * (0.5 + 0.5 * np.sin((x * np.cos(angle) + y * np.sin(angle))
                                                     * 2 * np.pi / period))
    tint = rng.uniform(0.35, 1.0, 3).astype(np.float32)
    base = rng.uniform(0.0, 0.35, 3).astype(np.float32)
    return np.clip(base + luma[..., None] * tint, 0, 1) * 255


def _collage(rng: np.random.Generator, height: int, width: int, patches: int) -> np.ndarray:
    """Overlapping rectangles and ellipses of different textures, some edges blurred."""
    canvas = _texture(rng, height, width)
    for _ in range(patches):
        h = int(rng.uniform(0.15, 0.5) * height)
        w = int(rng.uniform(0.15, 0.5) * width)
        top, left = int(rng.integers(0, height - h)), int(rng.integers(0, width - w))
        mask = np.zeros((height, width), np.float32)
        if rng.random() < 0.5:
            cv2.rectangle(mask, (left, top), (left + w, top + h), 1.0, -1)
        else:
            cv2.ellipse(mask, (left + w // 2, top + h // 2), (w // 2, h // 2),
                        float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA)
        if rng.random() < 0.4:  # a soft edge (out of focus), else a sharp one
            mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(2, 8))
        patch = _texture(rng, height, width)
        canvas = canvas * (1 - mask[..., None]) + patch * mask[..., None]
    return canvas.astype(np.float32)


def ground_truth(width: int = TRUTH_SIZE[0], height: int = TRUTH_SIZE[1],
                 frames: int = TRUTH_FRAMES, seed: int = 0) -> np.ndarray:
    """The true sequence, uint8 T×H×W×3: the camera pans over a collage (easing, with a
    slight drift down) while a textured cut-out crosses it on an arc of its own."""
    rng = np.random.default_rng(seed)
    unit = width / 1440  # motion scales with the picture, so a small version moves alike
    pan = np.array([4.0, 1.2]) * unit  # pixels per 16-fps frame at full size
    margin = int(np.ceil(np.abs(pan).max() * frames)) + 8
    canvas = _collage(rng, height + 2 * margin, width + 2 * margin, patches=14)
    sprite_h, sprite_w = int(0.3 * height), int(0.22 * width)
    sprite = _collage(rng, sprite_h, sprite_w, patches=3)
    alpha = np.zeros((sprite_h, sprite_w), np.float32)
    cv2.ellipse(alpha, (sprite_w // 2, sprite_h // 2), (sprite_w // 2 - 2, sprite_h // 2 - 2),
                0, 0, 360, 1.0, -1, cv2.LINE_AA)
    out = np.empty((frames, height, width, 3), np.uint8)
    period = TRUTH_FRAMES - 1  # motion is set per frame, so a shorter sequence is its start
    for k in range(frames):
        ease = k + 0.3 * period / (2 * np.pi) * np.sin(2 * np.pi * k / period)  # speeds, slows
        cam = margin + pan * ease - np.array([0.0, margin * 0.5])
        view = cv2.warpAffine(canvas, np.float32([[1, 0, -cam[0]], [0, 1, -cam[1]]]),
                              (width, height), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_REFLECT)
        # The object: left to right, faster than the pan, on a gentle arc.
        s = k / period
        at = np.array([0.1 * width + 0.6 * width * s,
                       0.35 * height + 0.2 * height * np.sin(np.pi * s)])
        place = np.float32([[1, 0, at[0]], [0, 1, at[1]]])
        moved = cv2.warpAffine(sprite, place, (width, height), flags=cv2.INTER_CUBIC)
        cover = cv2.warpAffine(alpha, place, (width, height), flags=cv2.INTER_LINEAR)[..., None]
        out[k] = np.clip(view * (1 - cover) + moved * cover + 0.5, 0, 255).astype(np.uint8)
    return out


def engine_clip(truth: np.ndarray) -> np.ndarray:
    """What the engine would have rendered: every other frame, at half the size."""
    _, height, width, _ = truth.shape
    return np.stack([cv2.resize(f, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
                     for f in truth[::2]])


def upscale(frames: np.ndarray, width: int, height: int) -> np.ndarray:
    """Lanczos to the output size, as post-production does."""
    return np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_LANCZOS4)
                     for f in frames])


# ------------------------------------------------------------------------ the interpolators

def repeat_frames(clip: np.ndarray) -> np.ndarray:
    """Each in-between frame is the frame before it."""
    return np.repeat(clip, 2, axis=0)[:-1]


def blend_frames(clip: np.ndarray) -> np.ndarray:
    """Each in-between frame is the mean of its neighbours."""
    out = np.repeat(clip, 2, axis=0)[:-1].copy()
    mean = (clip[:-1].astype(np.uint16) + clip[1:] + 1) // 2
    out[1::2] = mean.astype(np.uint8)
    return out


def minterpolate(clip: np.ndarray) -> np.ndarray:
    """ffmpeg's motion-compensated interpolation (mci, bidirectional ME, overlapped MC)."""
    count, height, width, _ = clip.shape
    run = run_ffmpeg(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
                      "-framerate", "8", "-i", "pipe:0",
                      "-vf", "minterpolate=fps=16:mi_mode=mci:mc_mode=aobmc:me_mode=bidir",
                      "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                     input_bytes=np.ascontiguousarray(clip).tobytes(), doing="minterpolate")
    frames = np.frombuffer(run.stdout, np.uint8).reshape(-1, height, width, 3)
    wanted = 2 * count - 1
    if len(frames) < wanted:  # the filter may stop at the last input frame's time
        frames = np.concatenate([frames, np.repeat(frames[-1:], wanted - len(frames), 0)])
    return frames[:wanted]


def dis(settings: FlowSettings) -> Interpolator:
    return lambda clip: interpolate(clip, 2, settings)


def methods() -> dict[str, Interpolator]:
    """Every interpolator the bench scores, by the name its table row shows."""
    table: dict[str, Interpolator] = {
        "repeat frame": repeat_frames,
        "blend": blend_frames,
        "ffmpeg minterpolate=mci": minterpolate,
    }
    for preset in ("ultrafast", "fast", "medium"):
        table[f"DIS {preset}"] = dis(FlowSettings(preset))
    # The finest pyramid level: ultrafast and fast stop at a quarter of the size, medium at half.
    for preset, finest in (("ultrafast", 1), ("fast", 1), ("medium", 2), ("ultrafast", 0)):
        table[f"DIS {preset}, finest scale {finest}"] = dis(FlowSettings(preset, finest))
    # Patch spacing and iterations at half size (the default's neighbours).
    for stride, iterations in ((8, None), (8, 8), (8, 4)):
        name = f"DIS ultrafast, finest scale 1, stride {stride}" + \
            (f", {iterations} iterations" if iterations else "")
        table[name] = dis(FlowSettings("ultrafast", 1, stride, iterations))
    return table


# ------------------------------------------------------------------------------ scoring

@dataclass
class Score:
    """How close one method's 16-fps video is to the truth."""

    name: str
    psnr_between: float
    ssim_between: float
    psnr_kept: float
    ssim_kept: float
    seconds: float  # on this clip
    pairs: int  # frame pairs in this clip (seconds scale with it)

    @property
    def seconds_for_clip(self) -> float:
        """Seconds scaled to a CogVideoX clip's 48 pairs."""
        return self.seconds * (CLIP_FRAMES - 1) / max(self.pairs, 1)


def score(name: str, video: np.ndarray, truth: np.ndarray, seconds: float) -> Score:
    """PSNR/SSIM of the in-between (odd) and kept (even) frames of a full-size video."""
    if video.shape != truth.shape:
        raise ValueError(f"{name}: made {video.shape}, the truth is {truth.shape}")
    return Score(name, psnr(truth[1::2], video[1::2]), ssim(truth[1::2], video[1::2]),
                 psnr(truth[::2], video[::2]), ssim(truth[::2], video[::2]), seconds,
                 len(truth) // 2)


def score_interpolator(name: str, make: Interpolator, clip: np.ndarray, truth: np.ndarray,
                       runs: int = 1) -> Score:
    """Time `make` on the engine clip (median of runs) and score its upscaled output."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        made = make(clip)
        times.append(time.perf_counter() - started)
    _, height, width, _ = truth.shape
    return score(name, upscale(made, width, height), truth, statistics.median(times))


def ceiling(truth: np.ndarray) -> Score:
    """The best any interpolator could do: the true frames, down- and upscaled."""
    _, height, width, _ = truth.shape
    small = np.stack([cv2.resize(f, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
                      for f in truth])
    return score("ceiling (true frames, down- and upscaled)", upscale(small, width, height),
                 truth, 0.0)


# ------------------------------------------------------------------------------ encoding

@dataclass(frozen=True)
class EncodeChoice:
    """One way to encode: x264 preset, CRF, and where the 2× Lanczos upscale happens."""

    preset: str
    crf: int
    upscale_in: str  # "ffmpeg" (scale=lanczos in the encode) or "numpy" (cv2 before it)
    params: str = ""  # x264's own options on top of the preset ("cabac=0:8x8dct=0")

    @property
    def name(self) -> str:
        extra = f" {self.params}" if self.params else ""
        return f"x264 {self.preset}{extra} crf {self.crf}, upscale in {self.upscale_in}"


@dataclass
class EncodeScore:
    choice: EncodeChoice
    psnr: float
    ssim: float
    seconds: float
    bytes: int
    cpu: float = 0.0  # ffmpeg's CPU seconds (all its threads): what a loaded machine pays


def child_cpu_seconds() -> float:
    """CPU time of this process's finished children (the ffmpeg runs)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def encode_and_decode(frames: np.ndarray, choice: EncodeChoice, width: int, height: int,
                      folder: Path) -> tuple[np.ndarray, float, int, float]:
    """Encode 16-fps frames as post-production would, then decode them; (frames, seconds,
    bytes, ffmpeg's CPU seconds)."""
    out = folder / "choice.mp4"
    started, cpu = time.perf_counter(), child_cpu_seconds()
    if choice.upscale_in == "numpy":
        frames = upscale(frames, width, height)
    _, src_h, src_w, _ = frames.shape
    scale = [] if (src_w, src_h) == (width, height) else [
        "-vf", f"scale={width}:{height}:flags=lanczos"]
    run_ffmpeg(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{src_w}x{src_h}",
                "-framerate", "16", "-i", "pipe:0", *scale, "-c:v", "libx264",
                "-preset", choice.preset, "-crf", str(choice.crf),
                *(["-x264-params", choice.params] if choice.params else []), "-pix_fmt", "yuv420p",
                "-movflags", "+faststart", "-f", "mp4", str(out)],
               input_bytes=np.ascontiguousarray(frames).tobytes(), doing="encode a choice")
    seconds, cpu = time.perf_counter() - started, child_cpu_seconds() - cpu
    decoded = run_ffmpeg(["-i", str(out), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                         doing="decode a choice").stdout
    return (np.frombuffer(decoded, np.uint8).reshape(-1, height, width, 3), seconds,
            out.stat().st_size, cpu)


def score_encode(frames: np.ndarray, choice: EncodeChoice, truth: np.ndarray,
                 folder: Path) -> EncodeScore:
    _, height, width, _ = truth.shape
    decoded, seconds, size, cpu = encode_and_decode(frames, choice, width, height, folder)
    return EncodeScore(choice, psnr(truth, decoded), ssim(truth, decoded), seconds, size, cpu)


def encode_choices() -> list[EncodeChoice]:
    """Every preset at CRF 18, every CRF at veryfast, and both upscale placements."""
    choices = [EncodeChoice(p, 18, "ffmpeg")
               for p in ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")]
    choices += [EncodeChoice("superfast", crf, "ffmpeg") for crf in (20, 22)]
    choices += [EncodeChoice("veryfast", crf, "ffmpeg") for crf in (16, 20, 23)]
    choices += [EncodeChoice(p, crf, "numpy") for p, crf in
                (("ultrafast", 18), ("veryfast", 18), ("faster", 18), ("veryfast", 20))]
    choices += [EncodeChoice("faster", crf, "ffmpeg") for crf in (16, 20)]
    # CAVLC instead of CABAC and 4×4 transforms only: cheaper entropy coding and analysis
    # for more bytes (the decision in bench/README.md, issue #21).
    choices += [EncodeChoice("superfast", crf, "ffmpeg", params) for crf, params in
                ((20, "cabac=0"), (20, "cabac=0:8x8dct=0"), (21, "cabac=0:8x8dct=0"),
                 (20, "8x8dct=0"), (20, "aq-mode=0"))]
    return choices


# ------------------------------------------------------------------------------ the report

def markdown_table(columns: list[str], rows: list[list[str]]) -> str:
    """A Markdown table: a header of `columns`, then one line per row of cells."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def interpolation_table(scores: list[Score]) -> str:
    return markdown_table(
        ["method", "PSNR in-between", "SSIM in-between", "PSNR kept", "SSIM kept",
         "seconds (this clip)", "seconds (49 frames)"],
        [[s.name, f"{s.psnr_between:.2f} dB", f"{s.ssim_between:.3f}", f"{s.psnr_kept:.2f} dB",
          f"{s.ssim_kept:.3f}", f"{s.seconds:.2f} s", f"{s.seconds_for_clip:.2f} s"]
         for s in scores])


def encode_table(scores: list[EncodeScore], frames: int) -> str:
    scale = CLIP_FRAMES * 2 - 1
    return markdown_table(
        ["encode", "PSNR", "SSIM", "seconds (this clip)", "seconds (97 frames)",
         "CPU (97 frames)", "bytes (97 frames)"],
        [[s.choice.name, f"{s.psnr:.2f} dB", f"{s.ssim:.4f}", f"{s.seconds:.2f} s",
          f"{s.seconds * scale / frames:.2f} s", f"{s.cpu * scale / frames:.2f} s",
          f"{s.bytes * scale // frames:,}"] for s in scores])


def mean(values) -> float:
    """The mean of some figures (one per sequence)."""
    return float(statistics.fmean(values))


def mean_encode(scores: list[EncodeScore]) -> EncodeScore:
    """One encode choice's scores on several sequences, averaged."""
    return EncodeScore(scores[0].choice, mean(s.psnr for s in scores),
                       mean(s.ssim for s in scores), mean(s.seconds for s in scores),
                       int(mean(s.bytes for s in scores)), mean(s.cpu for s in scores))


def mean_score(scores: list[Score]) -> Score:
    """One method's scores on several sequences, averaged (seconds too)."""
    return Score(scores[0].name, mean(s.psnr_between for s in scores),
                 mean(s.ssim_between for s in scores), mean(s.psnr_kept for s in scores),
                 mean(s.ssim_kept for s in scores), mean(s.seconds for s in scores),
                 scores[0].pairs)


def run(repeats: int) -> list[Measurement]:
    """Score every interpolator (averaged over SEEDS sequences) and encode choice; print the
    tables; return the seconds."""
    runs = max(1, min(repeats, 3))
    by_method: dict[str, list[Score]] = {}
    for seed in SEEDS:  # one sequence can flatter a setting: each differs in its textures
        truth = ground_truth(seed=seed)
        clip = engine_clip(truth)
        for name, make in methods().items():
            by_method.setdefault(name, []).append(score_interpolator(name, make, clip, truth,
                                                                     runs))
        by_method.setdefault("ceiling (true frames, down- and upscaled)", []).append(
            ceiling(truth))
    scores = [mean_score(group) for group in by_method.values()]
    print(f"Interpolation: 21 frames 720×480 @ 8 fps → 41 @ 16 fps, Lanczos ×2, vs the "
          f"1440×960 truth; mean of {len(SEEDS)} sequences\n")
    print(interpolation_table(scores) + "\n")

    from video.interpolate import DEFAULT_FLOW

    by_choice: dict[EncodeChoice, list[EncodeScore]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for seed in SEEDS:
            truth = ground_truth(seed=seed)
            made = interpolate(engine_clip(truth), 2, DEFAULT_FLOW)
            for choice in encode_choices():
                by_choice.setdefault(choice, []).append(
                    score_encode(made, choice, truth, Path(folder)))
    encodes = [mean_encode(group) for group in by_choice.values()]
    print(f"Encode of the DEFAULT_FLOW video ({DEFAULT_FLOW}) vs the truth, all frames; "
          f"mean of {len(SEEDS)} sequences\n")
    print(encode_table(encodes, len(truth)) + "\n")

    measurements = [Measurement(f"interpolate: {s.name}", s.seconds_for_clip, runs,
                                note=f"{s.psnr_between:.2f} dB / SSIM {s.ssim_between:.3f} "
                                     "in-between; scaled to 48 pairs")
                    for s in scores if s.seconds]
    measurements += [Measurement(f"encode: {e.choice.name}", e.seconds * (CLIP_FRAMES * 2 - 1)
                                 / len(truth), 1,
                                 note=f"{e.psnr:.2f} dB / SSIM {e.ssim:.4f}, CPU "
                                      f"{e.cpu * (CLIP_FRAMES * 2 - 1) / len(truth):.2f} s; "
                                      "scaled to 97 frames")
                     for e in encodes]
    return measurements
