"""The H.264 encode of a finished video: frames in (all at once, or block by block while
they are still being made), an MP4 out with its soundtrack muxed in the same pass, and a
poster still.

The 2× upscale happens inside the encode with a Lanczos resampler (scoring the same as
upscaling first, at half the time). Files are written to a temporary name and renamed, so
a half-written video never shows.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import cv2
import numpy as np
from PIL import Image

from files import atomic_path, write_image
from video.ffmpeg import AAC_BITRATE, FfmpegFeed
from video.types import Audio

# Chosen with `python -m bench quality` (bench/README.md, 2026-12-06), the mean of four
# ground-truth sequences scored on the decoded MP4: x264 `superfast` with CAVLC instead of
# CABAC and 4×4 transforms only (cabac=0:8x8dct=0) at CRF 21 scores 33.19 dB / SSIM 0.8810
# against 33.18 / 0.8798 for plain superfast at CRF 20, for 0.86× its CPU (1.91 against 2.21
# s per 97 frames) and 0.90× its bytes — and plays on Main-profile decoders. The encode is
# most of post-production's CPU, which is what a loaded machine pays. ultrafast loses 0.4 dB
# and 0.018 SSIM; veryfast and slower presets score no better for 1.6–4× the CPU. Upscaling
# in numpy before the encode scores the same for twice the time, so the upscale stays
# inside it (scale=lanczos).
X264_PRESET = "superfast"
X264_PARAMS = "cabac=0:8x8dct=0"
X264_CRF = 21
# An encode takes seconds to a minute even for the largest model's clips; this only stops
# an ffmpeg that hangs.
ENCODE_TIMEOUT_S = 1800.0


def encode_mp4(frames: np.ndarray, fps: float, out_path: Path, width: int, height: int,
               audio: Audio | None = None) -> Path:
    """Encode a whole clip (uint8 T×H×W×3): Lanczos scale to width×height, H.264 yuv420p,
    moov atom first; with `audio`, an AAC track beside the picture, from the same pass."""
    encode_blocks([frames], fps, out_path, width, height, audio=audio)
    return out_path


def encode_blocks(blocks: Iterable[np.ndarray], fps: float, out_path: Path, width: int,
                  height: int, audio: Audio | None = None,
                  keep_frame: int | None = None) -> np.ndarray | None:
    """Encode a clip that arrives a block at a time (each uint8 n×H×W×3, the same size),
    each block sent to the encoder as soon as it comes, so the encode runs while the next
    blocks are made. Returns frame `keep_frame` of the clip as it went in (for a poster),
    or None. Raises ValueError for a clip with no frames or blocks of different sizes."""
    blocks = iter(blocks)
    first = next(blocks, None)
    if first is None or not len(first):
        raise ValueError("a video needs at least one frame")
    _, src_h, src_w, _ = first.shape
    scale = [] if (src_w, src_h) == (width, height) else [
        "-vf", f"scale={width}:{height}:flags=lanczos"]
    kept, made = None, 0
    with atomic_path(out_path) as tmp, _audio_input(audio) as sound, FfmpegFeed(
            ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{src_w}x{src_h}",
             "-framerate", f"{fps:g}", "-i", "pipe:0", *sound, *scale, "-map", "0:v:0",
             "-c:v", "libx264", "-preset", X264_PRESET, "-x264-params", X264_PARAMS,
             "-crf", str(X264_CRF), "-pix_fmt", "yuv420p",
             *(["-map", "1:a:0", "-c:a", "aac", "-b:a", AAC_BITRATE] if sound else []),
             "-movflags", "+faststart", "-f", "mp4", str(tmp)],
            timeout=ENCODE_TIMEOUT_S, doing="encode the video") as encoder:
        for block in _chain(first, blocks):
            if block.shape[1:] != first.shape[1:]:
                raise ValueError(f"frames of {block.shape[2]}×{block.shape[1]} after "
                                 f"{src_w}×{src_h}: a video's frames are all one size")
            if keep_frame is not None and made <= keep_frame < made + len(block):
                kept = block[keep_frame - made].copy()
            encoder.write(np.ascontiguousarray(block, dtype=np.uint8))
            made += len(block)
    return kept


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


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
