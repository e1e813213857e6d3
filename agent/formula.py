"""The offline formula: a Brief and a seed → camera language, scene and details, picked from
the vocabularies and written with the sentence templates. Everything the user named is kept;
the seed decides the rest, one slot at a time, so changing one choice leaves the others."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from agent.consistency import Rules
from agent.fidelity import mentions
from agent.reading import Brief, article
from agent.vocabulary import Entry, Vocabulary
from agent.wording import estimate_tokens, fill, join_list, overlaps, share_budget

MAX_TOKENS = 226  # what CogVideoX's T5 text encoder reads
TOKEN_BUDGET = 200  # the formula's own target, leaving room for a style's words
MAX_MOTIONS = 4


@dataclass(frozen=True)
class Hints:
    """A style's suggestions, already matched to vocabulary ids (see `match_hints`)."""

    ids: dict[str, tuple[str, ...]] = field(default_factory=dict)
    camera_text: tuple[str, ...] = ()  # camera hints no vocabulary phrase covers
    lighting_text: tuple[str, ...] = ()  # lighting hints no vocabulary phrase covers
    reserve_tokens: int = 0


@dataclass(frozen=True)
class Composition:
    """The three prompt parts and what was decided for each slot."""

    camera: str
    scene: str
    details: str
    picks: tuple[tuple[str, str], ...]  # slot → entry id, for every slot used
    kept: tuple[str, ...]  # slots the user named
    hinted: tuple[str, ...]  # slots the style's hints decided
    action: str  # the action used (the user's, or one the formula added)
    mood: str
    title: str
    style: str | None  # the preset the user's look words select, if any
    shortened: bool = False  # even the shortest wording was over budget: parts were cut

    @property
    def prompt(self) -> str:
        return " ".join(p for p in (self.camera, self.scene, self.details) if p)

    def pick(self, slot: str) -> str:
        """The id picked for a slot, "" when unused."""
        return dict(self.picks).get(slot, "")


def match_hints(camera: tuple[str, ...], lighting: tuple[str, ...], vocabulary: Vocabulary,
                reserve_tokens: int = 0) -> Hints:
    """Turn a style's English hint phrases into slot ids (camera hints may set shot, angle,
    movement, pace and lens; lighting hints the lighting). Unmatched phrases stay as text."""
    ids: dict[str, tuple[str, ...]] = {}
    camera_text, lighting_text = [], []
    for phrase in camera:
        found = False
        for term in vocabulary.find_terms(phrase):
            if term.slot in ("shot", "angle", "movement", "lens", "speed"):
                ids[term.slot] = tuple(dict.fromkeys(ids.get(term.slot, ()) + term.ids))
                found = True
                pace = vocabulary.pace_before(phrase[:term.start])
                if term.slot == "movement" and pace:
                    ids["pace"] = tuple(dict.fromkeys(ids.get("pace", ()) + (pace[0],)))
        if not found:
            camera_text.append(phrase.strip())
    for phrase in lighting:
        terms = [t for t in vocabulary.find_terms(phrase) if t.slot == "lighting"]
        for term in terms:
            ids["lighting"] = tuple(dict.fromkeys(ids.get("lighting", ()) + term.ids))
        if not terms:
            lighting_text.append(phrase.strip())
    return Hints(ids=ids, camera_text=tuple(camera_text), lighting_text=tuple(lighting_text),
                 reserve_tokens=reserve_tokens)


class _Picker:
    """Per-slot choices: user pins first, then the style's hints, then weighted by the seed."""

    def __init__(self, brief: Brief, vocabulary: Vocabulary, seed: int, hints: Hints,
                 salt: int = 0):
        self.brief, self.vocabulary, self.seed, self.hints = brief, vocabulary, seed, hints
        self.salt = salt
        self.picks: dict[str, Entry] = {}
        self.hinted: list[str] = []

    def rng(self, name: str) -> random.Random:
        # One generator per slot, so changing one choice leaves the others as they were; the
        # kind is mixed in so that one seed does not give every subject the same mood. A
        # string seed is hashed the same way in every process (unlike hash()).
        salted = f":{self.salt}" if self.salt and name not in ("shot", "angle", "movement",
                                                                "lens", "pace") else ""
        return random.Random(f"{self.seed}:{self.brief.kind}:{name}{salted}")

    def choose(self, slot: str, fits=lambda e: True, *, auto: bool = True) -> Entry | None:
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


