"""Image to video end to end: the tiny CogVideoX-I2V twin and the motion engine, from the CLI."""

import io
import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.director import Director, RenderOptions, Styling
from agent.shot import ShotSpec
from video.ffmpeg import probe
from video.types import GenerationRequest


def photo_file(folder, name="photo.png", colour=(230, 120, 40), size=(300, 200)):
    """A small photo with a subject, written where the CLI can read it."""
    image = Image.new("RGB", size, (70, 110, 150))
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.ellipse((w * 0.35, h * 0.25, w * 0.65, h * 0.75), fill=colour)
    path = folder / name
    image.save(path)
    return path


def i2v_request(image, seed=4):
    return GenerationRequest(prompt="a cat sitting, slow push in", image=image, frames=9,
                             width=96, height=64, steps=2, seed=seed)


# --- the tiny engine's I2V twin is conditioned on the photo --------------------------------

def test_tiny_i2v_first_frame_depends_on_the_photo(tiny_engine):
    warm = Image.new("RGB", (96, 64), (240, 140, 40))
    cold = Image.new("RGB", (96, 64), (20, 60, 220))
    first = tiny_engine.generate(i2v_request(warm))
    again = tiny_engine.generate(i2v_request(warm))
    other = tiny_engine.generate(i2v_request(cold))
    assert first.model == "tiny-i2v" and first.frames.shape == (9, 64, 96, 3)
    assert np.array_equal(first.frames, again.frames)  # same photo and seed: same clip
    assert not np.array_equal(first.frames[0], other.frames[0])  # other photo: other frame
    assert first.test_pattern


def test_tiny_i2v_reports_progress_per_step(tiny_engine):
    steps = []
    tiny_engine.generate(i2v_request(Image.new("RGB", (96, 64), "white")),
                         on_step=lambda i, n: steps.append((i, n)))
    assert steps == [(1, 2), (2, 2)]


# --- the director fits the photo to each engine's frame ------------------------------------

@pytest.mark.parametrize("engine_name, native, wide", [("tiny", (96, 64), (112, 64)),
                                                       ("motion", (720, 480), (784, 440))])
def test_director_loads_and_fits_the_photo_to_the_engine(engine_name, native, wide, tmp_path,
                                                         engine_settings):
    from video.engines import create_engine

    engine = create_engine(engine_name, engine_settings)
    spec = ShotSpec(idea="slow push in", source_image=photo_file(tmp_path, size=(1000, 300)),
                    seed=1)
    # "auto": a wide photo makes a 16:9 clip at the model's budget; 3:2 is the native frame.
    for aspect, size in (("auto", wide), ("3:2", native)):
        for fit in ("crop", "letterbox"):
            request = Director.build_request(engine, spec.with_changes(aspect=aspect),
                                             Styling(prompt="slow push in"),
                                             RenderOptions(fit=fit))
            assert request.image.size == size and request.image.mode == "RGB"
            assert (request.width, request.height) == size


# --- the CLI, end to end -------------------------------------------------------------------

@pytest.mark.parametrize("engine, model, size", [("tiny", "tiny-i2v", (192, 128)),
                                                 ("motion", "motion", (1440, 960))])
def test_cli_generate_with_a_photo(run_cli, tmp_path, engine, model, size):
    photo = photo_file(tmp_path, "IMG_2041.JPG")  # a PNG with a camera's name: read by content
    out = tmp_path / "moving.mp4"
    result = run_cli("generate", "make her hair move in the wind, slow push in", "--image",
                     str(photo), "--engine", engine, "--frames", "9", "--music", "none",
                     "--seed", "5", "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["engine"] == engine and summary["model"] == model
    assert (summary["width"], summary["height"]) == size
    assert summary["test_pattern"] is (engine == "tiny")
    video = probe(out).first("video")
    assert (video.width, video.height) == size


def png_claiming(width: int, height: int) -> bytes:
    """A PNG header claiming width×height pixels, with almost no data: a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                                0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def one_pixel_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("content, name, message", [
    (b"my shopping list\n", "notes.jpg", "'notes.jpg' is not a photo we can read"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "cut.jpg", "'cut.jpg'"),
    (png_claiming(20000, 20000), "bomb.png", "400 megapixels"),
    (one_pixel_png(), "dot.png", "only 1×1 pixels"),
])
def test_cli_refuses_a_bad_photo_with_exit_2_and_one_line(run_cli, tmp_path, content, name,
                                                          message):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_cli("generate", "slow push in", "--image", str(path), "--engine", "motion",
                     "--music", "none", "--out", str(tmp_path / "x.mp4"))
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines
    assert not (tmp_path / "x.mp4").exists()


def test_cli_refuses_text_to_video_on_the_motion_engine(run_cli, tmp_path):
    result = run_cli("generate", "a cheetah in the grass", "--engine", "motion",
                     "--music", "none", "--out", str(tmp_path / "x.mp4"))
    assert result.returncode == 2
    assert "animates a photo" in result.stderr and "Traceback" not in result.stderr
