"""`python app.py styles`: list the style presets, or the filters a grade can use.

    python app.py styles [--json] [--zh]    every preset: id, names, description, template,
                                            grade, music moods, gallery files
    python app.py styles --filters          every grade filter and its parameters
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from styles.presets import StyleLibrary


def add_commands(subparsers) -> None:
    """Register `styles` (imports stay light until the command runs)."""
    p = subparsers.add_parser("styles", help="list the style presets (see `generate --style`)")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.add_argument("--zh", action="store_true", help="names and descriptions in Chinese")
    p.add_argument("--filters", action="store_true",
                   help="list the grade filters and their parameters instead")
    p.set_defaults(func=run_styles)


def _library(app) -> StyleLibrary:
    """The app's style library (app: studio.parts.Parts)."""
    return app.styles


def run_styles(args: argparse.Namespace, app) -> int:
    if args.filters:
        return _print_filters(args.json)
    from styles.presets import describe

    library = _library(app)
    rows = []
    for preset in library.all():
        row = describe(preset)
        row["thumbnail"] = str(library.asset(preset, "thumbnail"))
        row["preview"] = str(library.asset(preset, "preview"))
        rows.append(row)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    language = "zh" if args.zh else "en"
    for preset, row in zip(library.all(), rows):
        grade = " → ".join(step.describe() for step in preset.grade)
        print(f"{preset.id}  —  {preset.name(language)}")
        print(f"  {preset.description(language)}")
        print(f"  template:  {preset.prompt_template}")
        print(f"  grade:     {grade}")
        print(f"  moods:     {', '.join(preset.music_moods)}")
        hints = [f"guidance {preset.guidance:g}" if preset.guidance else "",
                 f"{preset.steps} steps on a full model (a hint)" if preset.steps else ""]
        if any(hints):
            print(f"  sampler:   {', '.join(h for h in hints if h)}")
        if preset.lora is not None:
            print(f"  lora:      {preset.lora.source} (scale {preset.lora.scale:g})")
        print(f"  thumbnail: {row['thumbnail']}")
        print()
    print(f"{len(rows)} styles; use one with `generate --style ID`. "
          f"Gallery files are a {library.gallery.label(language).lower()}: "
          f"{library.gallery.note(language)}")
    return 0


def _print_filters(as_json: bool) -> int:
    from styles.grades import FILTERS, param_specs

    rows = []
    for name, fn in FILTERS.items():
        params = []
        for spec in param_specs(name).values():
            kind = "colour" if spec.color else spec.kind.__name__
            if spec.choice is not None:
                kind = " | ".join(spec.choice.options)
            params.append({"name": spec.name, "type": kind, "default": spec.default,
                           "range": [spec.range.low, spec.range.high] if spec.range else None})
        summary = (fn.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        rows.append({"filter": name, "about": " ".join(summary.split()), "params": params})
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for row in rows:
        print(f"{row['filter']}: {row['about']}")
        for param in row["params"]:
            bounds = f" [{param['range'][0]:g}..{param['range'][1]:g}]" if param["range"] else ""
            print(f"    {param['name']} = {param['default']!r}  ({param['type']}{bounds})")
    return 0
