"""A download button that saves its file under a name we choose.

The library shows files in place (ui/file_guard.py), so on disk every video is
`creations/<id>/video.mp4`; Gradio's DownloadButton names the download after the file.
Given `(path, name)` this one names it `name` — a creation's idea and date,
`cheetah-in-the-grass-2026-12-05.mp4` (issue #19: every download was `video.mp4`).
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr
from gradio.data_classes import FileData


class NamedDownload(gr.DownloadButton):
    """gr.DownloadButton whose value may be `(path, download name)`."""

    is_template = True  # Gradio's convention for a subclass: the page draws a DownloadButton

    def postprocess(self, value: str | Path | tuple | None) -> FileData | None:
        if isinstance(value, (tuple, list)) and len(value) == 2:
            path, name = value
            return FileData(path=str(path), orig_name=str(name))
        return super().postprocess(value)
