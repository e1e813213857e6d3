"""Style presets: read presets.toml, check every entry, and serve them as typed presets.

A preset conditions the generator (prompt template, negative prompt, guidance, optional
LoRA), hints the rewriter (camera and lighting phrases), picks the music's mood, and
grades the finished clip (a filter chain, see grades.py). The file is edited by people who
are not programmers: a mistake is one line naming the file, the style and the key, in their
terms ("[[style]] 'cinematic': field 'music_moods[1]': must be one of calm, …; got 'sad'"),
with the key they probably meant when they misspell one.
"""

from __future__ import annotations

import difflib
import re
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field

import datafiles
from datafiles import AnyText, Schema, Text, between, fail, one_of, some
from errors import InputError
from video.types import LoraSpec

if TYPE_CHECKING:
    from styles.grades import ClipGrade, GradeStep

STYLES_DIR = Path(__file__).resolve().parent
PRESETS_FILE = STYLES_DIR / "presets.toml"

# The mood ids music/ tags its tracks with; a style may ask only for these.
MUSIC_MOODS = ("calm", "dreamy", "uplifting", "epic", "tense", "playful", "romantic",
               "melancholic", "lofi", "corporate", "chinese-traditional", "nature-ambient")

@dataclass(frozen=True)
class StyleLora:
    """A LoRA that teaches the DiT a style: where it is, and which models it was trained on."""

    source: str  # a hub id ("owner/name") or a local file/folder path
    weight_name: str | None = None
    scale: float = 1.0
    base_models: tuple[str, ...] = ()  # registry ids it fits; empty means any

    def spec(self) -> LoraSpec:
        """The engine's view of this LoRA."""
        return LoraSpec(source=self.source, weight_name=self.weight_name, scale=self.scale)


@dataclass(frozen=True)
class StyledPrompt:
    """A prompt after a style's template, and the style's negative prompt."""

    prompt: str
    negative_prompt: str


@dataclass(frozen=True)
class StylePreset:
    """One style, as the presets file describes it."""

    id: str
    name_en: str
    name_zh: str
    description_en: str
    description_zh: str
    prompt_template: str  # contains "{prompt}" once
    negative_prompt: str
    guidance: float | None  # classifier-free guidance the look works best with
    steps: int | None  # sampling steps it works best with on a full model (a hint)
    camera_hints: tuple[str, ...]  # English camera phrases for the rewriter
    lighting_hints: tuple[str, ...]  # English lighting phrases for the rewriter
    music_moods: tuple[str, ...]  # ids from MUSIC_MOODS, best first
    grade: tuple["GradeStep", ...]
    lora: StyleLora | None
    thumbnail: str  # path under styles/, a WebP still
    preview: str  # path under styles/, a short looping MP4
    sample_photo: str  # the gallery's source photo (a key of [gallery.photos])

    def name(self, language: str = "en") -> str:
        """The display name in 'en' or 'zh'."""
        return self.name_zh if language == "zh" else self.name_en

    def description(self, language: str = "en") -> str:
        """The one-line description in 'en' or 'zh'."""
        return self.description_zh if language == "zh" else self.description_en

    def apply(self, prompt: str) -> str:
        """The prompt inside this style's template (plain replace: braces in a user's
        prompt are text, not placeholders). When the template goes on with a new sentence,
        the prompt gets the full stop it lacks."""
        before, after = self.prompt_template.split("{prompt}", 1)
        text = prompt.strip()
        if text and text[-1] not in ".!?。！？" and after.lstrip()[:1].isupper():
            text += "."
        return f"{before}{text}{after}"


@dataclass(frozen=True)
class SamplePhoto:
    """A public-domain photo the gallery previews are made from."""

    name: str  # the scikit-image data function that returns it
    title: str
    credit: str


@dataclass(frozen=True)
class GalleryInfo:
    """How the gallery labels its previews, and the photos they come from."""

    label_en: str
    label_zh: str
    note_en: str
    note_zh: str
    photos: dict[str, SamplePhoto]

    def label(self, language: str = "en") -> str:
        """'Look preview' in the user's language."""
        return self.label_zh if language == "zh" else self.label_en

    def note(self, language: str = "en") -> str:
        """What a preview is and is not, in the user's language."""
        return self.note_zh if language == "zh" else self.note_en


# --- the file's schema --------------------------------------------------------------------------

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")  # any {name}; only {prompt} is allowed


def _style_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"'{value}' must be lowercase words joined by '-' (like "
                         f"'oil-painting')")
    return value


