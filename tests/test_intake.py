"""Photo intake: every accepted format, every oddity, every refusal — with photos made here."""

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from errors import InputError
from video.intake import MAX_BYTES, MAX_PIXELS, IntakeLimits, load_image

RED, GREEN, BLUE = (220, 30, 30), (30, 200, 40), (30, 40, 220)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def solid(colour=GREEN, size=(48, 32), mode="RGB") -> Image.Image:
    return Image.new(mode, size, colour)


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims width×height pixels, with almost no data behind it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def near(pixel, colour, tolerance=12) -> bool:
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(pixel, colour))


# --- accepted formats ----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP", "GIF", "AVIF"])
def test_each_format_loads_as_rgb_of_the_same_size_and_colour(fmt, tmp_path):
    path = tmp_path / f"photo.{fmt.lower()}"
    path.write_bytes(encoded(solid(GREEN), fmt))
    image = load_image(path)
    assert image.mode == "RGB" and image.size == (48, 32)
    assert near(image.getpixel((10, 10)), GREEN, tolerance=16)


def test_heic_loads_through_pillow_heif(tmp_path):
    import pillow_heif  # a pinned requirement: missing is a failure, not a skip
    buffer = io.BytesIO()
    pillow_heif.from_pillow(solid(BLUE, (64, 48))).save(buffer, format="HEIF")
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(buffer.getvalue())
    image = load_image(path)
    assert image.mode == "RGB" and image.size == (64, 48)
    assert near(image.getpixel((20, 20)), BLUE, tolerance=16)


def test_bytes_and_paths_give_the_same_picture(tmp_path):
    data = encoded(solid(RED), "PNG")
    (tmp_path / "a.png").write_bytes(data)
    assert load_image(data).tobytes() == load_image(tmp_path / "a.png").tobytes()


def test_a_png_disguised_as_jpg_is_read_by_its_contents(tmp_path):
    path = tmp_path / "really-a-png.jpg"
    path.write_bytes(encoded(solid(RED), "PNG"))
    assert near(load_image(path).getpixel((0, 0)), RED)


# --- oddities converted properly ------------------------------------------------------------

def test_exif_orientation_is_applied():
    # Stored 60×40 with red on the left; orientation 6 means "rotate 90° clockwise to view".
    stored = solid(BLUE, (60, 40))
    stored.paste(RED, (0, 0, 30, 40))
    exif = Image.Exif()
    exif[0x0112] = 6
    image = load_image(encoded(stored, "JPEG", exif=exif.tobytes(), quality=95))
    assert image.size == (40, 60)
    assert near(image.getpixel((20, 5)), RED, 20) and near(image.getpixel((20, 55)), BLUE, 20)


def test_cmyk_jpeg_becomes_the_right_rgb():
    image = load_image(encoded(solid((0, 255, 255, 0), mode="CMYK"), "JPEG", quality=95))
    assert image.mode == "RGB" and near(image.getpixel((5, 5)), (255, 0, 0), 10)


def test_sixteen_bit_png_with_alpha_is_composited_over_white():
    bgra = np.zeros((32, 48, 4), np.uint16)
    bgra[..., 2] = 65535  # pure red…
    bgra[..., 3] = 32768  # …half transparent
    ok, data = cv2.imencode(".png", bgra)
    assert ok
    image = load_image(data.tobytes())
    assert image.mode == "RGB" and near(image.getpixel((3, 3)), (255, 128, 128), 3)


def test_sixteen_bit_grey_keeps_its_tones_instead_of_clipping_to_white():
    grey = np.full((32, 48), 16384, np.uint16)  # a quarter of full scale
    ok, data = cv2.imencode(".png", grey)
    assert ok
    assert near(load_image(data.tobytes()).getpixel((3, 3)), (64, 64, 64), 2)


