"""Clipwright (影匠): the one entry. Parses flags, wires the parts, runs a command.

    python app.py                      start the browser app (see README)
    python app.py serve [--host 127.0.0.1] [--port 7860] [--share] [--auth user:pass]
                        [--data-dir PATH] [--engine auto|cogvideox|cloud|motion|tiny]
    python app.py generate IDEA ...    render one video headless
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

# Quiet library progress bars before any of them is imported; we report progress ourselves.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("DIFFUSERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# A self-hosted server tells no one it runs: Gradio's usage telemetry is off unless asked for.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from errors import DataFileError, EngineUnavailable, InputError  # noqa: E402
from files import out_of_space  # noqa: E402

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT = 0, 1, 2

if TYPE_CHECKING:  # studio/ imports torch: only the command that needs it loads it
    from studio.parts import Parts, Settings

# Folders that add sub-commands: each has cli.py with add_commands(subparsers), whose
# handlers take (args, parts: studio.parts.Parts) and return an exit code. Keep their
# imports light.
COMMAND_MODULES: tuple[str, ...] = ("api.cli", "music.cli", "styles.cli", "agent.cli",
                                    "studio.cli")


def default_dir(env: str, fallback: Path) -> Path:
    """A folder from an environment variable, else the fallback under the home folder."""
    return Path(os.environ.get(env) or fallback).expanduser()


def settings_from(args: argparse.Namespace) -> Settings:
    """The process's settings from its flags and environment."""
    from studio.parts import Settings
    from studio.platform_key import kept_key
    from video.engines.base import EngineSettings

    data_dir = (Path(args.data_dir).expanduser() if getattr(args, "data_dir", None)
                else default_dir("CLIPWRIGHT_DATA_DIR", Path.home() / ".clipwright"))
    engines = EngineSettings(
        cache_dir=default_dir("CLIPWRIGHT_CACHE_DIR", Path.home() / ".cache" / "clipwright"),
        model_dir=Path(args.model_dir) if getattr(args, "model_dir", None) else None,
        offload=getattr(args, "offload", "auto"),
        vae_tiling=getattr(args, "vae_tiling", "auto"),
        speed=getattr(args, "speed", None) or "quality",
        learned_post=getattr(args, "learned_post", None) or "auto",
        cloud_api_key=kept_key(data_dir, os.environ),  # the environment's, or the page's
        cloud_base_url=os.environ.get("CLIPWRIGHT_CLOUD_BASE_URL"),
    )
    return Settings(data_dir=data_dir, engines=engines,
                    slots=getattr(args, "slots", None) or 1,
                    public_url=getattr(args, "public_url", None) or "",
                    cluster=cluster_from(args))


def cluster_from(args: argparse.Namespace):
    """`serve --cluster …` as ClusterOptions, or None: render in this process."""
    from studio.runner import ClusterOptions

    address = getattr(args, "cluster", None)
    if not address:
        return None
    if args.cluster_jobs < 1:
        raise InputError("--cluster-jobs must be at least 1")
    return ClusterOptions(address=address, resource=args.cluster_resource,
                          max_actors=args.cluster_jobs)


def wire(args: argparse.Namespace) -> Parts:
    """Build the engines, libraries and director from flags and environment (no model
    loads; a command that serves opens the data folder with studio.services.open_services)."""
    from studio.parts import build

    return build(settings_from(args))


def budget_threads(slots: int) -> None:
    """Share the cores between torch, OpenCV and ffmpeg for `slots` jobs at once
    (CLIPWRIGHT_THREADS=N or =default overrides; video/threads.py says why)."""
    from video.threads import configure

    configure(slots=slots)


# --- generate ------------------------------------------------------------------------------

