"""Fuzzing the file edges with hypothesis: the style presets loader (random TOML documents,
and mutations of styles/presets.toml by value and by text) and the photo intake (random bytes,
and mutated real PNG, JPEG, GIF, WebP and BMP files). Each loads or raises the part's own
clear error (DataFileError, InputError) — never KeyError, TypeError or any other crash. Bounded: a few seconds
per test."""

from __future__ import annotations

import copy
import io
import json
import math
import struct
import tomllib
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from errors import DataFileError, InputError
from styles.presets import PRESETS_FILE, StylePreset, read_presets
from video.intake import load_image

FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
PRESETS_TEXT = PRESETS_FILE.read_text(encoding="utf-8")
PRESETS = tomllib.loads(PRESETS_TEXT)


# --- TOML, written here (tomllib only reads) ---------------------------------------------------

def toml_value(value) -> str:
    """One value as TOML: strings as basic strings, tables inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):  # JSON escapes are TOML escapes, but for DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_value(str(k))} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(type(value))


def to_toml(document: dict) -> str:
    return "".join(f"{toml_value(str(k))} = {toml_value(v)}\n" for k, v in document.items())


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
SCALARS = (st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats() | TEXT
           | st.sampled_from(["cinematic", "{prompt}", "calm", "#ffa040", "assets/x.webp",
                              "vignette", "astronaut", "", " "]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(TEXT, inner, max_size=4), max_leaves=10)


def check_presets(text: str, tmp_path) -> None:
    """The loader's contract: presets, or one DataFileError line naming the file."""
    path = tmp_path / "presets.toml"
    path.write_text(text, encoding="utf-8")
    try:
        presets, gallery = read_presets(path)
    except DataFileError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc), exc
        return
    assert presets and all(isinstance(p, StylePreset) for p in presets)
    for preset in presets:
        assert preset.prompt_template.count("{prompt}") == 1
        assert preset.sample_photo in gallery.photos
        assert preset.apply("a cat {x}").count("a cat {x}") == 1


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz-presets")


def test_the_real_presets_file_loads(folder):
    check_presets(PRESETS_TEXT, folder)
    check_presets(to_toml(PRESETS), folder)  # the writer here round-trips the real file
    assert tomllib.loads(to_toml(PRESETS)) == PRESETS


@FUZZ
@given(st.dictionaries(TEXT | st.sampled_from(["style", "gallery"]), VALUES, max_size=4))
def test_random_toml_documents(folder, document):
    check_presets(to_toml(document), folder)


def paths_of(node, prefix=()):
    """Every (path, value) inside a parsed document."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths_of(value, (*prefix, index))


@FUZZ
@given(st.data())
def test_mutated_presets_by_value(folder, data):
    document = copy.deepcopy(PRESETS)
    for _ in range(data.draw(st.integers(1, 4))):
        paths = [p for p, _ in paths_of(document) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add", "empty"]))
        if action == "replace":
            parent[path[-1]] = data.draw(VALUES)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(TEXT)] = data.draw(VALUES)
        elif action == "empty":
            parent[path[-1]] = data.draw(st.sampled_from(["", [], {}, 0, " "]))
    check_presets(to_toml(document), folder)


@FUZZ
@given(st.data())
def test_mutated_presets_by_text(folder, data):
    text = PRESETS_TEXT
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(text)))
        end = data.draw(st.integers(at, min(len(text), at + 80)))
        action = data.draw(st.sampled_from(["delete", "insert", "duplicate", "swap-line"]))
        if action == "delete":
            text = text[:at] + text[end:]
        elif action == "insert":
            text = text[:at] + data.draw(TEXT | st.sampled_from(
                ["\n[[style]]\n", "\n[gallery]\n", " = ", '"', "{prompt}", "[", "\n"])) + text[at:]
        elif action == "duplicate":
            text = text[:end] + text[at:end] + text[end:]
        else:
            lines = text.split("\n")
            i, j = (data.draw(st.integers(0, len(lines) - 1)) for _ in range(2))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    check_presets(text, folder)


# --- the photo intake --------------------------------------------------------------------------

def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def seed_files() -> dict[str, bytes]:
    """Small real photos in every format the intake takes, with the odd corners."""
    rng = np.random.default_rng(7)
    rgb = Image.fromarray(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate on display
    frames = [Image.new("P", (32, 24), i) for i in range(3)]
    grey16 = Image.fromarray((rng.integers(0, 65535, (24, 24))).astype(np.uint16))
    return {
        "png": encoded(rgb, "PNG"), "png-rgba": encoded(rgb.convert("RGBA"), "PNG"),
        "png-16": encoded(grey16, "PNG"),
        "png-palette": encoded(rgb.convert("P"), "PNG", transparency=0),
        "jpeg": encoded(rgb, "JPEG", quality=80),
        "jpeg-exif": encoded(rgb, "JPEG", exif=exif.tobytes()),
        "jpeg-cmyk": encoded(rgb.convert("CMYK"), "JPEG"),
        "jpeg-progressive": encoded(rgb, "JPEG", progressive=True),
        "gif": encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], loop=0),
        "webp": encoded(rgb, "WEBP"), "bmp": encoded(rgb, "BMP"),
    }


SEEDS = seed_files()


def check_photo(data: bytes) -> None:
    """The intake's contract: an upright 8-bit RGB picture, or one InputError."""
    try:
        image = load_image(data, name="fuzz.jpg")
    except InputError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert image.mode == "RGB" and min(image.size) >= 16
    np.asarray(image)  # the pixels are really there


def with_fixed_crcs(data: bytes) -> bytes:
    """A PNG whose chunks' CRCs are recomputed, so a mutation gets past the CRC check and
    into the decoder."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data
    out, at = [data[:8]], 8
    while at + 8 <= len(data):
        length = struct.unpack(">I", data[at:at + 4])[0]
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        out.append(struct.pack(">I", len(body)) + kind + body
                   + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
        at += 12 + length
    return b"".join(out)


@FUZZ
@given(st.binary(max_size=2048) | st.sampled_from(list(SEEDS.values())).map(lambda d: d[:64]))
def test_random_bytes_are_a_photo_or_refused(data):
    check_photo(data)


@settings(FUZZ, max_examples=250)
@given(st.sampled_from(sorted(SEEDS)), st.data())
def test_mutated_real_photos_are_a_photo_or_refused(name, data):
    photo = bytearray(SEEDS[name])
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(photo) - 1))
        action = data.draw(st.sampled_from(["flip", "set", "delete", "insert", "truncate",
                                            "header"]))
        if action == "flip":
            photo[at] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "set":
            photo[at] = data.draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]))
        elif action == "delete":
            del photo[at:at + data.draw(st.integers(1, 64))]
        elif action == "insert":
            photo[at:at] = data.draw(st.binary(min_size=1, max_size=32))
        elif action == "truncate":
            del photo[max(1, at):]
        else:  # the header, where sizes and counts live
            header = data.draw(st.integers(0, min(len(photo), 64) - 1))
            photo[header] = data.draw(st.integers(0, 255))
        if not photo:
            photo = bytearray(b"\x00")
    check_photo(bytes(photo))
    if data.draw(st.booleans()):
        check_photo(with_fixed_crcs(bytes(photo)))
