"""Fitting a photo to an engine's frame: a crop that keeps the subject, or a letterbox."""

import numpy as np
import pytest
from PIL import Image, ImageDraw

from errors import InputError
from video.intake import crop_box, fit


def scene(width: int, height: int, subject_at: tuple[int, int], radius: int = 30) -> Image.Image:
    """A soft, even background with one bright, detailed subject (a striped disc)."""
    rng = np.random.default_rng(1)
    base = np.full((height, width, 3), (92, 120, 140), np.uint8)
    base = np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)
    image = Image.fromarray(base)
    draw = ImageDraw.Draw(image)
    x, y = subject_at
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(250, 200, 40))
    for k in range(-radius, radius, 8):
        draw.line((x + k, y - radius, x + k + 4, y + radius), fill=(150, 20, 20), width=3)
    return image


def contains_subject(image: Image.Image, at_least: int = 200) -> bool:
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    yellow = (pixels[:, 0] > 230) & (pixels[:, 1] > 180) & (pixels[:, 2] < 80)
    return int(yellow.sum()) >= at_least


@pytest.mark.parametrize("size", [(720, 480), (1360, 768), (320, 208), (96, 64)])
def test_fit_gives_exactly_the_engine_size(size):
    photo = scene(1000, 1000, (500, 500))
    for mode in ("crop", "letterbox"):
        fitted = fit(photo, *size, mode=mode)
        assert fitted.size == size and fitted.mode == "RGB"


def test_crop_keeps_a_subject_at_the_far_left_of_a_panorama():
    panorama = scene(1500, 400, (90, 200))  # 15:4, the subject in the first 10 %
    assert not contains_subject(panorama.crop((375, 0, 1125, 400)))  # a centre crop loses it
    assert contains_subject(fit(panorama, 720, 480))


def test_crop_keeps_a_subject_at_the_bottom_of_a_tall_photo():
    tall = scene(400, 1200, (200, 1080))
    assert contains_subject(fit(tall, 720, 480))
    left, top, right, bottom = crop_box(tall, 1.5)
    assert (left, right) == (0.0, 400.0) and bottom > 1080


def test_a_featureless_tall_photo_is_cropped_toward_its_top():
    flat = Image.new("RGB", (400, 1200), (120, 120, 120))
    left, top, right, bottom = crop_box(flat, 1.5)
    assert top < (1200 - (bottom - top)) / 2  # above the middle, where heads usually are


def test_a_photo_of_the_right_aspect_is_only_resized():
    photo = scene(1080, 720, (540, 360))
    assert crop_box(photo, 1.5) == (0.0, 0.0, 1080.0, 720.0)


def test_letterbox_shows_the_whole_photo_with_no_black_bars():
    photo = scene(400, 1200, (200, 1080))
    boxed = np.asarray(fit(photo, 720, 480, mode="letterbox")).astype(int)
    assert contains_subject(Image.fromarray(boxed.astype(np.uint8)), at_least=50)  # shrunk 2.5×
    bands = np.concatenate([boxed[:, :100], boxed[:, -100:]], axis=1)  # beside a 160-px-wide photo
    assert bands.mean() > 30  # a dimmed blur of the photo, never black
    assert bands.std() < boxed[:, 300:420].std()  # and soft, calmer than the photo itself


def test_unknown_mode_and_empty_size_are_refused():
    photo = scene(200, 200, (100, 100))
    with pytest.raises(InputError, match="crop, letterbox"):
        fit(photo, 720, 480, mode="stretch")
    with pytest.raises(InputError):
        fit(photo, 0, 480)
