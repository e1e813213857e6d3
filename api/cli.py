"""CLI: `keys create|list|revoke` for API keys, and `api` to serve the video API alone.

    python app.py keys create --name "my shop"      prints the key once; keep it safe
    python app.py keys list                         ids, names, limits, last use
    python app.py keys revoke KEY_ID
    python app.py api --engine tiny --port 8000     the REST API without the browser UI

Keys live in the data folder's database (CLIPWRIGHT_DATA_DIR or --data-dir).
"""

from __future__ import annotations

import argparse
import json
import time

from errors import InputError

EXIT_OK, EXIT_INPUT = 0, 2


def add_commands(subparsers) -> None:
    from api.http_policy import add_flags
    from video.engines import ENGINE_NAMES
    from video.learned import OPTIONS as LEARNED_POST_OPTIONS

    keys = subparsers.add_parser("keys", help="create, list or revoke API keys")
    actions = keys.add_subparsers(dest="keys_action", parser_class=type(keys))
    create = actions.add_parser("create", help="make a new key (shown once)")
    create.add_argument("--name", default="", help="who or what the key is for")
    create.add_argument("--submits-per-minute", type=int, default=None,
                        help="videos the key may submit per minute (default 10)")
    create.add_argument("--max-in-flight", type=int, default=None,
                        help="tasks the key may have queued or running at once (default 3)")
    listing = actions.add_parser("list", help="show every key (never the secrets)")
    revoke = actions.add_parser("revoke", help="stop a key from working")
    revoke.add_argument("key_id", help="the part of the key before the dot")
    for parser in (create, listing, revoke):
        parser.add_argument("--data-dir", help="the data folder (default ~/.clipwright)")
        parser.add_argument("--json", action="store_true", help="print JSON")
    keys.set_defaults(func=run_keys)

    api = subparsers.add_parser("api", help="serve the video REST API alone (no browser UI)")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    api.add_argument("--engine", default="auto", choices=ENGINE_NAMES)
    api.add_argument("--model", help="a model id from video/engines/models.toml")
    api.add_argument("--slots", type=int, default=1,
                     help="jobs rendered at once (above 1: --engine cloud only, for now)")
    api.add_argument("--public-url", help="base of result URLs, e.g. https://clips.example.com")
    api.add_argument("--allow-private-image-hosts", action="store_true",
                     help="let image_url point at loopback or private-network addresses")
    api.add_argument("--data-dir", help="the data folder (default ~/.clipwright)")
    api.add_argument("--learned-post", default="auto", choices=LEARNED_POST_OPTIONS,
                     help="RIFE and Real-ESRGAN in post-production, as for serve: auto on a "
                          "CUDA GPU with their weights, on insists, off never")
    add_flags(api)
    api.set_defaults(func=run_api)


def _key_store(app):
    """The data folder's API keys (app: studio.parts.Parts)."""
    from store.db import Database
    from store.keys import KeyStore
    from store.layout import DataLayout

    layout = DataLayout(app.settings.data_dir).ensure()
    return KeyStore(Database(layout.db_path))


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "-"


def run_keys(args: argparse.Namespace, app) -> int:
    from store.keys import DEFAULT_MAX_IN_FLIGHT, DEFAULT_SUBMITS_PER_MINUTE

    action = getattr(args, "keys_action", None)
    if action is None:
        raise InputError("say what to do: keys create, keys list or keys revoke KEY_ID")
    store = _key_store(app)
    if action == "create":
        per_minute = (DEFAULT_SUBMITS_PER_MINUTE if args.submits_per_minute is None
                      else args.submits_per_minute)
        in_flight = DEFAULT_MAX_IN_FLIGHT if args.max_in_flight is None else args.max_in_flight
        if per_minute < 1 or in_flight < 1:
            raise InputError("--submits-per-minute and --max-in-flight must be at least 1")
        key, secret = store.create(args.name, submits_per_minute=per_minute,
                                   max_in_flight=in_flight)
        if args.json:
            print(json.dumps({"id": key.id, "name": key.name, "key": secret}))
        else:
            print(secret)
            print(f"key {key.id} ({key.name or 'no name'}): {per_minute} submissions a minute, "
                  f"{in_flight} in flight. It is shown only now; store it safely.")
        return EXIT_OK
    if action == "list":
        keys = store.list()
        if args.json:
            print(json.dumps([{"id": k.id, "name": k.name, "created_at": k.created_at,
                               "revoked_at": k.revoked_at, "last_used_at": k.last_used_at,
                               "submits_per_minute": k.submits_per_minute,
                               "max_in_flight": k.max_in_flight} for k in keys]))
            return EXIT_OK
        if not keys:
            print("no keys yet; make one with: python app.py keys create --name NAME")
        for k in keys:
            state = "revoked " + _when(k.revoked_at) if k.revoked_at else "active"
            print(f"{k.id}  {k.name or '-':<20} {state:<24} created {_when(k.created_at)}  "
                  f"last used {_when(k.last_used_at)}  {k.submits_per_minute}/min, "
                  f"{k.max_in_flight} in flight")
        return EXIT_OK
    key_id = args.key_id.partition(".")[0]  # a pasted whole key works too
    if not store.revoke(key_id):
        raise InputError(f"no active key '{key_id}'; `keys list` shows the ids")
    print(f"revoked {key_id}")
    return EXIT_OK


def run_api(args: argparse.Namespace, app) -> int:
    from api.config import ApiConfig
    from api.http_policy import flags_of
    from api.server import build_app, serve
    from errors import EngineUnavailable
    from studio.services import open_services
    from video.engines import choose_engine

    if args.slots < 1:
        raise InputError("--slots must be at least 1")
    if args.slots > 1 and args.engine != "cloud":
        # Slots share the process's engines; a diffusers pipeline must not render two clips
        # at once, and one engine per GPU is not built yet. Cloud renders are remote.
        raise InputError("--slots above 1 works only with --engine cloud for now")
    if not 0 <= args.port <= 65535:
        raise InputError(f"--port must be between 0 and 65535; got {args.port}")
    if args.engine != "tiny":
        try:
            choose_engine(args.engine, "t2v", app.settings.engines)
        except EngineUnavailable as exc:
            print(f"note: {exc} Tasks will fail until that is set up.", flush=True)
    if args.learned_post == "on":
        app.engines.post_networks()  # without a GPU or the weights: one line, before serving
    config = ApiConfig(engine=args.engine, model=args.model, public_base_url=args.public_url,
                       allow_private_image_hosts=args.allow_private_image_hosts,
                       **flags_of(args))  # checked before the data folder is opened
    services = open_services(app)
    services.start()
    try:
        serve(build_app(services, config), host=args.host, port=args.port)
    finally:
        services.close()
    return EXIT_OK
