"""The one ffmpeg runner and the probe: a timeout always, one clear line on failure, a full
disk named as such, and stream facts read from a real encoded clip."""

from pathlib import Path

import numpy as np
import pytest

from files import out_of_space
from video.ffmpeg import DiskFull, FfmpegError, FfmpegFeed, probe, run_ffmpeg
from video.encode import encode_mp4
from video.types import Audio

# Read at its own pace (-re): ten minutes of tone take ten minutes, so the timeout hits.
LONG_TONE = ["-re", "-f", "lavfi", "-i", "sine=frequency=440:duration=600"]


def one_line(error: Exception) -> str:
    message = str(error)
    assert message and "\n" not in message, message
    return message


def test_stdin_in_and_stdout_out():
    samples = (np.sin(np.arange(4410) / 7.0) * 0.5).astype("<f4")
    run = run_ffmpeg(["-f", "f32le", "-ar", "44100", "-ac", "1", "-i", "pipe:0",
                      "-f", "s16le", "-ac", "1", "pipe:1"], input_bytes=samples.tobytes())
    decoded = np.frombuffer(run.stdout, dtype="<i2") / 32768.0
    assert len(decoded) == len(samples) and np.abs(decoded - samples).max() < 1e-3
    assert run.log == ""


def test_a_run_past_its_timeout_is_stopped_with_a_clear_error():
    with pytest.raises(FfmpegError) as caught:
        run_ffmpeg([*LONG_TONE, "-f", "null", "-"], timeout=0.5, doing="hum")
    assert one_line(caught.value) == "ffmpeg could not hum: it ran past 0.5 s and was stopped"
    assert not out_of_space(caught.value)


def test_a_missing_input_is_named(tmp_path):
    missing = tmp_path / "nothing here.mp4"
    with pytest.raises(FfmpegError) as caught:
        run_ffmpeg(["-i", str(missing), "-f", "null", "-"], doing="read the clip")
    assert one_line(caught.value) == f"ffmpeg could not read the clip: no file at '{missing}'"


def test_a_failure_is_one_line_with_ffmpeg_s_reason(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\0" * 200)
    with pytest.raises(FfmpegError) as caught:
        run_ffmpeg(["-i", str(junk), "-f", "null", "-"], doing="read the clip")
    message = one_line(caught.value)
    assert message.startswith("ffmpeg could not read the clip: ") and "Invalid data" in message
    assert "@ 0x" not in message  # ffmpeg's component prefixes are dropped
    assert "Invalid data" in caught.value.reason and caught.value.log
    assert not isinstance(caught.value, DiskFull) and not out_of_space(caught.value)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_named_as_such():
    """/dev/full takes no byte: every write fails with ENOSPC, as on a full disk."""
    with pytest.raises(DiskFull) as caught:
        run_ffmpeg(["-f", "lavfi", "-i", "sine=duration=1", "-f", "wav", "/dev/full"],
                   doing="write the sound")
    assert one_line(caught.value).startswith("ffmpeg could not write the sound: the disk is full")
    assert out_of_space(caught.value)  # what the CLI, the UI and the API look for
    assert isinstance(caught.value, RuntimeError)


def test_a_file_size_limit_is_a_full_disk_too(tmp_path):
    """Under a file-size limit (inherited by ffmpeg) the kernel kills ffmpeg with SIGXFSZ:
    that too reads as a full disk, with the OSError (EFBIG) as its cause."""
    import resource

    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    try:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, limits[1]))
        with pytest.raises(DiskFull) as caught:
            run_ffmpeg(["-f", "lavfi", "-i", "sine=duration=10", "-f", "wav",
                        str(tmp_path / "big.wav")], doing="write the sound")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    assert "the disk is full" in one_line(caught.value) and out_of_space(caught.value)
    assert isinstance(caught.value.__cause__, OSError)


def ffmpeg_children() -> list[int]:
    """Process ids of this process's ffmpeg children still alive (zombies included)."""
    import os

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and b"ffmpeg" in command:
            found.append(int(stat.parent.name))
    return found


def raw_input_args(out: Path) -> list[str]:
    return ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "48x32", "-i", "pipe:0",
            "-c:v", "libx264", "-f", "mp4", str(out)]


def test_a_feed_written_a_piece_at_a_time_is_the_same_as_one_run(tmp_path):
    frames = np.random.default_rng(1).integers(0, 255, (6, 32, 48, 3), dtype=np.uint8)
    bitexact = ["-fflags", "+bitexact", "-flags:v", "+bitexact"]
    whole, pieces = tmp_path / "whole.mp4", tmp_path / "pieces.mp4"
    run_ffmpeg([*raw_input_args(whole)[:-1], *bitexact, str(whole)],
               input_bytes=frames.tobytes(), threads=1)
    with FfmpegFeed([*raw_input_args(pieces)[:-1], *bitexact, str(pieces)],
                    threads=1) as feed:
        for frame in frames:
            feed.write(frame)
        feed.write(b"")  # an empty piece is nothing
    assert whole.read_bytes() == pieces.read_bytes()
    assert ffmpeg_children() == []


