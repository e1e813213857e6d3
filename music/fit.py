"""Fitting a track to a clip and muxing it in.

The soundtrack is cut to the clip's exact length so that it ends on a bar line at the
clip's last frame: the cut starts a fraction of a bar into the track (with a short
fade-in) and fades out over at least 0.8 s into that bar line. A clip longer than the
track loops it: built-in tracks are circular renders, so they join at their loop points
sample for sample; other audio is crossfaded. The result is levelled to −16 LUFS with
peaks under −1 dBFS, encoded to AAC and muxed beside the untouched video stream.

numpy does the arithmetic and the bundled ffmpeg decodes, encodes and muxes in one pass
each, through video.ffmpeg.run_ffmpeg (pydub or moviepy would add a round trip through WAV
files for nothing here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from files import atomic_path
from music import dsp
from video.ffmpeg import AAC_BITRATE, probe, run_ffmpeg

RATE = dsp.SR
TARGET_LUFS = -16.0
CEILING_DB = -1.0
MIN_FADE_OUT = 0.8
UPLOAD_CROSSFADE = 1.5  # seconds, when looping audio that was not made to loop


@dataclass(frozen=True)
class LoopPlan:
    """How a source may be cut and looped: its bar length (None when unknown) and the
    part that repeats; `seamless` when the end runs straight into the loop start."""

    bar_seconds: float | None = None
    loop_start: float = 0.0
    loop_end: float | None = None  # None: the end of the audio
    seamless: bool = False


@dataclass(frozen=True)
class FitReport:
    """What fitting did: where in the track the cut began, its fades, and the levels."""

    duration: float
    start_offset: float
    fade_in: float
    fade_out: float
    loops: int
    loudness_lufs: float
    peak_db: float


def decode(path: Path | str, rate: int = RATE) -> np.ndarray:
    """Any audio file ffmpeg reads, as float32 stereo (n, 2) at `rate`."""
    run = run_ffmpeg(["-i", str(path), "-map", "0:a:0", "-f", "f32le", "-acodec", "pcm_f32le",
                      "-ac", "2", "-ar", str(rate), "pipe:1"], doing=f"decode '{path}'")
    return np.frombuffer(run.stdout, dtype="<f4").reshape(-1, 2)


def loop_to_length(audio: np.ndarray, length: int, loop_start: int, loop_end: int,
                   crossfade: int) -> tuple[np.ndarray, int]:
    """The audio repeated between its loop points until it is `length` samples long, each
    join crossfaded over `crossfade` samples (0: a plain splice). Returns (audio, loops)."""
    if len(audio) >= length:
        return audio[:length], 0
    body = audio[loop_start:loop_end]
    crossfade = min(crossfade, len(body) // 2)
    out = np.array(audio[:loop_end], dtype=np.float64)
    loops = 0
    fade_in = np.sin(np.linspace(0.0, np.pi / 2, crossfade))[:, None] if crossfade else None
    while len(out) < length:
        loops += 1
        if crossfade:  # equal-power: the tail of one pass fades out under the next's start
            head = body[:crossfade] * fade_in
            out[-crossfade:] = out[-crossfade:] * fade_in[::-1] + head
            out = np.concatenate([out, body[crossfade:]])
        else:
            out = np.concatenate([out, body])
    return out[:length], loops


def leading_silence(audio: np.ndarray, threshold_db: float = -45.0) -> int:
    """Samples before the audio first rises above the threshold (less 50 ms of lead-in)."""
    loud = np.flatnonzero(np.abs(audio).max(axis=1) > dsp.db(threshold_db))
    return max(0, int(loud[0]) - int(0.05 * RATE)) if len(loud) else 0


def _ramp(n: int) -> np.ndarray:
    """A raised-cosine 0→1 ramp of n samples."""
    return 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, n)) if n > 0 else np.zeros(0)


def fit_audio(audio: np.ndarray, duration: float, plan: LoopPlan = LoopPlan(),
              rate: int = RATE) -> tuple[np.ndarray, FitReport]:
    """Cut, loop, level and fade `audio` to exactly round(duration × rate) samples."""
    length = int(round(duration * rate))
    if length <= 0:
        raise ValueError("the clip has no duration")
    if len(audio) == 0:
        raise ValueError("the soundtrack has no samples")
    if plan.bar_seconds:
        # End on a bar line at the clip's end: start that much into the first bar.
        bars = math.ceil(duration / plan.bar_seconds - 1e-6)
        start = int(round((bars * plan.bar_seconds - duration) * rate))
    else:
        start = leading_silence(audio)
    loop_start = int(round(plan.loop_start * rate))
    loop_end = len(audio) if plan.loop_end is None else min(len(audio), int(round(plan.loop_end * rate)))
    crossfade = 0 if plan.seamless else int(UPLOAD_CROSSFADE * rate)
    if loop_end - loop_start < rate // 2:
        loop_start, loop_end = 0, len(audio)
    looped, loops = loop_to_length(audio, start + length, loop_start, loop_end, crossfade)
    out = np.array(looped[start:start + length], dtype=np.float64)

    # Level before the fades, so the fades do not count as quiet music.
    measured = dsp.loudness(out, rate) if length >= int(0.5 * rate) else -math.inf
    if math.isfinite(measured):
        out *= dsp.db(float(np.clip(TARGET_LUFS - measured, -30.0, 30.0)))
    out = dsp.limit(out, dsp.db(CEILING_DB) * 0.98, circular=False)

    fade_in = min(0.3 if start else 0.05, duration / 4)
    fade_out = min(max(MIN_FADE_OUT, 0.25 * duration), 3.0, duration / 2)
    n_in, n_out = int(fade_in * rate), int(fade_out * rate)
    out[:n_in] *= _ramp(n_in)[:, None]
    out[length - n_out:] *= _ramp(n_out)[::-1, None]
    level = dsp.loudness(out, rate) if length >= int(0.5 * rate) else -math.inf
    peak = float(np.abs(out).max()) if out.size else 0.0
    return out.astype(np.float32), FitReport(
        duration=length / rate, start_offset=start / rate, fade_in=fade_in, fade_out=fade_out,
        loops=loops, loudness_lufs=round(level, 2),
        peak_db=round(20 * math.log10(peak), 2) if peak > 0 else -math.inf)


def video_duration(path: Path | str) -> float:
    """Seconds of video in an MP4: frames / fps (what the player shows). Frames are counted
    from the stream's packets, not decoded, so this stays fast for large clips."""
    info = probe(path, frames="packets")
    video = info.first("video")
    if video is None or video.fps <= 0:
        raise ValueError(f"'{path}' has no video stream with a frame rate")
    return info.video_frames / video.fps


def mux(video: Path, audio: np.ndarray, out: Path, rate: int = RATE) -> Path:
    """Write `out`: the video's stream copied as is, plus the audio encoded as AAC."""
    video, out = Path(video), Path(out)
    with atomic_path(out) as tmp:
        run_ffmpeg(["-i", str(video),
                    "-f", "f32le", "-ar", str(rate), "-ac", "2", "-i", "pipe:0",
                    "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy",
                    "-c:a", "aac", "-b:a", AAC_BITRATE, "-movflags", "+faststart",
                    "-f", "mp4", str(tmp)],
                   input_bytes=np.ascontiguousarray(audio, dtype="<f4").tobytes(),
                   doing="mux the soundtrack")
    return out


def add_soundtrack(video: Path, source: Path, plan: LoopPlan = LoopPlan(),
                   out: Path | None = None) -> FitReport:
    """Fit the audio file `source` to the video and mux it in (in place unless `out`)."""
    duration = video_duration(video)
    audio, report = fit_audio(decode(source), duration, plan)
    mux(Path(video), audio, Path(out or video))
    return report

