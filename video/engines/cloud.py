"""The `cloud` engine: CogVideoX through a platform-compatible video API, for CPU-only users.

It speaks the contract of Zhipu's open platform (and of Clipwright's own api/): submit to
`POST {base}/videos/generations`, poll `GET {base}/async-result/{id}` with backoff until
SUCCESS or FAIL or an overall timeout, download the MP4, check and decode it with the
bundled ffmpeg, and return its frames as a Clip, so post-production and music apply as
for any engine.

    base URL: CLIPWRIGHT_CLOUD_BASE_URL (default https://open.bigmodel.cn/api/paas/v4),
    key:      ZHIPUAI_API_KEY (sent as a Bearer token, never to the download host).

`on_step(i, n)` is called about twice a second while waiting, with an estimate of the
progress from the time taken so far; raising GenerationCancelled from it stops waiting.
"""

from __future__ import annotations

import base64
import io
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from errors import EngineUnavailable, InputError
from video.engines.base import EngineDefaults, EngineSettings
from video.engines.preview import OnPreview
from video.ffmpeg import FfmpegError, probe, run_ffmpeg
from video.types import Clip, GenerationRequest, OnStep

DEFAULT_BASE_URL = "https://open.bigmodel.cn/api/paas/v4"
DEFAULT_MODEL = "cogvideox-3"
# What we ask the platform for: CogVideoX's native 720×480 (post-production upscales it),
# at a frame rate and durations the platform offers.
REQUEST_SIZE = (720, 480)
REQUEST_FPS = 30
DURATIONS_S = (5, 10)
# Frames wider than this are scaled down while decoding, to bound memory.
MAX_DECODE_WIDTH = 1360
PROGRESS_STEPS = 100


@dataclass(frozen=True)
class CloudTiming:
    """Polling, timeouts and limits; tests shorten them."""

    first_poll_s: float = 3.0
    max_poll_s: float = 15.0
    backoff: float = 1.5
    timeout_s: float = 900.0  # for the whole render, submit to download
    typical_s: float = 90.0  # how long a render usually takes, for the progress estimate
    request_timeout_s: float = 30.0
    retries: int = 3  # per call, for network errors, 429 and 5xx
    max_download_bytes: int = 300 * 2**20


