"""Photo intake: the one way a user's photo enters Clipwright (CLI, UI and API alike).

`load_image` turns a file or bytes into a plain RGB picture or refuses it with one clear
sentence: which formats are accepted, how big a photo may be, what was wrong with this one.
`fit` then brings the picture to an engine's size, cropping around what matters in it
(or letterboxing, when the whole frame must stay).

Limits are checked before anything is decoded: the file size from the file system, the
pixel count from the image header, so a tiny file claiming 20000×20000 pixels (a
"decompression bomb") is refused without allocating them.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, ImageFilter, ImageOps, UnidentifiedImageError

from errors import InputError
from video.saliency import saliency_map

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 40_000_000
MIN_SIDE = 16  # smaller than this there is nothing to animate

# Pillow's format ids we open (its JPEG reader also reads the MPO files cameras write).
PILLOW_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "AVIF")
ACCEPTED = "JPEG, PNG, WebP, BMP, GIF, AVIF or HEIC"
FIT_MODES = ("crop", "letterbox")

# Leading bytes of files people send by mistake, to name what was sent instead.
_NOT_PHOTOS = (
    (b"%PDF", "a PDF document"), (b"II*\x00", "a TIFF image"), (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive"), (b"\x1aE\xdf\xa3", "a WebM/MKV video"),
    (b"8BPS", "a Photoshop document"), (b"ID3", "an MP3 file"), (b"OggS", "an Ogg file"),
)
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")


@dataclass(frozen=True)
class IntakeLimits:
    """How large a photo may be; the defaults are the product's limits."""

    max_bytes: int = MAX_BYTES
    max_pixels: int = MAX_PIXELS
    min_side: int = MIN_SIDE


def load_image(source: Path | str | bytes, *, name: str | None = None,
               limits: IntakeLimits = IntakeLimits()) -> Image.Image:
    """Read a photo (a path, or its bytes) as an upright 8-bit RGB image.

    EXIF orientation is applied; CMYK, 16-bit, palette and alpha photos become plain RGB
    (transparency over white); an animated GIF gives its first frame. Raises InputError
    with a one-line reason for anything else. `name` labels bytes in messages.
    """
    data, label = _read(source, name, limits)
    image = _open(data, label, limits)
    try:
        # Pillow's chatter about odd metadata would print past our one-line messages.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            return to_rgb(upright)
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise InputError(f"{label} is damaged or incomplete ({_reason(exc)}); "
                         f"export it again or choose another photo") from exc


def _read(source: Path | str | bytes, name: str | None,
          limits: IntakeLimits) -> tuple[bytes, str]:
    """The file's bytes and a label for messages; size checked before reading."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data, label = bytes(source), f"'{name}'" if name else "the upload"
    else:
        path = Path(source)
        label = f"'{name or path.name}'"
        if not path.exists():
            raise InputError(f"no photo at '{path}'")
        if not path.is_file():
            raise InputError(f"'{path}' is not a file; choose a photo")
        _check_bytes(path.stat().st_size, label, limits)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read {label}: {exc.strerror or exc}") from exc
    _check_bytes(len(data), label, limits)
    if not data:
        raise InputError(f"{label} is empty (0 bytes)")
    return data, label


def _check_bytes(size: int, label: str, limits: IntakeLimits) -> None:
    if size > limits.max_bytes:
        raise InputError(f"{label} is {_megabytes(size)}; the limit is "
                         f"{_megabytes(limits.max_bytes)} — export a smaller JPEG")


def _open(data: bytes, label: str, limits: IntakeLimits) -> Image.Image:
    """Identify the format and check the header's size; nothing is decoded yet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if _is_heif(data):
                image = _open_heif(data, label)
            else:
                image = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
    except Image.DecompressionBombError as exc:
        # Pillow's own guard (far above our limit) fired while reading the header.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        claim = f"{int(found.group(1)) / 1e6:.0f} megapixels" if found else "a huge size"
        raise InputError(f"{label} claims {claim}; the limit is "
                         f"{limits.max_pixels / 1e6:g} MP — resize it first") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(f"{label} is not a photo we can read: {_what_it_is(data)}; "
                         f"use {ACCEPTED}") from exc
    width, height = image.size
    if width * height > limits.max_pixels:
        raise InputError(f"{label} is {width}×{height} ({width * height / 1e6:.0f} megapixels); "
                         f"the limit is {limits.max_pixels / 1e6:g} MP — resize it first")
    if min(width, height) < limits.min_side:
        raise InputError(f"{label} is only {width}×{height} pixels; use a photo at least "
                         f"{limits.min_side} pixels on each side")
    return image


def _is_heif(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def _open_heif(data: bytes, label: str) -> Image.Image:
    try:
        from pillow_heif import HeifImageFile
    except ImportError as exc:
        raise InputError(f"{label} is HEIC, and this install has no HEIC decoder; "
                         f"`pip install pillow-heif` or export the photo as JPEG") from exc
    # Opened directly, not registered as a Pillow plugin: no global state changes.
    return HeifImageFile(io.BytesIO(data))


def _what_it_is(data: bytes) -> str:
    """A short description of what the bytes look like, for the refusal message."""
    for magic, what in _NOT_PHOTOS:
        if data.startswith(magic):
            return f"it is {what}"
    if data[4:8] == b"ftyp":
        return "it is a video or an unsupported ISO media file"
    head = data[:512].lstrip()
    if head[:5].lower() in (b"<?xml", b"<svg ") or b"<svg" in head[:256].lower():
        return "it is an SVG drawing, not a photo"
    if head[:1] == b"<":
        return "it looks like a web page"
    if data.startswith((b"\xff\xd8", b"\x89PNG", b"GIF8", b"BM", b"RIFF")):
        return "its header is damaged"
    try:
        text = data[:512].decode("utf-8")
    except UnicodeDecodeError:
        return "its contents are not an image"
    if text and all(c.isprintable() or c.isspace() for c in text):
        return "it looks like text"
    return "its contents are not an image"


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:120]


