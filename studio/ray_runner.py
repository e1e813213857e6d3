"""Renders on a Ray cluster (`serve --cluster auto|ray://HOST:PORT`): the job queue stays
in this process's SQLite database; each job runs on a Ray actor that keeps its engine
loaded between jobs (studio/render_worker.py), and its files come back here to be
published as a local render's are. The web host loads no model.

What an actor asks for, in this order: one unit of the configured custom resource
(`clipwright_render` unless told otherwise) when some node declares it; else one GPU when
the cluster has GPUs; else one CPU (a plain `ray start --head` renders the tiny and motion
engines). A node may also declare the models it holds as `model:<name>` resources: once
any node does, a job goes only to a node holding its model, and a job for a model no node
holds waits with that reason. New nodes add capacity as they join; an actor lost with its
node costs its job one attempt, as a crashed server does.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

from agent.shot import ShotSpec
from errors import EngineUnavailable, InputError, WorkerLost
from files import write_complete
from studio.director import OnPreview, Progress, RenderOptions, RenderResult
from studio.render_worker import Placement, RemoteRender, RenderWorker, WorkerSettings
from studio.runner import ClusterOptions

log = logging.getLogger(__name__)

NAMESPACE = "clipwright"
ACTOR_PREFIX = "clipwright-render-"
MODEL_PREFIX = "model:"
POLL_S = 0.5  # how often a render's progress is fetched from its actor
CAPACITY_TTL_S = 1.0  # the cluster's resources are asked for at most this often
READY_TIMEOUT_S = 120.0  # a new actor starts (imports torch) within this
ROOT = Path(__file__).resolve().parent.parent


def model_key(options: RenderOptions) -> str:
    """The model a job needs by name ("" when the engine is left to each node: auto)."""
    if options.model:
        return options.model
    return "" if options.engine == "auto" else options.engine


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail in seconds, in one sentence, on an address nothing answers at (Ray itself
    retries for minutes, or dies later on a stale "auto" address a stopped cluster left)."""
    if address == "auto":
        from ray._private.services import canonicalize_bootstrap_address

        try:  # how ray.init reads "auto": RAY_ADDRESS, else this machine's latest cluster
            found = canonicalize_bootstrap_address("auto")
        except (ConnectionError, ValueError):
            found = None
        if not found:
            raise EngineUnavailable(
                "no Ray cluster found for --cluster auto: RAY_ADDRESS is not set and this "
                "machine has not joined one; start it with `ray start --head` (README: Many "
                "GPUs) or name its address") from None
        return _check_reachable(found, timeout_s)
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout_s).close()
    except (OSError, ValueError) as exc:
        raise EngineUnavailable(
            f"nothing answers at the Ray cluster address {address} ({exc}); start the head "
            f"with `ray start --head` (README: Many GPUs) or check --cluster") from None


class _RayRenderWorker(RenderWorker):
    """The worker as an actor: it learns its node from Ray."""

    def __init__(self, settings: WorkerSettings, model: str):
        import ray

        super().__init__(settings, node_id=ray.get_runtime_context().get_node_id(),
                         model=model)


