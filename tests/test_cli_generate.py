"""`python app.py generate` end to end with the tiny engine, and its error handling. The
first test runs the real process (slow); the rest call app.main in this process (run_cli)."""

import json

import pytest

from video.ffmpeg import probe


@pytest.mark.slow  # a fresh `python app.py` process: torch's import alone takes seconds
def test_generate_writes_a_playable_2x_16fps_mp4(run_app_process, tmp_path):
    out = tmp_path / "clip.mp4"
    result = run_app_process("generate", "a cheetah lying in the grass", "--engine", "tiny",
                     "--seed", "3", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["path"] == str(out) and out.is_file()
    assert summary["engine"] == "tiny" and summary["model"] == "tiny" and summary["seed"] == 3
    assert "cheetah" in summary["prompt"]
    assert (summary["width"], summary["height"], summary["fps"]) == (192, 128, 16)
    assert summary["test_pattern"] is True
    assert {"engine.generate", "post.encode", "total"} <= set(summary["timings"])
    info = probe(out)
    video = info.first("video")
    assert (video.codec, video.width, video.height, video.fps) == ("h264", 192, 128, 16)
    assert info.video_frames == summary["frames"] == 17
    assert abs(info.duration - 17 / 16) < 0.07


def test_generate_prints_path_and_timings(run_cli, tmp_path):
    out = tmp_path / "plain.mp4"
    result = run_cli("generate", "a red kite over the sea", "--engine", "tiny", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == str(out)
    assert any(line.startswith("timings:") for line in lines)
    assert "test pattern" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["generate", "", "--engine", "tiny"], "idea is empty"),
    (["generate", "a cat", "--engine", "tiny", "--model", "cogvideox-9b"], "unknown model"),
    (["generate", "a cat", "--engine", "tiny", "--frames", "12"], "frames must be 4k+1"),
    (["generate", "a cat", "--engine", "tiny", "--steps", "0"], "steps must be"),
    (["generate", "x", "--engine", "warp"], "invalid choice"),
    (["generate", "x", "--engine", "tiny", "--out", "clip.avi"], "must end in .mp4"),
    (["generate", "x", "--engine", "tiny", "--image", "missing.jpg"], "no photo"),
    (["generate", "a cat", "--engine", "cogvideox"], "needs a CUDA GPU"),
    (["generate", "x", "--engine", "tiny"], "I don't know the word 'x'"),
])
def test_user_mistakes_exit_2_with_one_clear_line(run_cli, args, message):
    result = run_cli(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert "Traceback" not in result.stderr


def test_cancelled_render_leaves_no_partial_output(tmp_path, engine_settings):
    from studio.director import Director, RenderOptions
    from agent.shot import ShotSpec
    from errors import GenerationCancelled
    from video.engines.pool import EnginePool

    director = Director(EnginePool(engine_settings))

    def cancel_while_generating(stage, fraction, detail):
        if stage == "generating" and fraction > 0:
            raise GenerationCancelled("stop")

    out = tmp_path / "cancelled.mp4"
    with pytest.raises(GenerationCancelled):
        director.render(ShotSpec(idea="a lighthouse at night", seed=1), out,
                        RenderOptions(engine="tiny", steps=3), on_progress=cancel_while_generating)
    assert list(tmp_path.iterdir()) == []
