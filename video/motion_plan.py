"""What a prompt asks the `motion` engine for: the camera move and the ambient effects.

The words live in motion_words.toml (data a non-programmer can edit); this module checks
that file and matches its phrases against a prompt, English or Chinese.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import datafiles
from datafiles import Flag, Schema, Text, Texts, between, fail, one_of, some
from video.effects import EFFECT_NAMES

WORDS_FILE = Path(__file__).with_name("motion_words.toml")
PRIMITIVES = ("zoom", "shift_x", "shift_y", "orbit", "shake")
_CLAUSE_END = re.compile(r"[,.;:!?，。；：！？\n]")
_NEGATION_EN = re.compile(r"(?:\bno|\bwithout|\bnot|\bzero)\s+(?:\w+\s+)?$", re.IGNORECASE)
_NEGATION_ZH = ("不", "没有", "没", "无", "不要")


@dataclass(frozen=True)
class _Phrases:
    """Compiled patterns for a list of phrases."""

    patterns: tuple[re.Pattern, ...]

    @classmethod
    def of(cls, phrases: list[str]) -> "_Phrases":
        return cls(tuple(_pattern(p) for p in phrases))

    def find(self, text: str) -> list[re.Match]:
        return [m for pattern in self.patterns for m in pattern.finditer(text)]


@dataclass(frozen=True)
class MoveWords:
    """A camera move: its phrases and its mix of primitive motions."""

    id: str
    phrases: _Phrases
    zoom: float = 0.0
    shift_x: float = 0.0
    shift_y: float = 0.0
    orbit: float = 0.0
    shake: float = 0.0
    static: bool = False

    def uses(self) -> set[str]:
        return {name for name in PRIMITIVES if getattr(self, name)}


@dataclass(frozen=True)
class SpeedWords:
    id: str
    factor: float
    words: _Phrases


@dataclass(frozen=True)
class EffectWords:
    id: str
    strength: float
    words: _Phrases
    unless: _Phrases


@dataclass(frozen=True)
class Vocabulary:
    """Everything motion_words.toml says, checked."""

    moves: tuple[MoveWords, ...]
    speeds: tuple[SpeedWords, ...]
    effects: tuple[EffectWords, ...]
    default_move: str
    default_speed: float
    parallax: float


@dataclass(frozen=True)
class CameraMotion:
    """The camera's path over the clip, as amounts of each primitive motion."""

    zoom: float = 0.0  # + push in, - pull out: the picture's growth by the end
    shift_x: float = 0.0  # + the picture slides right (pan left), fraction of the width
    shift_y: float = 0.0  # + the picture slides down (tilt up), fraction of the height
    orbit: float = 0.0  # subject and background slide apart, fraction of the width
    shake: float = 0.0  # handheld drift, 1.0 = a steady hand
    moves: tuple[str, ...] = ()  # the move ids this came from, in prompt order


@dataclass(frozen=True)
class MotionPlan:
    """What the motion engine renders for one prompt."""

    camera: CameraMotion
    effects: tuple[tuple[str, float], ...] = ()  # (effect id, strength), prompt order
    parallax: float = 0.35


def _pattern(phrase: str) -> re.Pattern:
    """Latin phrases match whole words ('-' or spaces between); others match anywhere."""
    if phrase.isascii():
        words = [re.escape(w) for w in re.split(r"[\s\-]+", phrase.strip()) if w]
        return re.compile(r"(?<![A-Za-z0-9])" + r"[\s\-]+".join(words) + r"(?![A-Za-z0-9])",
                          re.IGNORECASE)
    return re.compile(re.escape(phrase))


# --- loading -------------------------------------------------------------------------------

_Amount = between(-1, 5)  # of a primitive motion
_Factor = between(0.05, 10)  # of a speed


class _Move(Schema):
    id: Text
    phrases: some(Text)
    static: Flag = False
    zoom: _Amount = 0.0
    shift_x: _Amount = 0.0
    shift_y: _Amount = 0.0
    orbit: _Amount = 0.0
    shake: _Amount = 0.0


class _Speed(Schema):
    id: Text
    factor: _Factor
    words: some(Text)


class _Effect(Schema):
    id: one_of(*sorted(EFFECT_NAMES))
    strength: between(0, 3)
    words: some(Text)
    unless: Texts  # phrases in which the words do not count ("rain boots")


class _Defaults(Schema):
    move: Text  # a [[move]] id
    speed: _Factor
    parallax: between(0, 1)