def _megabytes(size: int) -> str:
    """Rounded up to 0.1 MB, so a file just over the limit never reads as equal to it."""
    return f"{math.ceil(size / 2**20 * 10) / 10:g} MB"


# --- colour: everything becomes 8-bit sRGB-ish RGB ---------------------------------------

def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB from any Pillow mode: 16-bit scaled down, alpha over white, CMYK via ICC."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        image = _sixteen_bit_grey(image)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        image = _over_white(image)
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK", "L"):
        converted = _to_srgb(image, icc)
        if converted is not None:
            return converted
    return image.convert("RGB") if image.mode != "RGB" else image.copy()


def _sixteen_bit_grey(image: Image.Image) -> Image.Image:
    """16-bit (or 32-bit) grey to 8-bit, keeping the full tonal range (Pillow clips it)."""
    values = np.asarray(image, dtype=np.float64)
    top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
    if image.mode == "F":
        top = max(1.0, float(values.max()))
    return Image.fromarray(np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")


def _over_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("RGB")


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert through the photo's embedded colour profile (Display P3, CMYK press...)."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                         outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return None  # a broken profile: the plain conversion below is still a fine photo


# --- fitting to an engine's frame ----------------------------------------------------------

def fit(image: Image.Image, width: int, height: int, mode: str = "crop") -> Image.Image:
    """The photo at exactly width×height.

    crop: fill the frame and cut the overflow where the photo matters least (saliency);
    letterbox: show the whole photo, the spare bands filled with a soft, dimmed blur of it
    (never black bars, which a moving camera would drag into view).
    """
    if mode not in FIT_MODES:
        raise InputError(f"fit must be one of {', '.join(FIT_MODES)}; got '{mode}'")
    if width < 1 or height < 1:
        raise InputError(f"cannot fit a photo to {width}×{height}")
    image = image if image.mode == "RGB" else to_rgb(image)
    if image.size == (width, height):
        return image.copy()
    if mode == "letterbox":
        return _letterbox(image, width, height)
    return image.resize((width, height), Image.Resampling.LANCZOS,
                        box=crop_box(image, width / height), reducing_gap=3.0)


def crop_box(image: Image.Image, aspect: float) -> tuple[float, float, float, float]:
    """The (left, top, right, bottom) window of the given aspect that keeps what matters.

    Columns go where the saliency is lowest, with a mild pull to the middle. Rows are
    different: heads and horizons sit high in most photos and saliency does not see faces,
    so the window leans firmly toward the top and only strong evidence moves it down.
    """
    src_w, src_h = image.size
    if abs(src_w / src_h - aspect) < 1e-3:
        return 0.0, 0.0, float(src_w), float(src_h)
    weight = saliency_map(np.asarray(_thumbnail(image)))
    if src_w / src_h > aspect:  # too wide: choose columns
        window = src_h * aspect
        start = _best_window(weight.sum(axis=0), window / src_w, lean=0.5, pull=0.25) * src_w
        return start, 0.0, start + window, float(src_h)
    window = src_w / aspect  # too tall: choose rows
    start = _best_window(weight.sum(axis=1), window / src_h, lean=0.2, pull=0.6) * src_h
    return 0.0, start, float(src_w), start + window


def _best_window(profile: np.ndarray, share: float, lean: float, pull: float) -> float:
    """Start (as a fraction) of the window covering `share` of the profile with most weight.

    A pull toward the preferred place (`lean`: 0 first, 0.5 middle, 1 last), of strength
    `pull`, decides between near-equal windows, so a flat photo is cropped where a person
    would crop it.
    """
    n = len(profile)
    size = max(1, min(n, round(share * n)))
    sums = np.convolve(profile, np.ones(size), mode="valid")
    starts = np.arange(len(sums))
    preferred = lean * (n - size)
    away = pull * np.abs(starts - preferred) / max(n - size, 1)
    # Cutting straight through something salient (a head, a body) costs; a photo edge is free.
    edges = profile / max(float(profile.max()), 1e-9)
    cut = np.where(starts > 0, edges[starts], 0.0)
    cut += np.where(starts + size < n, edges[np.minimum(starts + size, n - 1)], 0.0)
    best = int(np.argmax(sums / max(float(sums.max()), 1e-9) - away - 0.3 * cut))
    return min(best / n, 1.0 - share)


def _thumbnail(image: Image.Image, side: int = 256) -> Image.Image:
    small = image.copy()
    small.thumbnail((side, side), Image.Resampling.BILINEAR)
    return small


def _letterbox(image: Image.Image, width: int, height: int) -> Image.Image:
    scale = min(width / image.width, height / image.height)
    inner = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    backdrop = ImageOps.fit(_thumbnail(image), (max(1, width // 8), max(1, height // 8)))
    backdrop = backdrop.filter(ImageFilter.GaussianBlur(3)).resize((width, height),
                                                                   Image.Resampling.BILINEAR)
    backdrop = Image.eval(backdrop, lambda v: int(v * 0.55))
    backdrop.paste(image.resize(inner, Image.Resampling.LANCZOS, reducing_gap=3.0),
                   ((width - inner[0]) // 2, (height - inner[1]) // 2))
    return backdrop
