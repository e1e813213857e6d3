"""`python app.py music list|pick`: browse the soundtrack library and try the selector.

    python app.py music list [--json]
    python app.py music pick "a cheetah lying in the grass" [--style ID] [--mood M] [--json]

`--style` reads the style preset's `music_moods` from styles/ and uses them as the prior.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Sequence

from errors import InputError

if TYPE_CHECKING:
    from music.soundtrack import Soundtrack


def add_commands(subparsers) -> None:
    """Register `music list` and `music pick` (imports stay light until a command runs)."""
    music = subparsers.add_parser("music", help="the built-in soundtrack library")
    commands = music.add_subparsers(dest="music_command")
    music.set_defaults(func=lambda args, app: _help(music))

    listing = commands.add_parser("list", help="list the built-in tracks")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(func=run_list)

    pick = commands.add_parser("pick", help="the three tracks that best fit a prompt")
    pick.add_argument("prompt", help="the idea or prompt, in English or Chinese")
    pick.add_argument("--style", help="a style preset id; its music moods weigh in")
    pick.add_argument("--mood", help="a mood to insist on (see `music list`)")
    pick.add_argument("--json", action="store_true", help="print one JSON object")
    pick.set_defaults(func=run_pick)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _soundtrack(app) -> Soundtrack:
    """The app's soundtrack (app: studio.parts.Parts); a fresh one when the app was
    wired without music."""
    from music.soundtrack import Soundtrack

    return app.music if app.music is not None else Soundtrack()


def track_row(track) -> dict:
    """A track as plain data for JSON output."""
    return {"id": track.id, "title": track.title_en, "title_zh": track.title_zh,
            "moods": list(track.moods), "bpm": track.bpm, "meter": track.meter,
            "key": track.key, "energy": track.energy, "duration": round(track.duration, 3),
            "loop": [track.loop_start, track.loop_end], "license": track.license,
            "file": str(track.path)}


def run_list(args: argparse.Namespace, app) -> int:
    library = _soundtrack(app).library
    if args.json:
        print(json.dumps([track_row(t) for t in library.tracks], ensure_ascii=False))
        return 0
    for track in library.tracks:
        print(f"{track.id:<18} {', '.join(track.moods):<40} {track.bpm:>4g} bpm  "
              f"{track.key:<15} energy {track.energy:.2f}  {track.duration:4.1f} s  "
              f"{track.title_en} / {track.title_zh}")
    print(f"moods: {', '.join(library.moods)}")
    return 0


def style_moods(style_id: str | None) -> Sequence[str]:
    """The music moods of a style preset; () without a style."""
    if not style_id:
        return ()
    try:
        from styles.presets import StyleLibrary
    except ImportError as exc:  # styles/ is optional to this command
        raise InputError(f"--style needs the style presets (styles/), which are missing: {exc}")
    return StyleLibrary.load().get(style_id).music_moods


def run_pick(args: argparse.Namespace, app) -> int:
    if not args.prompt.strip():
        raise InputError("the prompt is empty; describe the video")
    soundtrack = _soundtrack(app)
    moods = style_moods(args.style)
    picks = soundtrack.selector.rank(args.prompt, moods, args.mood, top=3)
    if args.json:
        print(json.dumps({"prompt": args.prompt, "style": args.style, "style_moods": list(moods),
                          "mood": args.mood,
                          "picks": [{**track_row(p.track), "score": p.score} for p in picks]},
                         ensure_ascii=False))
        return 0
    for rank, pick in enumerate(picks, 1):
        print(f"{rank}. {pick.track.id:<18} {pick.score:6.3f}  {pick.track.title_en} / "
              f"{pick.track.title_zh}  ({', '.join(pick.track.moods)})")
    return 0
