"""Checks a GenerationRequest against what a CogVideoX model accepts, with clear errors."""

from __future__ import annotations

from errors import InputError
from video.engines.registry import ModelInfo
from video.types import GenerationRequest

MAX_STEPS = 200
GUIDANCE_RANGE = (1.0, 20.0)
MIN_SIDE, MAX_SIDE = 64, 2048


def validate_request(request: GenerationRequest, info: ModelInfo) -> None:
    """Raise InputError naming the first thing the model cannot do."""
    if not request.prompt.strip():
        raise InputError("the prompt is empty; describe what the video should show")
    frames = request.frames
    if frames < 5 or (frames - 1) % 4:
        raise InputError(f"frames must be 4k+1 and at least 5 (e.g. 9, 49, 81); got {frames}")
    if frames > info.max_frames:
        raise InputError(f"model '{info.id}' renders at most {info.max_frames} frames; got {frames}")
    for side, value in (("width", request.width), ("height", request.height)):
        if value % 16 or not MIN_SIDE <= value <= MAX_SIDE:
            raise InputError(f"{side} must be a multiple of 16 between {MIN_SIDE} and {MAX_SIDE}; "
                             f"got {value}")
    if info.fixed_size and (request.width, request.height) != (info.width, info.height):
        raise InputError(f"model '{info.id}' renders only {info.width}×{info.height}; "
                         f"got {request.width}×{request.height}")
    if not 1 <= request.steps <= MAX_STEPS:
        raise InputError(f"steps must be between 1 and {MAX_STEPS}; got {request.steps}")
    low, high = GUIDANCE_RANGE
    if not low <= request.guidance <= high:
        raise InputError(f"guidance must be between {low:g} and {high:g}; got {request.guidance:g}")
    if not 0 <= request.seed < 2**63:
        raise InputError(f"seed must be between 0 and 2^63-1; got {request.seed}")
    if request.fps <= 0 or request.fps > 60:
        raise InputError(f"fps must be between 1 and 60; got {request.fps}")
