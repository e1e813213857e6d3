"""Post-production: interpolation, upscale, H.264 encode, poster, atomic output."""

import numpy as np
import pytest

from video.ffmpeg import probe
from video.interpolate import interpolate
from video.post import finish, interpolation_factor
from video.types import Clip


def moving_bars(frames=49, width=96, height=64, speed=4) -> np.ndarray:
    """Vertical stripes moving right by `speed` pixels a frame."""
    x = np.arange(width)
    out = np.empty((frames, height, width, 3), np.uint8)
    for i in range(frames):
        stripe = ((np.sin((x - speed * i) / 5.0) + 1) * 120).astype(np.uint8)
        out[i] = stripe[None, :, None]
    return out


def test_49_frames_at_8fps_come_out_6_seconds_at_16fps_doubled(tmp_path):
    clip = Clip(frames=moving_bars(), fps=8, engine="test", model="bars")
    video = finish(clip, tmp_path / "out.mp4")
    info = probe(video.mp4)
    stream = info.first("video")
    assert (stream.codec, stream.pix_fmt) == ("h264", "yuv420p")
    assert (stream.width, stream.height) == (192, 128) == (video.width, video.height)
    assert stream.fps == 16 and info.video_frames == 97 == video.frames
    assert abs(info.duration - 6.0) <= 1 / 16 + 1e-6
    assert info.first("audio") is None
    data = video.mp4.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat"), "+faststart puts the index first"
    assert video.poster.read_bytes()[:3] == b"\xff\xd8\xff"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    import av

    with av.open(str(video.mp4)) as container:  # CAVLC, 4×4 transforms: Main, not High
        assert container.streams.video[0].codec_context.profile == "Main"


def test_interpolated_frame_lies_between_its_neighbours_in_motion():
    import cv2

    noise = np.random.default_rng(0).integers(0, 255, (240, 400), dtype=np.uint8)
    texture = np.repeat(cv2.GaussianBlur(noise, (0, 0), 3)[..., None], 3, axis=2)
    # The scene pans: content moves right by 8 px a frame; the truth half-way is 4 px.
    frames = np.stack([texture[:, 40:360], texture[:, 32:352]])
    expected = texture[:, 36:356].astype(int)
    middle = interpolate(frames, 2)[1].astype(int)
    blend = (frames[0].astype(int) + frames[1]) // 2
    centre = slice(24, -24)  # borders have no motion to follow
    motion_error = np.abs(middle[:, centre] - expected[:, centre]).mean()
    blend_error = np.abs(blend[:, centre] - expected[:, centre]).mean()
    assert motion_error < blend_error / 3, (motion_error, blend_error)


@pytest.mark.parametrize("factor, frames", [(2, 9), (3, 5), (1, 9), (2, 1)])
def test_interpolation_block_by_block_is_the_whole_interpolation(factor, frames):
    from video.interpolate import interpolate_blocks

    clip = moving_bars(frames=frames)
    blocks = list(interpolate_blocks(clip, factor))
    whole = interpolate(clip, factor)
    assert np.array_equal(np.concatenate(blocks), whole)
    if factor > 1 and frames > 1:  # each frame with the frames after it, then the last
        assert [len(b) for b in blocks] == [factor] * (frames - 1) + [1]


def test_interpolation_factor_only_for_whole_multiples():
    assert interpolation_factor(8, 16) == 2
    assert interpolation_factor(16, 16) == 1
    assert interpolation_factor(8, 12) == 1
    assert len(interpolate(moving_bars(frames=5), 3)) == 13


class Invert:
    """A grade that inverts the picture and notes the blocks it was given."""

    def __init__(self):
        self.seen: list[int] = []

    def stream(self, blocks):
        for block in blocks:
            self.seen.append(len(block))
            yield 255 - block


