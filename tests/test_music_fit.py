"""Fitting a soundtrack to a clip (cut, loop, level, fades) and muxing it as AAC."""

import subprocess

import numpy as np
import pytest

from music import dsp
from music.fit import (LoopPlan, add_soundtrack, decode, fit_audio, loop_to_length, mux,
                       video_duration)
from video.ffmpeg import ffmpeg_exe, probe
from video.encode import encode_mp4

RATE = 44100


def tone_bars(seconds: float, bar: float = 2.0, rate: int = RATE) -> np.ndarray:
    """Stereo test music: a chord whose loudness swells once per bar, with a click on each
    downbeat, so bar lines can be found in the output."""
    t = np.arange(int(seconds * rate)) / rate
    chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.2, 329.6)) / 3
    swell = 0.6 + 0.4 * np.cos(2 * np.pi * t / bar)
    audio = 0.3 * chord * swell
    audio[(np.arange(len(t)) % int(bar * rate)) == 0] = 0.9  # downbeat marker
    return np.stack([audio, audio * 0.9], axis=1).astype(np.float32)


def make_video(path, frames=96, fps=16, size=(96, 64)):
    """A silent H.264 MP4 the way post-production writes it."""
    x = np.arange(size[0])
    clip = np.empty((frames, size[1], size[0], 3), np.uint8)
    for i in range(frames):
        clip[i] = ((np.sin((x - 3 * i) / 6.0) + 1) * 120).astype(np.uint8)[None, :, None]
    encode_mp4(clip, fps, path, *size)
    return path


def packets(path, kind="v"):
    """(size, md5) of every packet of the first stream of a kind, read without decoding."""
    out = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", f"0:{kind}:0",
                          "-c", "copy", "-f", "framemd5", "-"], capture_output=True, text=True,
                         check=True).stdout
    rows = [line.split(",") for line in out.splitlines() if line and not line.startswith("#")]
    return [(row[4].strip(), row[5].strip()) for row in rows]


def test_cut_is_exact_and_ends_on_a_bar_line():
    audio = tone_bars(40.0, bar=2.0)
    out, report = fit_audio(audio, 6.3, LoopPlan(bar_seconds=2.0, loop_end=40.0, seamless=True))
    assert out.shape == (round(6.3 * RATE), 2) and out.dtype == np.float32
    # 6.3 s ends on the bar line at 8 s when the cut starts 1.7 s into the track.
    assert report.start_offset == pytest.approx(1.7, abs=1e-4)
    assert report.fade_out >= 0.8 and 0.0 < report.fade_in <= 0.3
    assert np.abs(out[-1]).max() < 1e-3 and np.abs(out[0]).max() < 1e-3  # faded both ends
    middle = out[int(2 * RATE):int(4 * RATE)]
    assert np.abs(middle).max() > 0.05
    assert report.loops == 0


def test_clip_on_a_bar_line_starts_on_the_downbeat_with_a_short_fade():
    out, report = fit_audio(tone_bars(20.0), 6.0, LoopPlan(bar_seconds=2.0, seamless=True))
    assert report.start_offset == 0.0 and report.fade_in == pytest.approx(0.05)


def test_level_and_peak_after_fitting():
    loud = tone_bars(20.0) * 3.0  # clipping-loud source
    out, report = fit_audio(loud, 8.0, LoopPlan(bar_seconds=2.0))
    assert np.abs(out).max() <= dsp.db(-1.0)
    quiet, _ = fit_audio(tone_bars(20.0) * 0.1, 8.0, LoopPlan(bar_seconds=2.0))
    body = slice(int(1 * RATE), int(5 * RATE))  # inside the fades
    assert dsp.loudness(quiet[body].astype(float)) == pytest.approx(-16.0, abs=1.5)
    assert report.peak_db <= -1.0