def test_a_feed_ffmpeg_refuses_fails_in_one_line_when_the_block_ends(tmp_path):
    frames = np.zeros((40, 32, 48, 3), np.uint8)
    with pytest.raises(FfmpegError) as caught:
        with FfmpegFeed([*raw_input_args(tmp_path / "a.mp4")[:-3], "-c:v", "no-such-codec",
                         "-f", "mp4", str(tmp_path / "a.mp4")], doing="encode") as feed:
            for frame in frames:  # ffmpeg has stopped reading: the writes do not raise
                feed.write(frame)
    assert one_line(caught.value).startswith("ffmpeg could not encode: ")
    assert "no-such-codec" in caught.value.log and ffmpeg_children() == []


def test_a_feed_stops_ffmpeg_when_the_maker_of_its_input_fails(tmp_path):
    with pytest.raises(ValueError, match="the picture broke"):
        with FfmpegFeed(raw_input_args(tmp_path / "a.mp4")) as feed:
            feed.write(np.zeros((32, 48, 3), np.uint8))
            raise ValueError("the picture broke")
    assert ffmpeg_children() == []


def test_a_feed_past_its_timeout_is_stopped_with_a_clear_error():
    with pytest.raises(FfmpegError) as caught:
        with FfmpegFeed([*LONG_TONE, "-f", "null", "-"], timeout=0.5, doing="hum") as feed:
            feed.write(b"")
    assert one_line(caught.value) == "ffmpeg could not hum: it ran past 0.5 s and was stopped"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_feed_onto_a_full_disk_says_so():
    frames = np.random.default_rng(2).integers(0, 255, (8, 32, 48, 3), dtype=np.uint8)
    with pytest.raises(DiskFull) as caught:
        with FfmpegFeed(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "48x32", "-i",
                         "pipe:0", "-c:v", "libx264", "-f", "matroska", "/dev/full"]) as feed:
            for frame in frames:
                feed.write(frame)
    assert out_of_space(caught.value)


def test_encoding_blocks_of_different_sizes_or_no_frames_is_refused(tmp_path):
    from video.encode import encode_blocks

    small, large = np.zeros((2, 32, 48, 3), np.uint8), np.zeros((2, 64, 96, 3), np.uint8)
    with pytest.raises(ValueError, match="all one size"):
        encode_blocks(iter([small, large]), 16, tmp_path / "mixed.mp4", 96, 64)
    with pytest.raises(ValueError, match="at least one frame"):
        encode_blocks(iter([]), 16, tmp_path / "empty.mp4", 96, 64)
    assert list(tmp_path.iterdir()) == [] and ffmpeg_children() == []


def test_threads_is_an_output_option(tmp_path):
    frames = np.random.default_rng(0).integers(0, 255, (4, 32, 48, 3), dtype=np.uint8)
    outputs = []
    for name in ("a.mp4", "b.mp4"):
        out = tmp_path / name
        run_ffmpeg(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "48x32", "-i", "pipe:0",
                    "-c:v", "libx264", "-fflags", "+bitexact", "-flags:v", "+bitexact",
                    "-f", "mp4", str(out)], input_bytes=frames.tobytes(), threads=1)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and probe(tmp_path / "a.mp4").video_frames == 4


def test_probe_reads_the_facts_of_a_real_clip(tmp_path):
    t = np.arange(17 * 44100 // 16) / 44100
    tone = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    frames = np.zeros((17, 64, 96, 3), np.uint8)
    frames[:, :, :, 0] = np.arange(17, dtype=np.uint8)[:, None, None] * 10
    mp4 = encode_mp4(frames, 16, tmp_path / "clip.mp4", 96, 64,
                     audio=Audio(np.stack([tone, tone], axis=1), 44100))
    info = probe(mp4)
    video, audio = info.first("video"), info.first("audio")
    assert (video.codec, video.width, video.height, video.fps, video.pix_fmt) == \
        ("h264", 96, 64, 16.0, "yuv420p")
    assert (audio.codec, audio.sample_rate) == ("aac", 44100)
    assert [s.kind for s in info.streams] == ["video", "audio"]
    assert info.video_frames == 17 and abs(info.duration - 17 / 16) <= 0.05
    assert probe(mp4, frames="packets").video_frames == 17
    assert probe(mp4, frames="none").video_frames == 0


def test_probe_of_a_missing_or_unreadable_file_fails_clearly(tmp_path):
    with pytest.raises(FfmpegError, match="cannot read .*No such file"):
        probe(tmp_path / "gone.mp4")
    (tmp_path / "junk.mp4").write_bytes(b"\0" * 200)
    with pytest.raises(FfmpegError) as caught:
        probe(tmp_path / "junk.mp4")
    assert one_line(caught.value) and caught.value.reason