def compose(brief: Brief, vocabulary: Vocabulary, *, seed: int, hints: Hints = Hints(),
            photo: bool = False, token_budget: int = TOKEN_BUDGET,
            rules: Rules | None = None) -> Composition:
    """Write the three parts for a Brief. With `photo`, describe motion for image-to-video:
    the camera movement, what moves and how — never a new scene. With `rules`, everything
    added agrees with the idea (its place, the action's energy, the subject), and a prompt
    whose light words clash (night and midday) is written again with other choices."""
    composition = _compose(brief, vocabulary, seed, hints, photo, token_budget, rules, 0)
    for salt in range(1, _RETRIES + 1):
        if rules is None or not rules.clashes_in(composition.prompt):
            break
        composition = _compose(brief, vocabulary, seed, hints, photo, token_budget, rules, salt)
    return composition


_RETRIES = 6


def _compose(brief: Brief, vocabulary: Vocabulary, seed: int, hints: Hints, photo: bool,
             token_budget: int, rules: Rules | None, salt: int) -> Composition:
    p = _Picker(brief, vocabulary, seed, hints, salt)
    kind = vocabulary.kinds[brief.kind]
    noun = vocabulary.nouns.get(brief.noun)
    pos = "their" if brief.plural else ((noun.pronoun if noun else "") or kind.pronoun)
    fits = lambda e: e.fits_kind(brief.kind)  # noqa: E731
    doing = f"{brief.subject} {brief.noun} {brief.action}"

    def agrees(text: str) -> bool:  # a camera choice that suits the subject and where it is
        return rules is None or rules.suits(text, subject=doing, energy="", space="")

    # Camera: look, shot size, angle, movement, pace, lens, speed of time.
    look = p.choose("look", auto=False)
    angle_pin = [vocabulary.get("angle", i) for i in brief.pinned("angle")]
    shot_ok = set.intersection(*[set(a.shots) for a in angle_pin if a.shots]) if any(
        a.shots for a in angle_pin) else None
    shot = angle = lens = None
    if not photo:  # a photo keeps its framing: only the movement is chosen
        def shot_fits(e: Entry) -> bool:
            return fits(e) and (shot_ok is None or e.id in shot_ok)

        # A lens the user or the style asks for ("macro", "shallow depth of field") prefers
        # the shot sizes it suits.
        lenses = [vocabulary.get("lens", i)
                  for i in brief.pinned("lens") or hints.ids.get("lens", ())]
        if any(shot_fits(e) and _lens_fits(lenses, e) for e in vocabulary.entries["shot"]):
            shot = p.choose("shot", lambda e: shot_fits(e) and _lens_fits(lenses, e))
        else:
            shot = p.choose("shot", shot_fits)
        angle = p.choose("angle", lambda e: fits(e) and (e.shots is None or shot.id in e.shots)
                         and agrees(e.en))
        lens = p.choose("lens", lambda e: fits(e) and (e.shots is None or shot.id in e.shots))
    movement = p.choose("movement", lambda e: fits(e) and (
        angle is None or angle.movements is None or e.id in angle.movements) and (
        not photo or bool(e.motion)))
    pace = p.choose("pace") if movement.paced else None
    speed = p.choose("speed", auto=False)

    # Scene: setting, time, weather, lighting, atmosphere. A photo keeps its own scene; the
    # user's own place is never replaced, only lit and timed as that kind of space.
    space = rules.space_of(brief.place) if rules is not None and brief.place else ""
    excluded = rules.excluded(brief.avoid) if rules is not None else brief.avoid
    if brief.place:
        setting = vocabulary.get("setting", brief.place_setting) if brief.place_setting \
            else None
        if setting is not None:
            p.picks["setting"] = setting
    else:  # where the action happens (surfing: at sea), else where the subject lives
        doing = f"{brief.subject} {brief.action}"
        setting_ids = (rules.settings_for(doing) if rules is not None else ()) or (
            noun.settings if noun and noun.settings else kind.settings)
        setting = p.choose("setting", lambda e: e.id in setting_ids and not any(
            mentions(e.en, word) for word in excluded), auto=not photo)
    env = setting.env if setting else ({"indoor": "indoor", "underwater": "underwater",
                                        "space": "space"}.get(space, "outdoor"))
    if space and _space(env) != space:
        env = space  # "a windowsill in Venice": the sill is indoors, whatever the city is
    energy = (rules.energy_of(brief.action) or rules.energy_of(brief.subject)) \
        if rules is not None else ""  # "a dragon boat race": lively without a verb


    def suits(text: str) -> bool:
        if any(mentions(text, word) for word in excluded):
            return False  # never add what the user excluded
        return rules is None or rules.suits(text, subject=f"{brief.subject} {brief.noun} "
                                                    f"{brief.action}",
                                            energy=energy, space=_space(env))
    sky = env in ("outdoor", "indoor")
    lit = [vocabulary.get("lighting", i) for i in brief.pinned("lighting")]
    said = " ".join([brief.subject, brief.action, *brief.details,
                     *(vocabulary.get("lighting", i).match[0] for i in brief.pinned("lighting")
                       if vocabulary.get("lighting", i).match)])
    implied = rules.times_for(said) if rules is not None else ()  # fireworks: at night
    time = p.choose("time", lambda e: (not lit or any(not l.times or e.light in l.times
                                                      for l in lit))
                    and (not implied or e.id in implied), auto=sky and not photo)
    weather = _choose_weather(p, env == "outdoor" and not photo)
    lighting = p.choose("lighting", lambda e: env in e.envs and (
        time is None or not e.times or time.light in e.times) and (
        e.settings is None or (setting is not None and setting.id in e.settings)))
    suited = set(weather.atmospheres or ()) if weather else set()
    if not any(fits(e) and e.id in suited for e in vocabulary.entries["atmosphere"]):
        suited = {e.id for e in vocabulary.entries["atmosphere"]}
    if brief.mood:  # an occasion or a feeling names its own mood
        suited = {e.id for e in vocabulary.entries["atmosphere"] if e.mood == brief.mood} or \
            suited
    if not any(fits(e) and e.id in suited and suits(e.en)
               for e in vocabulary.entries["atmosphere"]):
        suited = {e.id for e in vocabulary.entries["atmosphere"] if suits(e.en)} or suited
    atmosphere = p.choose("atmosphere", lambda e: fits(e) and e.id in suited and suits(e.en))

    action = brief.action
    idle = [i for i in kind.idle if suits(i.format(pos=pos, obj="", texture=""))]
    if not action and idle and not photo:
        action = p.rng("action").choice(idle).format(pos=pos, obj="", texture="")
    movement_np = (f"{article(pace.en)} {pace.en} {movement.noun}" if pace else movement.en)
    user_motions = [d.format(pos=pos, obj="them" if brief.plural else "it", texture="")
                    for d in brief.details]
    texture = noun.texture if noun and noun.texture else kind.texture
    obj = "them" if brief.plural else "it"
    kind_motions = [m.format(pos=pos, obj=obj, texture=texture) for m in
                    p.rng("motions").sample(list(kind.motions), len(kind.motions))]
    kind_motions = [m for m in kind_motions if not overlaps(m, [action, *user_motions])
                    and suits(m)]
    extra = p.rng("extra").choice(hints.camera_text) if hints.camera_text else ""
    if brief.look_words:  # the user's own name for the style comes before any hint
        extra = f"in the style of {brief.look_words}"
    lighting_en = lighting.en
    if not brief.pinned("lighting") and hints.lighting_text and "lighting" not in p.hinted:
        lighting_en = p.rng("lighting-text").choice(hints.lighting_text)

    def write(n_motions: int, with_extra: bool, lean: bool = False) -> tuple[str, str, str]:
        """The three parts with n_motions small movements (the user's always), the style's
        extra camera words or not, and — lean — without the formula's backdrop and texture,
        which go before any of the user's words when the encoder's budget is short."""
        motions = (user_motions + kind_motions)[:max(n_motions, len(user_motions))]
        if photo:
            return _photo_parts(vocabulary, p, brief, noun, movement_np, speed, weather,
                                setting, action, motions)
        shot_np = " ".join(filter(None, [look.adjective if look else "", shot.en]))
        camera = _fill(p, "camera", vocabulary, shot=f"{article(shot_np)} {shot_np}",
                       angle=angle.en, movement=movement_np, prep=movement.prep,
                       subject=" ".join(filter(None, [brief.subject, action])), lens=lens.en,
                       speed=f", {speed.en}" if speed else "",
                       extra=f", {extra}" if extra and (with_extra or brief.look_words)
                       else "")
        scene_kind = "scene_noplace" if brief.setting_in_action or setting is None \
            else "scene_place"
        # The user's own place is described by their words alone: a stock backdrop could
        # contradict it (rice paddies for "a wheat field", a Chinese water town for Venice).
        backdrops = [b for b in setting.backdrop if suits(b)] if setting is not None and \
            (not brief.place or brief.place_known) else []
        backdrop = p.rng("backdrop").choice(backdrops) if backdrops and not lean else ""
        scene = _fill(p, scene_kind, vocabulary,
                      place="" if brief.setting_in_action or setting is None else setting.en,
                      time=time.en if time else "", time_noun=time.noun if time else "",
                      weather=f" {weather.en}" if weather else "",
                      backdrop=backdrop, lighting=lighting_en, atmosphere=atmosphere.en)
        textures = [t for t in kind.textures
                    if suits(t.format(pos=pos, obj=obj, texture=texture))] or \
            ["crisp, fine detail in every texture"]
        texture_clause = "" if lean else p.rng("texture").choice(textures).format(
            pos=pos, obj=obj, texture=texture)
        details = _fill(p, "details", vocabulary, texture=texture_clause,
                        motions=join_list(motions), motion_list=", ".join(motions))
        return camera, scene, details

    n_motions, with_extra = 3, True
    parts = write(n_motions, with_extra)
    while len(" ".join(parts).split()) < 60 and n_motions < MAX_MOTIONS:
        n_motions += 1
        parts = write(n_motions, with_extra)
    budget = min(token_budget, MAX_TOKENS - hints.reserve_tokens)
    while estimate_tokens(" ".join(parts)) > budget and (n_motions > 1 or with_extra):
        if n_motions > 1:
            n_motions -= 1
        else:
            with_extra = False
        parts = write(n_motions, with_extra)
    if estimate_tokens(" ".join(parts)) > budget:
        parts = write(n_motions, with_extra, lean=True)
    shortened = estimate_tokens(" ".join(parts)) > budget
    camera, scene, details = share_budget(parts, budget)

    picks = tuple((slot, e.id) for slot, e in p.picks.items())
    subject_words = re.sub(r"^(?:a|an|the)\s+", "", brief.subject, flags=re.IGNORECASE)
    title = " ".join(f"{subject_words} {action}".split()[:8]).strip()
    return Composition(camera=camera, scene=scene, details=details, picks=picks,
                       kept=tuple(s for s, _ in brief.pins), hinted=tuple(p.hinted),
                       action=action, mood=atmosphere.mood, title=title[:1].upper() + title[1:],
                       style=(look.preset or None) if look else None, shortened=shortened)