def test_seamless_loop_splices_at_the_loop_points():
    loop = tone_bars(4.0, bar=2.0)
    out, loops = loop_to_length(loop, 10 * RATE, 0, len(loop), crossfade=0)
    assert loops == 2 and len(out) == 10 * RATE
    np.testing.assert_array_equal(out[len(loop):2 * len(loop)], loop)


def test_upload_loops_with_an_equal_power_crossfade():
    rng = np.random.default_rng(1)
    song = (rng.standard_normal((3 * RATE, 2)) * 0.1).astype(np.float32)
    fade = RATE // 2
    out, loops = loop_to_length(song, 7 * RATE, 0, len(song), crossfade=fade)
    assert loops >= 2 and len(out) == 7 * RATE
    join = len(song) - fade  # the second pass starts fading in here
    ramp = np.sin(np.linspace(0, np.pi / 2, fade))[:, None]
    expected = song[-fade:] * ramp[::-1] + song[:fade] * ramp
    np.testing.assert_allclose(out[join:join + fade], expected, atol=1e-6)
    # Energy stays level through the join (equal power, no dip).
    rms = lambda a: np.sqrt(np.mean(a.astype(float) ** 2))  # noqa: E731
    assert 0.7 < rms(out[join:join + fade]) / rms(song) < 1.3


def test_long_clip_from_a_short_track_loops_and_still_lands_on_a_bar():
    out, report = fit_audio(tone_bars(8.0), 19.0, LoopPlan(bar_seconds=2.0, loop_end=8.0,
                                                           seamless=True))
    assert report.loops == 2 and len(out) == 19 * RATE
    assert report.start_offset == pytest.approx(1.0, abs=1e-4)


def test_mux_adds_aac_and_keeps_video_packets(tmp_path):
    video = make_video(tmp_path / "clip.mp4")
    before = packets(video)
    music = tmp_path / "music.wav"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=330:duration=30:sample_rate=48000", "-ac", "2", str(music)],
                   check=True)
    report = add_soundtrack(video, music, LoopPlan())
    info = probe(video)
    assert [(s.kind, s.codec) for s in info.streams] == [("video", "h264"), ("audio", "aac")]
    assert info.first("audio").sample_rate == RATE
    assert packets(video) == before, "the video stream must be copied, not re-encoded"
    audio_seconds = len(decode(video)) / RATE
    assert abs(audio_seconds - video_duration(video)) <= 0.05
    assert abs(video_duration(video) - 6.0) < 1e-6 and report.duration == pytest.approx(6.0)
    data = video.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")
    assert [p.name for p in tmp_path.iterdir()] != [] and not list(tmp_path.glob(".*.part"))


def test_mux_to_another_file_leaves_the_silent_original(tmp_path):
    video = make_video(tmp_path / "clip.mp4", frames=49, fps=8)
    out = tmp_path / "with-music.mp4"
    audio = tone_bars(6.125)
    mux(video, audio, out)
    assert probe(video).first("audio") is None
    assert probe(out).first("audio").codec == "aac"
    assert abs(len(decode(out)) / RATE - 49 / 8) <= 0.05


def test_a_track_fitted_for_post_production_is_exactly_the_video_long(tmp_path):
    from music.soundtrack import ChosenTrack, Soundtrack

    music = tmp_path / "bars.wav"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-f", "f32le", "-ar", str(RATE), "-ac", "2",
                    "-i", "pipe:0", str(music)], input=tone_bars(20.0).tobytes(), check=True)
    plan = LoopPlan(bar_seconds=2.0, loop_end=20.0, seamless=True)
    chosen = ChosenTrack(id="bars", title="Bars", title_zh="Bars", score=None, path=music,
                         plan=plan)
    audio = Soundtrack.fitted(chosen)(97 / 16)
    assert audio.rate == RATE and audio.samples.shape == (round(97 / 16 * RATE), 2)
    expected, _ = fit_audio(decode(music), 97 / 16, plan)
    assert np.array_equal(audio.samples, expected)  # the same cut, level and fades as a mux
