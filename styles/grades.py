"""Colour grades: a style's named filter chain, compiled into a frame filter for a whole clip.

A grade is data (`GradeStep`s from the presets file). `build_grade` checks every step
against the filter's signature and returns a `ClipGrade`: called on a uint8 T×H×W×3
clip it returns the graded clip (same shape and dtype); `stream` grades a clip block by
block as post-production makes it (video/post.py), with the same result.

The clip is graded a few frames at a time in float32 on a small thread pool: numpy and
OpenCV release the GIL, the working set stays in cache, and every filter still sees a
block of frames at once (vectorised), never a Python loop over pixels.
"""

from __future__ import annotations

import inspect
import os
import re
import threading
import typing
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

import cv2
import numpy as np

from styles import filters_look, filters_tone
from styles.params import COLOR, Choice, Range, as_image
from video.threads import pool_threads

CHUNK_FRAMES = 2  # frames graded together: large enough to vectorise, small enough for cache
REFERENCE_SIDE = 720  # filter sizes in pixels are for a frame this wide (CogVideoX 1.0)

# Every filter a preset may name. A filter is f(frames, ctx, **params) -> frames, where
# frames is float32 n×H×W×3 in [0, 1] (changed in place or replaced) and ctx a GradeContext.
FILTERS: Mapping[str, Callable[..., np.ndarray]] = {
    "mono": filters_tone.mono,
    "curve": filters_tone.curve,
    "saturation": filters_tone.saturation,
    "split_tone": filters_tone.split_tone,
    "tint": filters_tone.tint,
    "vignette": filters_tone.vignette,
    "grain": filters_tone.grain,
    "letterbox": filters_tone.letterbox,
    "kuwahara": filters_look.kuwahara,
    "smooth": filters_look.smooth,
    "cel": filters_look.cel,
    "edges": filters_look.edges,
    "bloom": filters_look.bloom,
    "pixelate": filters_look.pixelate,
    "sharpen": filters_look.sharpen,
    "paper": filters_look.paper,
    "pigment": filters_look.pigment,
    "canvas": filters_look.canvas,
}


@dataclass(frozen=True)
class GradeStep:
    """One filter of a grade and its parameters (names and values from the presets file)."""

    filter: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        """'curve(contrast=0.3, lift=0.02)'."""
        args = ", ".join(f"{k}={v}" for k, v in self.params.items())
        return f"{self.filter}({args})" if args else self.filter


@dataclass(frozen=True)
class ParamSpec:
    """What a filter parameter accepts: its type, an optional range, and its default."""

    name: str
    kind: type
    default: Any
    range: Range | None = None
    color: bool = False
    choice: Choice | None = None


def param_specs(filter_name: str) -> dict[str, ParamSpec]:
    """The parameters a filter takes, read from its signature (the one source of truth)."""
    fn = FILTERS[filter_name]
    hints = typing.get_type_hints(fn, include_extras=True)
    specs = {}
    for name, parameter in inspect.signature(fn).parameters.items():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        hint, extras = hints[name], ()
        if typing.get_origin(hint) is typing.Annotated:
            hint, *extras = typing.get_args(hint)
        specs[name] = ParamSpec(
            name=name, kind=hint, default=parameter.default,
            range=next((e for e in extras if isinstance(e, Range)), None),
            color=COLOR in extras,
            choice=next((e for e in extras if isinstance(e, Choice)), None))
    return specs


_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def check_step(step: GradeStep) -> str | None:
    """Why a step is invalid, in words a preset editor understands; None when it is fine."""
    if step.filter not in FILTERS:
        return f"unknown filter '{step.filter}'; known filters: {', '.join(sorted(FILTERS))}"
    specs = param_specs(step.filter)
    for name, value in step.params.items():
        spec = specs.get(name)
        if spec is None:
            known = ", ".join(specs) or "none"
            return f"filter '{step.filter}' has no parameter '{name}' (it takes: {known})"
        problem = _check_value(spec, value)
        if problem:
            return f"{step.filter}.{name} {problem}"
    return None


def _check_value(spec: ParamSpec, value: Any) -> str | None:
    if spec.color:
        ok = isinstance(value, str) and _HEX.match(value)
        return None if ok else f"must be a colour like \"#ffa040\"; got {value!r}"
    if spec.kind is bool:
        return None if isinstance(value, bool) else f"must be true or false; got {value!r}"
    if spec.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        return f"must be a whole number; got {value!r}"
    if spec.kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"must be a number; got {value!r}"
    if spec.kind is str and not isinstance(value, str):
        return f"must be text; got {value!r}"
    if spec.choice is not None and value not in spec.choice.options:
        return f"must be one of {', '.join(spec.choice.options)}; got {value!r}"
    if spec.range is not None and not spec.range.low <= value <= spec.range.high:
        return f"must be between {spec.range.low:g} and {spec.range.high:g}; got {value!r}"
    return None


