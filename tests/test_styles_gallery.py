"""The style gallery: committed previews for every preset, small, honest, rebuildable
(by the build-time tool `python -m tools.style_gallery`)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from styles.presets import StyleLibrary
from tools import style_gallery as gallery
from video.ffmpeg import probe

LIBRARY = StyleLibrary.load()


def test_every_preset_has_a_committed_thumbnail_and_preview_within_300_kb():
    for preset in LIBRARY.all():
        thumbnail, preview = LIBRARY.asset(preset, "thumbnail"), LIBRARY.asset(preset, "preview")
        assert thumbnail.is_file() and preview.is_file(), preset.id
        assert thumbnail.stat().st_size + preview.stat().st_size <= 300_000, preset.id
        with Image.open(thumbnail) as image:
            assert image.format == "WEBP" and image.size == gallery.PREVIEW_SIZE
        video = probe(preview).first("video")
        assert (video.codec, video.width, video.height) == ("h264", *gallery.PREVIEW_SIZE)
        assert video.fps == gallery.PREVIEW_FPS


def test_the_manifest_labels_the_previews_honestly():
    manifest = json.loads((LIBRARY.root / "assets" / "manifest.json").read_text("utf-8"))
    assert manifest["label"] == {"en": "Look preview", "zh": "风格预览"}
    assert "sample photo" in manifest["note"]["en"]
    assert manifest["method"] == "motion"
    assert set(manifest["styles"]) == set(LIBRARY.ids())
    for style_id, entry in manifest["styles"].items():
        preset = LIBRARY.get(style_id)
        assert entry["photo"] == preset.sample_photo
        assert entry["credit"] == LIBRARY.gallery.photos[preset.sample_photo].credit
        assert "public domain" in entry["credit"] or "CC0" in entry["credit"]


def synthetic_photo(name: str) -> Image.Image:
    """A stand-in photo (the real ones need scikit-image): a lit ball on a gradient."""
    y, x = np.mgrid[0:300, 0:450].astype(np.float32)
    ball = np.clip(1.2 - np.hypot(x - 220, y - 140) / 90, 0, 1)
    rgb = np.stack([60 + 150 * ball + x / 5, 80 + 120 * ball, 140 - 60 * ball + y / 6], -1)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8))


@pytest.mark.slow  # renders moving previews with the build-time tool
def test_the_build_is_deterministic_and_small(tmp_path):
    for attempt in ("first", "second"):
        built = gallery.build_gallery(LIBRARY, tmp_path / attempt, only=["vintage-film"],
                                      photos=synthetic_photo)
        assert built[0].bytes <= gallery.MAX_BYTES
    for name in ("vintage-film.webp", "vintage-film.mp4", "manifest.json"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "second" / name).read_bytes()
    video = probe(tmp_path / "first" / "vintage-film.mp4")
    # Previews play forward then back: a seamless loop.
    assert video.video_frames == 2 * gallery.PREVIEW_FRAMES - 2
    manifest = json.loads((tmp_path / "first" / "manifest.json").read_text("utf-8"))
    assert manifest["method"] == "motion" and list(manifest["styles"]) == ["vintage-film"]


@pytest.mark.slow  # renders moving previews with the build-time tool
def test_a_preview_that_cannot_fit_the_budget_stops_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "MAX_BYTES", 2_000)
    with pytest.raises(SystemExit, match="the limit is 2 KB"):
        gallery.build_gallery(LIBRARY, tmp_path, only=["black-and-white"],
                              photos=synthetic_photo)
