"""A user's own music: real files pass; empty, truncated, disguised, huge or long ones get
one clear InputError each, and a good upload still fits and muxes after a bad one."""

import subprocess

import pytest

from errors import InputError
from music.upload import MAX_BYTES, validate_upload
from video.ffmpeg import ffmpeg_exe

CODECS = {"mp3": ["-c:a", "libmp3lame", "-b:a", "128k"], "wav": [],
          "ogg": ["-c:a", "libvorbis"], "m4a": ["-c:a", "aac"], "flac": ["-c:a", "flac"]}


def make_audio(path, seconds=4.0, rate=44100, source=None):
    """A short two-tone audio file in the format its extension names."""
    source = source or (f"sine=frequency=440:duration={seconds}:sample_rate={rate}")
    kind = path.suffix.lstrip(".")
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i", source,
                    "-ac", "2", *CODECS[kind], str(path)], check=True)
    return path


@pytest.mark.parametrize("kind", sorted(CODECS))
def test_real_files_of_every_format_pass(tmp_path, kind):
    checked = validate_upload(make_audio(tmp_path / f"song.{kind}"))
    assert checked.format == kind and checked.duration == pytest.approx(4.0, abs=0.1)


def test_uppercase_extension_and_original_name(tmp_path):
    path = make_audio(tmp_path / "x.wav").rename(tmp_path / "MY SONG.WAV")
    assert validate_upload(path, name="my song.wav").name == "my song.wav"


def expect_refusal(path, *words):
    with pytest.raises(InputError) as caught:
        validate_upload(path)
    message = str(caught.value)
    assert "\n" not in message and all(w in message for w in words), message
    return message


def test_missing_and_unsupported_files(tmp_path):
    expect_refusal(tmp_path / "nothing.mp3", "no audio file")
    (tmp_path / "song.aiff").write_bytes(b"FORM....AIFF")
    expect_refusal(tmp_path / "song.aiff", "not a supported audio file", "mp3")


def test_empty_file(tmp_path):
    (tmp_path / "empty.mp3").write_bytes(b"")
    expect_refusal(tmp_path / "empty.mp3", "is empty")


def test_disguised_files(tmp_path):
    from PIL import Image

    Image.new("RGB", (8, 8), "red").save(tmp_path / "picture.png")
    (tmp_path / "picture.png").rename(tmp_path / "picture.mp3")
    expect_refusal(tmp_path / "picture.mp3", "PNG image", "real mp3")
    (tmp_path / "notes.wav").write_text("these are my lyrics, not a song\n" * 20)
    expect_refusal(tmp_path / "notes.wav", "is text")
    make_audio(tmp_path / "real.ogg").rename(tmp_path / "fake.flac")
    expect_refusal(tmp_path / "fake.flac", "is an ogg file")


def test_truncated_files(tmp_path):
    for kind in ("wav", "m4a", "flac"):
        whole = make_audio(tmp_path / f"whole.{kind}", seconds=20.0)
        data = whole.read_bytes()
        cut = tmp_path / f"cut.{kind}"
        cut.write_bytes(data[:len(data) // 3])
        expect_refusal(cut, "'cut." + kind + "'")


def test_video_without_audio_named_m4a(tmp_path):
    from tests.test_music_fit import make_video

    make_video(tmp_path / "clip.mp4", frames=16).rename(tmp_path / "clip.m4a")
    expect_refusal(tmp_path / "clip.m4a", "no audio")


def test_silent_and_too_short(tmp_path):
    make_audio(tmp_path / "silence.wav", source="anullsrc=r=44100:cl=stereo:d=5")
    expect_refusal(tmp_path / "silence.wav", "is silent")
    make_audio(tmp_path / "blip.wav", seconds=0.3)
    expect_refusal(tmp_path / "blip.wav", "less than 1 s")


def test_too_big_and_too_long(tmp_path):
    big = make_audio(tmp_path / "big.wav")
    with open(big, "r+b") as handle:
        handle.truncate(MAX_BYTES + 1)
    expect_refusal(big, "MB", "limit is 20 MB")
    long = make_audio(tmp_path / "long.flac", seconds=610, rate=8000)
    expect_refusal(long, "minutes", "limit is 10 minutes")
