"""Colour grades on a CogVideoX-sized clip: 49 frames of 720×480, each style in turn.

Target: at most 1 s per style on the project's 2-core machine. The clip is the public-domain
"coffee" photo moving slowly when scikit-image is installed, else a synthetic textured clip
(grading cost depends on the frame size, not on what the picture shows).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from bench.timing import Measurement
from styles.presets import StyleLibrary

TARGET_S = 1.0


def sample_clip(frames: int = 49, width: int = 720, height: int = 480) -> np.ndarray:
    """A slowly panning photo, or a drifting synthetic pattern without scikit-image."""
    try:
        import cv2
        from skimage import data

        photo = cv2.resize(data.coffee(), (width + frames, height + frames // 2),
                           interpolation=cv2.INTER_AREA)
        return np.stack([photo[i // 2:i // 2 + height, i:i + width] for i in range(frames)])
    except ImportError:
        from bench.post import sample_clip as synthetic

        return synthetic(frames, width, height).frames


def run(repeats: int) -> list[Measurement]:
    library = StyleLibrary.load()
    clip = sample_clip()
    results = []
    for preset in library.all():
        grade = library.grade_for(preset)
        grade(clip[:4])  # warm up: imports, thread pool, first allocations
        walls, cpus = [], []
        for _ in range(repeats):
            wall, cpu = time.perf_counter(), time.process_time()
            grade(clip)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        # CPU time (both cores summed) does not wait for a busy machine: on an idle 2-core
        # one the wall time is about half of it.
        note = (f"CPU {statistics.median(cpus):.2f} s; "
                + " → ".join(step.filter for step in preset.grade))
        results.append(Measurement(f"styles: {preset.id} grade, 49×720×480",
                                   statistics.median(walls), repeats, TARGET_S, note))
    return results
