"""The formula's choices, slot by slot: the user's pins first, then the style's hints, then
the seed. The camera (look, shot, angle, lens, movement, pace, speed), the scene (setting,
time, weather, lighting, atmosphere) and the details (the action, the small movements) are
each chosen by one function; agent/formula_text.py writes them as sentences."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from agent.brief import Brief
from agent.consistency import Rules
from agent.fidelity import mentions
from agent.vocabulary import Entry, Kind, Noun, Vocabulary, movement_phrase
from agent.wording import overlaps


@dataclass(frozen=True)
class Hints:
    """A style's suggestions, already matched to vocabulary ids (see `formula.match_hints`)."""

    ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    camera_text: tuple[str, ...] = ()  # camera hints no vocabulary phrase covers
    lighting_text: tuple[str, ...] = ()  # lighting hints no vocabulary phrase covers
    reserve_tokens: int = 0


class Picker:
    """Per-slot choices: user pins first, then the style's hints, then weighted by the seed."""

    def __init__(self, brief: Brief, vocabulary: Vocabulary, seed: int, hints: Hints,
                 salt: int = 0):
        self.brief, self.vocabulary, self.seed, self.hints = brief, vocabulary, seed, hints
        self.salt = salt
        self.picks: dict[str, Entry] = {}
        self.hinted: list[str] = []

    def rng(self, name: str) -> random.Random:
        """The generator of one named choice."""
        # One generator per slot, so changing one choice leaves the others as they were; the
        # kind is mixed in so that one seed does not give every subject the same mood. A
        # string seed is hashed the same way in every process (unlike hash()).
        salted = f":{self.salt}" if self.salt and name not in ("shot", "angle", "movement",
                                                                "lens", "pace") else ""
        return random.Random(f"{self.seed}:{self.brief.kind}:{name}{salted}")

    def choose(self, slot: str, fits=lambda e: True, *, auto: bool = True) -> Entry | None:
        """The slot's entry: a pinned one, else a hinted one that fits, else (when `auto`)
        any that fits, weighted by the seed; None when nothing may be chosen."""
        entries = self.vocabulary.entries[slot]
        pinned = self.brief.pinned(slot)
        if pinned:
            chosen = _weighted(self.rng(slot), [self.vocabulary.get(slot, i) for i in pinned])
        else:
            fitting = [e for e in entries if fits(e)]
            hinted = [e for e in fitting if e.id in self.hints.ids.get(slot, ())]
            candidates = hinted or ([e for e in fitting if e.weight > 0] if auto else [])
            if not candidates and auto:
                candidates = [e for e in entries if e.weight > 0]
            if not candidates:
                return None
            if hinted:
                self.hinted.append(slot)
            chosen = _weighted(self.rng(slot), candidates)
        self.picks[slot] = chosen
        return chosen


def _weighted(rng: random.Random, entries: list[Entry]) -> Entry:
    weights = [e.weight for e in entries]
    if not any(weights):
        weights = [1.0] * len(entries)
    return rng.choices(entries, weights=weights)[0]


@dataclass(frozen=True)
class Subject:
    """What the prompt is about, as the templates name it: the Brief with its kind and noun,
    and the words for "{pos}", "{obj}" and "{texture}"."""

    brief: Brief
    kind: Kind
    noun: Noun | None
    pos: str  # "their", "her", "its"…
    obj: str  # "them" or "it"
    texture: str  # the noun's own texture, else its kind's

    @classmethod
    def of(cls, brief: Brief, vocabulary: Vocabulary) -> "Subject":
        """The Subject of a Brief."""
        kind = vocabulary.kinds[brief.kind]
        noun = vocabulary.nouns.get(brief.noun)
        pos = "their" if brief.plural else ((noun.pronoun if noun else "") or kind.pronoun)
        return cls(brief=brief, kind=kind, noun=noun, pos=pos,
                   obj="them" if brief.plural else "it",
                   texture=noun.texture if noun and noun.texture else kind.texture)

    def fits(self, entry: Entry) -> bool:
        """Whether a vocabulary entry suits this kind of subject."""
        return entry.fits_kind(self.brief.kind)

    def doing(self) -> str:
        """The subject, its noun and its action, as the consistency rules read them."""
        return f"{self.brief.subject} {self.brief.noun} {self.brief.action}"