def add_generate(subparsers) -> None:
    from video.engines import ENGINE_NAMES
    from video.engines.memory import OFFLOAD_MODES, TILING_MODES
    from video.engines.speed import DEFAULT_PRESET, preset_names
    from video.shape import ASPECTS, AUTO

    p = subparsers.add_parser("generate", help="render one video from an idea, headless")
    p.add_argument("idea", help="what the video should show, in English or Chinese")
    p.add_argument("--image", help="a photo to animate (image-to-video)")
    p.add_argument("--fit", default="crop", choices=("crop", "letterbox"),
                   help="fit the photo to the frame by a crop around its subject, or whole")
    p.add_argument("--style", help="a style preset id (see `styles`)")
    p.add_argument("--engine", default="auto", choices=ENGINE_NAMES)
    p.add_argument("--model", help="a model id from video/engines/models.toml")
    p.add_argument("--model-dir", help="a folder of <model-id>/ pipelines to load first")
    p.add_argument("--seed", type=int)
    p.add_argument("--steps", type=int)
    p.add_argument("--aspect", default=AUTO, choices=(AUTO, *ASPECTS),
                   help="frame shape; auto: the model's own, or the photo's nearest")
    p.add_argument("--duration", type=float,
                   help="seconds (default: the model's own length, 6 s for CogVideoX)")
    p.add_argument("--frames", type=int,
                   help="exactly this many 4k+1 frames at the model's fps (over --duration)")
    p.add_argument("--guidance", type=float)
    p.add_argument("--offload", default="auto", choices=OFFLOAD_MODES)
    p.add_argument("--vae-tiling", default="auto", choices=TILING_MODES)
    p.add_argument("--speed", default=DEFAULT_PRESET, choices=preset_names(),
                   help="fast-path preset of video/engines/speed_presets.toml (GPU engine)")
    add_learned_post_flag(p)
    p.add_argument("--out", help="the MP4 to write (default: clip-<time>.mp4 here)")
    p.add_argument("--music", default="auto",
                   help="soundtrack: auto (fit the idea), none, a track id (`music list`) "
                        "or your own mp3/wav/ogg/m4a/flac file")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_generate)


def run_generate(args: argparse.Namespace, app: Parts) -> int:
    from agent.limits import check_shot, check_text
    from agent.shot import ShotSpec
    from studio.director import RenderOptions
    from video.shape import check_shape

    idea = check_text(args.idea)  # an empty, huge or garbled idea fails before anything loads
    image = Path(args.image) if args.image else None
    if image is not None:
        from video.intake import load_image

        load_image(image)  # a bad photo fails now, in one line, before anything loads
    if app.music is not None:  # a bad track id or audio file fails before rendering
        app.music.check_choice(args.music)
    if args.style is not None:
        app.styles.get(args.style)  # an unknown style fails before rendering
    app.engines.post_networks()  # --learned-post on without a GPU or weights fails now
    check_shape(args.aspect, args.duration)
    spec = ShotSpec(idea=idea, style=args.style, seed=args.seed, source_image=image,
                    music=args.music, aspect=args.aspect, duration=args.duration)
    check_shot(spec)  # the limits every door shares: a seed out of range fails here
    options = RenderOptions(engine=args.engine, model=args.model, steps=args.steps,
                            frames=args.frames, guidance=args.guidance, fit=args.fit)
    out = Path(args.out or f"clip-{time.strftime('%Y%m%d-%H%M%S')}.mp4")
    if out.suffix.lower() != ".mp4":
        raise InputError(f"--out must end in .mp4; got '{out}'")

    live = sys.stderr.isatty() and not args.json

    def show_progress(stage: str, fraction: float, detail: str) -> None:
        if live:
            print(f"\r{stage:<16} {fraction:6.0%} {detail:<12}", end="", file=sys.stderr, flush=True)

    result = app.director.render(spec, out, options, on_progress=show_progress)
    if live:
        print(file=sys.stderr)
    video = result.video
    summary = {
        "path": str(video.mp4), "poster": str(video.poster), "prompt": result.prompt,
        "engine": result.engine, "model": result.model, "seed": result.seed,
        "width": video.width, "height": video.height, "fps": video.fps, "frames": video.frames,
        "test_pattern": result.test_pattern, "warnings": result.warnings,
        "track": result.track.summary() if result.track else None,
        "timings": {k: round(v, 3) for k, v in result.timings.items()},
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return EXIT_OK
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.test_pattern:
        print("note: the tiny engine has random weights; this video is a test pattern",
              file=sys.stderr)
    print(f"prompt: {result.prompt}")
    print(f"engine: {result.engine} ({result.model}), seed {result.seed}, "
          f"{video.width}×{video.height} at {video.fps:g} fps, {video.frames} frames")
    print(f"music: {result.track.title} ({result.track.id})" if result.track else "music: none")
    print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in summary["timings"].items()))
    print(video.mp4)
    return EXIT_OK


# --- serve: the browser app ------------------------------------------------------------

