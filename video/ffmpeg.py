"""The ffmpeg shipped inside imageio-ffmpeg, and a probe that reads what a file holds."""

from __future__ import annotations

import errno
import re
import signal
import subprocess
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


AAC_BITRATE = "192k"  # every soundtrack we mux, in post-production or afterwards


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg (no system ffmpeg assumed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: list[str], *, input_bytes: bytes | None = None, timeout: float = 300) -> str:
    """Run ffmpeg quietly; raise RuntimeError with its last lines on failure. Returns stderr."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args]
    if input_bytes is not None:
        cmd.remove("-nostdin")
    proc = subprocess.run(cmd, input=input_bytes, capture_output=True, timeout=timeout)
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode == -signal.SIGXFSZ:  # killed at the process's file-size limit
        raise OSError(errno.EFBIG, "ffmpeg stopped: file too large for this process's limit")
    if proc.returncode != 0:
        tail = "\n".join(err.strip().splitlines()[-5:])
        raise RuntimeError(f"ffmpeg failed ({proc.returncode}): {tail}")
    return err


@dataclass
class StreamInfo:
    """One stream of a media file, as ffmpeg reports it."""

    kind: str  # video | audio
    codec: str
    width: int = 0
    height: int = 0
    fps: float = 0.0
    pix_fmt: str = ""
    sample_rate: int = 0


@dataclass
class MediaInfo:
    """What a media file holds: its streams, duration and decoded frame count."""

    duration: float
    streams: list[StreamInfo] = field(default_factory=list)
    video_frames: int = 0

    def first(self, kind: str) -> StreamInfo | None:
        """The first stream of a kind, or None."""
        return next((s for s in self.streams if s.kind == kind), None)


_STREAM = re.compile(r"Stream #\d+:\d+.*?: (Video|Audio): (\w+)(.*)")
_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+\.\d+)")


def probe(path: Path | str) -> MediaInfo:
    """Read streams and duration; count video frames by decoding. Raises on unreadable files."""
    err = run_ffmpeg(["-i", str(path), "-map", "0", "-f", "null", "-"])
    streams = []
    header = err.split("Stream mapping:")[0]
    for kind, codec, rest in _STREAM.findall(header):
        info = StreamInfo(kind=kind.lower(), codec=codec)
        if size := re.search(r"\b(\d{2,5})x(\d{2,5})\b", rest):
            info.width, info.height = int(size[1]), int(size[2])
        if fps := re.search(r"([\d.]+) fps", rest):
            info.fps = float(fps[1])
        if pix := re.search(r"\(\w+\), (\w+)\(|, (yuv\w+|rgb\w+|gray\w*)", rest):
            info.pix_fmt = pix[1] or pix[2]
        if rate := re.search(r"(\d+) Hz", rest):
            info.sample_rate = int(rate[1])
        streams.append(info)
    duration = 0.0
    if match := _DURATION.search(header):
        duration = int(match[1]) * 3600 + int(match[2]) * 60 + float(match[3])
    frames = re.findall(r"frame=\s*(\d+)", err)
    return MediaInfo(duration=duration, streams=streams, video_frames=int(frames[-1]) if frames else 0)
