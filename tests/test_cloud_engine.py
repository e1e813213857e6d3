"""The cloud engine end to end against a second Clipwright: a real API server (tiny engine)
started by the test, reached over HTTP on 127.0.0.1 exactly as the platform would be."""

import json

import numpy as np
import pytest
from PIL import Image

from studio.director import Director, RenderOptions
from agent.shot import ShotSpec
from api.config import ApiConfig
from api.server import build_app
from studio_support import open_test_services
from api_support import PREFIX, platform_server, thread_server
from errors import EngineUnavailable, GenerationCancelled
from video.engines import choose_engine, create_engine
from video.engines.base import EngineSettings
from video.engines.cloud import CloudEngine, CloudTiming, decode_video
from video.engines.pool import EnginePool
from video.ffmpeg import probe
from video.encode import encode_mp4
from video.types import GenerationRequest

FAST = CloudTiming(first_poll_s=0.3, max_poll_s=1.0, timeout_s=240, typical_s=10, retries=1)


@pytest.fixture(scope="module")
def remote(tmp_path_factory, shared_cache):
    """A second Clipwright serving the API with the tiny engine; yields (base URL, key)."""
    with platform_server(tmp_path_factory.mktemp("remote") / "data", shared_cache,
                         "cloud engine test") as remote_:
        yield remote_


@pytest.fixture(scope="module")
def stalled(tmp_path_factory, engine_settings):
    """A Clipwright API whose workers never start: its tasks stay PROCESSING."""
    services = open_test_services(tmp_path_factory.mktemp("stalled") / "data",
                                  Director(EnginePool(engine_settings)))
    key = services.keys.create("stalled")[1]
    with thread_server(build_app(services, ApiConfig(engine="tiny"))) as url:
        yield url + PREFIX, key
    services.db.close()


@pytest.fixture(scope="module")
def unequipped(tmp_path_factory, engine_settings):
    """A Clipwright API told to render with CogVideoX where it has no GPU (or, on a GPU
    machine, no weights offline): it takes tasks and fails them with the reason."""
    services = open_test_services(tmp_path_factory.mktemp("unequipped") / "data",
                                  Director(EnginePool(engine_settings)))
    key = services.keys.create("unequipped")[1]
    services.queue.start()
    with thread_server(build_app(services, ApiConfig(engine="cogvideox"))) as url:
        yield url + PREFIX, key
    services.queue.stop()
    services.db.close()


def settings_for(base_url: str, key: str, cache) -> EngineSettings:
    return EngineSettings(cache_dir=cache, cloud_api_key=key, cloud_base_url=base_url)


def request(**changes) -> GenerationRequest:
    base = dict(prompt="a cheetah lying in the grass", frames=49, fps=8, width=720,
                height=480, steps=100, seed=3)
    return GenerationRequest(**{**base, **changes})


@pytest.mark.slow  # renders on a second Clipwright process
def test_text_to_video_through_a_second_clipwright(remote, shared_cache):
    engine = CloudEngine(settings_for(*remote, shared_cache), FAST)
    steps = []
    clip = engine.generate(request(), on_step=lambda i, n: steps.append((i, n)))
    # The remote renders tiny's 96×64 at 8 fps; "fps": 30 asks it for 32 (×4 interpolation).
    assert clip.frames.dtype == np.uint8 and clip.frames.shape[1:] == (64, 96, 3)
    assert clip.fps == 32 and len(clip.frames) > 9
    assert (clip.engine, clip.model) == ("cloud", "cogvideox-3")
    assert {"submit", "wait", "download", "decode"} <= set(clip.timings)
    assert steps[-1] == (100, 100) and all(n == 100 for _, n in steps)
    assert [i for i, _ in steps] == sorted(i for i, _ in steps)


@pytest.mark.slow  # renders on a second Clipwright process
def test_image_to_video_sends_the_photo(remote, shared_cache):
    engine = CloudEngine(settings_for(*remote, shared_cache), FAST)
    photo = Image.fromarray(np.tile(np.arange(720, dtype=np.uint8)[None, :, None] // 3,
                                    (480, 1, 3)))
    body = CloudEngine.platform_body(request(image=photo), "cogvideox-3")
    assert body["image_url"].startswith("data:image/jpeg;base64,") and body["duration"] == 5
    clip = engine.generate(request(image=photo, prompt="her hair moves in the wind, push in"))
    assert clip.frames.shape[1:] == (64, 96, 3)


