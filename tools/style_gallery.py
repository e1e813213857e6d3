"""The style-gallery builder: a WebP thumbnail and a short looping MP4 per preset, written
to styles/assets/ (a build-time tool; the app serves the committed files).

    python -m tools.style_gallery [--only ID ...] [--out DIR]

Each preview is a public-domain sample photo (scikit-image's data set; see [gallery.photos]
in presets.toml) set in motion by the photo `motion` engine, played forward then back, and
passed through the style's colour grade. It shows the look, not a video from the model,
and the gallery labels it so ("look preview").

The build is deterministic (seeded motion and grain, bit-exact encoder flags), so running it
again gives the same files. scikit-image is needed only here, at build time; the app serves
the committed files.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from files import atomic_path
from styles.presets import StyleLibrary, StylePreset
from video.engines.motion import MotionEngine
from video.ffmpeg import run_ffmpeg
from video.types import GenerationRequest

PREVIEW_SIZE = (384, 256)  # width, height: the gallery card's 3:2
PREVIEW_FPS = 16
PREVIEW_FRAMES = 25  # forward frames; played forward then back, a seamless 3 s loop
MAX_BYTES = 300_000  # thumbnail + preview, per style
CRF_STEPS = (23, 26, 29, 32, 35, 38)  # tried in order until the style fits MAX_BYTES
THUMB_QUALITY = 80
SEED = 20240601  # the motion engine's seed: the same camera path on every build


@dataclass(frozen=True)
class BuiltAssets:
    """What the build wrote for one style."""

    style: str
    thumbnail: Path
    preview: Path
    bytes: int
    crf: int


def sample_photo(name: str) -> Image.Image:
    """A photo from scikit-image's bundled data set, by its function name."""
    try:
        from skimage import data
    except ImportError:
        raise SystemExit("building the gallery needs scikit-image: "
                         "pip install -r requirements-test.txt") from None
    return Image.fromarray(getattr(data, name)()).convert("RGB")


def preview_frames(photo: Image.Image, preset: StylePreset, engine: MotionEngine) -> np.ndarray:
    """The ungraded forward frames: the photo moved by the engine along the style's first
    camera hint, on the same seeded path every build."""
    width, height = PREVIEW_SIZE
    request = GenerationRequest(prompt=preset.camera_hints[0], image=photo,
                                frames=PREVIEW_FRAMES, width=width, height=height,
                                fps=PREVIEW_FPS, seed=SEED)
    return engine.generate(request).frames


def build_style(library: StyleLibrary, preset: StylePreset, photo: Image.Image,
                engine: MotionEngine, out_dir: Path) -> BuiltAssets:
    """Render, grade and write one style's thumbnail and preview, within MAX_BYTES."""
    forward = library.grade_for(preset)(preview_frames(photo, preset, engine))
    loop = np.concatenate([forward, forward[-2:0:-1]])  # forward then back: a seamless loop
    thumbnail = _webp(forward[len(forward) // 2])
    for crf in CRF_STEPS:
        mp4 = _mp4(loop, crf)
        if len(thumbnail) + len(mp4) <= MAX_BYTES:
            break
    else:
        raise SystemExit(f"style '{preset.id}': the preview is {len(mp4) // 1000} KB even at "
                         f"crf {crf}; the limit is {MAX_BYTES // 1000} KB")
    paths = out_dir / Path(preset.thumbnail).name, out_dir / Path(preset.preview).name
    for path, data in zip(paths, (thumbnail, mp4)):
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    return BuiltAssets(preset.id, paths[0], paths[1], len(thumbnail) + len(mp4), crf)


def _webp(frame: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="WEBP", quality=THUMB_QUALITY, method=6)
    return buffer.getvalue()


def _mp4(frames: np.ndarray, crf: int) -> bytes:
    """H.264 yuv420p, no audio, no metadata, bit-exact flags: same frames, same bytes."""
    _, height, width, _ = frames.shape
    with tempfile.TemporaryDirectory(prefix="clipwright-gallery-") as folder:
        tmp = Path(folder) / "preview.mp4"
        run_ffmpeg(["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
                    "-framerate", str(PREVIEW_FPS), "-i", "pipe:0",
                    "-c:v", "libx264", "-preset", "slow", "-crf", str(crf),
                    "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-an",
                    "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
                    "-f", "mp4", str(tmp)],
                   input_bytes=np.ascontiguousarray(frames).tobytes(), threads=1,
                   doing="encode the preview")
        return tmp.read_bytes()


def write_manifest(library: StyleLibrary, built: list[BuiltAssets], out_dir: Path) -> Path:
    """manifest.json: the label, how the previews were made, and each style's files (styles
    built earlier and not now keep their entries)."""
    path = out_dir / "manifest.json"
    earlier = json.loads(path.read_text(encoding="utf-8")).get("styles", {}) if path.is_file() else {}
    manifest = {
        "label": {"en": library.gallery.label_en, "zh": library.gallery.label_zh},
        "note": {"en": library.gallery.note_en, "zh": library.gallery.note_zh},
        "method": "motion",  # the photo engine moved the photo (the gallery may say so)
        "size": list(PREVIEW_SIZE), "fps": PREVIEW_FPS,
        "styles": {**{k: v for k, v in earlier.items() if k in library}, **{
            b.style: {"thumbnail": b.thumbnail.name, "preview": b.preview.name,
                      "bytes": b.bytes, "crf": b.crf,
                      "photo": library.get(b.style).sample_photo,
                      "credit": library.gallery.photos[library.get(b.style).sample_photo].credit}
            for b in built}},
    }
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                       encoding="utf-8")
    return path


def build_gallery(library: StyleLibrary, out_dir: Path, only: list[str] | None = None,
                  photos: Callable[[str], Image.Image] = sample_photo) -> list[BuiltAssets]:
    """Build the assets of every style (or `only` some) into out_dir, and the manifest."""
    engine = MotionEngine()
    presets = [library.get(i) for i in only] if only else list(library.all())
    cache: dict[str, Image.Image] = {}
    built = []
    for preset in presets:
        if preset.sample_photo not in cache:
            cache[preset.sample_photo] = photos(preset.sample_photo)
        built.append(build_style(library, preset, cache[preset.sample_photo], engine, out_dir))
    write_manifest(library, built, out_dir)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.style_gallery",
                                     description="build the style gallery's previews")
    parser.add_argument("--only", nargs="+", metavar="ID", help="just these styles")
    parser.add_argument("--out", type=Path, help="folder to write (default: styles/assets)")
    args = parser.parse_args(argv)
    library = StyleLibrary.load()
    out_dir = args.out or library.root / "assets"
    print(f"previews: photo motion engine, {PREVIEW_SIZE[0]}×{PREVIEW_SIZE[1]} at "
          f"{PREVIEW_FPS} fps → {out_dir}")
    for assets in build_gallery(library, out_dir, args.only):
        print(f"{assets.style:<16} {assets.bytes / 1000:6.1f} KB (crf {assets.crf})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
