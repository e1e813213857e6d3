"""Soundtrack: fit + mux of a library track onto a finished 6 s clip, and the selector.

    python -m bench music [--repeats N]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bench.timing import Measurement, measure


def finished_clip(path: Path) -> Path:
    """A 6 s 1440×960 H.264 clip at 16 fps, as post-production writes it (no audio)."""
    from video.encode import encode_mp4

    y, x = np.mgrid[0:480, 0:720].astype(np.float32)
    frames = np.empty((96, 480, 720, 3), np.uint8)
    for i in range(96):
        frames[i] = (128 + 90 * np.sin((x + 5 * i) / 41.0) * np.cos((y - 3 * i) / 33.0))[..., None]
    return encode_mp4(frames, 16, path, 1440, 960)


def run(repeats: int) -> list[Measurement]:
    from music.fit import add_soundtrack
    from music.select import Selector
    from music.soundtrack import Soundtrack, plan_for

    soundtrack = Soundtrack()
    track = soundtrack.library.get("open-road")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        clip = finished_clip(Path(folder) / "clip.mp4")
        out = Path(folder) / "with-music.mp4"
        results.append(measure(
            "music: fit + mux a library track onto a 6 s 1440×960 clip (decode, cut, level, "
            "fade, AAC, stream copy)",
            lambda: add_soundtrack(clip, track.path, plan_for(track), out=out),
            repeats=repeats, target_s=1.5))

    selector = Selector(soundtrack.library)
    started = time.perf_counter()
    selector.rank("warm up")
    load = time.perf_counter() - started
    results.append(Measurement("music: selector first ranking (loads all-MiniLM-L6-v2, embeds "
                               "the catalogue)", load, 1, target_s=20.0))
    results.append(measure("music: selector ranking after load, English prompt",
                           lambda: selector.rank("a cheetah lying in the grass at sunset",
                                                 ["calm", "nature-ambient"]),
                           repeats=repeats, target_s=0.2))
    results.append(measure("music: selector ranking after load, Chinese prompt",
                           lambda: selector.rank("一只猎豹趴在草地上，夕阳西下"),
                           repeats=repeats, target_s=0.2))
    return results
