"""What a Ray cluster holds for Clipwright (`python app.py cluster status`): its nodes with
their render capacity, GPUs and declared models, and the render actors a web host placed
there, with the job each has in hand. Read from any machine that can reach the cluster."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from errors import EngineUnavailable
from studio.ray_runner import ACTOR_PREFIX, MODEL_PREFIX, NAMESPACE

ASK_TIMEOUT_S = 10.0  # a busy actor still answers (it runs several threads)


@dataclass(frozen=True)
class NodeStatus:
    node_id: str
    host: str
    alive: bool
    renders: float  # units of the render resource it declares
    gpus: float
    cpus: float
    models: tuple[str, ...]


@dataclass(frozen=True)
class WorkerStatus:
    name: str
    node_id: str
    host: str
    model: str  # "" when placed by no model
    job_id: str | None  # the job it renders now
    answered: bool = True  # False: it did not answer in time (busy starting, or lost)


@dataclass(frozen=True)
class ClusterStatus:
    address: str
    nodes: tuple[NodeStatus, ...]
    workers: tuple[WorkerStatus, ...]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def read_status(address: str, resource: str = "clipwright_render") -> ClusterStatus:
    """Connect to the cluster at `address` ("auto" as for serve), read, disconnect."""
    import ray

    connected_here = not ray.is_initialized()  # else: a web host's own connection, kept
    if connected_here:
        try:
            ray.init(address=address, namespace=NAMESPACE, log_to_driver=False,
                     configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise EngineUnavailable(f"could not reach the Ray cluster at {address} ({exc})") \
                from None
    try:
        return ClusterStatus(address=address, nodes=_nodes(resource), workers=_workers())
    finally:
        if connected_here:
            ray.shutdown()


def _nodes(resource: str) -> tuple[NodeStatus, ...]:
    import ray

    found = []
    for node in ray.nodes():
        held = node.get("Resources", {})
        found.append(NodeStatus(
            node_id=node["NodeID"], host=node.get("NodeManagerHostname", ""),
            alive=bool(node.get("Alive")), renders=held.get(resource, 0.0),
            gpus=held.get("GPU", 0.0), cpus=held.get("CPU", 0.0),
            models=tuple(sorted(name[len(MODEL_PREFIX):] for name in held
                                if name.startswith(MODEL_PREFIX)))))
    return tuple(sorted(found, key=lambda n: (not n.alive, n.host, n.node_id)))


def _workers() -> tuple[WorkerStatus, ...]:
    import ray

    found = []
    for name in sorted(ray.util.list_named_actors()):
        if not name.startswith(ACTOR_PREFIX):
            continue
        try:
            actor = ray.get_actor(name)
            placement, job_id = ray.get([actor.placement.remote(), actor.current_job.remote()],
                                        timeout=ASK_TIMEOUT_S)
        except (ValueError, ray.exceptions.RayError):
            found.append(WorkerStatus(name, "", "", "", None, answered=False))
            continue
        found.append(WorkerStatus(name, placement.node_id, placement.host, placement.model,
                                  job_id))
    return tuple(found)
