"""The one way to run ffmpeg (the binary inside imageio-ffmpeg, never a system one), and a
probe that reads what a media file holds (PyAV, the same libraries as a library).

Every ffmpeg call in the app goes through `run_ffmpeg` (or `FfmpegFeed`, whose input is
written while it is being made): it always has a timeout, feeds stdin bytes when asked,
returns what ffmpeg wrote to stdout, and turns every failure into one `FfmpegError` line — a `DiskFull` when the disk (a quota, a file-size limit) took no more,
so the doors can say that in words. Stream facts come from `probe`, which reads the
container's own fields instead of parsing ffmpeg's log.
"""

from __future__ import annotations

import errno
import re
import signal
import subprocess
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal, Sequence

from files import out_of_space
from video.threads import ffmpeg_threads

AAC_BITRATE = "192k"  # every soundtrack we mux, in post-production or afterwards
DEFAULT_TIMEOUT_S = 300.0  # a decode or a remux of a clip takes seconds; this stops a hung one


class FfmpegError(RuntimeError):
    """ffmpeg failed, ran past its timeout, or a file could not be read. The message is one
    line: what was being done and why it failed; `reason` is the why alone (for messages
    of callers' own), `log` all that ffmpeg printed."""

    def __init__(self, doing: str, reason: str, log: str = ""):
        super().__init__(f"{doing}: {reason}")
        self.reason = reason
        self.log = log


class DiskFull(FfmpegError):
    """ffmpeg could not write its output: the disk, a quota or a file-size limit is full.
    `files.out_of_space` recognises it (its message names the full disk, its cause is the
    OSError with ENOSPC or EFBIG)."""