def decoded(path, width, height) -> np.ndarray:
    from video.ffmpeg import run_ffmpeg

    raw = run_ffmpeg(["-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def test_the_grade_sees_every_frame_once_in_order_and_its_frames_are_encoded(tmp_path):
    frames = moving_bars(frames=9)
    clip = Clip(frames=frames, fps=8, engine="test", model="bars")
    grade = Invert()
    video = finish(clip, tmp_path / "graded.mp4", grade=grade, upscale=1)
    assert sum(grade.seen) == 17 and len(grade.seen) > 1, "block by block, not one clip"
    # What was encoded is the inverted interpolation, frame for frame (H.264's loss aside).
    expected = 255 - interpolate(frames, 2).astype(int)
    error = np.abs(decoded(video.mp4, 96, 64).astype(int) - expected).mean()
    assert error < 3, error
    assert set(video.timings) >= {"interpolate", "grade", "encode"}


def test_streamed_post_production_encodes_what_the_whole_clip_would(tmp_path):
    from video.encode import encode_mp4

    frames = moving_bars(frames=13)
    clip = Clip(frames=frames, fps=8, engine="test", model="bars")
    streamed = finish(clip, tmp_path / "streamed.mp4", grade=Invert())
    whole = encode_mp4(255 - interpolate(frames, 2), 16, tmp_path / "whole.mp4", 192, 128)
    assert np.array_equal(decoded(streamed.mp4, 192, 128), decoded(whole, 192, 128))


def test_a_grade_that_fails_half_way_fails_the_video_and_leaves_nothing(tmp_path):
    class Breaks:
        def stream(self, blocks):
            for number, block in enumerate(blocks):
                if number == 3:
                    raise ValueError("the grade broke on block 3")
                yield block

    clip = Clip(frames=moving_bars(frames=21), fps=8, engine="test", model="bars")
    with pytest.raises(ValueError, match="block 3"):
        finish(clip, tmp_path / "broken.mp4", grade=Breaks())
    assert list(tmp_path.iterdir()) == []


def test_failed_encode_leaves_no_file(tmp_path, monkeypatch):
    import video.encode as encode

    clip = Clip(frames=moving_bars(frames=5), fps=8, engine="test", model="bars")
    monkeypatch.setattr(encode, "X264_PRESET", "no-such-preset")
    with pytest.raises(RuntimeError, match="ffmpeg"):
        finish(clip, tmp_path / "broken.mp4")
    assert list(tmp_path.iterdir()) == []


def test_a_soundtrack_is_made_for_the_exact_length_and_muxed_in_the_same_pass(tmp_path):
    from video.types import Audio

    clip = Clip(frames=moving_bars(frames=9), fps=8, engine="test", model="bars")
    asked = []

    def tone(seconds: float) -> Audio:
        asked.append(seconds)
        t = np.arange(round(seconds * 44100)) / 44100
        wave = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        return Audio(samples=np.stack([wave, wave], axis=1), rate=44100)

    video = finish(clip, tmp_path / "scored.mp4", audio=tone)
    assert asked == [17 / 16]  # the interpolated length, known before any frame is made
    info = probe(video.mp4)
    assert [(s.kind, s.codec) for s in info.streams] == [("video", "h264"), ("audio", "aac")]
    assert info.first("audio").sample_rate == 44100 and info.video_frames == 17
    assert abs(info.duration - 17 / 16) <= 0.05
    assert "audio" in video.timings
    data = video.mp4.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scored.jpg", "scored.mp4"]


def test_a_soundtrack_that_fails_fails_the_video_and_leaves_nothing(tmp_path):
    clip = Clip(frames=moving_bars(frames=5), fps=8, engine="test", model="bars")

    def broken(seconds: float):
        raise RuntimeError("ffmpeg could not decode 'song.mp3'")

    with pytest.raises(RuntimeError, match="song.mp3"):
        finish(clip, tmp_path / "silent.mp4", audio=broken)
    assert list(tmp_path.iterdir()) == []


def test_ahead_gives_the_items_in_order_and_the_makers_error_to_the_reader():
    from video.post import Ahead

    with Ahead(iter(range(100)), limit=3) as items:
        assert list(items) == list(range(100))

    def breaks():
        yield 1
        raise OSError("the maker broke")

    with Ahead(breaks(), limit=3) as items:
        assert next(items) == 1
        with pytest.raises(OSError, match="the maker broke"):
            next(items)


def test_a_reader_that_leaves_early_stops_the_maker_and_closes_it():
    import threading

    from video.post import Ahead

    made, closed = [], threading.Event()

    def maker():
        try:
            for number in range(10_000):
                made.append(number)
                yield number
        finally:
            closed.set()

    with Ahead(maker(), limit=4) as items:
        assert next(items) == 0
    assert closed.is_set()  # the with block waited for the maker to stop
    assert len(made) < 10  # it stopped with the queue full, not at the end
