"""Rebuild the music library's tracks from their recipes (build time).

    python -m tools.compose_music            rebuild the whole library (identical files each time)
    python -m tools.compose_music ID ...     rebuild some tracks
    python -m tools.compose_music --out DIR  write the files somewhere else (to compare)

The recipes are in music/library/tracks.toml; the composer is tools/music_composer/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from music.library import Library
from tools.music_composer.compose import build


def main(argv: list[str] | None = None) -> int:
    """Build the tracks named (all by default) and print each file's size."""
    parser = argparse.ArgumentParser(prog="python -m tools.compose_music", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("ids", nargs="*", help="tracks to rebuild (default: all)")
    parser.add_argument("--out", type=Path, help="write here instead of music/library/")
    args = parser.parse_args(argv)
    library = Library.load()
    chosen = [library.get(i) for i in args.ids] if args.ids else list(library.tracks)
    for track in chosen:
        path = build(track, args.out)
        print(f"{track.id:<20} {path.stat().st_size / 1024:6.0f} KB  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
