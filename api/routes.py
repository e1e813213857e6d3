"""The platform-compatible routes: submit a video, poll its result, fetch its files.

    POST /api/paas/v4/videos/generations          → {id, model, request_id, task_status}
    GET  /api/paas/v4/async-result/{id}           → {…, task_status, video_result: [...]}
    GET  /api/paas/v4/files/{id}/{token}/video.mp4   (and cover.jpg): the results

Submissions and polls need `Authorization: Bearer <key>`; result URLs carry an
unguessable token instead, as the platform's download links do, so any HTTP client can
fetch them. A key sees only its own tasks: another key's id answers 404.

A request_id makes a submission safe to retry: the same body again answers the same task,
and a different body under a used request_id is a 409 (as payment APIs do), never the first
task passed off as the answer to another request.
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from fastapi.security import HTTPBearer

from agent.shot import ShotSpec
from api.auth import Authenticator, RateLimiter, too_frequent
from api.config import ApiConfig
from api.errors import (BAD_BODY, BAD_FIELD, ERROR_RESPONSES, NOT_FOUND, REQUEST_REUSED,
                        TOO_LARGE, TOO_MANY_IN_FLIGHT, ApiError, PlatformRoute)
from api.images import ImageRules, image_bytes, save_image
from api.platform import PlatformRules, load_rules
from api.schemas import (GenerationBody, Render, TaskResult, TaskSubmitted, VideoResult,
                         first_image, parse_body, plan_render, request_digest, with_image)
from errors import EngineUnavailable, InputError
from store.keys import ApiKey, KeyStore
from store.layout import DataLayout
from studio.director import RenderOptions
from studio.job_records import Job
from studio.jobs import JobQueue

PREFIX = "/api/paas/v4"
_STATUS = {"queued": "PROCESSING", "running": "PROCESSING", "done": "SUCCESS", "failed": "FAIL"}
_FILES = {"video.mp4": ("mp4", "video/mp4"), "cover.jpg": ("poster", "image/jpeg")}


class VideoApi:
    """The routes' shared parts: the queue, the keys, the limits and the mapping rules."""

    def __init__(self, queue: JobQueue, keys: KeyStore, config: ApiConfig,
                 rules: PlatformRules | None = None):
        from video.engines.registry import load_registry

        self.queue = queue
        self.config = config
        self.rules = rules or load_rules()
        self.limiter = RateLimiter()
        self.auth = Authenticator(keys, self.limiter, self.rules.limits.requests_per_minute,
                                  self.rules.limits.failed_keys_per_minute)
        self.known_models = frozenset(load_registry())
        self.layout = DataLayout(queue.data_dir)
        self.image_rules = ImageRules(
            max_bytes=self.rules.limits.max_image_bytes,
            timeout_s=self.rules.limits.image_fetch_timeout_s,
            max_redirects=self.rules.limits.image_fetch_max_redirects,
            allow_private_hosts=config.allow_private_image_hosts)
        self._requests_guard = threading.Lock()
        self._requests: dict[tuple[str, str], list] = {}  # (owner, request_id) → [lock, users]

    # --- submit ----------------------------------------------------------------------------

    async def read_body(self, request: Request) -> bytes:
        """The raw body, refused with 413 as soon as it passes the limit."""
        cap = self.rules.limits.max_body_bytes
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise ApiError(413, TOO_LARGE, f"the body is larger than {cap // 2**20} MiB")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > cap:
                raise ApiError(413, TOO_LARGE, f"the body is larger than {cap // 2**20} MiB")
            chunks.append(chunk)
        return b"".join(chunks)

    def submit(self, key: ApiKey, raw: bytes) -> TaskSubmitted:
        """Validate, apply the key's limits, store the photo, queue the job."""
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(400, BAD_BODY, "the body is not valid JSON") from None
        body = parse_body(data, self.rules)
        render = plan_render(body, self.rules, engine=self.config.engine,
                             default_model=self.config.model, known_models=self.known_models)
        self.check_choices(render.spec_without_image)
        self.check_model(render.options, "i2v" if render.wants_image else "t2v")
        self.check_understood(render)
        if not body.request_id:
            return self.submitted(self.queue_new(key, body, render))
        # One request per (key, request_id) at a time: the second of two sent together
        # sees the first's task, and what it asked for, once the first is stored.
        with self.one_at_a_time(key.owner, body.request_id):
            # An idempotent repeat costs nothing against the limits.
            job = self.queue.find(key.owner, body.request_id) or \
                self.queue_new(key, body, render)
            return self.submitted(self.same_request(job, request_digest(body)))

    def queue_new(self, key: ApiKey, body: GenerationBody, render: Render) -> Job:
        """Apply the key's limits, store the photo, queue the job."""
        if self.queue.in_flight(key.owner) >= key.max_in_flight:
            raise ApiError(429, TOO_MANY_IN_FLIGHT, f"this key has {key.max_in_flight} "
                           f"task(s) in flight, its limit; wait for one to finish",
                           headers={"Retry-After": "5"})
        wait = self.limiter.take(f"submits:{key.id}", key.submits_per_minute)
        if wait:
            raise too_frequent(wait, f"this key may submit {key.submits_per_minute} task(s) "
                                     f"a minute")
        image = None
        if render.wants_image:
            data = image_bytes(first_image(body), self.image_rules)
            image = save_image(data, lambda suffix: self.layout.upload_path(
                f"key-{key.id}", suffix))
        job = self.queue.submit(key.owner, with_image(render, image), render.options,
                                request_id=body.request_id, end_user=body.user_id,
                                api_model=body.model)
        if image is not None and job.spec.source_image != image:
            image.unlink(missing_ok=True)  # lost a race with a repeat of the same request
        return job

    @contextmanager
    def one_at_a_time(self, owner: str, request_id: str):
        """Hold the lock of one (owner, request_id) while a submission with it is handled."""
        name = (owner, request_id)
        with self._requests_guard:
            entry = self._requests.setdefault(name, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._requests_guard:
                entry[1] -= 1
                if not entry[1]:
                    del self._requests[name]

    def same_request(self, job: Job, digest: str) -> Job:
        """The job, when it was made by a request with this digest (or by one sent before
        digests were kept, which this request's then stands for); 409 otherwise."""
        kept = self.queue.store.keep_request_digest(job.id, digest)
        if kept is not None and kept != digest:
            raise ApiError(409, REQUEST_REUSED, f"request_id '{job.request_id}' was already "
                           f"used for a different request (task {job.id}); send that request "
                           f"unchanged to get its task, or use a new request_id")
        return job

    def check_understood(self, render: Render) -> None:
        """A prompt the rewriter cannot read is a 400 now, with its question, not a failed
        task later. Only the offline formula can tell at once (it reads the prompt the way
        it will when it renders); an LLM rewriter is left to read what it can."""
        conversation = self.queue.director.conversation  # its rewriter, as the chat's
        if conversation.llm is not None:
            return
        try:
            conversation.formula.read(render.spec_without_image.idea, photo=render.wants_image)
        except InputError as exc:
            raise ApiError(400, BAD_FIELD, f"prompt: {exc}") from None

    def check_model(self, options: RenderOptions, task: str) -> None:
        """A model the server's engine does not have is a 400 now. When no engine can
        render here at all, the task is taken and fails later with what to set up."""
        try:
            self.queue.runner.check(options.engine, options.model, task)
        except EngineUnavailable:
            return
        except InputError as exc:
            raise ApiError(400, BAD_FIELD, str(exc)) from None

    def check_choices(self, spec: ShotSpec) -> None:
        """A style or track that does not exist is a 400 now, not a failed task later.

        Unlike the CLI's --music, the API takes only "auto", "none" or a library track id:
        a file path would let a caller read the server's files into a video.
        """
        director = self.queue.director
        if spec.style and director.styles is not None:
            try:
                director.styles.get(spec.style)
            except InputError as exc:
                raise ApiError(400, BAD_FIELD, f"style: {exc}") from None
        if spec.music_pinned:
            library = director.music.library if director.music is not None else ()
            if spec.music not in library:
                raise ApiError(400, BAD_FIELD, f"music must be \"auto\", \"none\" or a "
                                               f"track id; there is no track '{spec.music}'")

    @staticmethod
    def submitted(job: Job) -> TaskSubmitted:
        return TaskSubmitted(id=job.id, model=job.api_model or job.model or "clipwright",
                             request_id=job.request_id, task_status=_STATUS[job.status])

    # --- poll ------------------------------------------------------------------------------

    def result(self, key: ApiKey, task_id: str, base_url: str) -> TaskResult:
        job = self.queue.get(task_id, key.owner)
        if job is None:
            raise ApiError(404, NOT_FOUND, f"no task '{task_id}' for this API key")
        answer = TaskResult(**self.submitted(job).model_dump())
        if job.status == "done":
            files = f"{self.base(base_url)}{PREFIX}/files/{job.id}/{job.file_token}"
            answer.video_result = [VideoResult(url=f"{files}/video.mp4",
                                               cover_image_url=f"{files}/cover.jpg")]
            answer.optimized_prompt, answer.seed = job.prompt, job.seed
            answer.test_pattern = job.test_pattern
        elif job.status == "failed":
            answer.error_message = job.error
        else:
            answer.queue_position = self.queue.position(job.id)
        return answer

    def base(self, request_base: str) -> str:
        return (self.config.public_base_url or request_base).rstrip("/")

    def file(self, task_id: str, token: str, name: str) -> FileResponse:
        job = self.queue.shared_result(task_id, token)
        if job is None or name not in _FILES:
            raise ApiError(404, NOT_FOUND, "no such file")
        attribute, media_type = _FILES[name]
        path: Path | None = getattr(job, attribute)
        if path is None or not path.is_file():
            raise ApiError(404, NOT_FOUND, "the file is gone")
        return FileResponse(path, media_type=media_type,
                            headers={"Cache-Control": "private, max-age=86400"})


def build_router(api: VideoApi) -> APIRouter:
    """The routes, with OpenAPI descriptions."""
    router = APIRouter(prefix=PREFIX, route_class=PlatformRoute, tags=["video API"])
    # Declared so /docs shows an Authorize button; the key itself is checked by api.auth.
    bearer = [Depends(HTTPBearer(auto_error=False, description="your Clipwright API key"))]
    request_body = {"requestBody": {"required": True, "content": {"application/json": {
        "schema": GenerationBody.model_json_schema()}}}}

    @router.post("/videos/generations", response_model=TaskSubmitted, dependencies=bearer,
                 responses=ERROR_RESPONSES, openapi_extra=request_body,
                 summary="Submit a text-to-video or image-to-video task")
    async def generations(request: Request, key: ApiKey = Depends(api.auth)) -> TaskSubmitted:
        raw = await api.read_body(request)
        return await run_in_threadpool(api.submit, key, raw)

    @router.get("/async-result/{task_id}", response_model=TaskResult, dependencies=bearer,
                response_model_exclude_none=True,
                responses=ERROR_RESPONSES, summary="A task's status and, when done, its video")
    def async_result(task_id: str, request: Request,
                     key: ApiKey = Depends(api.auth)) -> TaskResult:
        return api.result(key, task_id, str(request.base_url))

    @router.get("/files/{task_id}/{token}/{name}", responses={404: ERROR_RESPONSES[404]},
                summary="A finished task's video.mp4 or cover.jpg")
    def files(task_id: str, token: str, name: str) -> FileResponse:
        return api.file(task_id, token, name)

    @router.head("/files/{task_id}/{token}/{name}", include_in_schema=False)
    def files_head(task_id: str, token: str, name: str) -> FileResponse:
        return api.file(task_id, token, name)

    return router


def mount(app: FastAPI, queue: JobQueue, keys: KeyStore, config: ApiConfig = ApiConfig(),
          rules: PlatformRules | None = None) -> VideoApi:
    """Add the video API's routes to `app` (which serves its OpenAPI page at /docs)."""
    api = VideoApi(queue, keys, config, rules)
    app.include_router(build_router(api))
    return api
