"""Post-production: interpolate → grade → upscale → encode an MP4 and a poster.

Interpolation runs at the engine's size (the flow is as good there and four times
cheaper); the 2× upscale happens inside the H.264 encode with a Lanczos resampler.
Files are written to a temporary name and renamed, so a half-written video never shows.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image

from files import atomic_path
from video.ffmpeg import ffmpeg_exe
from video.interpolate import interpolate
from video.types import Clip, FinishedVideo

# A grade maps a whole clip (uint8 T×H×W×3) to a graded clip of the same shape.
Grade = Callable[[np.ndarray], np.ndarray]

DEFAULT_FPS = 16
DEFAULT_UPSCALE = 2
X264_PRESET = "veryfast"
X264_CRF = 18


def finish(clip: Clip, out_path: Path, *, grade: Grade | None = None,
           upscale: int = DEFAULT_UPSCALE, target_fps: int = DEFAULT_FPS) -> FinishedVideo:
    """Turn an engine's clip into a finished MP4 (H.264, yuv420p, +faststart) and poster."""
    out_path = Path(out_path)
    timings: dict[str, float] = {}

    # 1. Interpolate to the target frame rate (an integer multiple of the clip's).
    started = time.perf_counter()
    factor = interpolation_factor(clip.fps, target_fps)
    frames = interpolate(clip.frames, factor)
    fps = clip.fps * factor
    timings["interpolate"] = time.perf_counter() - started

    # 2. Grade the whole clip at once (the style's look).
    started = time.perf_counter()
    if grade is not None:
        frames = grade(frames)
    timings["grade"] = time.perf_counter() - started

    # 3. Upscale while encoding, and write a poster from the middle frame.
    started = time.perf_counter()
    width, height = _even(clip.size[0] * upscale), _even(clip.size[1] * upscale)
    encode_mp4(frames, fps, out_path, width, height)
    poster = write_poster(frames[len(frames) // 2], out_path.with_suffix(".jpg"), width, height)
    timings["encode"] = time.perf_counter() - started

    return FinishedVideo(mp4=out_path, poster=poster, width=width, height=height, fps=fps,
                         frames=len(frames), timings=timings)


def interpolation_factor(source_fps: float, target_fps: float) -> int:
    """How many output frames per input frame; 1 when the target is not a clean multiple."""
    if target_fps <= source_fps:
        return 1
    ratio = target_fps / source_fps
    return int(round(ratio)) if abs(ratio - round(ratio)) < 1e-6 else 1


def encode_mp4(frames: np.ndarray, fps: float, out_path: Path, width: int, height: int) -> Path:
    """Pipe raw RGB frames into ffmpeg: Lanczos scale, H.264 yuv420p, moov atom first."""
    count, src_h, src_w, _ = frames.shape
    scale = [] if (src_w, src_h) == (width, height) else [
        "-vf", f"scale={width}:{height}:flags=lanczos"]
    with atomic_path(out_path) as tmp:
        cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{src_w}x{src_h}",
               "-framerate", f"{fps:g}", "-i", "pipe:0", *scale,
               "-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(X264_CRF),
               "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(tmp)]
        proc = subprocess.run(cmd, input=np.ascontiguousarray(frames).tobytes(),
                              capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError("ffmpeg could not encode the video: "
                               + proc.stderr.decode("utf-8", "replace").strip()[-400:])
    return out_path


def write_poster(frame: np.ndarray, path: Path, width: int, height: int) -> Path:
    """A JPEG still at the video's size."""
    image = cv2.resize(frame, (width, height), interpolation=cv2.INTER_LANCZOS4)
    with atomic_path(path) as tmp:
        Image.fromarray(image).save(tmp, format="JPEG", quality=90, optimize=True)
    return path


def _even(value: int) -> int:
    return value - value % 2
