"""Reading presets.toml: every key checked, every mistake named (file, style, key).

The file is edited by people who are not programmers, so an error says what is wrong in
their terms ("style 'cinematic': key 'music_moods': 'sad' is not a mood; moods: …") and
suggests the key they probably meant when they misspell one.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path, PurePosixPath
from typing import Any

from errors import InputError
from files import read_toml
from styles.presets import MUSIC_MOODS, GalleryInfo, SamplePhoto, StyleLora, StylePreset

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")  # any {name}; only {prompt} is allowed

_REQUIRED_TEXT = ("name_en", "name_zh", "description_en", "description_zh",
                  "prompt_template", "negative_prompt", "thumbnail", "preview", "sample_photo")
_HINT_LISTS = ("camera_hints", "lighting_hints")
_STYLE_KEYS = {"id", *_REQUIRED_TEXT, *_HINT_LISTS, "music_moods", "guidance", "steps",
               "grade", "lora"}
_LORA_KEYS = {"source", "weight_name", "scale", "base_models"}
_GALLERY_KEYS = {"label_en", "label_zh", "note_en", "note_zh", "photos"}
_PHOTO_KEYS = {"title", "credit"}
_ASSET_SUFFIX = {"thumbnail": ".webp", "preview": ".mp4"}


class _Problem(Exception):
    """A mistake inside one entry; read_presets adds the file and the style."""


def read_presets(path: Path) -> tuple[list[StylePreset], GalleryInfo]:
    """Parse and check a presets file."""
    data = read_toml(path, InputError, shown=str(path))

    where = str(path)
    try:
        _only_keys(data, {"gallery", "style"}, "the file")
        gallery = _gallery(data.get("gallery"))
    except _Problem as problem:
        raise InputError(f"{where}: {problem}") from None
    entries = data.get("style")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{where}: no styles; add [[style]] tables")

    presets: list[StylePreset] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        label = f"style #{number}"
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            label = f"style '{entry['id']}'"
        try:
            preset = _preset(entry, gallery)
        except _Problem as problem:
            raise InputError(f"{where}: {label}: {problem}") from None
        if preset.id in seen:
            raise InputError(f"{where}: {label}: the id is used by an earlier style too")
        seen.add(preset.id)
        presets.append(preset)
    return presets, gallery


def _preset(entry: Any, gallery: GalleryInfo) -> StylePreset:
    from styles.grades import GradeStep, check_step

    if not isinstance(entry, dict):
        raise _Problem("must be a table of keys")
    _only_keys(entry, _STYLE_KEYS, "a style")
    style_id = _text(entry, "id")
    if not _ID.match(style_id):
        raise _Problem(f"key 'id': '{style_id}' must be lowercase words joined by '-' "
                       f"(like 'oil-painting')")
    text = {key: _text(entry, key) for key in _REQUIRED_TEXT}

    template = text["prompt_template"]
    if template.count("{prompt}") != 1:
        raise _Problem("key 'prompt_template': must contain {prompt} exactly once, where "
                       "the user's prompt goes")
    others = [p for p in _PLACEHOLDER.findall(template) if p != "{prompt}"]
    if others:
        raise _Problem(f"key 'prompt_template': unknown placeholder {others[0]}; "
                       f"only {{prompt}} is filled in")

    hints = {key: _phrases(entry, key) for key in _HINT_LISTS}
    moods = _phrases(entry, "music_moods")
    for mood in moods:
        if mood not in MUSIC_MOODS:
            raise _Problem(f"key 'music_moods': '{mood}' is not a mood; moods: "
                           f"{', '.join(MUSIC_MOODS)}")

    for key, suffix in _ASSET_SUFFIX.items():
        asset = PurePosixPath(text[key])
        if asset.is_absolute() or ".." in asset.parts or asset.suffix != suffix:
            raise _Problem(f"key '{key}': '{text[key]}' must be a {suffix} path inside "
                           f"styles/ (like 'assets/{style_id}{suffix}')")
    if text["sample_photo"] not in gallery.photos:
        raise _Problem(f"key 'sample_photo': '{text['sample_photo']}' is not one of the "
                       f"gallery photos: {', '.join(gallery.photos)}")

    steps = entry.get("grade")
    if not isinstance(steps, list) or not steps:
        raise _Problem("key 'grade': needs at least one [[style.grade]] filter")
    grade = []
    for index, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or not isinstance(step.get("filter"), str):
            raise _Problem(f"grade step {index}: needs a 'filter' name")
        params = {k: v for k, v in step.items() if k != "filter"}
        grade_step = GradeStep(step["filter"], params)
        problem = check_step(grade_step)
        if problem:
            raise _Problem(f"grade step {index}: {problem}")
        grade.append(grade_step)

    return StylePreset(
        id=style_id, **{k: text[k] for k in _REQUIRED_TEXT if k not in ("prompt_template",)},
        prompt_template=template,
        guidance=_number(entry, "guidance", 1.0, 20.0),
        steps=_whole(entry, "steps", 1, 200),
        camera_hints=hints["camera_hints"], lighting_hints=hints["lighting_hints"],
        music_moods=moods, grade=tuple(grade), lora=_lora(entry.get("lora")))


def _lora(table: Any) -> StyleLora | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _Problem("key 'lora': must be a [style.lora] table")
    _only_keys(table, _LORA_KEYS, "[style.lora]")
    source = _text(table, "source", prefix="lora.")
    weight_name = table.get("weight_name")
    if weight_name is not None and (not isinstance(weight_name, str) or not weight_name.strip()):
        raise _Problem("key 'lora.weight_name': must be a file name like "
                       "'pytorch_lora_weights.safetensors'")
    scale = _number(table, "scale", 0.0, 2.0, prefix="lora.")
    models = table.get("base_models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise _Problem("key 'lora.base_models': must be a list of model ids from "
                       "video/engines/models.toml")
    return StyleLora(source=source, weight_name=weight_name,
                     scale=1.0 if scale is None else scale, base_models=tuple(models))


def _gallery(table: Any) -> GalleryInfo:
    if not isinstance(table, dict):
        raise _Problem("needs a [gallery] table (labels and sample photos)")
    _only_keys(table, _GALLERY_KEYS, "[gallery]")
    labels = {key: _text(table, key, prefix="gallery.")
              for key in ("label_en", "label_zh", "note_en", "note_zh")}
    photos_table = table.get("photos")
    if not isinstance(photos_table, dict) or not photos_table:
        raise _Problem("needs [gallery.photos.NAME] tables for the sample photos")
    photos = {}
    for name, photo in photos_table.items():
        if not isinstance(photo, dict):
            raise _Problem(f"[gallery.photos.{name}] must be a table")
        _only_keys(photo, _PHOTO_KEYS, f"[gallery.photos.{name}]")
        photos[name] = SamplePhoto(name=name,
                                   title=_text(photo, "title", prefix=f"gallery.photos.{name}."),
                                   credit=_text(photo, "credit", prefix=f"gallery.photos.{name}."))
    return GalleryInfo(photos=photos, **labels)


# --- small checks -----------------------------------------------------------------------------

def _only_keys(table: dict, allowed: set[str], what: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise _Problem(f"unknown key '{key}' in {what}{hint}")


def _text(table: dict, key: str, prefix: str = "") -> str:
    value = table.get(key)
    if value is None:
        raise _Problem(f"missing key '{prefix}{key}'")
    if not isinstance(value, str) or not value.strip():
        raise _Problem(f"key '{prefix}{key}': must be non-empty text")
    return value.strip()


def _phrases(table: dict, key: str) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        raise _Problem(f"missing key '{key}'")
    if not isinstance(value, list) or not value or not all(
            isinstance(v, str) and v.strip() for v in value):
        raise _Problem(f"key '{key}': must be a non-empty list of text, like [\"a\", \"b\"]")
    return tuple(v.strip() for v in value)


def _number(table: dict, key: str, low: float, high: float, prefix: str = "") -> float | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise _Problem(f"key '{prefix}{key}': must be a number from {low:g} to {high:g}; "
                       f"got {value!r}")
    return float(value)


def _whole(table: dict, key: str, low: int, high: int) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Problem(f"key '{key}': must be a whole number from {low} to {high}; got {value!r}")
    return value

