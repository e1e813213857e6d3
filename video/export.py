"""Export formats for a finished MP4: an animated GIF for chat apps that play no video."""

from __future__ import annotations

from pathlib import Path

from files import atomic_path
from video.ffmpeg import run_ffmpeg


def export_gif(mp4: Path | str, gif: Path | str, *, width: int = 480, fps: int = 12,
               max_seconds: float = 10.0) -> Path:
    """Write a looping GIF of the MP4 (at most `width` wide, `fps`, the first seconds).

    One ffmpeg pass builds a palette from the clip and dithers with it, which keeps GIFs
    small and free of banding. Written atomically: a reader never sees half a GIF.
    """
    if width < 16 or fps < 1 or max_seconds <= 0:
        raise ValueError("width must be at least 16, fps at least 1, max_seconds positive")
    gif = Path(gif)
    graph = (f"fps={fps},scale='min({width},iw)':-2:flags=lanczos,split[a][b];"
             f"[a]palettegen=max_colors=128:stats_mode=diff[p];"
             f"[b][p]paletteuse=dither=bayer:bayer_scale=4")
    with atomic_path(gif) as tmp:
        run_ffmpeg(["-i", str(mp4), "-t", f"{max_seconds:g}", "-an", "-filter_complex", graph,
                    "-loop", "0", "-f", "gif", str(tmp)], doing="write the GIF")
    return gif


def without_audio(mp4: Path | str, out: Path | str | None = None) -> Path:
    """The MP4 with its audio dropped and the video stream copied untouched (in place
    unless `out`), written atomically."""
    target = Path(out or mp4)
    with atomic_path(target) as tmp:
        run_ffmpeg(["-i", str(mp4), "-map", "0:v:0", "-c:v", "copy", "-an",
                    "-movflags", "+faststart", "-f", "mp4", str(tmp)],
                   doing="drop the video's audio")
    return target