@dataclass(frozen=True)
class Camera:
    """The camera slots chosen for one prompt (a photo keeps its framing: no shot, angle or
    lens), and the style's extra camera words."""

    look: Entry | None
    shot: Entry | None
    angle: Entry | None
    lens: Entry | None
    movement: Entry
    pace: Entry | None
    speed: Entry | None
    extra: str  # a style hint no vocabulary phrase covers, or the user's own style name

    def movement_words(self) -> str:
        """The movement as a noun phrase ("a slow dolly in"), with its pace when it has one."""
        return movement_phrase(self.movement, self.pace)


def choose_camera(p: Picker, subject: Subject, rules: Rules | None, photo: bool) -> Camera:
    """Camera: look, shot size, angle, lens, movement, pace, speed of time."""
    look = p.choose("look", auto=False)
    shot = angle = lens = None
    if not photo:  # a photo keeps its framing: only the movement is chosen
        shot, angle, lens = _choose_framing(p, subject, rules)
    movement = p.choose("movement", lambda e: subject.fits(e) and (
        angle is None or angle.movements is None or e.id in angle.movements) and (
        not photo or bool(e.motion)))
    pace = p.choose("pace") if movement.paced else None
    speed = p.choose("speed", auto=False)
    return Camera(look=look, shot=shot, angle=angle, lens=lens, movement=movement, pace=pace,
                  speed=speed, extra=_extra_camera_words(p))


def _choose_framing(p: Picker, subject: Subject,
                    rules: Rules | None) -> tuple[Entry, Entry, Entry]:
    """Shot size, angle and lens: a pinned angle limits the shot sizes, a lens the user or
    the style asks for ("macro", "shallow depth of field") prefers the sizes it suits, and
    the angle agrees with the subject."""
    vocabulary, brief = p.vocabulary, p.brief
    angle_pin = [vocabulary.get("angle", i) for i in brief.pinned("angle")]
    shot_ok = set.intersection(*[set(a.shots) for a in angle_pin if a.shots]) if any(
        a.shots for a in angle_pin) else None

    def shot_fits(e: Entry) -> bool:
        return subject.fits(e) and (shot_ok is None or e.id in shot_ok)

    lenses = [vocabulary.get("lens", i)
              for i in brief.pinned("lens") or p.hints.ids.get("lens", ())]
    if any(shot_fits(e) and _lens_fits(lenses, e) for e in vocabulary.entries["shot"]):
        shot = p.choose("shot", lambda e: shot_fits(e) and _lens_fits(lenses, e))
    else:
        shot = p.choose("shot", shot_fits)
    doing = subject.doing()
    angle = p.choose("angle", lambda e: subject.fits(e) and (
        e.shots is None or shot.id in e.shots) and (
        rules is None or rules.suits(e.en, subject=doing, energy="", space="")))
    lens = p.choose("lens", lambda e: subject.fits(e) and (e.shots is None
                                                           or shot.id in e.shots))
    return shot, angle, lens


def _lens_fits(lenses: list[Entry], shot: Entry) -> bool:
    return not lenses or any(lens.shots is None or shot.id in lens.shots for lens in lenses)


def _extra_camera_words(p: Picker) -> str:
    """The user's own name for the style ("in the style of Studio Ghibli"), else one of the
    style's camera hints that no vocabulary phrase covers, else nothing."""
    if p.brief.look_words:  # the user's own name for the style comes before any hint
        return f"in the style of {p.brief.look_words}"
    return p.rng("extra").choice(p.hints.camera_text) if p.hints.camera_text else ""


@dataclass(frozen=True)
class Judge:
    """Whether words the formula adds agree with the idea: never what the user excluded, and
    (with consistency rules) suited to the subject, the action's energy and the space."""

    rules: Rules | None
    excluded: tuple[str, ...]
    doing: str  # the subject, its noun and its action
    energy: str
    space: str

    def suits(self, text: str) -> bool:
        """Whether the text may be added to the prompt."""
        if any(mentions(text, word) for word in self.excluded):
            return False  # never add what the user excluded
        return self.rules is None or self.rules.suits(text, subject=self.doing,
                                                      energy=self.energy, space=self.space)


