"""The arranger: turns a recipe's parts into notes and drum hits over the chord loop.

Each part has a role (chords, pad, melody, bass, drums, bed) and a pattern; the patterns
here are the playing styles a session musician would reach for in each mood.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tools.music_composer.theory import Key, Note, voice_chord, write_melody

ROLES = ("chords", "pad", "melody", "bass", "drums", "bed")
BASS_PATTERNS = ("root", "root-fifth", "pulse", "walking", "ostinato", "octave", "drone")
MELODY_STYLES = ("lyrical", "sparse", "bouncy", "flowing")


@dataclass(frozen=True)
class DrumHit:
    """One drum hit: when (beats from the loop start), which hit, how hard."""

    start: float
    hit: str
    vel: float


@dataclass(frozen=True)
class ChordBar:
    """One bar of an accompaniment, as a pattern plays it: the bar's index and first beat,
    its chord (pitch classes), that chord's voicing, and the root below the voicing."""

    index: int
    at: int
    pcs: list[int]
    voicing: list[int]
    root: int
    low: int  # the bottom of the voicing's range
    meter: int
    vel: float


def chord_notes(pattern: str, chords: list[list[int]], key: Key, meter: int, octave: int,
                rng: np.random.Generator, vel: float = 0.6) -> list[Note]:
    """An accompaniment pattern over one chord per bar, voice-led from bar to bar."""
    play = _CHORD_PLAYERS.get(pattern)
    if play is None:
        raise ValueError(f"unknown chord pattern '{pattern}'")
    low = 12 * (octave + 1) - 5
    notes: list[Note] = []
    previous = None
    for index, pcs in enumerate(chords):
        voicing = voice_chord(pcs, previous, low, low + 22)
        previous = voicing
        root = low - 12 + (pcs[0] - (low - 12)) % 12
        notes += play(ChordBar(index, index * meter, pcs, voicing, root, low, meter, vel),
                      chords, key)
    return notes


# --- the chord patterns: each plays one bar (given the whole progression and the key) ---

