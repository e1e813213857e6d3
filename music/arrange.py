"""The arranger: turns a recipe's parts into notes and drum hits over the chord loop.

Each part has a role (chords, pad, melody, bass, drums, bed) and a pattern; the patterns
here are the playing styles a session musician would reach for in each mood.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from music.theory import Key, Note, voice_chord, write_melody

ROLES = ("chords", "pad", "melody", "bass", "drums", "bed")
CHORD_PATTERNS = ("sustain", "block", "arpeggio", "broken", "pulse", "waltz", "stabs", "gliss")
BASS_PATTERNS = ("root", "root-fifth", "pulse", "walking", "ostinato", "octave", "drone")
DRUM_KITS = ("soft", "pop", "lofi", "epic", "tense", "playful", "corporate", "woodblock")
MELODY_STYLES = ("lyrical", "sparse", "bouncy", "flowing")


@dataclass(frozen=True)
class DrumHit:
    """One drum hit: when (beats from the loop start), which hit, how hard."""

    start: float
    hit: str
    vel: float


def chord_notes(pattern: str, chords: list[list[int]], key: Key, meter: int, octave: int,
                rng: np.random.Generator, vel: float = 0.6) -> list[Note]:
    """An accompaniment pattern over one chord per bar, voice-led from bar to bar."""
    low = 12 * (octave + 1) - 5
    notes: list[Note] = []
    previous = None
    for bar, pcs in enumerate(chords):
        voicing = voice_chord(pcs, previous, low, low + 22)
        previous = voicing
        at = bar * meter
        root = low - 12 + (pcs[0] - (low - 12)) % 12
        if pattern == "sustain":
            tied = bar > 0 and pcs == chords[bar - 1]
            if not tied:
                length = meter
                while bar + length // meter < len(chords) and chords[bar + length // meter] == pcs:
                    length += meter
                notes += [Note(at, length, m, vel) for m in voicing]
        elif pattern == "block":
            notes += [Note(at, meter * 0.95, m, vel) for m in voicing]
        elif pattern == "arpeggio":
            cycle = voicing + [voicing[0] + 12] + voicing[1:][::-1]
            for step in range(meter * 2):
                notes.append(Note(at + step * 0.5, 1.5, cycle[step % len(cycle)],
                                  vel * (1.0 if step % 2 == 0 else 0.8)))
        elif pattern == "broken":  # ballad piano: low root, then the chord rolling upward
            order = [root, voicing[0] + 7 if voicing[0] + 7 < low + 24 else voicing[1]] + voicing
            for step, m in enumerate(order[:meter * 2]):
                notes.append(Note(at + step * 0.5, meter - step * 0.5, m, vel * (0.9 + 0.1 * (step == 0))))
        elif pattern == "pulse":
            for step in range(meter * 2):
                accent = 1.0 if step % 2 == 0 else 0.7
                notes += [Note(at + step * 0.5, 0.4, m, vel * accent) for m in voicing]
        elif pattern == "waltz":
            notes.append(Note(at, 1.0, root, vel))
            for beat in range(1, meter):
                notes += [Note(at + beat, 0.9, m, vel * 0.7) for m in voicing]
        elif pattern == "stabs":
            for beat in range(meter):
                notes += [Note(at + beat + 0.5, 0.3, m, vel * 0.8) for m in voicing]
        elif pattern == "gliss":  # guzheng: a quick pentatonic run into every other bar
            if bar % 2 == 0:
                run = [m for m in key.scale_notes(voicing[0] - 12, voicing[0] - 1)][-6:]
                for step, m in enumerate(run):
                    notes.append(Note(at - 0.75 + step * 0.125, 0.8, m, vel * (0.45 + 0.08 * step)))
            tones = [voicing[0], voicing[-1], voicing[1], voicing[-1]]
            for beat in range(meter):
                notes.append(Note(at + beat, 1.5, tones[beat], vel * (1.0 if beat == 0 else 0.7)))
        else:
            raise ValueError(f"unknown chord pattern '{pattern}'")
    return notes


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
    hits: list[DrumHit] = []
    for bar in range(bars):
        at = bar * meter
        fill = bar % 8 == 7
        add = lambda beat, name, vel: hits.append(DrumHit(at + beat, name, vel))  # noqa: E731
        if kit == "soft":
            add(0, "kick", 0.6)
            for s in range(meter * 2):
                add(s * 0.5, "shaker", 0.5 if s % 2 else 0.35)
            if meter == 4:
                add(2.5, "kick", 0.35)
        elif kit in ("pop", "corporate"):
            kicks = (0, 1, 2, 3) if kit == "corporate" else (0, 1.5, 2)
            for beat in kicks:
                add(beat, "kick", 0.8)
            for beat in (1, 3):
                add(beat, "clap" if kit == "corporate" else "snare", 0.7)
            for s in range(8):
                add(s * 0.5, "hat", 0.55 if s % 2 else 0.35)
            if fill:
                add(3.5, "open_hat", 0.5)
                add(3.75, "snare", 0.4)
        elif kit == "lofi":
            for beat, name, vel in ((0, "kick", 0.85), (1, "brush", 0.7), (1.75, "kick", 0.5),
                                    (2.5, "kick", 0.7), (3, "brush", 0.75)):
                add(beat, name, vel)
            for s in range(8):
                add(s * 0.5, "hat", 0.4 if s % 2 else 0.28)
        elif kit == "epic":
            for beat, vel in ((0, 1.0), (0.75, 0.55), (1.5, 0.7), (2, 0.9), (3, 0.6), (3.5, 0.7)):
                add(beat, "tom", vel)
            add(0, "kick", 0.7)
            if fill:
                for s in range(4):
                    add(2 + s * 0.5, "tom", 0.6 + 0.1 * s)
        elif kit == "tense":
            add(0, "kick", 0.7)
            add(2.5, "kick", 0.4)
            for s in range(meter * 4):
                add(s * 0.25, "hat", 0.3 if s % 4 else 0.45)
            if bar % 2 == 1:
                add(3, "tom", 0.5)
        elif kit == "playful":
            add(0, "kick", 0.75)
            add(2, "kick", 0.6)
            for beat in (1, 3):
                add(beat, "clap", 0.6)
            for s in range(8):
                add(s * 0.5, "shaker", 0.45 if s % 2 else 0.3)
            if fill:
                add(3.5, "rim", 0.6)
                add(3.75, "rim", 0.5)
        elif kit == "woodblock":
            add(0, "rim", 0.5)
            if meter == 4:
                add(2, "rim", 0.35)
                add(3.5, "rim", 0.3 if bar % 2 else 0.0)
        else:
            raise ValueError(f"unknown drum kit '{kit}'")
    return [h for h in hits if h.vel > 0]


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