def test_palette_with_transparency_becomes_rgb_over_white():
    palette = Image.new("P", (40, 40), 0)
    palette.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    palette.paste(1, (20, 0, 40, 40))
    image = load_image(encoded(palette, "PNG", transparency=0))
    assert near(image.getpixel((5, 5)), (255, 255, 255)) and near(image.getpixel((30, 5)), (0, 255, 0))


def test_animated_gif_gives_its_first_frame():
    frames = [solid(c, (40, 30)) for c in (RED, GREEN, BLUE)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    assert near(load_image(data).getpixel((5, 5)), RED, 16)


# --- refusals: one clear sentence each --------------------------------------------------------

def test_a_one_pixel_photo_is_refused_as_too_small():
    with pytest.raises(InputError, match=r"only 1×1 pixels.*at least 16"):
        load_image(encoded(solid(RED, (1, 1)), "PNG"))


def test_a_20000_by_20000_header_bomb_is_refused_before_decoding():
    data = png_claiming(20000, 20000)
    assert len(data) < 200
    with pytest.raises(InputError, match=r"400 megapixels.*limit is 40 MP"):
        load_image(data, name="bomb.png")


def test_a_photo_over_40_megapixels_is_refused_with_its_size():
    with pytest.raises(InputError, match=r"8000×6000 \(48 megapixels\).*40 MP"):
        load_image(png_claiming(8000, 6000))


def test_a_file_over_25_mb_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.jpg"
    with open(path, "wb") as handle:  # sparse: the size is real, no disk is used
        handle.truncate(MAX_BYTES + 1)
    with pytest.raises(InputError, match=r"'huge.jpg' is 25.1 MB; the limit is 25 MB"):
        load_image(path)


def test_limits_are_the_products_and_can_be_tightened():
    assert (MAX_BYTES, MAX_PIXELS) == (25 * 1024 * 1024, 40_000_000)
    data = encoded(solid(RED, (100, 100)), "PNG")
    with pytest.raises(InputError, match="limit"):
        load_image(data, limits=IntakeLimits(max_pixels=5000))
    with pytest.raises(InputError, match="limit"):
        load_image(data, limits=IntakeLimits(max_bytes=100))


def test_a_truncated_jpeg_is_refused_as_damaged():
    noise = np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    data = encoded(Image.fromarray(noise), "JPEG")
    with pytest.raises(InputError, match=r"'cut.jpg' is damaged or incomplete"):
        load_image(data[: len(data) // 2], name="cut.jpg")


def test_a_text_file_named_jpg_is_refused_and_the_formats_are_named(tmp_path):
    path = tmp_path / "holiday.jpg"
    path.write_text("these are my notes, not a photo\n")
    with pytest.raises(InputError) as caught:
        load_image(path)
    message = str(caught.value)
    assert "'holiday.jpg' is not a photo we can read: it looks like text" in message
    assert "JPEG, PNG, WebP" in message and "\n" not in message


@pytest.mark.parametrize("data, what", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "an SVG drawing"),
    (b"<!doctype html><html></html>", "a web page"),
    (b"\x00\x01\x02\x03\xff\xfe" * 20, "not an image"),
])
def test_other_files_are_named_for_what_they_are(data, what):
    with pytest.raises(InputError, match=what):
        load_image(data)


def test_tiff_is_named_and_refused():
    with pytest.raises(InputError, match="a TIFF image"):
        load_image(encoded(solid(RED), "TIFF"))


def test_missing_empty_and_folder_paths_are_refused(tmp_path):
    with pytest.raises(InputError, match="no photo at"):
        load_image(tmp_path / "nowhere.jpg")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        load_image(tmp_path / "empty.png")
    with pytest.raises(InputError, match="not a file"):
        load_image(tmp_path)


def test_pillow_global_limit_is_left_alone():
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(InputError):
        load_image(png_claiming(20000, 20000))
    load_image(encoded(solid(RED), "PNG"))
    assert Image.MAX_IMAGE_PIXELS == before