class RayRunner:
    """The job queue's runner on a Ray cluster (see the module's docstring)."""

    def __init__(self, options: ClusterOptions, worker: WorkerSettings):
        self.options = options
        self.worker = worker
        self.max_slots = options.max_actors
        self._actor_class = None
        self._idle: list[tuple[str, object]] = []  # (model key, actor), kept loaded
        self._live = 0  # actors made and not lost or retired
        self._lock = threading.Condition()
        self._totals: dict[str, float] = {}
        self._totals_at = 0.0
        self.ran_on: OrderedDict[str, Placement] = OrderedDict()  # job id → where (latest)

    # --- life ------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect to the cluster (EngineUnavailable with the reason when it cannot); a
        second call finds it connected."""
        import ray

        if self._actor_class is not None:
            return
        _check_reachable(self.options.address)
        try:  # "auto" takes RAY_ADDRESS when set, else the cluster this machine is in
            ray.init(address=self.options.address, namespace=NAMESPACE, ignore_reinit_error=True,
                     log_to_driver=False, configure_logging=False,
                     runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise EngineUnavailable(
                f"could not reach the Ray cluster at {self.options.address} ({exc}); start it "
                f"with `ray start --head` (README: Many GPUs) or check --cluster; a cluster "
                f"with token authentication also needs RAY_AUTH_MODE=token and its token "
                f"(RAY_AUTH_TOKEN) here (deploy/README.md)") from None
        self._actor_class = ray.remote(_RayRenderWorker)
        log.warning("rendering on the Ray cluster at %s: %s", self.options.address,
                    self.describe_capacity())

    def close(self) -> None:
        """Let the actors go and disconnect."""
        import ray

        with self._lock:
            idle, self._idle = self._idle, []
        for _, actor in idle:
            ray.kill(actor)
        if ray.is_initialized():
            ray.shutdown()
        self._actor_class = None

    # --- capacity and placement ------------------------------------------------------------

    def _cluster_totals(self) -> dict[str, float]:
        import ray

        if time.monotonic() - self._totals_at > CAPACITY_TTL_S:
            self._totals, self._totals_at = ray.cluster_resources(), time.monotonic()
        return self._totals

    def _asks(self) -> dict:
        """What each actor asks of its node (see the module's docstring)."""
        totals = self._cluster_totals()
        # On GPU nodes an actor always asks for its GPU too: Ray then sets
        # CUDA_VISIBLE_DEVICES, so eight actors on an eight-GPU host get one GPU each.
        gpu = {"num_gpus": 1} if totals.get("GPU") else {}
        if totals.get(self.options.resource):
            return {"resources": {self.options.resource: 1}, "num_cpus": 0, **gpu}
        if gpu:
            return {"num_cpus": 0, **gpu}
        return {"num_cpus": 1}

    def capacity(self) -> int:
        totals = self._cluster_totals()
        units = totals.get(self.options.resource) or totals.get("GPU") or totals.get("CPU", 0)
        if totals.get("GPU"):
            units = min(units, totals["GPU"])
        return min(int(units), self.max_slots)

    def describe_capacity(self) -> str:
        asks = self._asks()
        unit = (self.options.resource if "resources" in asks else
                "GPU" if "num_gpus" in asks else "CPU")
        models = sorted(self.models())
        return (f"{self.capacity()} render(s) at once, one per {unit}"
                + (f"; models declared: {', '.join(models)}" if models else ""))

    def models(self) -> set[str]:
        """The models the cluster's nodes declare (`model:<name>` resources)."""
        return {name[len(MODEL_PREFIX):] for name in self._cluster_totals()
                if name.startswith(MODEL_PREFIX)}

    def unplaceable(self, options: RenderOptions) -> str | None:
        key, models = model_key(options), self.models()
        if not key or not models or key in models:
            return None
        return (f"waiting: no machine in the cluster has the model {key} (they have "
                f"{', '.join(sorted(models))}); it starts once one that has it joins")

    def check(self, engine: str, model: str | None, task: str) -> None:
        """Only what this host can tell without an engine (it loads no model): a model
        name the registry does not know. The node that renders checks the rest."""
        from video.engines.registry import load_registry

        known = load_registry()
        if model and model not in known:
            raise InputError(f"there is no model named '{model}'; the models are: "
                             f"{', '.join(sorted(known))}")

    # --- the actors ------------------------------------------------------------------------

    def _acquire(self, key: str):
        """An idle actor for the model, or a new one (retiring an idle actor of another
        model when the cluster is full)."""
        import ray

        with self._lock:
            while True:
                for i, (model, actor) in enumerate(self._idle):
                    if model == key:
                        del self._idle[i]
                        return actor
                if self._live < self.capacity():
                    self._live += 1
                    break
                if self._idle:
                    _, retired = self._idle.pop(0)
                    ray.kill(retired)
                    self._live -= 1
                    continue
                self._lock.wait(1.0)
        asks = self._asks()
        if key and self.models():
            asks.setdefault("resources", {})[MODEL_PREFIX + key] = 0.001
        return self._actor_class.options(
            name=f"{ACTOR_PREFIX}{uuid.uuid4().hex[:12]}", max_concurrency=4,
            **asks).remote(self.worker, key)

    def _ready_actor(self, key: str, job_id: str):
        """An actor that answers, its placement noted for the job. An idle actor whose node
        went away, or a new one the cluster has no room for after all (it shrank), is
        dropped without costing the job an attempt."""
        import ray

        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            actor = self._acquire(key)
            asked = actor.placement.remote()
            while not ray.wait([asked], timeout=1.0)[0]:
                if self._live > self.capacity() or time.monotonic() > deadline:
                    break  # placed nowhere yet, and no room for it now
            else:
                try:
                    placement = ray.get(asked)
                except ray.exceptions.RayActorError:
                    placement = None
                if placement is not None:
                    self.ran_on[job_id] = placement
                    while len(self.ran_on) > 500:
                        self.ran_on.popitem(last=False)
                    return actor
            log.warning("a render actor did not answer; placing job %s again", job_id)
            ray.kill(actor)
            self._release(key, actor, lost=True)
        raise WorkerLost(f"no render actor of the cluster answered for job {job_id}")

    def _release(self, key: str, actor, lost: bool) -> None:
        with self._lock:
            if lost:
                self._live -= 1
            else:
                self._idle.append((key, actor))
            self._lock.notify()

    # --- one render ------------------------------------------------------------------------

    def render(self, job_id: str, spec: ShotSpec, out: Path, options: RenderOptions,
               on_progress: Progress, on_preview: OnPreview) -> RenderResult:
        import ray

        key = model_key(options)
        actor = self._ready_actor(key, job_id)
        lost = False
        try:
            photo = Path(spec.source_image).read_bytes() if spec.source_image else None
            ref = actor.render.remote(job_id, spec, options, photo,
                                      Path(spec.source_image).name if photo else "photo.jpg")
            self._follow(actor, ref, on_progress, on_preview)
            remote: RemoteRender = ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            raise (exc.cause if isinstance(exc.cause, Exception) else exc) from None
        except (ray.exceptions.RayActorError, ray.exceptions.ObjectLostError,
                ray.exceptions.OwnerDiedError, ray.exceptions.GetTimeoutError) as exc:
            lost = True
            raise WorkerLost(f"the machine rendering job {job_id} went away "
                             f"({type(exc).__name__})") from exc
        finally:
            self._release(key, actor, lost)
        return self._bring_home(remote, spec, out)

    def _follow(self, actor, ref, on_progress: Progress, on_preview: OnPreview) -> None:
        """Pass the actor's progress and previews on until the render ends; when
        on_progress says stop (GenerationCancelled), tell the actor and wait for it."""
        import ray

        from errors import GenerationCancelled

        seen_step, asked = None, None
        while True:
            asked = asked or actor.progress.remote(seen_step)
            ready, _ = ray.wait([ref, asked], num_returns=1, timeout=POLL_S)
            if ref in ready or ray.wait([ref], timeout=0)[0]:
                return
            if asked not in ready:
                continue  # a busy or unreachable actor: the render's own end says which
            stage, fraction, detail, preview = ray.get(asked)
            asked = None
            try:
                on_progress(stage, fraction, detail)
                if preview is not None:
                    seen_step = preview.step
                    on_preview(preview)
            except GenerationCancelled:
                actor.cancel.remote()
                ray.wait([ref])  # the actor stops at its next step and says so
                return
            ray.wait([ref], timeout=POLL_S)  # progress twice a second; the end at once

    @staticmethod
    def _bring_home(remote: RemoteRender, spec: ShotSpec, out: Path) -> RenderResult:
        """Write the actor's files where a local render would have, complete or absent,
        and give back its record with those paths (and the spec as this host has it)."""
        video = remote.result.video
        out.parent.mkdir(parents=True, exist_ok=True)
        poster = out.parent / video.poster.name
        write_complete(poster, remote.files[video.poster.name])
        write_complete(out, remote.files[video.mp4.name])
        log.info("job's render came back from %s (node %s)", remote.node.host,
                 remote.node.node_id[:12])
        return dataclasses.replace(remote.result, spec=spec,
                                   video=dataclasses.replace(video, mp4=out, poster=poster))