@pytest.mark.slow  # renders on a second Clipwright process
def test_director_picks_cloud_with_a_key_and_finishes_the_video(remote, shared_cache, tmp_path):
    settings = settings_for(*remote, shared_cache)
    assert choose_engine("auto", "t2v", settings) == "cloud"  # no GPU here, a key: cloud
    director = Director(EnginePool(settings))
    result = director.render(ShotSpec(idea="a red train crossing a bridge", seed=9),
                             tmp_path / "cloud.mp4", RenderOptions(engine="auto"))
    assert result.engine == "cloud" and result.model == "cogvideox-3"
    info = probe(result.video.mp4)
    assert info.video_frames > 0 and info.first("video").width == 192  # post's 2× upscale
    assert result.video.poster.is_file()


@pytest.mark.slow  # renders on a second Clipwright process
def test_the_cli_renders_with_the_cloud_engine(remote, run_cli, monkeypatch):
    base_url, key = remote
    monkeypatch.setenv("ZHIPUAI_API_KEY", key)
    monkeypatch.setenv("CLIPWRIGHT_CLOUD_BASE_URL", base_url)
    monkeypatch.setenv("CLIPWRIGHT_REWRITER", "formula")  # the key would bring Zhipu's GLM
    done = run_cli("generate", "a boat on a calm sea", "--engine", "cloud", "--json",
                   "--out", "boat.mp4")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["engine"] == "cloud" and summary["frames"] > 0


def test_a_remote_failure_is_reported_with_its_reason(unequipped, shared_cache):
    engine = CloudEngine(settings_for(*unequipped, shared_cache), FAST)
    # The remote takes the task, then its engine cannot run there: the task fails with
    # the remote's own reason, and the caller reads it.
    with pytest.raises(EngineUnavailable, match="could not render this clip: .*(GPU|weights)"):
        engine.generate(request())


@pytest.mark.slow  # renders on a second Clipwright process
def test_a_request_the_remote_refuses_is_the_callers_mistake(remote, shared_cache):
    from errors import InputError

    engine = CloudEngine(settings_for(*remote, shared_cache), FAST)
    with pytest.raises(InputError, match="rejected the request: .*tiny models"):
        engine.generate(request(model="cogvideox-5b"))
    with pytest.raises(InputError, match="size"):
        engine.generate(request(width=640, height=640))


@pytest.mark.slow  # renders on a second Clipwright process
def test_a_refused_key_says_so(remote, shared_cache):
    engine = CloudEngine(settings_for(remote[0], "nope.nope", shared_cache), FAST)
    with pytest.raises(EngineUnavailable, match="refused the API key"):
        engine.generate(request())


def test_overall_timeout_and_cancellation_while_waiting(stalled, shared_cache):
    short = CloudTiming(first_poll_s=0.2, max_poll_s=0.3, timeout_s=1.5, retries=0)
    engine = CloudEngine(settings_for(*stalled, shared_cache), short)
    with pytest.raises(EngineUnavailable, match="did not finish within 1.5 s"):
        engine.generate(request())

    calls = []

    def stop_on_third(i, n):
        calls.append(i)
        if len(calls) == 3:
            raise GenerationCancelled("user pressed stop")

    patient = CloudEngine(settings_for(*stalled, shared_cache), FAST)
    with pytest.raises(GenerationCancelled):
        patient.generate(request(), on_step=stop_on_third)
    assert len(calls) == 3


def test_an_unreachable_platform_is_named(shared_cache):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    engine = CloudEngine(settings_for(f"http://127.0.0.1:{port}/api/paas/v4", "a.b",
                                      shared_cache), CloudTiming(retries=1, timeout_s=30))
    with pytest.raises(EngineUnavailable, match="not answering .*cannot reach"):
        engine.generate(request())


def test_no_key_means_no_cloud_engine(shared_cache):
    with pytest.raises(EngineUnavailable, match="ZHIPUAI_API_KEY"):
        create_engine("cloud", EngineSettings(cache_dir=shared_cache))


def test_downloaded_files_are_checked_before_use(tmp_path):
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"<html>not a video</html>")
    with pytest.raises(EngineUnavailable, match="not a readable video"):
        decode_video(garbage)
    frames = np.random.default_rng(0).integers(0, 255, (12, 64, 96, 3), dtype=np.uint8)
    encode_mp4(frames, 24, tmp_path / "real.mp4", 96, 64)
    decoded, fps = decode_video(tmp_path / "real.mp4")
    assert decoded.shape == (12, 64, 96, 3) and fps == 24
    wide = np.zeros((3, 1080, 1920, 3), dtype=np.uint8)
    encode_mp4(wide, 8, tmp_path / "wide.mp4", 1920, 1080)
    assert decode_video(tmp_path / "wide.mp4")[0].shape == (3, 764, 1360, 3)  # memory bound