def _sustain(bar: ChordBar, chords: list[list[int]], key: Key) -> list[Note]:
    """The chord held, tied across the bars that repeat it."""
    if bar.index > 0 and bar.pcs == chords[bar.index - 1]:
        return []  # tied: the earlier bar's notes still sound
    length = bar.meter
    while bar.index + length // bar.meter < len(chords) \
            and chords[bar.index + length // bar.meter] == bar.pcs:
        length += bar.meter
    return [Note(bar.at, length, m, bar.vel) for m in bar.voicing]


def _block(bar: ChordBar, chords: list[list[int]], key: Key) -> list[Note]:
    """The chord struck once, held for the bar."""
    return [Note(bar.at, bar.meter * 0.95, m, bar.vel) for m in bar.voicing]


def _arpeggio(bar: ChordBar, chords: list[list[int]], key: Key) -> list[Note]:
    """Eighths up the chord and back down."""
    voicing = bar.voicing
    cycle = voicing + [voicing[0] + 12] + voicing[1:][::-1]
    return [Note(bar.at + step * 0.5, 1.5, cycle[step % len(cycle)],
                 bar.vel * (1.0 if step % 2 == 0 else 0.8)) for step in range(bar.meter * 2)]


def _broken(bar: ChordBar, chords: list[list[int]], key: Key) -> list[Note]:
    """Ballad piano: a low root, then the chord rolling upward."""
    voicing = bar.voicing
    order = [bar.root, voicing[0] + 7 if voicing[0] + 7 < bar.low + 24 else voicing[1]] + voicing
    return [Note(bar.at + step * 0.5, bar.meter - step * 0.5, m,
                 bar.vel * (0.9 + 0.1 * (step == 0)))
            for step, m in enumerate(order[:bar.meter * 2])]


def _pulse(bar: ChordBar, chords: list[list[int]], key: Key) -> list[Note]:
    """The chord repeated in eighths, the on-beats accented."""
    notes = []
    for step in range(bar.meter * 2):
        accent = 1.0 if step % 2 == 0 else 0.7
        notes += [Note(bar.at + step * 0.5, 0.4, m, bar.vel * accent) for m in bar.voicing]
    return notes


def _waltz(bar: ChordBar, chords: list[list[int]], key: Key) -> list[Note]:
    """Oom-pah-pah: the root on one, the chord on the other beats."""
    notes = [Note(bar.at, 1.0, bar.root, bar.vel)]
    for beat in range(1, bar.meter):
        notes += [Note(bar.at + beat, 0.9, m, bar.vel * 0.7) for m in bar.voicing]
    return notes


def _stabs(bar: ChordBar, chords: list[list[int]], key: Key) -> list[Note]:
    """Short chords on the off-beats."""
    notes = []
    for beat in range(bar.meter):
        notes += [Note(bar.at + beat + 0.5, 0.3, m, bar.vel * 0.8) for m in bar.voicing]
    return notes


def _gliss(bar: ChordBar, chords: list[list[int]], key: Key) -> list[Note]:
    """Guzheng: a quick pentatonic run into every other bar, then the chord's tones."""
    voicing, at, vel = bar.voicing, bar.at, bar.vel
    notes = []
    if bar.index % 2 == 0:
        run = [m for m in key.scale_notes(voicing[0] - 12, voicing[0] - 1)][-6:]
        for step, m in enumerate(run):
            notes.append(Note(at - 0.75 + step * 0.125, 0.8, m, vel * (0.45 + 0.08 * step)))
    tones = [voicing[0], voicing[-1], voicing[1], voicing[-1]]
    for beat in range(bar.meter):
        notes.append(Note(at + beat, 1.5, tones[beat], vel * (1.0 if beat == 0 else 0.7)))
    return notes


_CHORD_PLAYERS = {"sustain": _sustain, "block": _block, "arpeggio": _arpeggio,
                  "broken": _broken, "pulse": _pulse, "waltz": _waltz, "stabs": _stabs,
                  "gliss": _gliss}
CHORD_PATTERNS = tuple(_CHORD_PLAYERS)


def bass_notes(pattern: str, chords: list[list[int]], meter: int, octave: int,
               rng: np.random.Generator, vel: float = 0.75) -> list[Note]:
    """A bass line under the chords: roots in the low register, moving by pattern."""
    low = 12 * (octave + 1) - 4
    notes: list[Note] = []
    for bar, pcs in enumerate(chords):
        root = low + (pcs[0] - low) % 12
        fifth = root + 7 if root + 7 <= low + 14 else root - 5
        nxt = chords[(bar + 1) % len(chords)][0]
        at = bar * meter
        if pattern == "root":
            notes.append(Note(at, meter * 0.97, root, vel))
        elif pattern == "drone":
            notes.append(Note(at, meter, low + (chords[0][0] - low) % 12, vel))
        elif pattern == "root-fifth":
            half = meter / 2 if meter == 4 else 2
            notes += [Note(at, half * 0.95, root, vel), Note(at + half, (meter - half) * 0.9, fifth, vel * 0.85)]
        elif pattern == "pulse":
            notes += [Note(at + s * 0.5, 0.42, root, vel * (1.0 if s % 2 == 0 else 0.8))
                      for s in range(meter * 2)]
        elif pattern == "octave":
            notes += [Note(at + s * 0.5, 0.4, root + 12 * (s % 2), vel * (1.0 - 0.15 * (s % 2)))
                      for s in range(meter * 2)]
        elif pattern == "walking":  # lo-fi: root, a syncopated push, an approach to the next
            target = low + (nxt - low) % 12
            approach = target - 1 if target - 1 >= low else target + 2
            notes += [Note(at, 1.4, root, vel), Note(at + 1.5, 1.0, root, vel * 0.75),
                      Note(at + 2.5, 1.0, fifth, vel * 0.8), Note(at + meter - 0.5, 0.45, approach, vel * 0.7)]
        elif pattern == "ostinato":  # suspense: a restless figure with a semitone rub
            figure = [0, 0, 12, 0, 1, 0, 12, 0]
            notes += [Note(at + s * 0.5, 0.4, root + figure[s % 8], vel * (1.0 if s % 4 == 0 else 0.75))
                      for s in range(meter * 2)]
        else:
            raise ValueError(f"unknown bass pattern '{pattern}'")
    return notes


def melody_notes(style: str, chords: list[list[int]], key: Key, meter: int, octave: int,
                 rng: np.random.Generator, vel: float = 0.7) -> list[Note]:
    """The tune: a seeded melody in four-bar phrases around the part's octave."""
    if style not in MELODY_STYLES:
        raise ValueError(f"unknown melody style '{style}'")
    centre = 12 * (octave + 1) + key.tonic
    return write_melody(chords, key, meter, style, centre - 3, centre + 14, rng, vel)


def drum_hits(kit: str, bars: int, meter: int, rng: np.random.Generator) -> list[DrumHit]:
    """A light groove for the whole loop; the last bar of every eight carries a small fill."""
    play = _DRUM_KITS.get(kit)
    if play is None:
        raise ValueError(f"unknown drum kit '{kit}'")
    hits = [DrumHit(bar * meter + beat, name, vel)
            for bar in range(bars) for beat, name, vel in play(bar, meter, bar % 8 == 7)]
    return [h for h in hits if h.vel > 0]


# --- the drum kits: each plays one bar as (beat, hit, velocity), given the bar's index, ---
# --- the meter, and whether the bar carries a fill                                      ---

Beat = tuple[float, str, float]


def _soft(bar: int, meter: int, fill: bool) -> list[Beat]:
    """A kick on one and shaker eighths."""
    beats: list[Beat] = [(0, "kick", 0.6)]
    beats += [(s * 0.5, "shaker", 0.5 if s % 2 else 0.35) for s in range(meter * 2)]
    if meter == 4:
        beats.append((2.5, "kick", 0.35))
    return beats


def _backbeat(bar: int, meter: int, fill: bool, corporate: bool = False) -> list[Beat]:
    """Pop: kicks, a snare (corporate: four on the floor and claps) on two and four, hats."""
    kicks = (0, 1, 2, 3) if corporate else (0, 1.5, 2)
    beats: list[Beat] = [(beat, "kick", 0.8) for beat in kicks]
    beats += [(beat, "clap" if corporate else "snare", 0.7) for beat in (1, 3)]
    beats += [(s * 0.5, "hat", 0.55 if s % 2 else 0.35) for s in range(8)]
    if fill:
        beats += [(3.5, "open_hat", 0.5), (3.75, "snare", 0.4)]
    return beats


def _corporate(bar: int, meter: int, fill: bool) -> list[Beat]:
    """The pop groove with four on the floor and claps."""
    return _backbeat(bar, meter, fill, corporate=True)


def _lofi(bar: int, meter: int, fill: bool) -> list[Beat]:
    """A lazy kick pattern, brushes on two and four, soft hats."""
    beats: list[Beat] = [(0, "kick", 0.85), (1, "brush", 0.7), (1.75, "kick", 0.5),
                         (2.5, "kick", 0.7), (3, "brush", 0.75)]
    return beats + [(s * 0.5, "hat", 0.4 if s % 2 else 0.28) for s in range(8)]


def _epic(bar: int, meter: int, fill: bool) -> list[Beat]:
    """Taiko-like toms over a kick; a rising tom run as the fill."""
    beats: list[Beat] = [(beat, "tom", vel) for beat, vel in
                         ((0, 1.0), (0.75, 0.55), (1.5, 0.7), (2, 0.9), (3, 0.6), (3.5, 0.7))]
    beats.append((0, "kick", 0.7))
    if fill:
        beats += [(2 + s * 0.5, "tom", 0.6 + 0.1 * s) for s in range(4)]
    return beats


def _tense(bar: int, meter: int, fill: bool) -> list[Beat]:
    """Sparse kicks under ticking sixteenth hats; a tom every other bar."""
    beats: list[Beat] = [(0, "kick", 0.7), (2.5, "kick", 0.4)]
    beats += [(s * 0.25, "hat", 0.3 if s % 4 else 0.45) for s in range(meter * 4)]
    if bar % 2 == 1:
        beats.append((3, "tom", 0.5))
    return beats


def _playful(bar: int, meter: int, fill: bool) -> list[Beat]:
    """Kicks on one and three, claps on two and four, a shaker; rim shots as the fill."""
    beats: list[Beat] = [(0, "kick", 0.75), (2, "kick", 0.6), (1, "clap", 0.6), (3, "clap", 0.6)]
    beats += [(s * 0.5, "shaker", 0.45 if s % 2 else 0.3) for s in range(8)]
    if fill:
        beats += [(3.5, "rim", 0.6), (3.75, "rim", 0.5)]
    return beats


def _woodblock(bar: int, meter: int, fill: bool) -> list[Beat]:
    """A temple-block tick on one (and softer ones later in a bar of four)."""
    beats: list[Beat] = [(0, "rim", 0.5)]
    if meter == 4:
        beats += [(2, "rim", 0.35), (3.5, "rim", 0.3 if bar % 2 else 0.0)]
    return beats


_DRUM_KITS = {"soft": _soft, "pop": _backbeat, "lofi": _lofi, "epic": _epic, "tense": _tense,
              "playful": _playful, "corporate": _corporate, "woodblock": _woodblock}
DRUM_KITS = tuple(_DRUM_KITS)


def humanize(notes: list[Note], rng: np.random.Generator, timing_beats: float = 0.012,
             swing: float = 0.5) -> list[Note]:
    """Notes nudged a little in time and strength; off-beat eighths pushed late by swing."""
    out = []
    for note in notes:
        start = note.start
        if swing != 0.5 and abs(start * 2 - round(start * 2)) < 1e-6 and round(start * 2) % 2:
            start = np.floor(start) + swing
        start += rng.normal(0.0, timing_beats)
        out.append(Note(start, note.beats, note.midi, float(np.clip(note.vel * rng.uniform(0.92, 1.06), 0.05, 1.0))))
    return out
