"""The live preview on the progress card: the engine's rough latent-size frames as a small
looping animated WebP inside the page (a data URI: no file, nothing to clean up)."""

from __future__ import annotations

import base64
import io

from PIL import Image

from video.engines.preview import Preview

MAX_SIDE = 192  # the preview is rough anyway; CSS scales it up smoothly


def preview_data_uri(preview: Preview) -> str:
    """An animated WebP of the preview's frames, as a data: URI for an <img>."""
    frames = [Image.fromarray(frame) for frame in preview.frames]
    width, height = frames[0].size
    scale = min(1.0, MAX_SIDE / max(width, height))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        frames = [frame.resize(size, Image.Resampling.BILINEAR) for frame in frames]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:],
                   duration=max(20, round(1000 / max(preview.fps, 1))), loop=0, quality=70)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class PreviewImages:
    """Encodes each job's latest preview once, however often the page polls."""

    def __init__(self) -> None:
        self._latest: dict[str, tuple[int, str]] = {}  # job id → (step, data URI)

    def uri(self, job_id: str, preview: Preview | None) -> str:
        """The data URI of the job's preview ("" when there is none yet)."""
        if preview is None:
            return ""
        cached = self._latest.get(job_id)
        if cached is None or cached[0] != preview.step:
            cached = (preview.step, preview_data_uri(preview))
            self._latest[job_id] = cached
        return cached[1]

    def forget(self, job_id: str) -> None:
        """The job has ended: drop its preview."""
        self._latest.pop(job_id, None)
