"""`python -m bench SUITE [--repeats N]`: run a benchmark suite and print a Markdown table.

Each suite is a module `bench/<suite>.py` with `run(repeats: int) -> list[Measurement]`.
`cpu` runs every CPU suite. Figures are recorded by hand in bench/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time

# The table is the output: no library progress bars around it (app.py does the same).
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")

from bench.timing import machine, table  # noqa: E402

# suite name → module; `cpu` is the union of the CPU suites.
SUITES = {
    "post": "bench.post",
    "music": "bench.music",
    "director": "bench.director",
    "startup": "bench.startup",
    "motion": "bench.motion",
    "rewriter": "bench.rewriter",
    "styles": "bench.styles",
    "preview": "bench.preview",
    "load": "bench.load",
    "api": "bench.api",
    "threads": "bench.threads",
    "quality": "bench.ground_truth",  # bench/quality.py holds the metrics it uses
}
CPU_SUITES = ("post", "music", "director", "startup", "motion", "rewriter", "styles", "preview")
# Suites with flags of their own: `python -m bench gpu --help`, `python -m bench agent --help`,
# `python -m bench cluster --help` (a local Ray cluster; needs requirements-cluster.txt),
# `python -m bench learned --help` (RIFE and Real-ESRGAN timed; CUDA where there is one),
# `python -m bench cli --help` (`app.py generate` as a user runs it, music auto and none).
OWN_FLAGS = {"gpu": "bench.gpu", "agent": "bench.agent", "cluster": "bench.cluster",
             "learned": "bench.learned", "cli": "bench.cli"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in OWN_FLAGS:
        return importlib.import_module(OWN_FLAGS[argv[0]]).main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("suite", choices=[*SUITES, *OWN_FLAGS, "cpu"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    names = CPU_SUITES if args.suite == "cpu" else (args.suite,)
    results = []
    for name in names:
        results.extend(importlib.import_module(SUITES[name]).run(args.repeats))
    print(f"Clipwright benchmarks, {time.strftime('%Y-%m-%d')}, {machine()}\n")
    print(table(results))
    return 1 if any(m.verdict == "SLOW" for m in results) else 0


if __name__ == "__main__":
    sys.exit(main())
