"""The shape of the rewriter's vocabulary files (agent/data/camera.toml, scene.toml,
subjects.toml, templates.toml): the slots, what each entry holds, which {placeholders} each
template may use. agent/vocabulary.py loads them and checks what spans entries."""

from typing import Annotated

from pydantic import BeforeValidator, Field, model_validator

from datafiles import Flag, Invalid, NonNegative, Schema, Text, Texts, Whole, one_of, some, template

CAMERA_SLOTS = ("shot", "angle", "movement", "pace", "lens", "speed", "look")
SCENE_SLOTS = ("setting", "time", "weather", "lighting", "atmosphere")
SLOTS = CAMERA_SLOTS + SCENE_SLOTS
ENVS = ("outdoor", "indoor", "studio", "underwater", "space")
LIGHTS = ("day", "golden", "blue", "night")
# The camera moves the photo-motion engine reads from a prompt.
MOTION_PHRASES = ("push in", "pull out", "zoom in", "zoom out", "pan left", "pan right",
                  "tilt up", "tilt down",
                  "orbit", "handheld", "static")
TEMPLATE_FIELDS = {
    "camera": {"shot", "angle", "movement", "prep", "subject", "lens", "speed", "extra"},
    "camera_aimed": {"shot", "angle", "movement", "target", "subject", "lens", "speed", "extra"},
    "scene_place": {"place", "time", "time_noun", "weather", "backdrop", "lighting", "atmosphere"},
    "scene_noplace": {"time", "time_noun", "weather", "backdrop", "lighting", "atmosphere"},
    "details": {"texture", "motions", "motion_list"},
    "photo_camera": {"movement", "subject_ref", "speed"},
    "photo_camera_aimed": {"movement", "target", "speed"},
    "photo_scene": {"ambient"},
    "photo_details": {"subject_ref", "action", "motions"},
}


class Choice(Schema):
    """What every [[slot]] entry of camera.toml and scene.toml holds."""

    id: Text
    en: Text
    zh: Text
    match: Texts = ()
    weight: NonNegative = 1.0
    kinds: Texts | None = None  # None: fits every kind of subject


class Ordered(Choice):  # [[shot]], [[pace]]
    order: Whole


class Angle(Choice):
    shots: Texts | None = None
    movements: Texts | None = None


class Movement(Choice):
    noun: Text
    prep: Text
    paced: Flag = True
    motion: Text = ""

    @model_validator(mode="after")
    def _motion_is_named(self):
        if self.motion and (self.motion not in MOTION_PHRASES or self.motion not in self.en):
            raise Invalid(f"must be one of {', '.join(MOTION_PHRASES)} and appear in 'en'",
                          "motion")
        return self


class Lens(Choice):
    shots: Texts | None = None


class Look(Choice):
    adjective: Text
    preset: Text = ""


class Setting(Choice):
    env: one_of(*ENVS)
    backdrop: Texts
    ambient: Texts
    subject: Text = ""


class Time(Choice):
    noun: Text
    light: one_of(*LIGHTS)


class Weather(Choice):
    motion: Text
    atmospheres: Texts | None = None


class Lighting(Choice):
    times: tuple[one_of(*LIGHTS), ...]
    envs: tuple[one_of(*ENVS), ...]
    settings: Texts | None = None


class Atmosphere(Choice):
    mood: Text


class CameraFile(Schema):
    shot: some(Ordered)
    angle: some(Angle)
    movement: some(Movement)
    pace: some(Ordered)
    lens: some(Lens)
    speed: some(Choice)
    look: some(Look)


class SceneFile(Schema):
    setting: some(Setting)
    time: some(Time)
    weather: some(Weather)
    lighting: some(Lighting)
    atmosphere: some(Atmosphere)
    weather_none_weight: NonNegative = 0.0


Phrase = template("pos", "obj", "texture")  # a kind's texture or motion phrase


class KindTable(Schema):
    pronoun: Text
    texture: Text
    textures: tuple[Phrase, ...]
    motions: tuple[Phrase, ...]
    idle: tuple[Phrase, ...]
    settings: Texts


class NounTable(Schema):
    kind: Text
    texture: Text = ""
    settings: Texts = ()
    pronoun: Text = ""
    plural: Text = ""
    name: Text = ""


class SubjectsFile(Schema):
    kinds: dict[str, KindTable]
    # `cheetah = "animal"` is short for `cheetah = { kind = "animal" }`
    nouns: Annotated[dict[str, Annotated[NounTable, BeforeValidator(
        lambda value: {"kind": value} if isinstance(value, str) else value)]],
        Field(min_length=1)]

    @model_validator(mode="after")
    def _has_generic(self):
        if "generic" not in self.kinds:
            raise Invalid("needs a [kinds.generic] table", "kinds")
        return self


def _templates(name: str) -> type:
    return Annotated[tuple[template(*TEMPLATE_FIELDS[name]), ...], Field(min_length=1)]


class TemplatesFile(Schema):
    camera: _templates("camera")
    camera_aimed: _templates("camera_aimed")
    scene_place: _templates("scene_place")
    scene_noplace: _templates("scene_noplace")
    details: _templates("details")
    photo_camera: _templates("photo_camera")
    photo_camera_aimed: _templates("photo_camera_aimed")
    photo_scene: _templates("photo_scene")
    photo_details: _templates("photo_details")
    photo_ambient: Annotated[Texts, Field(min_length=1)]


_PLAIN_WORDS = r"[a-z0-9' ]+"  # lower case words, as the reader compares them


class CameraMove(Schema):
    """A [[move]] of camera_verbs.toml: how a sentence says one camera movement."""

    said: Annotated[tuple[Annotated[Text, Field(pattern=_PLAIN_WORDS)], ...], Field(min_length=1)]
    means: Annotated[Texts, Field(min_length=1)]  # movement ids of camera.toml
    alone: Flag


class ZhCameraMove(Schema):
    """A [[zh.move]] of camera_verbs.toml."""

    said: Annotated[Texts, Field(min_length=1)]
    means: Annotated[Texts, Field(min_length=1)]
    alone: Flag


class ZhCameraVerbsTable(Schema):
    """The [zh] table of camera_verbs.toml."""

    cameras: Annotated[Texts, Field(min_length=1)]
    drones: Texts = ()
    reveals: Texts = ()
    paces: dict[str, Text] = {}
    move: Annotated[tuple[ZhCameraMove, ...], Field(min_length=1)]


class CameraVerbsFile(Schema):
    cameras: Annotated[tuple[Annotated[Text, Field(pattern=_PLAIN_WORDS)], ...],
                       Field(min_length=1)]
    drones: tuple[Annotated[Text, Field(pattern=_PLAIN_WORDS)], ...] = ()
    drone_angle: Text
    joins: tuple[Annotated[Text, Field(pattern=_PLAIN_WORDS)], ...] = ()
    move: Annotated[tuple[CameraMove, ...], Field(min_length=1)]
    zh: ZhCameraVerbsTable
