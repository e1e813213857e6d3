"""The `serve` command: the browser app, the share pages and the API on one port.

    python app.py                 same as `python app.py serve`
    python app.py serve [--host 127.0.0.1] [--port 7860] [--share] [--auth user:pass]
                        [--data-dir PATH] [--engine auto|cogvideox|cloud|motion|tiny]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path


def add_commands(subparsers) -> None:
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
    p.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace, app) -> int:
    from ui.server import ServeOptions, parse_auth, serve

    if args.data_dir:
        app = dataclasses.replace(app, data_dir=Path(args.data_dir).expanduser())
    options = ServeOptions(host=args.host, port=args.port, share=args.share,
                           auth=parse_auth(args.auth), engine=args.engine,
                           public_url=args.public_url)
    return serve(app, options)