@dataclass(frozen=True)
class Scene:
    """The scene slots chosen for one prompt, and what judges the words added to it."""

    setting: Entry | None
    env: str  # the setting's kind of place: outdoor, indoor, underwater, space, studio
    time: Entry | None
    weather: Entry | None
    lighting: Entry
    lighting_words: str  # the lighting entry's words, or a style's lighting hint
    atmosphere: Entry
    judge: Judge

    def suits(self, text: str) -> bool:
        """Whether added words agree with the idea and this scene."""
        return self.judge.suits(text)


def choose_scene(p: Picker, subject: Subject, rules: Rules | None, photo: bool) -> Scene:
    """Scene: setting, time, weather, lighting, atmosphere. A photo keeps its own scene; the
    user's own place is never replaced, only lit and timed as that kind of space."""
    brief = p.brief
    space = rules.space_of(brief.place) if rules is not None and brief.place else ""
    excluded = rules.excluded(brief.avoid) if rules is not None else brief.avoid
    setting = _choose_setting(p, subject, rules, excluded, photo)
    env = setting.env if setting else ({"indoor": "indoor", "underwater": "underwater",
                                        "space": "space"}.get(space, "outdoor"))
    if space and space_of_env(env) != space:
        env = space  # "a windowsill in Venice": the sill is indoors, whatever the city is
    energy = (rules.energy_of(brief.action) or rules.energy_of(brief.subject)) \
        if rules is not None else ""  # "a dragon boat race": lively without a verb
    judge = Judge(rules=rules, excluded=excluded, doing=subject.doing(), energy=energy,
                  space=space_of_env(env))
    time = _choose_time(p, rules, auto=env in ("outdoor", "indoor") and not photo)
    weather = _choose_weather(p, env == "outdoor" and not photo)
    lighting = p.choose("lighting", lambda e: env in e.envs and (
        time is None or not e.times or time.light in e.times) and (
        e.settings is None or (setting is not None and setting.id in e.settings)))
    atmosphere = _choose_atmosphere(p, subject, weather, judge)
    return Scene(setting=setting, env=env, time=time, weather=weather, lighting=lighting,
                 lighting_words=_lighting_words(p, lighting), atmosphere=atmosphere,
                 judge=judge)


def _choose_setting(p: Picker, subject: Subject, rules: Rules | None,
                    excluded: tuple[str, ...], photo: bool) -> Entry | None:
    """The user's own place's setting (its light, its env), else where the action happens
    (surfing: at sea), else where the subject lives; never one that names what the user
    excluded."""
    brief = p.brief
    if brief.place:
        setting = p.vocabulary.get("setting", brief.place_setting) if brief.place_setting \
            else None
        if setting is not None:
            p.picks["setting"] = setting
        return setting
    noun, kind = subject.noun, subject.kind
    setting_ids = (rules.settings_for(f"{brief.subject} {brief.action}")
                   if rules is not None else ()) or (
        noun.settings if noun and noun.settings else kind.settings)
    return p.choose("setting", lambda e: e.id in setting_ids and not any(
        mentions(e.en, word) for word in excluded), auto=not photo)


def _choose_time(p: Picker, rules: Rules | None, *, auto: bool) -> Entry | None:
    """The time of day: one the pinned lighting can have, and the one the idea implies
    (fireworks: at night)."""
    brief, vocabulary = p.brief, p.vocabulary
    lit = [vocabulary.get("lighting", i) for i in brief.pinned("lighting")]
    said = " ".join([brief.subject, brief.action, *brief.details,
                     *(light.match[0] for light in lit if light.match)])
    implied = rules.times_for(said) if rules is not None else ()
    return p.choose("time", lambda e: (not lit or any(not light.times or e.light in light.times
                                                      for light in lit))
                    and (not implied or e.id in implied), auto=auto)


