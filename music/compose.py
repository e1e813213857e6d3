"""The composer: renders every library track from its recipe in music/library/tracks.toml.

    python -m music.compose            rebuild the whole library (identical files each time)
    python -m music.compose ID ...     rebuild some tracks
    python -m music.compose --out DIR  write the files somewhere else (to compare)

A track is a loop of whole bars. Its parts (pad, chords, melody, bass, drums, ambient bed)
are arranged over a chord progression, synthesised note by note, mixed onto a circular
canvas, sent through a shared room reverb, and mastered to −16 LUFS with peaks under
−1 dBFS. Everything random is drawn from generators seeded by the recipe, so the same
recipe gives the same samples; OGG Vorbis is written with ffmpeg's bit-exact flags.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from files import atomic_path
from music import arrange, dsp
from music.drums import BEDS, hit_variants
from music.library import CatalogueError, Library, Track
from music.synth import INSTRUMENTS
from music.theory import Key, Note, chord_pitch_classes

TARGET_LUFS = -16.0
CEILING_DB = -2.0  # leaves room for the codec; decoded files stay under −1 dBFS
VORBIS_QUALITY = "2"  # about 96 kbit/s: clean for these textures, under 600 KB a track
MAX_BYTES = 600 * 1024


@dataclass(frozen=True)
class Part:
    """One player of a track's arrangement (see arrange.ROLES)."""

    role: str
    instrument: str = ""
    pattern: str = ""
    level_db: float = -12.0
    pan: float = 0.0
    reverb: float = 0.25  # send to the room, 0..1
    octave: int = 4
    vel: float = 0.7
    first_bar: int = 1  # the part plays bars first_bar..last_bar (1-based, inclusive)
    last_bar: int = 0  # 0: to the end


@dataclass(frozen=True)
class Recipe:
    """How a track is made: seed, form, harmony, room and players."""

    seed: int
    bars: int
    progression: tuple[str, ...]
    reverb_s: float
    swing: float
    tone_hz: float  # a master low-pass (lo-fi warmth); 0 for none
    parts: tuple[Part, ...]


def parse_recipe(track: Track) -> Recipe:
    """The track's recipe table as a Recipe; CatalogueError names the track and key."""
    raw: Mapping[str, Any] = track.recipe

    def fail(key: str, problem: str) -> CatalogueError:
        return CatalogueError(f"tracks.toml: track '{track.id}': recipe key '{key}' {problem}")

    try:
        key = Key.parse(track.key)
        progression = tuple(raw["progression"])
        for numeral in progression:
            chord_pitch_classes(numeral, key)
    except (KeyError, ValueError) as exc:
        raise fail("progression" if "key" not in str(exc) else "key", f"is invalid: {exc}") from exc
    bars = int(raw.get("bars", 0))
    if bars < 4 or bars % 4:
        raise fail("bars", f"must be a positive multiple of 4; got {bars}")
    parts = []
    for index, table in enumerate(raw.get("parts", [])):
        try:
            part = Part(**table)
        except TypeError as exc:
            raise fail(f"parts[{index}]", f"has an unknown or missing field: {exc}") from exc
        if part.role not in arrange.ROLES:
            raise fail(f"parts[{index}].role", f"must be one of {', '.join(arrange.ROLES)}")
        known = BEDS if part.role == "bed" else arrange.DRUM_KITS if part.role == "drums" \
            else INSTRUMENTS
        name = part.pattern if part.role == "drums" else part.instrument
        if name not in known:
            raise fail(f"parts[{index}]", f"names unknown '{name}' (known: {', '.join(known)})")
        parts.append(part)
    if not parts:
        raise fail("parts", "is empty")
    return Recipe(seed=int(raw.get("seed", 0)), bars=bars, progression=progression,
                  reverb_s=float(raw.get("reverb_s", 2.0)), swing=float(raw.get("swing", 0.5)),
                  tone_hz=float(raw.get("tone_hz", 0.0)), parts=tuple(parts))


