"""`python app.py cluster status`: the Ray cluster a `serve --cluster` renders on.

    python app.py cluster status [--address auto|ray://HOST:PORT] [--json]
"""

from __future__ import annotations

import argparse
import json


def add_commands(subparsers) -> None:
    """Register `cluster` (imports stay light until the command runs)."""
    p = subparsers.add_parser("cluster", help="the Ray cluster renders run on (README: "
                                              "Many GPUs)")
    commands = p.add_subparsers(dest="cluster_command", required=True)
    status = commands.add_parser("status", help="nodes, render actors, models, jobs running "
                                                "where")
    status.add_argument("--address", default="auto",
                        help="the cluster (default auto: $RAY_ADDRESS, else this machine's)")
    status.add_argument("--cluster-resource", default="clipwright_render", metavar="NAME",
                        help="the custom resource one render takes (as for serve)")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(func=run_status)


def run_status(args: argparse.Namespace, app) -> int:
    from studio.cluster_status import read_status

    status = read_status(args.address, args.cluster_resource)
    if args.json:
        print(json.dumps(status.to_dict(), ensure_ascii=False))
        return 0
    alive = [node for node in status.nodes if node.alive]
    print(f"cluster {status.address}: {len(alive)} node(s) up, "
          f"{sum(node.renders or node.gpus for node in alive):g} render slot(s)")
    for node in status.nodes:
        models = ", ".join(node.models) or "any"
        print(f"  node {node.node_id[:12]}  {node.host}  {'up' if node.alive else 'gone'}  "
              f"renders {node.renders:g}  GPUs {node.gpus:g}  CPUs {node.cpus:g}  "
              f"models: {models}")
    if not status.workers:
        print("  no render actors (none placed yet, or no web host is serving)")
    for worker in status.workers:
        if not worker.answered:
            print(f"  actor {worker.name}: did not answer")
            continue
        doing = f"rendering job {worker.job_id}" if worker.job_id else "idle"
        print(f"  actor {worker.name} on {worker.host} (node {worker.node_id[:12]}), "
              f"model {worker.model or 'any'}: {doing}")
    return 0
