"""`python app.py rewrite IDEA`: show the prompt the agent writes for an idea, without
rendering anything."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from errors import InputError

EXIT_OK = 0


def add_commands(subparsers) -> None:
    """Register `rewrite`."""
    p = subparsers.add_parser(
        "rewrite", help="turn an idea into the formula prompt (camera → scene → details)")
    p.add_argument("idea", help="what the video should show, in English or Chinese")
    p.add_argument("--style", help="a style preset id (see `styles`); its camera and "
                                   "lighting hints shape the prompt")
    p.add_argument("--seed", type=int, help="the same seed gives the same prompt")
    p.add_argument("--image", help="a photo to animate: the prompt then describes motion")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (camera, scene, details, prompt, subject, "
                        "backend, untranslated, …)")
    p.set_defaults(func=run_rewrite)


def run_rewrite(args: argparse.Namespace, app) -> int:
    """Print the prompt (or, with --json, the whole rewrite); notes go to stderr."""
    from agent.limits import check_text
    from agent.shot import ShotSpec

    idea = check_text(args.idea)
    if args.seed is not None and not 0 <= args.seed < 2**32:
        raise InputError(f"--seed must be between 0 and {2**32 - 1}; got {args.seed}")
    image = Path(args.image) if args.image else None
    if image is not None and not image.is_file():
        raise InputError(f"no photo at '{image}'")
    spec = ShotSpec(idea=idea, style=args.style, seed=args.seed, source_image=image)
    rewrite = app.director.draft(spec)
    if args.json:
        print(json.dumps(rewrite.to_dict(), ensure_ascii=False))
        return EXIT_OK
    for warning in rewrite.warnings:
        print(f"note: {warning}", file=sys.stderr)
    print(rewrite.prompt)
    return EXIT_OK
