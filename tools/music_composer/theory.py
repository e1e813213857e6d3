"""Music theory for the composer: keys and scales, chords from Roman numerals, voice
leading, and a seeded melody writer that thinks in four-bar phrases (A A′ B A″)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

NOTE_NAMES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}

# Scale name → (semitones of the melody's scale, semitones of the 7-note parent mode that
# Roman numerals count in). Pentatonic modes borrow their parent's degrees for chords.
SCALES: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "major": ((0, 2, 4, 5, 7, 9, 11),) * 2,
    "minor": ((0, 2, 3, 5, 7, 8, 10),) * 2,
    "dorian": ((0, 2, 3, 5, 7, 9, 10),) * 2,
    "lydian": ((0, 2, 4, 6, 7, 9, 11),) * 2,
    "phrygian": ((0, 1, 3, 5, 7, 8, 10),) * 2,
    "harmonic-minor": ((0, 2, 3, 5, 7, 8, 11),) * 2,
    "pentatonic": ((0, 2, 4, 7, 9), (0, 2, 4, 5, 7, 9, 11)),  # Chinese gong mode (宫调)
    "minor-pentatonic": ((0, 3, 5, 7, 10), (0, 2, 3, 5, 7, 8, 10)),  # yu mode (羽调)
}

ROMAN = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
_CHORD = re.compile(r"^(b|#)?(i{1,3}|iv|v|vi{0,2}|I{1,3}|IV|V|VI{0,2})"
                    r"(°|dim|\+)?(maj7|7|9|sus2|sus4|add9|6)?$")


@dataclass(frozen=True)
class Key:
    """A tonic and a scale, e.g. "D major" or "A minor-pentatonic"."""

    tonic: int  # pitch class 0..11
    scale: str

    @classmethod
    def parse(cls, text: str) -> "Key":
        """Read "<tonic> <scale>" such as "Eb major"; raise ValueError on anything else."""
        parts = text.split()
        if len(parts) != 2 or parts[1] not in SCALES or parts[0][:1] not in NOTE_NAMES:
            raise ValueError(f"key must look like 'D major' with a scale from "
                             f"{', '.join(SCALES)}; got '{text}'")
        name, accidental = parts[0][0], parts[0][1:]
        if accidental not in ("", "b", "#"):
            raise ValueError(f"unknown accidental in key '{text}'")
        shift = {"": 0, "b": -1, "#": 1}[accidental]
        return cls((NOTE_NAMES[name] + shift) % 12, parts[1])

    @property
    def melody_steps(self) -> tuple[int, ...]:
        return SCALES[self.scale][0]

    @property
    def parent_steps(self) -> tuple[int, ...]:
        return SCALES[self.scale][1]

    def scale_notes(self, low: int, high: int) -> list[int]:
        """MIDI notes of the melody scale between low and high inclusive."""
        pcs = {(self.tonic + s) % 12 for s in self.melody_steps}
        return [m for m in range(low, high + 1) if m % 12 in pcs]


def chord_pitch_classes(numeral: str, key: Key) -> list[int]:
    """Pitch classes of a chord written as a Roman numeral in the key, root first.

    Case gives the quality (IV major, ii minor; ° diminished), the degree counts in the
    key's parent mode (so VI in A minor is F), and suffixes add colour: 7, maj7, 9, 6,
    sus2, sus4, add9. A leading b or # moves the root a semitone.
    """
    match = _CHORD.match(numeral)
    if not match:
        raise ValueError(f"cannot read chord '{numeral}'")
    accidental, roman, quality, extra = match.groups()
    root = (key.tonic + key.parent_steps[ROMAN[roman.lower()]]
            + {"b": -1, "#": 1, None: 0}[accidental]) % 12
    minor = roman.islower()
    third = 3 if minor else 4
    fifth = {"°": 6, "dim": 6, "+": 8}.get(quality or "", 7)
    if quality in ("°", "dim"):
        third = 3
    intervals = [0, third, fifth]
    if extra == "sus2":
        intervals = [0, 2, 7]
    elif extra == "sus4":
        intervals = [0, 5, 7]
    elif extra == "7":
        intervals.append(10 if (minor or roman.isupper()) and quality is None else 9)
    elif extra == "maj7":
        intervals.append(11)
    elif extra == "9":
        intervals += [10 if roman.isupper() or minor else 11, 14]
    elif extra == "add9":
        intervals.append(14)
    elif extra == "6":
        intervals.append(9)
    return [(root + i) % 12 for i in intervals]


def voice_chord(pcs: list[int], previous: list[int] | None, low: int = 52,
                high: int = 76) -> list[int]:
    """A close voicing of the chord in [low, high] that moves least from the previous one."""
    unique = list(dict.fromkeys(pcs))
    candidates = []
    for base in range(low, high + 1):
        if base % 12 not in unique:
            continue
        turn = unique.index(base % 12)
        notes = [base]
        for pc in unique[turn + 1:] + unique[:turn]:
            notes.append(notes[-1] + (pc - notes[-1]) % 12)
        if notes[-1] <= high:
            candidates.append(notes)
    if not candidates:
        return sorted(low + (pc - low) % 12 for pc in unique)
    centre = (low + high) / 2
    if previous is None:
        return min(candidates, key=lambda c: abs(np.mean(c) - centre))
    return min(candidates, key=lambda c: sum(min(abs(n - p) for p in previous) for n in c)
               + 0.15 * abs(np.mean(c) - centre))


# --- melody ----------------------------------------------------------------------------------------

# Bar rhythms as (onset, length) in beats, by melody style and metre.
RHYTHMS: dict[tuple[str, int], list[list[tuple[float, float]]]] = {
    ("lyrical", 4): [[(0, 2), (2, 1), (3, 1)], [(0, 1.5), (1.5, 0.5), (2, 2)], [(0, 3), (3, 1)],
                     [(0, 1), (1, 1), (2, 2)], [(0.5, 0.5), (1, 1), (2, 1.5), (3.5, 0.5)]],
    ("sparse", 4): [[(0, 3)], [(0, 2), (2, 2)], [(1, 3)], [(0, 1.5), (1.5, 2.5)]],
    ("bouncy", 4): [[(0, 0.5), (0.5, 0.5), (1, 1), (2, 0.5), (2.5, 0.5), (3, 1)],
                    [(0, 1), (1.5, 0.5), (2, 1), (3, 0.5), (3.5, 0.5)],
                    [(0, 0.5), (1, 0.5), (1.5, 0.5), (2, 1.5), (3.5, 0.5)],
                    [(0, 0.75), (0.75, 0.25), (1, 1), (2, 0.75), (2.75, 0.25), (3, 1)]],
    ("flowing", 4): [[(0, 0.5), (0.5, 0.5), (1, 0.5), (1.5, 0.5), (2, 1), (3, 1)],
                     [(0, 1), (1, 0.5), (1.5, 0.5), (2, 2)],
                     [(0, 1.5), (1.5, 0.5), (2, 0.5), (2.5, 0.5), (3, 1)]],
    ("lyrical", 3): [[(0, 2), (2, 1)], [(0, 1), (1, 1), (2, 1)], [(0, 1.5), (1.5, 0.5), (2, 1)]],
    ("sparse", 3): [[(0, 3)], [(0, 2), (2, 1)], [(1, 2)]],
}
CADENCE = {4: [(0, 4)], 3: [(0, 3)]}


@dataclass(frozen=True)
class Note:
    """One note of a part: when (beats from the loop start), how long (beats), what, how hard."""

    start: float
    beats: float
    midi: float
    vel: float


def _pick(rng: np.random.Generator, options: list[int], weights: np.ndarray) -> int:
    weights = np.exp(weights - weights.max())
    return options[int(rng.choice(len(options), p=weights / weights.sum()))]


def _phrase_pitches(rhythm: list[tuple[float, float]], bar_chords: list[list[int]],
                    notes: list[int], start_note: int, meter: int, rng: np.random.Generator,
                    peak: float) -> list[int]:
    """Pitches for one phrase: chord tones on strong beats, steps between, an arch that
    peaks `peak` of the way through and lands on the last chord's root or third."""
    pitches, previous = [], start_note
    span = len(rhythm)
    for i, (onset, _) in enumerate(rhythm):
        chord = bar_chords[int(onset // meter)]
        strong = (onset % meter) in ((0, 2) if meter == 4 else (0,))
        position = i / max(1, span - 1)
        arch = position / peak if position < peak else (1.0 - position) / (1.0 - peak)
        target = start_note + 5.0 * arch
        last = i == span - 1
        weights = []
        for n in notes:
            w = -0.35 * abs(n - target) - 0.45 * abs(n - previous)
            w -= 4.0 * (abs(n - previous) > 7)
            if n % 12 in chord:
                w += 2.0 if strong else 0.5
            if last:
                w += 6.0 if n % 12 in chord[:2] else -6.0
            if n == previous:
                w -= 1.0
            weights.append(w)
        previous = _pick(rng, notes, np.array(weights))
        pitches.append(previous)
    return pitches


def write_melody(chords: list[list[int]], key: Key, meter: int, style: str,
                 low: int, high: int, rng: np.random.Generator, vel: float = 0.7) -> list[Note]:
    """A melody over one chord per bar, in four-bar phrases shaped A A′ B A″ (cycling).

    A′ repeats A's rhythm and contour with a new ending, B has its own motif a little
    higher, A″ returns to A: the repetition a listener can hum.
    """
    palette = RHYTHMS.get((style, meter)) or RHYTHMS[("lyrical", meter)]
    notes = key.scale_notes(low, high)
    mid = notes[len(notes) // 2]

    def rhythm_of(motif: list[int]) -> list[tuple[float, float]]:
        out = []
        for bar, index in enumerate(motif):
            pattern = palette[index] if index >= 0 else CADENCE[meter]
            out += [(bar * meter + onset, length) for onset, length in pattern]
        return out

    a_motif = [int(rng.integers(len(palette))) for _ in range(2)]
    b_motif = [int(rng.integers(len(palette))) for _ in range(2)]
    shapes = {
        "A": a_motif + [a_motif[0], -1], "A2": a_motif + [a_motif[1], -1],
        "B": b_motif + [b_motif[0], -1],
    }
    melody: list[Note] = []
    memory: dict[str, list[int]] = {}
    for phrase, name in zip(range(len(chords) // 4), ("A", "A2", "B", "A") * 8):
        bar_chords = chords[phrase * 4:phrase * 4 + 4]
        rhythm = rhythm_of(shapes[name])
        start = mid + (4 if name == "B" else 0)
        pitches = _phrase_pitches(rhythm, bar_chords, notes, start, meter, rng,
                                  peak=0.6 if name != "B" else 0.4)
        if name in memory and len(memory[name]) == len(pitches):
            pitches = memory[name][:-1] + pitches[-1:]  # the same tune, a fresh landing
        memory.setdefault(name, pitches)
        for (onset, length), pitch in zip(rhythm, pitches):
            accent = 1.0 if onset % meter == 0 else 0.85
            melody.append(Note(phrase * 4 * meter + onset, length * 0.95, pitch,
                               vel * accent * rng.uniform(0.9, 1.05)))
    return melody
