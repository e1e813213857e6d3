"""The API's request and answer bodies, and how a request becomes a ShotSpec and options.

Request fields follow the platform's `POST /videos/generations`: model, prompt, image_url,
quality, with_audio, size, fps, duration, aspect_ratio, request_id, user_id; Clipwright
adds style, music and seed. Mapping (api/platform.toml holds the tables):

- model: a platform name (cogvideox-3, …) means the server's engine and model; a model id
  from video/engines/models.toml asks for that model.
- size: picks the upscale of the engine's native frames ("1440x960" → 2×).
- fps: the finished video's frame rate (30 → 32, 60 → 48: whole multiples of 8 fps).
- duration → ShotSpec.duration (None: the model's own length; longer than the model renders
  is cut to its longest, with a warning); aspect_ratio → ShotSpec.aspect, rendered at the
  model's pixel budget (cropped from its native frame for a one-size model).
- with_audio false (the platform's default) → no music,
  true → the soundtrack `music` names, or "auto".

Types are strict: no string or boolean becomes a number ("5" or true for duration is a
400, not 5 s or 1 s), and no number becomes a boolean. The prompt, the seed and the ids
meet the limits every door shares (agent/limits.py).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.limits import TextRejected, check_label, check_seed, check_text
from agent.shot import ShotSpec
from api.errors import BAD_BODY, BAD_FIELD, UNKNOWN_MODEL, ApiError
from api.platform import PlatformRules
from errors import InputError
from studio.director import RenderOptions
from video.shape import AUTO, parse_aspect

_SIZE = re.compile(r"^\s*(\d{1,5})\s*[x×*]\s*(\d{1,5})\s*$")


class GenerationBody(BaseModel):
    """POST /api/paas/v4/videos/generations."""

    # strict: JSON's own types only — "5" or true is no duration, 1 is no with_audio.
    model_config = ConfigDict(extra="forbid", strict=True)

    model: str = Field(description="a platform model name (cogvideox-3, cogvideox-flash, …: "
                                   "the server's engine) or a Clipwright model id")
    prompt: str | None = Field(None, description="what the video should show")
    image_url: str | list[str] | None = Field(
        None, description="a photo to animate: an http(s) URL or base64 (data URI or bare)")
    quality: str | None = Field(None, description="speed | quality")
    with_audio: bool | None = Field(None, description="add a soundtrack (default false)")
    size: str | None = Field(None, description='finished size, e.g. "1440x960" or "720x480"')
    fps: int | None = Field(None, description="frame rate of the finished video, e.g. 16 or 30")
    duration: float | None = Field(None, description="seconds, e.g. 5 or 10")
    aspect_ratio: str | None = Field(None, max_length=16,
                                     description='"16:9", "3:2", "4:3", "1:1", "3:4", "2:3" or '
                                                 '"9:16"; default: the model\'s own')
    request_id: str | None = Field(None, max_length=128,
                                   description="your unique id; repeats return the same task")
    user_id: str | None = Field(None, max_length=128, description="your end user's id")
    style: str | None = Field(None, max_length=64, description="Clipwright: a style preset id")
    music: str | None = Field(None, max_length=128,
                              description='Clipwright: "auto", "none" or a track id')
    seed: int | None = Field(None, description="Clipwright: the noise seed, 0 to 2^63 - 1 "
                                               "(agent/data/limits.toml)")


class TaskSubmitted(BaseModel):
    id: str
    model: str
    request_id: str
    task_status: Literal["PROCESSING", "SUCCESS", "FAIL"]


class VideoResult(BaseModel):
    url: str
    cover_image_url: str


class TaskResult(TaskSubmitted):
    video_result: list[VideoResult] = []
    optimized_prompt: str | None = Field(None, description="the prompt the video was made from")
    seed: int | None = None
    queue_position: int | None = Field(None, description="while waiting: place in line (0 = "
                                                         "rendering now)")
    test_pattern: bool | None = Field(None, description="true for the random-weight tiny engine")
    error_message: str | None = Field(None, description="why a FAIL failed")


@dataclass(frozen=True)
class Render:
    """What a valid request asks the job queue for."""

    spec_without_image: ShotSpec
    options: RenderOptions
    wants_image: bool


def parse_body(data: object, rules: PlatformRules) -> GenerationBody:
    """Validate a decoded JSON body; 400 naming the first bad or unknown field."""
    if not isinstance(data, dict):
        raise ApiError(400, BAD_BODY, "the body must be a JSON object")
    fields = {k: v for k, v in data.items() if k not in rules.ignored_fields}
    unknown = sorted(set(fields) - set(GenerationBody.model_fields))
    if unknown:
        raise ApiError(400, BAD_FIELD, f"unknown field(s): {', '.join(map(repr, unknown))}")
    try:
        return GenerationBody.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(400, BAD_FIELD, f"field '{where}': {first['msg']}") from None


def request_digest(body: GenerationBody) -> str:
    """A SHA-256 of what the body asks for, whatever its key order or spacing: a repeated
    request_id must come with the same request (unset and null fields are the same)."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def check_shared_limits(body: GenerationBody) -> None:
    """The limits the page and the CLI apply too: the seed's range, and the characters no
    idea may hold in the ids that label a task."""
    try:
        check_seed(body.seed)
    except TextRejected as exc:
        raise ApiError(400, BAD_FIELD, f"field 'seed': {exc}") from None
    for name in ("request_id", "user_id"):
        try:
            check_label(getattr(body, name), what=name)
        except TextRejected as exc:
            raise ApiError(400, BAD_FIELD, f"field '{name}': {exc}") from None