class GradeContext:
    """What filters may know beyond their frames: where the block sits in the clip, the
    seed, the frame size, and a cache of textures shared by all blocks of one grading call."""

    def __init__(self, seed: int, height: int, width: int):
        self.seed = seed
        self.height = height
        self.width = width
        # Radii and block sizes are given for a 720-pixel frame and scaled to this one, so
        # a style looks the same on a 96-pixel test clip, a 384-pixel preview or 1360 pixels.
        self.pixel_scale = max(height, width) / REFERENCE_SIDE
        self.frame_indices: np.ndarray = np.arange(0)
        self._cache: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def px(self, length: float, least: float = 0.0) -> float:
        """A length given for a 720-pixel frame, in this frame's pixels."""
        return max(least, length * self.pixel_scale)

    def work_scale(self, scale: float) -> float:
        """The resolution to work at for a filter that asks for `scale` of a 720-pixel
        frame: the same working size on any frame, never above full size."""
        return min(1.0, scale / self.pixel_scale)

    def for_block(self, start: int, count: int) -> "GradeContext":
        """A view of this context for frames start..start+count-1 (same cache)."""
        view = object.__new__(GradeContext)
        view.__dict__.update(self.__dict__)
        view.frame_indices = np.arange(start, start + count)
        return view

    def cached(self, key: Any, make: Callable[[], Any]) -> Any:
        """make() once per grading call (textures, masks), shared by the threads."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = make()
            return self._cache[key]


class ClipGrade:
    """A compiled grade: call it on a uint8 T×H×W×3 clip to get the graded clip."""

    def __init__(self, steps: tuple[GradeStep, ...], seed: int, workers: int | None = None):
        for step in steps:
            problem = check_step(step)
            if problem:
                raise ValueError(problem)
        self.steps = steps
        self.seed = seed
        self.workers = workers  # None: the thread budget's share when it grades
        calls = [(FILTERS[s.filter], dict(s.params)) for s in steps]
        # Filters at the head of the chain that see each channel alone (curves, tints) act
        # on 8-bit input: they become one lookup table that also does the float conversion.
        leading = 0
        while leading < len(calls) and getattr(calls[leading][0], "per_channel", False):
            leading += 1
        self._table = _lookup_table(calls[:leading], seed) if leading else None
        self._calls = calls[leading:]

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """The whole clip graded at once (a uint8 T×H×W×3 array of the same shape)."""
        _check_frames(frames)
        count, height, width, _ = frames.shape
        out = np.empty_like(frames)
        if count == 0 or not self.steps:
            out[...] = frames
            return out
        context = GradeContext(self.seed, height, width)

        def grade_chunk(start: int) -> None:
            chunk = frames[start:start + CHUNK_FRAMES]
            out[start:start + len(chunk)] = self._grade(chunk, context.for_block(start,
                                                                                 len(chunk)))

        starts = range(0, count, CHUNK_FRAMES)
        workers = self._workers()
        if workers == 1 or count <= CHUNK_FRAMES:
            for start in starts:
                grade_chunk(start)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(grade_chunk, starts))  # list() re-raises a filter's error
        return out

    def stream(self, blocks: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
        """A clip's frames graded block by block as they arrive (each uint8 n×H×W×3), in
        order, with the same look as grading the whole clip at once: the blocks are one
        clip (frame indices run on, grain and textures are shared). Up to `workers` blocks
        are graded at once while the next ones arrive."""
        context: GradeContext | None = None
        made = 0
        pending: deque[Future] = deque()
        workers = self._workers()
        with ThreadPoolExecutor(workers) as pool:
            for block in blocks:
                _check_frames(block)
                if context is None:
                    context = GradeContext(self.seed, block.shape[1], block.shape[2])
                pending.append(pool.submit(self._grade_block, block, made, context))
                made += len(block)
                while len(pending) > workers:  # bounded: a few blocks ahead, not all
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def _workers(self) -> int:
        """Blocks graded at once: as asked, else the thread budget's share for the tasks
        running now (video/threads.py), at most 4 (more gain nothing at these sizes)."""
        return self.workers or min(4, pool_threads(os.cpu_count() or 1))

    def _grade_block(self, block: np.ndarray, start: int, context: GradeContext) -> np.ndarray:
        """Frames start.. of the clip graded, CHUNK_FRAMES at a time (cache-sized)."""
        if not self.steps or not len(block):
            return block.copy()
        out = np.empty_like(block)
        for offset in range(0, len(block), CHUNK_FRAMES):
            chunk = block[offset:offset + CHUNK_FRAMES]
            out[offset:offset + len(chunk)] = self._grade(
                chunk, context.for_block(start + offset, len(chunk)))
        return out

    def _grade(self, chunk: np.ndarray, ctx: GradeContext) -> np.ndarray:
        """A few frames through the filter chain: uint8 in, uint8 out."""
        height = chunk.shape[1]
        if self._table is None:
            x = np.multiply(chunk, np.float32(1 / 255), dtype=np.float32)
        else:
            x = cv2.LUT(as_image(chunk), self._table).reshape(chunk.shape)
        for fn, params in self._calls:
            x = fn(x, ctx, **params)
        np.clip(x, 0.0, 1.0, out=x)  # convertScaleAbs would fold negatives back up
        return cv2.convertScaleAbs(as_image(x).reshape(len(x) * height, -1),
                                   alpha=255.0).reshape(x.shape)

    def describe(self) -> str:
        """'mono → curve(contrast=0.4) → grain(amount=0.04)'."""
        return " → ".join(step.describe() for step in self.steps)


def _check_frames(frames: np.ndarray) -> None:
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"a grade takes uint8 T×H×W×3 frames, got {frames.dtype} {frames.shape}")


def _lookup_table(calls: list, seed: int) -> np.ndarray:
    """The per-channel filters run on the 256 input levels: a 256×1×3 float32 table."""
    ramp = np.repeat(np.linspace(0.0, 1.0, 256, dtype=np.float32)[:, None], 3, axis=1)
    block = np.ascontiguousarray(ramp.reshape(1, 1, 256, 3))
    context = GradeContext(seed, 1, 256).for_block(0, 1)
    for fn, params in calls:
        block = fn(block, context, **params)
    return np.ascontiguousarray(block.reshape(256, 1, 3), dtype=np.float32)