def add_serve(subparsers) -> None:
    from api.http_policy import add_flags as add_http_flags
    from video.engines import ENGINE_NAMES
    from video.engines.memory import OFFLOAD_MODES, TILING_MODES

    p = subparsers.add_parser("serve", help="start the browser app (the default command)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (0 picks a free one)")
    p.add_argument("--share", action="store_true",
                   help="also open a public gradio.live link (needs the internet)")
    p.add_argument("--auth", metavar="USER:PASS",
                   help="ask for this user name and password before the app opens")
    p.add_argument("--data-dir", help="where chats, videos and the database live "
                                      "(default $CLIPWRIGHT_DATA_DIR or ~/.clipwright)")
    p.add_argument("--engine", default="auto", choices=ENGINE_NAMES,
                   help="the engine renders use unless the Advanced panel says otherwise")
    p.add_argument("--public-url", default="",
                   help="the address people reach this server at, for share links "
                        "(e.g. https://clips.example.com behind a proxy)")
    p.add_argument("--model-dir", help="a folder of <model-id>/ pipelines to load first")
    p.add_argument("--offload", default="auto", choices=OFFLOAD_MODES)
    p.add_argument("--vae-tiling", default="auto", choices=TILING_MODES)
    add_learned_post_flag(p)
    add_http_flags(p)  # --cors-origin, --trusted-proxy
    add_cluster_flags(p)
    p.set_defaults(func=run_serve)


def add_learned_post_flag(p) -> None:
    p.add_argument("--learned-post", default="auto", choices=("auto", "on", "off"),
                   help="RIFE interpolation and Real-ESRGAN 2x in post-production: auto uses "
                        "them on a CUDA GPU with their weights (video/learned/weights.toml), "
                        "never on a CPU; on insists; off keeps DIS flow and Lanczos")


def add_cluster_flags(p) -> None:
    p.add_argument("--cluster", metavar="auto|ray://HOST:PORT",
                   help="render on a Ray cluster's GPU hosts instead of here (auto: "
                        "$RAY_ADDRESS, else the cluster this machine joined; README: Many GPUs)")
    p.add_argument("--cluster-resource", default="clipwright_render", metavar="NAME",
                   help="the custom resource one render takes, when nodes declare it "
                        "(else one GPU each, else one CPU)")
    p.add_argument("--cluster-jobs", type=int, default=16, metavar="N",
                   help="the most renders at once on the cluster (default 16)")


def run_serve(args: argparse.Namespace, app: Parts) -> int:
    """The browser app, the share pages and the API on one port (ui/ and api/ are doors
    onto the same services; this is where they meet)."""
    from api import ApiConfig, mount
    from api.http_policy import flags_of
    from api.server import add_policy
    from ui.server import ServeOptions, parse_auth, serve

    options = ServeOptions(host=args.host, port=args.port, share=args.share,
                           auth=parse_auth(args.auth), engine=args.engine,
                           public_url=args.public_url)
    config = ApiConfig(engine=args.engine, public_base_url=args.public_url or None,
                       **flags_of(args))
    if args.learned_post == "on" and app.settings.cluster is None:
        app.engines.post_networks()  # without a GPU or the weights: one line, before serving

    def mount_api(web, services) -> None:
        mount(web, services.queue, services.keys, config)
        add_policy(web, config)  # CORS and trusted proxies for every route, the page's too

    return serve(app, options, doors=(mount_api,))


# --- entry ---------------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse that raises InputError (exit 2, one line) instead of printing usage."""

    def error(self, message: str):
        raise InputError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="app.py", description="Clipwright: an idea or a photo → a short video")
    subparsers = parser.add_subparsers(dest="command", parser_class=_Parser)
    add_generate(subparsers)
    add_serve(subparsers)
    for module in COMMAND_MODULES:
        importlib.import_module(module).add_commands(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command; exit 0 on success, 2 on the user's mistake, 1 on our failure."""
    logging.basicConfig(level=os.environ.get("CLIPWRIGHT_LOG", "WARNING"),
                        format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    # `python app.py` is `serve`, its flags included: `python app.py --port 7861`.
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["serve", *argv]
    try:
        args = parser.parse_args(argv)
        parts = wire(args)
        budget_threads(parts.settings.slots)  # before any heavy work: see video/threads.py
        return args.func(args, parts)
    except (InputError, EngineUnavailable, DataFileError) as exc:
        # A broken data file is whoever edited it's to fix, named in one line like the rest.
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERNAL
    except BrokenPipeError:  # `… | head` stopped reading: nothing is wrong, and nothing to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - last resort: one line, details in the log
        logging.getLogger("clipwright").debug("internal failure", exc_info=True)
        if out_of_space(exc):  # not our bug, and the one thing the user can fix
            print("error: not enough disk space to write the video (nothing half-written was "
                  "kept); free some space and try again", file=sys.stderr)
            return EXIT_INTERNAL
        print(f"internal error: {type(exc).__name__}: {exc} (CLIPWRIGHT_LOG=DEBUG shows more)",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