def _prompt_template(value: str) -> str:
    if value.count("{prompt}") != 1:
        raise ValueError("must contain {prompt} exactly once, where the user's prompt goes")
    others = [p for p in _PLACEHOLDER.findall(value) if p != "{prompt}"]
    if others:
        raise ValueError(f"unknown placeholder {others[0]}; only {{prompt}} is filled in")
    return value


def _asset(suffix: str):
    """A path inside styles/ ending in `suffix`."""
    def check(value: str) -> str:
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or path.suffix != suffix:
            raise ValueError(f"'{value}' must be a {suffix} path inside styles/ (like "
                             f"'assets/oil-painting{suffix}')")
        return value
    return Annotated[_Stripped, AfterValidator(check)]


_Stripped = Annotated[Text, AfterValidator(str.strip)]  # the text without outer spaces
_Thumbnail, _Preview = _asset(".webp"), _asset(".mp4")


class _Lora(Schema):
    source: _Stripped  # a hub id ("owner/name") or a path relative to presets.toml
    weight_name: Text | None = None  # a file name like 'pytorch_lora_weights.safetensors'
    scale: between(0, 2) = 1.0
    base_models: tuple[Text, ...] = ()  # model ids of video/engines/models.toml


class _GradeStep(Schema):
    """A [[style.grade]] filter: `filter` names it, every other key is its parameter
    (styles/grades.py checks them)."""

    model_config = ConfigDict(extra="allow")
    filter: AnyText


class _Style(Schema):
    id: Annotated[_Stripped, AfterValidator(_style_id)]
    name_en: _Stripped
    name_zh: _Stripped
    description_en: _Stripped
    description_zh: _Stripped
    prompt_template: Annotated[_Stripped, AfterValidator(_prompt_template)]
    negative_prompt: _Stripped
    thumbnail: _Thumbnail
    preview: _Preview
    sample_photo: _Stripped  # a key of [gallery.photos]
    camera_hints: some(_Stripped)
    lighting_hints: some(_Stripped)
    music_moods: some(one_of(*MUSIC_MOODS))
    guidance: between(1, 20) | None = None
    steps: between(1, 200, whole=True) | None = None
    grade: some(_GradeStep)
    lora: _Lora | None = None


class _Photo(Schema):
    title: _Stripped
    credit: _Stripped


class _Gallery(Schema):
    label_en: _Stripped
    label_zh: _Stripped
    note_en: _Stripped
    note_zh: _Stripped
    photos: Annotated[dict[str, _Photo], Field(min_length=1)]


class _PresetsFile(Schema):
    gallery: _Gallery
    style: some(_Style)


def read_presets(path: Path) -> tuple[list[StylePreset], GalleryInfo]:
    """Parse and check a presets file; DataFileError names the file, the style and the key."""
    from styles.grades import GradeStep, check_step  # numpy and OpenCV: only when reading

    data, file = datafiles.load(path, _PresetsFile), datafiles.shown(path)
    gallery = GalleryInfo(
        label_en=data.gallery.label_en, label_zh=data.gallery.label_zh,
        note_en=data.gallery.note_en, note_zh=data.gallery.note_zh,
        photos={name: SamplePhoto(name, photo.title, photo.credit)
                for name, photo in data.gallery.photos.items()})
    presets: list[StylePreset] = []
    for style in data.style:
        where = f"[[style]] '{style.id}'"
        if style.id in (p.id for p in presets):
            raise fail(file, where, "id", "is used by an earlier style too")
        if style.sample_photo not in gallery.photos:
            raise fail(file, where, "sample_photo", f"'{style.sample_photo}' is not one of "
                                                    f"the gallery photos: "
                                                    f"{', '.join(gallery.photos)}")
        grade = tuple(GradeStep(step.filter, dict(step.model_extra)) for step in style.grade)
        for number, step in enumerate(grade, 1):
            problem = check_step(step)
            if problem:
                raise fail(file, where, f"grade[{number}]", problem)
        presets.append(_preset(style, grade))
    return presets, gallery


def _preset(style: _Style, grade: tuple) -> StylePreset:
    lora = None if style.lora is None else StyleLora(
        source=style.lora.source, weight_name=style.lora.weight_name,
        scale=float(style.lora.scale), base_models=style.lora.base_models)
    return StylePreset(
        id=style.id, name_en=style.name_en, name_zh=style.name_zh,
        description_en=style.description_en, description_zh=style.description_zh,
        prompt_template=style.prompt_template, negative_prompt=style.negative_prompt,
        guidance=None if style.guidance is None else float(style.guidance), steps=style.steps,
        camera_hints=style.camera_hints, lighting_hints=style.lighting_hints,
        music_moods=style.music_moods, grade=grade, lora=lora, thumbnail=style.thumbnail,
        preview=style.preview, sample_photo=style.sample_photo)