def render(track: Track) -> np.ndarray:
    """The mastered loop of a track: float (n, 2) at 44.1 kHz, n = duration × 44100."""
    recipe = parse_recipe(track)
    key = Key.parse(track.key)
    meter = track.meter
    length = int(round(recipe.bars * meter * 60.0 / track.bpm * dsp.SR))
    samples_per_beat = 60.0 / track.bpm * dsp.SR
    chords = [chord_pitch_classes(recipe.progression[bar % len(recipe.progression)], key)
              for bar in range(recipe.bars)]
    dry = dsp.Canvas(length)
    send = dsp.Canvas(length)
    for index, part in enumerate(recipe.parts):
        rng = np.random.default_rng([recipe.seed, index])
        canvas = dsp.Canvas(length)
        bars = range(part.first_bar - 1, part.last_bar or recipe.bars)

        def playing(beat: float) -> bool:
            return int(beat // meter) % recipe.bars in bars

        if part.role == "bed":
            canvas.audio += BEDS[part.instrument](length, rng)
        elif part.role == "drums":
            kit: dict[str, list[np.ndarray]] = {}
            for hit in arrange.drum_hits(part.pattern, recipe.bars, meter, rng):
                if not playing(hit.start):
                    continue
                if hit.hit not in kit:
                    kit[hit.hit] = hit_variants(hit.hit, rng)
                variants = kit[hit.hit]
                start = hit.start
                if recipe.swing != 0.5 and (hit.start * 2) % 2 == 1:
                    start = np.floor(hit.start) + recipe.swing
                start += rng.normal(0.0, 0.006)
                canvas.add(int(round(start * samples_per_beat)),
                           variants[int(rng.integers(len(variants)))], hit.vel)
        else:
            instrument = INSTRUMENTS[part.instrument]
            notes = _part_notes(part, chords, key, meter, rng)
            for note in arrange.humanize(notes, rng, swing=recipe.swing):
                if not playing(note.start + 0.01):
                    continue
                freq = 440.0 * 2.0 ** ((note.midi - 69) / 12.0)
                sound = instrument(freq, note.beats * 60.0 / track.bpm, note.vel, rng)
                canvas.add(int(round(note.start * samples_per_beat)), sound)
        audio = canvas.audio
        if part.role != "bed" and part.pan:
            left, right = dsp.pan_gains(part.pan)
            audio = audio * np.array([left, right]) * np.sqrt(2.0)
        dry.audio += audio * dsp.db(part.level_db)
        send.audio += audio * dsp.db(part.level_db) * part.reverb
    room = dsp.reverb_ir(recipe.reverb_s, np.random.default_rng([recipe.seed, 999]))
    mix = dry.audio + dsp.circular_reverb(send.audio, room)
    mix = dsp.highpass(mix, 32.0)
    if recipe.tone_hz:
        mix = dsp.lowpass(mix, recipe.tone_hz, order=1)
    return dsp.master(mix, TARGET_LUFS, CEILING_DB)


def _part_notes(part: Part, chords: list[list[int]], key: Key, meter: int,
                rng: np.random.Generator) -> list[Note]:
    """The notes one pitched part plays over the loop."""
    if part.role == "melody":
        return arrange.melody_notes(part.pattern or "lyrical", chords, key, meter, part.octave,
                                    rng, part.vel)
    if part.role == "bass":
        return arrange.bass_notes(part.pattern or "root", chords, meter, part.octave, rng,
                                  part.vel)
    pattern = part.pattern or ("sustain" if part.role == "pad" else "block")
    return arrange.chord_notes(pattern, chords, key, meter, part.octave, rng, part.vel)


def to_pcm16(audio: np.ndarray, seed: int) -> bytes:
    """Interleaved 16-bit PCM with seeded triangular dither (reproducible)."""
    rng = np.random.default_rng([seed, 16])
    dither = (rng.random(audio.shape) - rng.random(audio.shape))
    pcm = np.clip(np.round(audio * 32767.0 + dither), -32768, 32767).astype("<i2")
    return pcm.tobytes()


def export(track: Track, audio: np.ndarray, out: Path) -> Path:
    """Write the loop as OGG Vorbis (44.1 kHz stereo) with pydub, bit-exactly."""
    from video.ffmpeg import ffmpeg_exe

    with warnings.catch_warnings():  # pydub warns at import when ffmpeg is not on PATH
        warnings.simplefilter("ignore", RuntimeWarning)
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_exe()  # the bundled ffmpeg; there is no system one
    segment = AudioSegment(data=to_pcm16(audio, int(track.recipe.get("seed", 0))),
                           sample_width=2, frame_rate=dsp.SR, channels=2)
    with atomic_path(out) as tmp:
        segment.export(str(tmp), format="ogg", codec="libvorbis",
                       parameters=["-q:a", VORBIS_QUALITY, "-fflags", "+bitexact",
                                   "-flags:a", "+bitexact", "-map_metadata", "-1"],
                       tags={"title": track.title_en, "artist": "Clipwright",
                             "comment": f"{track.license}; generated by music/compose.py"})
    return out


def build(track: Track, out_dir: Path | None = None) -> Path:
    """Render and write one track; raise if the file outgrows the size limit."""
    out = (out_dir / track.path.name) if out_dir else track.path
    export(track, render(track), out)
    size = out.stat().st_size
    if size > MAX_BYTES:
        raise RuntimeError(f"{out.name} is {size // 1024} KB; the limit is {MAX_BYTES // 1024} KB")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m music.compose", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ids", nargs="*", help="tracks to rebuild (default: all)")
    parser.add_argument("--out", type=Path, help="write here instead of music/library/")
    args = parser.parse_args(argv)
    library = Library.load()
    chosen = [library.get(i) for i in args.ids] if args.ids else list(library.tracks)
    for track in chosen:
        path = build(track, args.out)
        print(f"{track.id:<20} {path.stat().st_size / 1024:6.0f} KB  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
