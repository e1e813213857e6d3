"""The built-in library: files match their metadata and every track meets the quality bars
(loudness, peak, a click-free loop, several instruments); the data files are checked."""

import subprocess

import numpy as np
import pytest

from music import dsp
from music.fit import decode
from errors import DataFileError
from music.library import Library, load_moods, load_tracks
from video.ffmpeg import ffmpeg_exe, probe

MOOD_IDS = ["calm", "dreamy", "uplifting", "epic", "tense", "playful", "romantic",
            "melancholic", "lofi", "corporate", "chinese-traditional", "nature-ambient"]
LIBRARY = Library.load()
TRACKS = LIBRARY.tracks


@pytest.fixture(scope="module")
def decoded():
    """Every track decoded once: id → float (n, 2)."""
    return {t.id: decode(t.path).astype(np.float64) for t in TRACKS}


def test_moods_are_the_shared_vocabulary_and_each_leads_a_track():
    assert list(LIBRARY.moods) == MOOD_IDS
    assert len(TRACKS) >= 12
    assert {t.moods[0] for t in TRACKS} == set(MOOD_IDS)


@pytest.mark.parametrize("track", TRACKS, ids=lambda t: t.id)
def test_file_matches_its_metadata(track, decoded):
    assert track.path.is_file() and track.path.stat().st_size <= 600 * 1024
    assert track.path.read_bytes()[:4] == b"OggS"
    stream = probe(track.path).first("audio")
    assert (stream.codec, stream.sample_rate) == ("vorbis", 44100)
    audio = decoded[track.id]
    assert audio.shape == (round(track.duration * 44100), 2)
    assert 30.0 <= track.duration <= 60.0
    assert track.loop_start == 0.0 and track.loop_end == pytest.approx(track.duration)
    assert track.duration == pytest.approx(track.recipe["bars"] * track.bar_seconds, abs=1e-3)
    assert "original" in track.license and track.title_zh and track.description


@pytest.mark.parametrize("track", TRACKS, ids=lambda t: t.id)
def test_loudness_and_peak(track, decoded):
    audio = decoded[track.id]
    assert dsp.loudness(audio) == pytest.approx(-16.0, abs=1.0)
    assert 20 * np.log10(np.abs(audio).max()) <= -1.0


@pytest.mark.parametrize("track", TRACKS, ids=lambda t: t.id)
def test_loop_point_has_no_click(track, decoded):
    audio = decoded[track.id]
    # The step from the last sample to the first is like any step inside the track...
    steps = np.abs(np.diff(audio, axis=0)).max(axis=1)
    assert np.abs(audio[0] - audio[-1]).max() <= np.percentile(steps, 99.9)
    # ...and the join is no sharper than the track's own bar lines (drums hit there too).
    looped = np.concatenate([audio, audio[:4410]])
    sharp = np.abs(np.diff(looped, n=2, axis=0)).max(axis=1)
    window = int(0.003 * 44100)
    around = lambda i: sharp[max(0, i - window):i + window].max()  # noqa: E731
    bar = track.bar_seconds * 44100
    bar_lines = [around(int(round(k * bar))) for k in range(1, int(len(audio) / bar))]
    assert around(len(audio) - 1) <= 1.25 * max(bar_lines)


@pytest.mark.parametrize("track", TRACKS, ids=lambda t: t.id)
def test_several_instruments_are_audible(track, decoded):
    mono = decoded[track.id].mean(axis=1)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(len(mono), 1 / 44100)
    bands = [(20, 150), (150, 500), (500, 2000), (2000, 8000)]
    shares = [power[(freqs >= lo) & (freqs < hi)].sum() / power.sum() for lo, hi in bands]
    assert sum(share >= 0.005 for share in shares) >= 3, shares
    # Many distinct partials (a test tone has one peak, a chord on one instrument a handful).
    from scipy.signal import find_peaks, welch

    _, density = welch(mono, 44100, nperseg=8192)
    level = 10 * np.log10(density + 1e-20)
    peaks, _ = find_peaks(level, prominence=6, height=level.max() - 50)
    assert len(peaks) >= 20, len(peaks)
    # The sound changes over time (notes, hits), unlike a held test tone.
    frames = mono[:len(mono) // 2205 * 2205].reshape(-1, 2205)
    spectra = np.abs(np.fft.rfft(frames * np.hanning(2205), axis=1))
    centroid = (spectra * np.fft.rfftfreq(2205, 1 / 44100)).sum(1) / (spectra.sum(1) + 1e-12)
    assert np.std(centroid) > 40.0


def test_get_unknown_track_lists_the_known_ones():
    from errors import InputError

    with pytest.raises(InputError, match="no track 'jazz'.*still-water"):
        LIBRARY.get("jazz")
    with pytest.raises(InputError, match="unknown mood 'sad'"):
        LIBRARY.check_mood("sad")


GOOD_TRACK = """
[[track]]
id = "a"
title_en = "A"
title_zh = "甲"
moods = ["calm"]
bpm = 60
meter = 4
key = "C major"
energy = 0.5
duration_s = 16.0
loop_start_s = 0.0
loop_end_s = 16.0
license = "original"
file = "a.ogg"
description = "words"
[track.recipe]
bars = 4
"""


@pytest.mark.parametrize("change, words", [
    (('moods = ["calm"]', 'moods = ["sad"]'), ["[[track]] 'a'", "field 'moods'", "unknown mood 'sad'"]),
    (("duration_s = 16.0", "duration_s = 17.0"), ["[[track]] 'a'", "field 'duration_s'", "bars × meter"]),
    (("energy = 0.5", "energy = 2"), ["field 'energy'", "must be from 0 to 1, got 2"]),
    (('title_zh = "甲"\n', ""), ["field 'title_zh'", "is missing"]),
    (("bpm = 60", 'bpm = "fast"'), ["field 'bpm'", "must be a number, got 'fast'"]),
    (("[[track]]", "[[track]\n"), ["not valid TOML"]),
])
def test_catalogue_mistakes_name_file_entry_and_key(tmp_path, change, words):
    path = tmp_path / "tracks.toml"
    path.write_text(GOOD_TRACK.replace(*change), encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        load_tracks(path, load_moods())
    assert all(w in str(caught.value) for w in ["tracks.toml", *words]), str(caught.value)


def test_duplicate_ids_are_refused(tmp_path):
    path = tmp_path / "tracks.toml"
    path.write_text(GOOD_TRACK, encoding="utf-8")
    assert load_tracks(path, load_moods())[0].id == "a"
    path.write_text(GOOD_TRACK + GOOD_TRACK, encoding="utf-8")
    with pytest.raises(DataFileError, match=r"\[\[track\]\] 'a': field 'id': is used by an earlier"):
        load_tracks(path, load_moods())


def test_vorbis_files_carry_the_licence_tag():
    err = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(TRACKS[0].path)],
                         capture_output=True, text=True).stderr
    assert "generated by music/compose.py" in err