def _choose_weather(p: Picker, outdoors: bool) -> Entry | None:
    """Weather only outdoors, and often none at all (unless the user asked for some)."""
    if p.brief.pinned("weather"):
        return p.choose("weather")
    if not outdoors:
        return None
    rng = p.rng("weather-none")
    auto = sum(e.weight for e in p.vocabulary.entries["weather"])
    if rng.random() * (auto + p.vocabulary.weather_none_weight) < p.vocabulary.weather_none_weight:
        return None
    return p.choose("weather")


def _choose_atmosphere(p: Picker, subject: Subject, weather: Entry | None,
                       judge: Judge) -> Entry:
    """The atmosphere: one the weather suits, of the mood an occasion or a feeling names,
    that agrees with the idea (the widest of these that leaves a choice)."""
    atmospheres = p.vocabulary.entries["atmosphere"]
    suited = set(weather.atmospheres or ()) if weather else set()
    if not any(subject.fits(e) and e.id in suited for e in atmospheres):
        suited = {e.id for e in atmospheres}
    if p.brief.mood:  # an occasion or a feeling names its own mood
        suited = {e.id for e in atmospheres if e.mood == p.brief.mood} or suited
    if not any(subject.fits(e) and e.id in suited and judge.suits(e.en) for e in atmospheres):
        suited = {e.id for e in atmospheres if judge.suits(e.en)} or suited
    return p.choose("atmosphere", lambda e: subject.fits(e) and e.id in suited
                    and judge.suits(e.en))


def _lighting_words(p: Picker, lighting: Entry) -> str:
    """The lighting's words; a style's own lighting hint (one no vocabulary phrase covers)
    instead, unless the user or the style's matched hints chose the lighting."""
    if not p.brief.pinned("lighting") and p.hints.lighting_text and "lighting" not in p.hinted:
        return p.rng("lighting-text").choice(p.hints.lighting_text)
    return lighting.en


def space_of_env(env: str) -> str:
    """The consistency rules' kind of space for a setting's env."""
    return {"indoor": "indoor", "studio": "indoor", "underwater": "underwater",
            "space": "space"}.get(env, "outdoor")


@dataclass(frozen=True)
class Details:
    """The details chosen for one prompt: the action and the small movements, the user's
    first (they are always kept), then the kind's own that agree with the idea."""

    action: str  # the user's, or an idle one the formula added
    user_motions: tuple[str, ...]
    kind_motions: tuple[str, ...]

    def motions(self, count: int) -> list[str]:
        """The first `count` movements, never fewer than the user's own."""
        return [*self.user_motions, *self.kind_motions][:max(count, len(self.user_motions))]


def _acting(subject: str, vocabulary) -> bool:
    """Whether the subject's own words already say what it does ("a boy riding a bicycle",
    from 骑自行车的男孩): then no idle action is added ("… standing still")."""
    return any(word.endswith("ing") and len(word) > 4 and word not in vocabulary.nouns
               for word in subject.lower().split()[1:])


def choose_details(p: Picker, subject: Subject, scene: Scene, photo: bool) -> Details:
    """Details: the action (an idle one when the user named none), and the movements of
    the user's details and of the subject's kind that repeat nothing already said."""
    brief = subject.brief
    action = brief.action
    idle = [i for i in subject.kind.idle
            if scene.suits(i.format(pos=subject.pos, obj="", texture=""))]
    if not action and idle and not photo and not _acting(brief.subject, p.vocabulary):
        action = p.rng("action").choice(idle).format(pos=subject.pos, obj="", texture="")
    user_motions = [d.format(pos=subject.pos, obj=subject.obj, texture="")
                    for d in brief.details]
    kind = subject.kind
    kind_motions = [m.format(pos=subject.pos, obj=subject.obj, texture=subject.texture)
                    for m in p.rng("motions").sample(list(kind.motions), len(kind.motions))]
    kind_motions = [m for m in kind_motions if not overlaps(m, [action, *user_motions])
                    and scene.suits(m)]
    return Details(action=action, user_motions=tuple(user_motions),
                   kind_motions=tuple(kind_motions))