def plan_render(body: GenerationBody, rules: PlatformRules, *, engine: str,
                default_model: str | None, known_models: frozenset[str]) -> Render:
    """Check the fields' values and map them onto a ShotSpec and RenderOptions."""
    wants_image = bool(body.image_url)
    if isinstance(body.image_url, list) and len(body.image_url) != 1:
        raise ApiError(400, BAD_FIELD, "image_url: send one image")
    check_shared_limits(body)
    try:  # the same check as the chat's and the CLI's
        prompt = check_text(body.prompt or "", what="prompt", allow_empty=wants_image)
    except TextRejected as exc:
        hint = ", or send image_url to animate a photo" if exc.reason == "empty" else ""
        raise ApiError(400, BAD_FIELD, f"{exc}{hint}") from None

    if body.model in rules.model_aliases:
        model = default_model
    elif body.model in known_models:
        model = body.model
    else:
        raise ApiError(400, UNKNOWN_MODEL, f"unknown model '{body.model}'; use one of "
                       f"{', '.join(sorted(rules.model_aliases | known_models))}")
    if body.quality is not None and body.quality not in rules.qualities:
        raise ApiError(400, BAD_FIELD, f"quality must be one of {', '.join(rules.qualities)}")

    upscale = 2
    if body.size is not None:
        match = _SIZE.match(body.size)
        size = f"{match[1]}x{match[2]}" if match else None
        if size not in rules.sizes:
            raise ApiError(400, BAD_FIELD, f"size '{body.size}' is not offered; choose "
                                           f"{', '.join(rules.sizes)}")
        upscale = rules.sizes[size]
    fps = 16
    if body.fps is not None:
        if body.fps not in rules.fps:
            raise ApiError(400, BAD_FIELD, f"fps must be one of "
                                           f"{', '.join(map(str, sorted(rules.fps)))}")
        fps = rules.fps[body.fps]
    duration = None  # the model's own length
    if body.duration is not None:
        if not rules.min_duration_s <= body.duration <= rules.max_duration_s:
            raise ApiError(400, BAD_FIELD, f"duration must be between {rules.min_duration_s:g} "
                                           f"and {rules.max_duration_s:g} seconds")
        duration = float(body.duration)

    aspect = body.aspect_ratio or AUTO
    try:
        parse_aspect(aspect)
    except InputError as exc:
        raise ApiError(400, BAD_FIELD, f"aspect_ratio: {exc}") from None

    music = body.music or ("auto" if body.with_audio else "none")
    spec = ShotSpec(idea=prompt or rules.photo_only_idea, style=body.style or None,
                    duration=duration, aspect=aspect, music=music, seed=body.seed)
    options = RenderOptions(engine=engine, model=model, fps=fps, upscale=upscale)
    return Render(spec_without_image=spec, options=options, wants_image=wants_image)


def first_image(body: GenerationBody) -> str:
    return body.image_url[0] if isinstance(body.image_url, list) else body.image_url


def with_image(render: Render, image: Path | None) -> ShotSpec:
    return render.spec_without_image.with_changes(source_image=image)
