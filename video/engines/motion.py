"""The `motion` engine: makes a photo move on a CPU, with no model weights.

It reads the camera language of the prompt (push in, pull out, pan, tilt, orbit,
handheld, static; 推近, 拉远, 左移, 右移, 环绕 ...), splits the photo into a subject layer
and a background plate, moves them along an eased camera path with parallax, and draws
the ambient effects the prompt mentions (rain, snow, petals, fog, fireflies, light rays).
The style's colour grade is applied later, in post-production, as for every engine.

It is what a CPU-only user gets for a photo, and what the style gallery's previews use.
"""

from __future__ import annotations

import time

import cv2
import numpy as np
from PIL import Image

from errors import InputError
from video.camera_moves import CameraPath
from video.effects import Stage, build_effects
from video.engines.base import EngineDefaults, EngineSettings
from video.engines.preview import OnPreview
from video.intake import fit
from video.motion_plan import Vocabulary, load_vocabulary, plan_motion
from video.parallax import LayerRenderer, split_layers
from video.types import Clip, GenerationRequest, OnStep

MODEL = "motion"
MIN_SIDE, MAX_SIDE = 64, 2048
MAX_FRAMES = 241
DEFAULTS = EngineDefaults(model=MODEL, width=720, height=480, frames=49, fps=8,
                          steps=1, guidance=1.0,  # steps and guidance mean nothing here
                          max_frames=MAX_FRAMES, grid=2)  # any even size


class MotionEngine:
    """Camera moves, parallax and ambient effects on a still photo."""

    name = "motion"
    capabilities = frozenset({"i2v"})
    test_pattern = False
    previews = False  # on_preview is never called

    def __init__(self, settings: EngineSettings | None = None,
                 vocabulary: Vocabulary | None = None):
        self.settings = settings
        self.vocabulary = vocabulary or load_vocabulary()

    def defaults(self, task: str, model: str | None = None) -> EngineDefaults:
        """720×480, 49 frames at 8 fps: the size and length of a CogVideoX clip."""
        _check_task(task)
        if model not in (None, MODEL):
            raise InputError(f"the motion engine has no models to choose; got --model '{model}'")
        return DEFAULTS

    def generate(self, request: GenerationRequest, on_step: OnStep | None = None,
                 on_preview: OnPreview | None = None) -> Clip:
        """Animate the request's photo as its prompt describes; on_step(i, n) after each frame."""
        # 1. Check the request, and bring the photo to the frame's size.
        _check_request(request)
        timings: dict[str, float] = {}
        started = time.perf_counter()
        photo = np.asarray(_fitted(request.image, request.width, request.height))

        # 2. Read the prompt: which camera move, which effects.
        plan = plan_motion(request.prompt, self.vocabulary)

        # 3. Split the photo into depth layers and lay out the camera's path.
        layers = split_layers(photo)
        path = CameraPath(plan.camera, frames=request.frames, fps=request.fps,
                          width=request.width, height=request.height, focus=layers.focus,
                          parallax=plan.parallax if layers.subject is not None else 0.2,
                          seed=request.seed,
                          subject_box=layers.box if layers.subject is not None else None)
        renderer = LayerRenderer(layers, path)
        stage = Stage(request.width, request.height, request.fps, request.frames)
        effects = build_effects(plan.effects, stage, request.seed, photo)
        timings["analyse"] = time.perf_counter() - started

        # 4. Render frame by frame: layers along the path, then the effects on top.
        started = time.perf_counter()
        frames = np.empty((request.frames, request.height, request.width, 3), np.uint8)
        lit = np.empty(frames.shape[1:], np.float32)  # effects paint in float, in place
        for index in range(request.frames):
            frame = renderer.render(index)
            if effects:
                np.copyto(lit, frame)
                for effect in effects:
                    effect.apply(lit, index)
                # Effects only lighten, darken or mix toward colours: never below 0. This
                # rounds and saturates at 255 in one pass.
                frame = cv2.convertScaleAbs(lit)
            frames[index] = frame
            if on_step is not None:
                on_step(index + 1, request.frames)
        timings["render"] = time.perf_counter() - started
        return Clip(frames=frames, fps=request.fps, engine=self.name, model=MODEL,
                    timings=timings)


def _check_task(task: str) -> None:
    if task != "i2v":
        raise InputError("the motion engine animates a photo and cannot make a video from text "
                         "alone; add a photo (--image), or use the cogvideox or cloud engine")


def _check_request(request: GenerationRequest) -> None:
    """Raise InputError naming the first thing the motion engine cannot do."""
    if request.image is None:
        _check_task("t2v")
    for side, value in (("width", request.width), ("height", request.height)):
        if value % 2 or not MIN_SIDE <= value <= MAX_SIDE:
            raise InputError(f"{side} must be an even number from {MIN_SIDE} to {MAX_SIDE}; "
                             f"got {value}")
    if not 2 <= request.frames <= MAX_FRAMES:
        raise InputError(f"frames must be from 2 to {MAX_FRAMES}; got {request.frames}")
    if not 1 <= request.fps <= 60:
        raise InputError(f"fps must be between 1 and 60; got {request.fps}")
    if not 0 <= request.seed < 2**63:
        raise InputError(f"seed must be between 0 and 2^63-1; got {request.seed}")


def _fitted(image: Image.Image, width: int, height: int) -> Image.Image:
    """The photo at the frame's size (the director has usually fitted it already)."""
    if image.size == (width, height) and image.mode == "RGB":
        return image
    return fit(image, width, height, mode="crop")
