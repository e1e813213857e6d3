"""`app.py music list|pick` and `generate --music`, as a user runs them (app.main in this
process: conftest's run_cli)."""

import json

import numpy as np

from music.fit import decode, video_duration
from video.ffmpeg import probe


def one_error_line(result, *words):
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert all(w in lines[0] for w in words), lines[0]
    assert "Traceback" not in result.stderr


def test_music_list(run_cli):
    listed = run_cli("music", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    tracks = json.loads(listed.stdout)
    assert len(tracks) >= 12 and {"id", "title", "title_zh", "moods", "bpm", "key", "energy",
                                  "duration", "loop", "license"} <= set(tracks[0])
    plain = run_cli("music", "list")
    assert plain.returncode == 0 and "still-water" in plain.stdout and "静水" in plain.stdout
    helped = run_cli("music")
    assert helped.returncode == 0 and "pick" in helped.stdout


def test_music_pick_and_its_mistakes(run_cli):
    picked = run_cli("music", "pick", "一只熊猫在竹林里吃竹子", "--mood", "chinese-traditional",
                     "--json")
    assert picked.returncode == 0, picked.stderr
    result = json.loads(picked.stdout)
    assert len(result["picks"]) == 3
    assert result["picks"][0]["moods"][0] == "chinese-traditional"
    assert result["picks"][0]["score"] >= result["picks"][1]["score"]
    one_error_line(run_cli("music", "pick", "x", "--mood", "angry"), "unknown mood 'angry'")
    one_error_line(run_cli("music", "pick", "  "), "prompt is empty")
    one_error_line(run_cli("music", "pick", "x", "--style", "no-such-style"), "no-such-style")


def test_generate_with_a_named_track_has_a_fitted_aac_soundtrack(run_cli, tmp_path):
    out = tmp_path / "clip.mp4"
    result = run_cli("generate", "a lighthouse at night", "--engine", "tiny", "--seed", "1",
                     "--music", "grey-rain", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["track"] == {"id": "grey-rain", "title": "Grey Rain", "title_zh": "雨巷",
                                "score": None, "source": "library"}
    assert "music" in summary["timings"]
    info = probe(out)
    assert [(s.kind, s.codec) for s in info.streams] == [("video", "h264"), ("audio", "aac")]
    audio = decode(out)
    assert abs(len(audio) / 44100 - video_duration(out)) <= 0.05
    assert np.abs(audio).max() > 0.05


def test_generate_auto_silent_and_own_music(run_cli, tmp_path):
    auto = run_cli("generate", "宝宝在摇篮里睡觉", "--engine", "tiny", "--out",
                   str(tmp_path / "auto.mp4"), "--json")
    assert auto.returncode == 0, auto.stderr
    track = json.loads(auto.stdout)["track"]
    assert track["source"] == "library" and track["score"] > 0

    silent = run_cli("generate", "a kite", "--engine", "tiny", "--music", "none",
                     "--out", str(tmp_path / "silent.mp4"), "--json")
    assert silent.returncode == 0 and json.loads(silent.stdout)["track"] is None
    assert probe(tmp_path / "silent.mp4").first("audio") is None

    from tests.test_music_upload import make_audio

    song = make_audio(tmp_path / "my song.flac", seconds=3.0)
    own = run_cli("generate", "a kite", "--engine", "tiny", "--music", str(song),
                  "--out", str(tmp_path / "own.mp4"))
    assert own.returncode == 0, own.stderr
    assert "music: my song.flac (upload)" in own.stdout
    assert probe(tmp_path / "own.mp4").first("audio").codec == "aac"


def test_generate_refuses_bad_music_before_rendering(run_cli, tmp_path):
    one_error_line(run_cli("generate", "x", "--engine", "tiny", "--music", "disco",
                           "--out", str(tmp_path / "a.mp4")), "unknown music 'disco'")
    fake = tmp_path / "fake.mp3"
    fake.write_text("not a song at all " * 50)
    one_error_line(run_cli("generate", "x", "--engine", "tiny", "--music", str(fake),
                           "--out", str(tmp_path / "b.mp4")), "fake.mp3", "is text")
    assert not (tmp_path / "a.mp4").exists() and not (tmp_path / "b.mp4").exists()