class _WordsFile(Schema):
    defaults: _Defaults
    speed: tuple[_Speed, ...]
    move: tuple[_Move, ...]
    effect: tuple[_Effect, ...]


def load_vocabulary(path: Path = WORDS_FILE) -> Vocabulary:
    """Read and check the words file; DataFileError names the file, the entry and the key."""
    data = datafiles.load(path, _WordsFile)
    moves = tuple(MoveWords(id=m.id, phrases=_Phrases.of(m.phrases), static=m.static,
                            **{p: float(getattr(m, p)) for p in PRIMITIVES})
                  for m in data.move)
    if data.defaults.move not in {m.id for m in moves}:
        raise fail(datafiles.shown(path), "[defaults]", "move",
                   f"'{data.defaults.move}' is not a [[move]] id")
    return Vocabulary(
        moves=moves,
        speeds=tuple(SpeedWords(s.id, float(s.factor), _Phrases.of(s.words)) for s in data.speed),
        effects=tuple(EffectWords(e.id, float(e.strength), _Phrases.of(e.words),
                                  _Phrases.of(e.unless)) for e in data.effect),
        default_move=data.defaults.move, default_speed=float(data.defaults.speed),
        parallax=float(data.defaults.parallax))


# --- planning ------------------------------------------------------------------------------

def plan_motion(prompt: str, vocabulary: Vocabulary) -> MotionPlan:
    """The camera move and the effects a prompt asks for (defaults when it names none)."""
    camera, named_static = _camera(prompt, vocabulary)
    if not camera.moves and not named_static:
        default = next(m for m in vocabulary.moves if m.id == vocabulary.default_move)
        camera = _scaled(default, vocabulary.default_speed)
    return MotionPlan(camera=camera, effects=_effects(prompt, vocabulary),
                      parallax=vocabulary.parallax)


def _camera(prompt: str, vocabulary: Vocabulary) -> tuple[CameraMotion, bool]:
    # Every phrase found, longest first where two start together ("pan left" over "pan").
    found = sorted(((m.start(), -(m.end() - m.start()), m.end(), move)
                    for move in vocabulary.moves for m in move.phrases.find(prompt)),
                   key=lambda item: item[:2])
    claimed: set[str] = set()
    totals = dict.fromkeys(PRIMITIVES, 0.0)
    names: list[str] = []
    named_static, covered_until = False, -1
    for start, _, end, move in found:
        if start < covered_until:
            continue  # inside a longer phrase already taken
        covered_until = end
        if move.static:
            named_static = True
            continue
        if move.uses() & claimed:
            continue  # the first move named on a primitive wins
        claimed |= move.uses()
        factor = _speed_near(prompt, start, end, vocabulary)
        for primitive in move.uses():
            totals[primitive] += getattr(move, primitive) * factor
        names.append(move.id)
    return CameraMotion(**totals, moves=tuple(names)), named_static


def _scaled(move: MoveWords, factor: float) -> CameraMotion:
    return CameraMotion(**{p: getattr(move, p) * factor for p in PRIMITIVES}, moves=(move.id,))


def _speed_near(prompt: str, start: int, end: int, vocabulary: Vocabulary) -> float:
    """The factor of a speed word in the same clause, just before or just after a phrase."""
    before = prompt[max(0, start - 24):start]
    before = _CLAUSE_END.split(before)[-1]
    after = _CLAUSE_END.split(prompt[end:end + 16])[0]
    for speed in vocabulary.speeds:
        if speed.words.find(before) or speed.words.find(after):
            return speed.factor
    return 1.0


def _effects(prompt: str, vocabulary: Vocabulary) -> tuple[tuple[str, float], ...]:
    found = []
    for effect in vocabulary.effects:
        text = prompt
        for match in effect.unless.find(prompt):  # blank out the phrases that do not count
            text = text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]
        hits = [m for m in effect.words.find(text) if not _negated(text, m.start())]
        if hits:
            found.append((min(m.start() for m in hits), effect.id, effect.strength))
    return tuple((name, strength) for _, name, strength in sorted(found))


def _negated(text: str, start: int) -> bool:
    """'no rain', 'without snow', '没有雨': the word is there, the effect is not wanted."""
    before = text[max(0, start - 16):start]
    return bool(_NEGATION_EN.search(before)) or before.rstrip().endswith(_NEGATION_ZH)