class StyleLibrary:
    """The presets of one presets file, by id, in file order."""

    def __init__(self, presets: list[StylePreset], gallery: GalleryInfo,
                 root: Path = STYLES_DIR):
        self._presets = {p.id: p for p in presets}
        self.gallery = gallery
        self.root = root  # asset paths are relative to it

    @classmethod
    def load(cls, path: Path | str = PRESETS_FILE) -> "StyleLibrary":
        """Read and check a presets file; DataFileError names the style and key at fault."""
        presets, gallery = read_presets(Path(path))
        return cls(presets, gallery, root=Path(path).resolve().parent)

    def get(self, style_id: str) -> StylePreset:
        """The preset with this id; InputError lists the known ids otherwise."""
        preset = self._presets.get(style_id)
        if preset is None:
            close = difflib.get_close_matches(str(style_id), self._presets, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise InputError(f"unknown style '{style_id}'{hint}; known styles: "
                             f"{', '.join(self._presets)}")
        return preset

    def all(self) -> tuple[StylePreset, ...]:
        """Every preset, in the file's order."""
        return tuple(self._presets.values())

    def ids(self) -> tuple[str, ...]:
        """Every preset id, in the file's order."""
        return tuple(self._presets)

    def __contains__(self, style_id: object) -> bool:
        return style_id in self._presets

    def __len__(self) -> int:
        return len(self._presets)

    def apply(self, preset: StylePreset | str, prompt: str) -> StyledPrompt:
        """A prompt conditioned by a style: its template and negative prompt."""
        preset = self._preset(preset)
        return StyledPrompt(prompt=preset.apply(prompt), negative_prompt=preset.negative_prompt)

    def lora_for(self, preset: StylePreset | str) -> LoraSpec | None:
        """The style's LoRA for the engine, with a local path made absolute."""
        lora = self._preset(preset).lora
        if lora is None:
            return None
        spec = lora.spec()
        if lora.source.startswith(("./", "../", "/", "~")):
            local = (self.root / Path(lora.source).expanduser()).resolve()
            spec = LoraSpec(source=str(local), weight_name=spec.weight_name, scale=spec.scale)
        return spec

    def grade_for(self, preset: StylePreset | str, seed: int | None = None) -> "ClipGrade":
        """The style's colour grade as a frame filter for video.post (uint8 T×H×W×3 → same).

        Its grain and textures are seeded from the style id unless a seed is given, so a
        style looks the same on every render and its grain does not boil.
        """
        from styles.grades import ClipGrade

        preset = self._preset(preset)
        return ClipGrade(preset.grade, seed=style_seed(preset.id) if seed is None else seed)

    def asset(self, preset: StylePreset | str, kind: str) -> Path:
        """Absolute path of a preset's 'thumbnail' or 'preview'."""
        if kind not in ("thumbnail", "preview"):
            raise ValueError(f"asset kind must be 'thumbnail' or 'preview', not {kind!r}")
        return self.root / getattr(self._preset(preset), kind)

    def _preset(self, preset: StylePreset | str) -> StylePreset:
        return self.get(preset) if isinstance(preset, str) else preset


def style_seed(style_id: str) -> int:
    """A stable seed from a style id (Python's hash() changes between runs)."""
    return zlib.crc32(style_id.encode("utf-8"))


def describe(preset: StylePreset) -> dict[str, Any]:
    """A preset as plain JSON-able data (for the CLI, API and UI)."""
    return {
        "id": preset.id,
        "name": {"en": preset.name_en, "zh": preset.name_zh},
        "description": {"en": preset.description_en, "zh": preset.description_zh},
        "prompt_template": preset.prompt_template,
        "negative_prompt": preset.negative_prompt,
        "guidance": preset.guidance,
        "steps": preset.steps,
        "camera_hints": list(preset.camera_hints),
        "lighting_hints": list(preset.lighting_hints),
        "music_moods": list(preset.music_moods),
        "grade": [{"filter": s.filter, **dict(s.params)} for s in preset.grade],
        "lora": None if preset.lora is None else {
            "source": preset.lora.source, "weight_name": preset.lora.weight_name,
            "scale": preset.lora.scale, "base_models": list(preset.lora.base_models)},
        "thumbnail": preset.thumbnail,
        "preview": preset.preview,
        "sample_photo": preset.sample_photo,
    }
