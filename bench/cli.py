"""One-shot commands as a user runs them: `python app.py generate` from start to exit, with
the soundtrack chosen by the selector (`--music auto`, the default) and with none.

The music selector's sentence-embedding model costs seconds to load in a fresh process; a
render that needs the selector should not wait for it after the picture (issue #21,
item 5). Rows: the motion engine animating a photo and the tiny engine, each with
`--music auto` and `--music none`, runs alternated, quiet and beside busy processes. Each
run is a fresh process with a cache and data folder of the bench's own (the tiny model is
built once, in a warm-up run); the note gives the director's own figures from `--json`
(its total and the music step) and the load average at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.threads import busy_processes, child_env, load_average
from bench.timing import Measurement, table

ROOT = Path(__file__).resolve().parents[1]
IDEA = "a cheetah lying in the grass, slow push in"
ENGINES = ("motion", "tiny")
MUSIC = ("auto", "none")
BUSY = 2  # busy processes for the loaded rows: with the command's own work, load ≈ 3–4


def photo(folder: Path) -> Path:
    """A 720×480 photograph-like picture for the motion engine (soft noise and shapes)."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(7)
    noise = rng.normal(128, 40, (60, 90, 3)).clip(0, 255).astype(np.uint8)
    image = Image.fromarray(noise).resize((720, 480), Image.BICUBIC)
    draw = ImageDraw.Draw(image)
    draw.ellipse((260, 160, 460, 330), fill=(200, 150, 60))
    draw.rectangle((0, 380, 720, 480), fill=(70, 110, 40))
    path = folder / "photo.jpg"
    image.filter(ImageFilter.GaussianBlur(1.2)).save(path, quality=92)
    return path


def command(engine: str, music: str, folder: Path, picture: Path) -> list[str]:
    """The `generate` command line for one row."""
    args = [sys.executable, str(ROOT / "app.py"), "generate", IDEA, "--engine", engine,
            "--music", music, "--seed", "7", "--json", "--out", str(folder / "clip.mp4")]
    return args + (["--image", str(picture)] if engine == "motion" else [])


def run_once(engine: str, music: str, folder: Path, picture: Path) -> tuple[float, dict]:
    """Wall seconds of one `generate` process, and the director's timings it printed."""
    started = time.perf_counter()
    done = subprocess.run(command(engine, music, folder, picture), cwd=ROOT,
                          env=child_env("auto", folder), capture_output=True, text=True,
                          timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"generate --engine {engine} --music {music} failed:\n"
                           f"{done.stderr[-2000:]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])["timings"]


def rows(repeats: int, busy: int, folder: Path, picture: Path) -> list[Measurement]:
    """Each engine × music choice, `repeats` runs each, alternated so load drifts evenly."""
    walls: dict[tuple[str, str], list[float]] = {}
    timings: dict[tuple[str, str], list[dict]] = {}
    with busy_processes(busy):
        for _ in range(repeats):
            for engine in ENGINES:
                for music in MUSIC:
                    wall, seen = run_once(engine, music, folder, picture)
                    walls.setdefault((engine, music), []).append(wall)
                    timings.setdefault((engine, music), []).append(seen)
        load = load_average()
    out = []
    for (engine, music), spent in walls.items():
        seen = timings[(engine, music)]
        total = statistics.median(t.get("total", 0.0) for t in seen)
        step = statistics.median(t.get("music", 0.0) for t in seen)
        where = f"{busy} busy processes, " if busy else ""
        out.append(Measurement(
            f"`generate --engine {engine} --music {music}`, command wall", statistics.median(spent),
            len(spent), note=f"director total {total:.2f} s, music step {step:.2f} s; "
                             f"{where}load {load:.1f} at the end"))
    return out


def run(repeats: int, busy_counts: tuple[int, ...] = (0, BUSY)) -> list[Measurement]:
    """The rows quiet and loaded (`python -m bench cli`)."""
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as name:
        folder = Path(name)
        picture = photo(folder)
        run_once("tiny", "none", folder, picture)  # builds the tiny model once
        results = []
        for busy in busy_counts:
            results.extend(rows(repeats, busy, folder, picture))
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench cli", description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--busy", type=int, nargs="*", default=[0, BUSY],
                        help="busy processes beside, one set of rows per count (default 0 2)")
    args = parser.parse_args(argv)
    print(table(run(args.repeats, tuple(args.busy))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
