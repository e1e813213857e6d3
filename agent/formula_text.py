"""The formula's sentences: what was chosen for one prompt (agent/formula_choices.py) written
with the vocabulary's templates as its three parts — camera, scene, details — or, for a
photo, as the motion an image-to-video model adds to it. How long they may be is the
caller's choice (agent/formula.py fits them to the encoder's budget)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.english import article
from agent.formula_choices import Camera, Details, Picker, Scene, Subject
from agent.wording import fill, join_list

# A kind with no texture phrase that agrees with the idea still gets a closing clause.
_PLAIN_TEXTURE = "crisp, fine detail in every texture"


@dataclass(frozen=True)
class Draft:
    """Everything chosen for one prompt, ready to be written at any length."""

    picker: Picker
    subject: Subject
    camera: Camera
    scene: Scene
    details: Details
    photo: bool


def write(draft: Draft, n_motions: int, with_extra: bool,
          lean: bool = False) -> tuple[str, str, str]:
    """The three parts with n_motions small movements (the user's always), the style's
    extra camera words or not, and — lean — without the formula's backdrop and texture,
    which go before any of the user's words when the encoder's budget is short."""
    motions = draft.details.motions(n_motions)
    if draft.photo:
        return photo_parts(draft, motions)
    return (camera_part(draft, with_extra), scene_part(draft, lean),
            details_part(draft, motions, lean))


def camera_part(draft: Draft, with_extra: bool) -> str:
    """The camera sentence: shot, angle, movement, the subject and its action, lens, speed,
    and the extra style words (the user's own style name always)."""
    camera, brief = draft.camera, draft.subject.brief
    shot_np = " ".join(filter(None, [camera.look.adjective if camera.look else "",
                                     camera.shot.en]))
    extra = camera.extra if camera.extra and (with_extra or brief.look_words) else ""
    # a move the user aimed ("zoom in on her face") says its aim in their words
    aimed = {"target": brief.camera_target} if brief.camera_target else \
        {"prep": camera.movement.prep}
    return _fill(draft, "camera_aimed" if brief.camera_target else "camera",
                 shot=f"{article(shot_np)} {shot_np}", angle=camera.angle.en,
                 movement=_before_aim(camera.movement_words(), brief.camera_target), **aimed,
                 subject=" ".join(filter(None, [brief.subject, draft.details.action])),
                 lens=camera.lens.en, speed=f", {camera.speed.en}" if camera.speed else "",
                 extra=f", {extra}" if extra else "")


def scene_part(draft: Draft, lean: bool) -> str:
    """The scene sentence: the place (unless the user's words already say where), time,
    weather, a backdrop (not when lean), lighting and atmosphere."""
    scene, brief = draft.scene, draft.subject.brief
    setting, time = scene.setting, scene.time
    placed = not brief.setting_in_action and setting is not None
    # The user's own place is described by their words alone: a stock backdrop could
    # contradict it (rice paddies for "a wheat field", a Chinese water town for Venice).
    backdrops = [b for b in setting.backdrop if scene.suits(b)] if setting is not None and \
        (not brief.place or brief.place_known) else []
    backdrop = draft.picker.rng("backdrop").choice(backdrops) if backdrops and not lean else ""
    return _fill(draft, "scene_place" if placed else "scene_noplace",
                 place=setting.en if placed else "",
                 time=time.en if time else "", time_noun=time.noun if time else "",
                 weather=f" {scene.weather.en}" if scene.weather else "",
                 backdrop=backdrop, lighting=scene.lighting_words,
                 atmosphere=scene.atmosphere.en)


def details_part(draft: Draft, motions: list[str], lean: bool) -> str:
    """The details sentence: the small movements and a texture clause (not when lean)."""
    subject = draft.subject
    texture_clause = ""
    if not lean:
        words = dict(pos=subject.pos, obj=subject.obj, texture=subject.texture)
        textures = [t for t in subject.kind.textures if draft.scene.suits(t.format(**words))] \
            or [_PLAIN_TEXTURE]
        texture_clause = draft.picker.rng("texture").choice(textures).format(**words)
    return _fill(draft, "details", texture=texture_clause, motions=join_list(motions),
                 motion_list=", ".join(motions))


def photo_parts(draft: Draft, motions: list[str]) -> tuple[str, str, str]:
    """The three parts for a photo: the camera's movement over it, the ambient motion of
    its scene, and how the subject moves — never a new scene."""
    subject_ref = _photo_subject(draft.subject)
    scene, speed = draft.scene, draft.camera.speed
    if scene.weather is not None:
        ambient = scene.weather.motion
    elif scene.setting is not None:
        ambient = draft.picker.rng("ambient").choice(scene.setting.ambient)
    else:
        ambient = draft.picker.rng("ambient").choice(draft.picker.vocabulary.photo_ambient)
    action = draft.details.action
    target = draft.subject.brief.camera_target
    camera = _fill(draft, "photo_camera_aimed" if target else "photo_camera",
                   movement=_before_aim(draft.camera.movement_words(), target),
                   **({"target": target} if target else {"subject_ref": subject_ref}),
                   speed=f", {speed.en}" if speed else "")
    scene_text = _fill(draft, "photo_scene", ambient=ambient)
    details = _fill(draft, "photo_details", subject_ref=subject_ref,
                    action=f" {action}" if action else "", motions=join_list(motions))
    return camera, scene_text, details


def _before_aim(movement: str, target: str) -> str:
    """The movement's words before the user's aim: "a slow zoom" + "into its eye", not
    "a slow zoom in into its eye"."""
    particle = re.search(r"\s(in|out|up|down)$", movement)
    if particle and re.match(rf"{particle.group(1)}(?:to|\s+of)?\b", target, re.IGNORECASE):
        return movement[:particle.start()]
    return movement


def _photo_subject(subject: Subject) -> str:
    """How the photo's subject is referred to: "her", a name, or "the …"."""
    noun = subject.noun
    if noun is not None and noun.word in ("she", "he"):
        return "her" if noun.word == "she" else "him"
    if noun is not None and noun.name:
        return noun.name
    return re.sub(r"^(?:a|an)\s+", "the ", subject.brief.subject, flags=re.IGNORECASE)


def _fill(draft: Draft, name: str, **values: str) -> str:
    """One of the vocabulary's templates for `name`, chosen by the seed and filled."""
    picker = draft.picker
    return fill(picker.rng(f"template:{name}"), picker.vocabulary.templates[name], **values)