def _lens_fits(lenses: list[Entry], shot: Entry) -> bool:
    return not lenses or any(lens.shots is None or shot.id in lens.shots for lens in lenses)


def _choose_weather(p: _Picker, outdoors: bool) -> Entry | None:
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


def _photo_parts(vocabulary, p: _Picker, brief: Brief, noun, movement_np: str, speed, weather,
                 setting, action: str, motions: list[str]) -> tuple[str, str, str]:
    if noun is not None and noun.word in ("she", "he"):
        subject_ref = "her" if noun.word == "she" else "him"
    elif noun is not None and noun.name:
        subject_ref = noun.name
    else:
        subject_ref = re.sub(r"^(?:a|an)\s+", "the ", brief.subject, flags=re.IGNORECASE)
    if weather is not None:
        ambient = weather.motion
    elif setting is not None:
        ambient = p.rng("ambient").choice(setting.ambient)
    else:
        ambient = p.rng("ambient").choice(vocabulary.photo_ambient)
    camera = _fill(p, "photo_camera", vocabulary, movement=movement_np, subject_ref=subject_ref,
                   speed=f", {speed.en}" if speed else "")
    scene = _fill(p, "photo_scene", vocabulary, ambient=ambient)
    details = _fill(p, "photo_details", vocabulary, subject_ref=subject_ref,
                    action=f" {action}" if action else "", motions=join_list(motions))
    return camera, scene, details


def _space(env: str) -> str:
    """The consistency rules' kind of space for a setting's env."""
    return {"indoor": "indoor", "studio": "indoor", "underwater": "underwater",
            "space": "space"}.get(env, "outdoor")


def _fill(p: _Picker, name: str, vocabulary: Vocabulary, **values: str) -> str:
    """One of the vocabulary's templates for `name`, chosen by the seed and filled."""
    return fill(p.rng(f"template:{name}"), vocabulary.templates[name], **values)