class CloudEngine:
    """Renders on a remote, platform-compatible video API."""

    name = "cloud"
    capabilities = frozenset({"t2v", "i2v"})
    test_pattern = False
    previews = False  # on_preview is never called

    def __init__(self, settings: EngineSettings, timing: CloudTiming = CloudTiming()):
        if not settings.cloud_api_key:
            raise EngineUnavailable("the cloud engine needs an API key: set ZHIPUAI_API_KEY "
                                    "(and CLIPWRIGHT_CLOUD_BASE_URL for another platform)")
        self.settings = settings
        self.timing = timing
        self.base_url = (settings.cloud_base_url or DEFAULT_BASE_URL).rstrip("/")

    def defaults(self, task: str, model: str | None = None) -> EngineDefaults:
        """The remote model (its own name, e.g. cogvideox-3) and what we ask it for."""
        width, height = REQUEST_SIZE
        return EngineDefaults(model=model or DEFAULT_MODEL, width=width, height=height,
                              frames=49, fps=8, steps=PROGRESS_STEPS, guidance=6.0,
                              max_frames=8 * max(DURATIONS_S) + 1, fixed_size=True)

    # --- the story of one render -----------------------------------------------------------

    def generate(self, request: GenerationRequest, on_step: OnStep | None = None,
                 on_preview: OnPreview | None = None) -> Clip:
        """Submit, wait, download, decode."""
        import httpx

        step = on_step or (lambda i, n: None)
        model = request.model or DEFAULT_MODEL
        timings: dict[str, float] = {}
        started = time.perf_counter()
        deadline = time.monotonic() + self.timing.timeout_s
        with httpx.Client(timeout=self.timing.request_timeout_s) as client:
            # 1. Submit (the request_id makes a retried submission harmless).
            task = self._call(client, "POST", "/videos/generations",
                              json=self.platform_body(request, model))
            task_id = task.get("id")
            if not task_id:
                raise EngineUnavailable(f"the cloud platform gave no task id: {task}")
            timings["submit"] = time.perf_counter() - started

            # 2. Wait for it, polling with backoff.
            result = self._wait(client, task_id, deadline, step)
            timings["wait"] = time.perf_counter() - started - timings["submit"]

            # 3. Download the video and read its frames.
            videos = result.get("video_result") or []
            if not videos or not videos[0].get("url"):
                raise EngineUnavailable("the cloud platform finished without a video URL")
            with tempfile.TemporaryDirectory(prefix="clipwright-cloud-") as folder:
                path = Path(folder) / "clip.mp4"
                mark = time.perf_counter()
                self._download(client, videos[0]["url"], path, deadline)
                timings["download"] = time.perf_counter() - mark
                mark = time.perf_counter()
                frames, fps = decode_video(path)
                timings["decode"] = time.perf_counter() - mark
        step(PROGRESS_STEPS, PROGRESS_STEPS)
        return Clip(frames=frames, fps=fps, engine=self.name, model=model, timings=timings)

    @staticmethod
    def platform_body(request: GenerationRequest, model: str) -> dict:
        """The platform's request body for a GenerationRequest."""
        seconds = request.frames / max(request.fps, 1)
        body = {"model": model, "prompt": request.prompt, "quality": "quality",
                "with_audio": False, "size": f"{request.width}x{request.height}",
                "fps": REQUEST_FPS,
                "duration": min(DURATIONS_S, key=lambda d: abs(d - seconds)),
                "request_id": f"clipwright-{uuid.uuid4().hex}"}
        if request.image is not None:
            buffer = io.BytesIO()
            request.image.convert("RGB").save(buffer, format="JPEG", quality=95)
            body["image_url"] = ("data:image/jpeg;base64,"
                                 + base64.b64encode(buffer.getvalue()).decode("ascii"))
        return body

    # --- talking to the platform -----------------------------------------------------------

    def _wait(self, client, task_id: str, deadline: float, step: OnStep) -> dict:
        interval, begun = self.timing.first_poll_s, time.monotonic()
        while True:
            self._pause(interval, deadline, begun, step)
            answer = self._call(client, "GET", f"/async-result/{task_id}")
            status = answer.get("task_status")
            if status == "SUCCESS":
                return answer
            if status == "FAIL":
                reason = (answer.get("error_message") or (answer.get("error") or {}).get("message")
                          or "no reason given")
                raise EngineUnavailable(f"the cloud platform could not render this clip: {reason}")
            if status != "PROCESSING":
                raise EngineUnavailable(f"the cloud platform answered an unknown task status "
                                        f"{status!r}")
            interval = min(interval * self.timing.backoff, self.timing.max_poll_s)

    def _pause(self, seconds: float, deadline: float, begun: float, step: OnStep) -> None:
        """Sleep in short slices, reporting estimated progress (which may cancel)."""
        end = time.monotonic() + seconds
        while True:
            now = time.monotonic()
            if now >= deadline:
                raise EngineUnavailable(f"the cloud platform did not finish within "
                                        f"{self.timing.timeout_s:g} s; try again later")
            guess = int(PROGRESS_STEPS * (now - begun) / self.timing.typical_s)
            step(min(PROGRESS_STEPS - 1, max(guess, 0)), PROGRESS_STEPS)
            if now >= end:
                return
            time.sleep(min(0.5, end - now, deadline - now))

    def _call(self, client, method: str, path: str, json: dict | None = None) -> dict:
        """One API call with the key, retried on network errors, 429 and 5xx."""
        import httpx

        headers = {"Authorization": f"Bearer {self.settings.cloud_api_key}"}
        problem = ""
        for attempt in range(self.timing.retries + 1):
            if attempt:
                time.sleep(min(2.0 ** attempt, 10.0))
            try:
                response = client.request(method, self.base_url + path, json=json,
                                          headers=headers)
            except httpx.HTTPError as exc:
                problem = f"cannot reach {self.base_url}: {type(exc).__name__}: {exc}"
                continue
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"HTTP {response.status_code}: {_message(response)}"
                continue
            if response.status_code in (401, 403):
                raise EngineUnavailable(f"the cloud platform refused the API key "
                                        f"(ZHIPUAI_API_KEY): {_message(response)}")
            if response.status_code == 400:
                raise InputError(f"the cloud platform rejected the request: {_message(response)}")
            if response.status_code != 200:
                raise EngineUnavailable(f"the cloud platform answered HTTP "
                                        f"{response.status_code}: {_message(response)}")
            try:
                return response.json()
            except ValueError:
                raise EngineUnavailable("the cloud platform answered something that is not "
                                        "JSON") from None
        raise EngineUnavailable(f"the cloud platform is not answering ({problem}); "
                                f"try again later")

    def _download(self, client, url: str, path: Path, deadline: float) -> None:
        """Fetch the video (no key sent: result URLs carry their own token), size-capped."""
        import httpx

        limit = self.timing.max_download_bytes
        try:
            with client.stream("GET", url, follow_redirects=True) as response:
                if response.status_code != 200:
                    raise EngineUnavailable(f"downloading the cloud video gave HTTP "
                                            f"{response.status_code}")
                size = 0
                with open(path, "wb") as handle:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise EngineUnavailable(f"the cloud video is larger than "
                                                    f"{limit // 2**20} MiB")
                        if time.monotonic() > deadline:
                            raise EngineUnavailable("downloading the cloud video took too long")
                        handle.write(chunk)
        except httpx.HTTPError as exc:
            raise EngineUnavailable(f"cannot download the cloud video: {exc}") from None


def _message(response) -> str:
    """The platform's error message, else the start of the body."""
    try:
        data = response.json()
        error = data.get("error") if isinstance(data, dict) else None
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    except ValueError:
        pass
    return response.text[:200].strip() or "no details"


def decode_video(path: Path) -> tuple[np.ndarray, float]:
    """A checked MP4's frames (uint8 T×H×W×3) and frame rate, via the bundled ffmpeg."""
    try:
        info = probe(path)
    except FfmpegError:
        raise EngineUnavailable("the cloud platform's file is not a readable video") from None
    stream = info.first("video")
    if stream is None or not stream.width or not stream.height or not info.video_frames:
        raise EngineUnavailable("the cloud platform's file holds no video frames")
    width, height = stream.width, stream.height
    scale = []
    if width > MAX_DECODE_WIDTH:
        height = round(height * MAX_DECODE_WIDTH / width / 2) * 2
        width = MAX_DECODE_WIDTH
        scale = ["-vf", f"scale={width}:{height}:flags=area"]
    frame_bytes = width * height * 3
    try:
        raw = run_ffmpeg(["-i", str(path), *scale, "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                         doing="decode the cloud platform's video").stdout
    except FfmpegError as exc:
        raise EngineUnavailable("the cloud platform's video could not be decoded: "
                                + exc.reason) from exc
    if not raw or len(raw) % frame_bytes:
        raise EngineUnavailable("the cloud platform's video could not be decoded: "
                                f"{len(raw)} bytes are not whole {width}×{height} frames")
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, height, width, 3)
    return frames.copy(), float(stream.fps or REQUEST_FPS)