@dataclass(frozen=True)
class FfmpegRun:
    """What a successful ffmpeg run wrote: its stdout (for `pipe:1` outputs) and its log at
    level `error` (empty on a clean run; a decode check reads it)."""

    stdout: bytes
    log: str


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg (no system ffmpeg assumed)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(args: Sequence[str], *, input_bytes: bytes | None = None,
               timeout: float = DEFAULT_TIMEOUT_S, threads: int | None = None,
               doing: str = "process the media") -> FfmpegRun:
    """Run ffmpeg quietly on `args` (inputs, options, and the output last); `input_bytes`
    feed `pipe:0`, `threads` sets the encoder's thread count (1: bit-exact across machines;
    None: the process's thread budget, video/threads.py, or ffmpeg's own choice where
    none is set). Raises FfmpegError "ffmpeg could not <doing>: <why>" on failure or
    timeout, DiskFull when the output did not fit."""
    cmd = ffmpeg_command(args, threads=threads, stdin=input_bytes is not None)
    args = list(args)
    failed = f"ffmpeg could not {doing}"
    if missing := [name for name in _input_files(args) if not Path(name).exists()]:
        raise FfmpegError(failed, f"no file at '{missing[0]}'")
    try:
        proc = subprocess.run(cmd, input=input_bytes, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise FfmpegError(failed, f"it ran past {timeout:g} s and was stopped") from None
    except OSError as exc:  # the binary itself is missing or not executable
        raise FfmpegError(failed, f"it did not start ({exc})") from exc
    log = proc.stderr.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise _failure(failed, proc.returncode, log)
    return FfmpegRun(stdout=proc.stdout, log=log)


class FfmpegFeed:
    """An ffmpeg run whose input is written a piece at a time while the pieces are still
    being made (post-production streams its frames into the encoder this way, so the
    encode runs beside the interpolation and the grade). Its output goes to a file.

        with FfmpegFeed([... "-i", "pipe:0", ..., out], doing="encode the video") as feed:
            for frames in blocks:
                feed.write(frames)

    Leaving the block waits for ffmpeg and raises its failure as `run_ffmpeg` does (a
    `DiskFull` when the disk took no more); an exception inside the block stops ffmpeg.
    The timeout counts from the start, and stops an ffmpeg that hangs."""

    def __init__(self, args: Sequence[str], *, timeout: float = DEFAULT_TIMEOUT_S,
                 threads: int | None = None, doing: str = "process the media"):
        self._args = list(args)
        self._threads = threads
        self._timeout = timeout
        self._failed = f"ffmpeg could not {doing}"
        self._proc: subprocess.Popen | None = None
        self._stopped_reading = False  # ffmpeg closed its input: it has failed, or will
        self._expired = threading.Event()
        self._log: list[bytes] = []
        self.log = ""

    def __enter__(self) -> "FfmpegFeed":
        if missing := [name for name in _input_files(self._args) if not Path(name).exists()]:
            raise FfmpegError(self._failed, f"no file at '{missing[0]}'")
        cmd = ffmpeg_command(self._args, threads=self._threads, stdin=True)
        try:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        except OSError as exc:  # the binary itself is missing or not executable
            raise FfmpegError(self._failed, f"it did not start ({exc})") from exc
        # stderr is read on a thread so a chatty ffmpeg never blocks on a full pipe.
        self._reader = threading.Thread(target=self._read_log, daemon=True,
                                        name="ffmpeg-log")
        self._reader.start()
        self._timer = threading.Timer(self._timeout, self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def write(self, data) -> None:
        """Send the next piece of input (bytes, or a C-contiguous array). Once ffmpeg has
        stopped reading, pieces are dropped: why it stopped is raised when the block ends."""
        if self._stopped_reading:
            return
        try:
            self._proc.stdin.write(memoryview(data).cast("B"))
        except (BrokenPipeError, ValueError):  # ffmpeg exited, or was stopped by the timer
            self._stopped_reading = True

    def __exit__(self, kind, error, trace) -> None:
        proc = self._proc
        if kind is not None:  # the caller failed: no half-fed encode is left running
            proc.kill()
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass
        returncode = proc.wait()
        self._timer.cancel()
        self._reader.join()
        self.log = b"".join(self._log).decode("utf-8", "replace").strip()
        if kind is not None:
            return
        if self._expired.is_set():
            raise FfmpegError(self._failed, f"it ran past {self._timeout:g} s and was stopped")
        if returncode != 0:
            raise _failure(self._failed, returncode, self.log)

    def _read_log(self) -> None:
        self._log.append(self._proc.stderr.read())

    def _expire(self) -> None:
        self._expired.set()
        self._proc.kill()


def ffmpeg_command(args: Sequence[str], *, threads: int | None = None,
                   stdin: bool = False) -> list[str]:
    """The command line `run_ffmpeg` runs: quiet, overwriting, `-nostdin` unless stdin is
    fed, and the thread count — the caller's, else the budget's share (the filter graph's
    too: the Lanczos upscale runs there), else none (ffmpeg takes every core)."""
    args = list(args)
    budgeted = []
    if threads is None and (threads := ffmpeg_threads()) is not None:
        budgeted = ["-filter_threads", str(threads)]  # a global option: before the inputs
    if threads is not None:  # an output option: it goes before the output, which is last
        args[-1:-1] = ["-threads", str(threads)]
    stdin_flag = [] if stdin else ["-nostdin"]
    return [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", *stdin_flag, *budgeted, "-y",
            *args]


def _failure(failed: str, returncode: int, log: str) -> FfmpegError:
    """The error for a failed run: ffmpeg's last log line as the reason, and a full disk (or
    file-size limit) as a DiskFull whose cause is the OSError it met."""
    if returncode == -signal.SIGXFSZ:  # killed at the process's file-size limit
        error = DiskFull(failed, "the disk is full (file too large for this process's limit)",
                         log)
        error.__cause__ = OSError(errno.EFBIG, "File too large")
        return error
    last = _plain(log.splitlines()[-1]) if log else f"exit status {returncode}"
    if out_of_space(RuntimeError(log)):
        error = DiskFull(failed, f"the disk is full ({last})", log)
        error.__cause__ = OSError(errno.EFBIG if "file too large" in log.lower()
                                  else errno.ENOSPC, last)
        return error
    return FfmpegError(failed, last, log)


def _input_files(args: list[str]) -> list[str]:
    """The files among ffmpeg's inputs (not pipes, URLs, or lavfi sources)."""
    return [name for before, flag, name in zip(["", *args], args, args[1:])
            if flag == "-i" and before != "lavfi" and not name.startswith("pipe:")
            and "://" not in name]


def _plain(line: str) -> str:
    """A log line without ffmpeg's "[component @ 0x…]" prefix."""
    return re.sub(r"^\[[^\]]* @ 0x[0-9a-f]+\]\s*", "", line.strip())


@dataclass
class StreamInfo:
    """One stream of a media file, as its container describes it."""

    kind: str  # video | audio
    codec: str  # ffmpeg's codec name: h264, aac, vorbis, mp3, ...
    width: int = 0
    height: int = 0
    fps: float = 0.0  # the average frame rate; 0 when the container gives none
    pix_fmt: str = ""
    sample_rate: int = 0


@dataclass
class MediaInfo:
    """What a media file holds: its streams, duration and video frame count."""

    duration: float  # seconds, from the container (0 when it does not say)
    streams: list[StreamInfo] = field(default_factory=list)
    video_frames: int = 0

    def first(self, kind: str) -> StreamInfo | None:
        """The first stream of a kind, or None."""
        return next((s for s in self.streams if s.kind == kind), None)


# How `probe` counts the first video stream's frames: by decoding them (checks they decode),
# by counting its packets (fast: nothing is decoded), or not at all.
FrameCount = Literal["decode", "packets", "none"]


def probe(path: Path | str, *, frames: FrameCount = "decode") -> MediaInfo:
    """The streams, duration and video frame count of a media file. Raises FfmpegError
    when the file is missing or cannot be read."""
    import av  # PyAV: imported here, the app's start-up does not need it

    try:
        with av.open(str(path)) as container:
            streams = [_stream_info(s) for s in container.streams
                       if s.type in ("video", "audio")]
            duration = container.duration / av.time_base if container.duration else 0.0
            video = next(iter(container.streams.video), None)
            count = _count_frames(container, video, frames) if video is not None else 0
    except av.FFmpegError as exc:
        raise FfmpegError(f"cannot read '{path}'", str(exc.strerror or exc)) from exc
    return MediaInfo(duration=duration, streams=streams, video_frames=count)


def _stream_info(stream) -> StreamInfo:
    """A PyAV stream's facts as a StreamInfo."""
    context = stream.codec_context
    codec = context.codec.canonical_name if context.codec is not None else ""
    if stream.type == "audio":
        return StreamInfo(kind="audio", codec=codec, sample_rate=int(context.sample_rate or 0))
    rate = stream.average_rate
    return StreamInfo(kind="video", codec=codec, width=int(context.width or 0),
                      height=int(context.height or 0), fps=float(rate) if rate else 0.0,
                      pix_fmt=context.pix_fmt or "")


def _count_frames(container, video, how: FrameCount) -> int:
    """The video stream's frames, counted as `how` says."""
    if how == "none":
        return 0
    if how == "packets":
        return sum(1 for packet in container.demux(video) if packet.size)
    video.thread_type = "AUTO"  # decode on several threads: the count is the same
    return sum(1 for _ in container.decode(video))
