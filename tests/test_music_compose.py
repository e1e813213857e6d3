"""The composer (a build-time tool in tools/music_composer/): theory helpers, recipe
checking, determinism, and a rebuild of a committed track that matches the file in the
repository."""

import dataclasses
from types import MappingProxyType

import numpy as np
import pytest

from music import dsp
from music.fit import decode
from errors import DataFileError
from music.library import Library
from tools import compose_music
from tools.music_composer import compose
from tools.music_composer.synth import INSTRUMENTS
from tools.music_composer.theory import Key, chord_pitch_classes, voice_chord, write_melody

LIBRARY = Library.load()


def test_keys_and_chords():
    d_major, a_minor = Key.parse("D major"), Key.parse("A minor")
    assert d_major.tonic == 2 and Key.parse("Eb major").tonic == 3
    assert chord_pitch_classes("I", d_major) == [2, 6, 9]
    assert chord_pitch_classes("vi7", d_major) == [11, 2, 6, 9]
    assert chord_pitch_classes("IVmaj7", d_major) == [7, 11, 2, 6]
    assert chord_pitch_classes("VI", a_minor) == [5, 9, 0]  # F major
    assert chord_pitch_classes("V", a_minor) == [4, 8, 11]  # E major: the leading tone
    assert chord_pitch_classes("bII", Key.parse("C minor")) == [1, 5, 8]
    assert chord_pitch_classes("Vsus2", Key.parse("D pentatonic")) == [9, 11, 4]
    for bad in ("H major", "C blues", "C"):
        with pytest.raises(ValueError):
            Key.parse(bad)
    with pytest.raises(ValueError):
        chord_pitch_classes("VIII", d_major)


def test_voice_leading_moves_little():
    key = Key.parse("C major")
    previous = voice_chord(chord_pitch_classes("I", key), None)
    following = voice_chord(chord_pitch_classes("IV", key), previous)
    assert sorted(n % 12 for n in following) == [0, 5, 9]
    assert sum(min(abs(n - p) for p in previous) for n in following) <= 3


def test_melody_stays_in_scale_and_lands_on_chord_tones():
    key = Key.parse("G pentatonic")
    chords = [chord_pitch_classes(c, key) for c in ["I", "vi", "Vsus2", "I"] * 4]
    melody = write_melody(chords, key, 4, "lyrical", 64, 84, np.random.default_rng(3))
    scale = {(key.tonic + s) % 12 for s in key.melody_steps}
    assert melody and all(n.midi % 12 in scale for n in melody)
    assert all(64 <= n.midi <= 84 for n in melody)
    for phrase in range(4):  # each four-bar phrase ends on its chord's root or third
        last = max((n for n in melody if n.start < (phrase + 1) * 16), key=lambda n: n.start)
        assert last.midi % 12 in chords[phrase * 4 + 3][:2]
    again = write_melody(chords, key, 4, "lyrical", 64, 84, np.random.default_rng(3))
    assert again == melody


@pytest.mark.parametrize("name", sorted(INSTRUMENTS))
@pytest.mark.parametrize("freq, dur", [(110.0, 0.6), (330.0, 0.15), (660.0, 1.0)])
def test_instruments_play_in_tune_and_end_silently(name, freq, dur):
    note = INSTRUMENTS[name](freq, dur, 0.7, np.random.default_rng(0))
    assert note.ndim in (1, 2) and len(note) >= int(min(dur, 0.4) * dsp.SR)  # plucks stop short
    assert 0.02 < np.abs(note).max() < 2.0
    assert np.abs(note[-1]).max() < 1e-3
    mono = note if note.ndim == 1 else note.mean(axis=1)
    spectrum = np.abs(np.fft.rfft(mono, n=1 << 17))
    freqs = np.fft.rfftfreq(1 << 17, 1 / dsp.SR)
    strongest = freqs[np.argmax(spectrum)]
    harmonic = strongest / freq
    assert round(harmonic) >= 1 and abs(harmonic - round(harmonic)) < 0.03 * round(harmonic), \
        f"{name}: strongest partial at {strongest:.1f} Hz for a {freq} Hz note"


def small_track(**recipe_changes):
    """The playful track cut to four bars: quick to render."""
    track = LIBRARY.get("paper-kites")
    recipe = {**track.recipe, "bars": 4, **recipe_changes}
    return dataclasses.replace(track, duration=4 * track.bar_seconds,
                               loop_end=4 * track.bar_seconds,
                               recipe=MappingProxyType(recipe))


def test_render_is_deterministic_and_mastered():
    track = small_track()
    first, second = compose.render(track), compose.render(track)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (round(track.duration * dsp.SR), 2)
    assert dsp.loudness(first) == pytest.approx(-16.0, abs=0.3)
    assert np.abs(first).max() <= dsp.db(compose.CEILING_DB) + 1e-9
    other = compose.render(small_track(seed=7))
    assert np.abs(other - first).max() > 0.01, "a different seed plays differently"


def test_recipe_mistakes_are_named():
    with pytest.raises(DataFileError, match="paper-kites.*'bars'"):
        compose.parse_recipe(small_track(bars=6))
    with pytest.raises(DataFileError, match="'progression'"):
        compose.parse_recipe(small_track(progression=["I", "XIV"]))
    bad_part = [{"role": "melody", "instrument": "theremin"}]
    with pytest.raises(DataFileError, match="unknown 'theremin'"):
        compose.parse_recipe(small_track(parts=bad_part))
    with pytest.raises(DataFileError, match=r"parts\[0\]"):
        compose.parse_recipe(small_track(parts=[{"role": "pad", "loudness": 3}]))


@pytest.mark.slow  # renders a whole track
def test_rebuild_matches_the_committed_file(tmp_path):
    """`python -m tools.compose_music` reproduces the library: bytes on this platform, and
    the decoded samples anywhere (float maths may differ in the last bit between CPUs)."""
    track = LIBRARY.get("paper-kites")
    assert compose_music.main([track.id, "--out", str(tmp_path)]) == 0
    rebuilt = tmp_path / track.path.name
    if rebuilt.read_bytes() != track.path.read_bytes():
        difference = decode(rebuilt).astype(float) - decode(track.path)
        assert np.sqrt(np.mean(difference ** 2)) < 1e-3
