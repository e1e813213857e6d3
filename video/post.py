"""Post-production: interpolate → grade → upscale → encode an MP4 (with its soundtrack)
and a poster.

The picture is made and encoded as a stream: a thread interpolates the engine's clip a
pair of frames at a time and grades each block (the style's look), while the encoder
(video/encode.py) takes the blocks as they come, so the encode's work overlaps the
interpolation and the grade instead of waiting for the whole clip. Interpolation runs at
the engine's size (the flow is as good there and four times cheaper); the 2× upscale
happens inside the H.264 encode. The soundtrack is made on another thread while the first
frames are (it needs only the video's length) and muxed in the same ffmpeg pass.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Generic, Iterable, Iterator, Protocol, TypeVar

import numpy as np

from video.encode import encode_blocks, write_poster
from video.interpolate import interpolate_blocks
from video.types import Audio, Clip, FinishedVideo

if TYPE_CHECKING:  # torch is imported only where a learned pass is used
    from video.learned import LearnedPost


class Grade(Protocol):
    """A style's look over a whole clip (styles.grades.ClipGrade): `stream` grades its
    frames block by block in order, as one clip (grain and textures run on across blocks),
    each block uint8 n×H×W×3 in and out."""

    def stream(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]: ...


# A soundtrack for a video of the given length in seconds, exactly that long.
AudioFor = Callable[[float], Audio]

DEFAULT_FPS = 16
DEFAULT_UPSCALE = 2
AHEAD_BLOCKS = 32  # blocks the picture may run ahead of the encoder (memory stays bounded)


def finish(clip: Clip, out_path: Path, *, grade: Grade | None = None,
           upscale: int = DEFAULT_UPSCALE, target_fps: int = DEFAULT_FPS,
           audio: AudioFor | None = None,
           learned: LearnedPost | None = None) -> FinishedVideo:
    """Turn an engine's clip into a finished MP4 (H.264, yuv420p, +faststart) and poster;
    with `audio`, its soundtrack (AAC) is muxed in while the picture is encoded. With
    `learned` (a GPU host with the weights, video/learned/), RIFE interpolates and
    Real-ESRGAN upscales instead of DIS flow and the encode's Lanczos.

    `timings` says where the time went: interpolate and grade (their own seconds, on the
    picture's thread), encode (from the encoder's start to the file, overlapping them),
    audio (on its thread), upscale (learned only)."""
    out_path = Path(out_path)
    timings: dict[str, float] = {}
    factor = interpolation_factor(clip.fps, target_fps)
    fps = clip.fps * factor
    count = interpolated_count(len(clip.frames), factor)
    width, height = _even(clip.size[0] * upscale), _even(clip.size[1] * upscale)

    with ThreadPoolExecutor(1, thread_name_prefix="soundtrack") as worker:
        # 0. The soundtrack needs only the length: it is made while the frames are.
        soundtrack = worker.submit(_timed, audio, count / fps) if audio is not None else None

        # 1–2. The picture, made on a thread of its own a block at a time: interpolated to
        # the target frame rate (an integer multiple of the clip's), then graded.
        picture = _learned_picture(clip, factor, grade, learned, timings) \
            if learned is not None else _picture(clip, factor, grade, timings)
        with Ahead(picture, AHEAD_BLOCKS, name="post-picture") as blocks:
            # 3. Encode the blocks as they come (upscaled inside the encode, the soundtrack
            # muxed in); keep the middle frame for the poster.
            sound = None
            if soundtrack is not None:
                sound, timings["audio"] = soundtrack.result()
            started = time.perf_counter()
            middle = encode_blocks(blocks, fps, out_path, width, height, audio=sound,
                                   keep_frame=count // 2)
            poster = write_poster(middle, out_path.with_suffix(".jpg"), width, height)
            timings["encode"] = time.perf_counter() - started

    return FinishedVideo(mp4=out_path, poster=poster, width=width, height=height, fps=fps,
                         frames=count, timings=timings)


def _picture(clip: Clip, factor: int, grade: Grade | None,
             timings: dict[str, float]) -> Iterator[np.ndarray]:
    """The CPU path: DIS-flow in-betweens and the grade, block by block."""
    blocks = _timed_blocks(interpolate_blocks(clip.frames, factor), timings, "interpolate")
    if grade is None:
        yield from blocks
        return
    # The grade pulls the interpolation's blocks itself: its own time is the rest.
    timings["grade"] = 0.0
    for block in _timed_blocks(grade.stream(blocks), timings, "grade"):
        yield block
    timings["grade"] = max(0.0, timings["grade"] - timings.get("interpolate", 0.0))


def _learned_picture(clip: Clip, factor: int, grade: Grade | None, learned: LearnedPost,
                     timings: dict[str, float]) -> Iterator[np.ndarray]:
    """The GPU path: RIFE and Real-ESRGAN take the whole clip at once (batched on the
    device); the grade runs between them at the engine's size."""
    started = time.perf_counter()
    frames = learned.interpolate(clip.frames, factor)
    timings["interpolate"] = time.perf_counter() - started
    if grade is not None:
        started = time.perf_counter()
        frames = np.concatenate(list(grade.stream(
            frames[i:i + 4] for i in range(0, len(frames), 4))))
        timings["grade"] = time.perf_counter() - started
    # A learned upscale adds detail the encode's Lanczos cannot; the encode then scales
    # only what is left to reach the size (nothing at ×2).
    if learned.upscaler is not None:
        started = time.perf_counter()
        frames = learned.upscale(frames)
        timings["upscale"] = time.perf_counter() - started
    yield frames


def _timed_blocks(blocks: Iterator[np.ndarray], timings: dict[str, float],
                  key: str) -> Iterator[np.ndarray]:
    """The blocks, adding the seconds spent making each to timings[key]."""
    timings.setdefault(key, 0.0)
    blocks = iter(blocks)
    while True:
        started = time.perf_counter()
        block = next(blocks, None)
        timings[key] += time.perf_counter() - started
        if block is None:
            return
        yield block


T = TypeVar("T")
_DONE = object()


class Ahead(Generic[T]):
    """Runs an iterator on a thread of its own, up to `limit` items ahead of the reader,
    so the items are made while the reader is busy with the ones before (post-production:
    the picture is interpolated and graded while the encoder takes the blocks before).
    Iterating gives the items in order and re-raises the maker's error; leaving the `with`
    block early stops the maker after its current item."""

    def __init__(self, items: Iterable[T], limit: int, name: str = "ahead"):
        self._items = items
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, limit))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._make, name=name, daemon=True)

    def __enter__(self) -> Iterator[T]:
        self._thread.start()
        return self._read()

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _make(self) -> None:
        items = iter(self._items)
        try:
            for item in items:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the reader, raised there
            self._put(_Failed(exc))
        else:
            self._put(_DONE)
        finally:
            if hasattr(items, "close"):  # a generator stopped early frees its pools now
                items.close()

    def _put(self, item) -> bool:
        """Queue an item, waiting for room; False once the reader has gone."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


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


def _even(value: int) -> int:
    return value - value % 2
