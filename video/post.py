"""Post-production: interpolate → grade → upscale → encode an MP4 (with its soundtrack)
and a poster.

Interpolation runs at the engine's size (the flow is as good there and four times
cheaper); the 2× upscale happens inside the H.264 encode with a Lanczos resampler. A
soundtrack is made on a worker thread while the frames are (it needs only the video's
length) and muxed in the same ffmpeg pass as the picture, so the file is written once.
Files are written to a temporary name and renamed, so a half-written video never shows.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import cv2
import numpy as np
from PIL import Image

from files import atomic_path, write_image
from video.ffmpeg import AAC_BITRATE, run_ffmpeg
from video.interpolate import interpolate
from video.types import Audio, Clip, FinishedVideo

if TYPE_CHECKING:  # torch is imported only where a learned pass is used
    from video.learned import LearnedPost

# A grade maps a whole clip (uint8 T×H×W×3) to a graded clip of the same shape.
Grade = Callable[[np.ndarray], np.ndarray]
# A soundtrack for a video of the given length in seconds, exactly that long.
AudioFor = Callable[[float], Audio]

DEFAULT_FPS = 16
DEFAULT_UPSCALE = 2
# Chosen with `python -m bench quality` (bench/README.md, 2026-12-06): against the ground
# truth, superfast/CRF 20 scores 31.16 dB / SSIM 0.882 — what veryfast/CRF 18 scored (31.17 /
# 0.883) — in about half the encode time (0.81 s against 1.55 s for 41 frames, quiet), for
# 1.26× the bytes; the encode is most of post-production's CPU, so this is what keeps the
# director's post-production near its 6 s budget under load. ultrafast loses 0.25 dB and
# 0.017 SSIM; faster, fast and medium score no better. Upscaling in numpy before the encode
# scores the same and costs 1.9× the time, so the upscale stays inside it (scale=lanczos).
X264_PRESET = "superfast"
X264_CRF = 20
# An encode takes seconds to a minute even for the largest model's clips; this only stops
# an ffmpeg that hangs.
ENCODE_TIMEOUT_S = 1800.0


def finish(clip: Clip, out_path: Path, *, grade: Grade | None = None,
           upscale: int = DEFAULT_UPSCALE, target_fps: int = DEFAULT_FPS,
           audio: AudioFor | None = None,
           learned: LearnedPost | None = None) -> FinishedVideo:
    """Turn an engine's clip into a finished MP4 (H.264, yuv420p, +faststart) and poster;
    with `audio`, its soundtrack (AAC) is muxed in while the picture is encoded. With
    `learned` (a GPU host with the weights, video/learned/), RIFE interpolates and
    Real-ESRGAN upscales instead of DIS flow and the encode's Lanczos."""
    out_path = Path(out_path)
    timings: dict[str, float] = {}
    factor = interpolation_factor(clip.fps, target_fps)
    fps = clip.fps * factor
    count = interpolated_count(len(clip.frames), factor)

    with ThreadPoolExecutor(1, thread_name_prefix="soundtrack") as worker:
        # 0. The soundtrack needs only the length: it is made while the frames are.
        soundtrack = worker.submit(_timed, audio, count / fps) if audio is not None else None

        # 1. Interpolate to the target frame rate (an integer multiple of the clip's).
        started = time.perf_counter()
        frames = learned.interpolate(clip.frames, factor) if learned is not None else \
            interpolate(clip.frames, factor)
        timings["interpolate"] = time.perf_counter() - started

        # 2. Grade the whole clip at once (the style's look).
        started = time.perf_counter()
        if grade is not None:
            frames = grade(frames)
        timings["grade"] = time.perf_counter() - started

        # 2b. A learned upscale adds detail the encode's Lanczos cannot (GPU hosts only); the
        # encode then scales only what is left to reach the size (nothing at ×2).
        if learned is not None and learned.upscaler is not None:
            started = time.perf_counter()
            frames = learned.upscale(frames)
            timings["upscale"] = time.perf_counter() - started

        # 3. Upscale while encoding (the soundtrack muxed in), and a poster of the middle frame.
        sound = None
        if soundtrack is not None:
            sound, timings["audio"] = soundtrack.result()
        started = time.perf_counter()
        width, height = _even(clip.size[0] * upscale), _even(clip.size[1] * upscale)
        encode_mp4(frames, fps, out_path, width, height, audio=sound)
        poster = write_poster(frames[len(frames) // 2], out_path.with_suffix(".jpg"), width,
                              height)
        timings["encode"] = time.perf_counter() - started

    return FinishedVideo(mp4=out_path, poster=poster, width=width, height=height, fps=fps,
                         frames=len(frames), timings=timings)


def _timed(make: AudioFor, seconds: float) -> tuple[Audio, float]:
    started = time.perf_counter()
    audio = make(seconds)
    return audio, time.perf_counter() - started


def interpolated_count(count: int, factor: int) -> int:
    """Frames `interpolate` makes of `count` frames: factor-1 between each pair."""
    return count if factor == 1 or count < 2 else (count - 1) * factor + 1


def interpolation_factor(source_fps: float, target_fps: float) -> int:
    """How many output frames per input frame; 1 when the target is not a clean multiple."""
    if target_fps <= source_fps:
        return 1
    ratio = target_fps / source_fps
    return int(round(ratio)) if abs(ratio - round(ratio)) < 1e-6 else 1


def encode_mp4(frames: np.ndarray, fps: float, out_path: Path, width: int, height: int,
               audio: Audio | None = None) -> Path:
    """Pipe raw RGB frames into ffmpeg: Lanczos scale, H.264 yuv420p, moov atom first;
    with `audio`, an AAC track beside the picture, from the same pass."""
    _, src_h, src_w, _ = frames.shape
    scale = [] if (src_w, src_h) == (width, height) else [
        "-vf", f"scale={width}:{height}:flags=lanczos"]
    with atomic_path(out_path) as tmp, _audio_input(audio) as sound:
        run_ffmpeg(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{src_w}x{src_h}",
                    "-framerate", f"{fps:g}", "-i", "pipe:0", *sound, *scale, "-map", "0:v:0",
                    "-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(X264_CRF),
                    "-pix_fmt", "yuv420p",
                    *(["-map", "1:a:0", "-c:a", "aac", "-b:a", AAC_BITRATE] if sound else []),
                    "-movflags", "+faststart", "-f", "mp4", str(tmp)],
                   input_bytes=np.ascontiguousarray(frames).tobytes(),
                   timeout=ENCODE_TIMEOUT_S, doing="encode the video")
    return out_path


@contextmanager
def _audio_input(audio: Audio | None) -> Iterator[list[str]]:
    """ffmpeg's input arguments for the soundtrack (a raw float file for the pass), or []."""
    if audio is None:
        yield []
        return
    with tempfile.NamedTemporaryFile(prefix="clipwright-", suffix=".f32le") as raw:
        raw.write(np.ascontiguousarray(audio.samples, dtype="<f4").tobytes())
        raw.flush()
        yield ["-f", "f32le", "-ar", str(audio.rate), "-ac", "2", "-i", raw.name]


def write_poster(frame: np.ndarray, path: Path, width: int, height: int) -> Path:
    """A JPEG still at the video's size, written completely or not at all."""
    image = cv2.resize(frame, (width, height), interpolation=cv2.INTER_LANCZOS4)
    return write_image(Image.fromarray(image), path, "JPEG", quality=90, optimize=True)


def _even(value: int) -> int:
    return value - value % 2
