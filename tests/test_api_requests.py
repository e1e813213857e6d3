"""The API's front door over real HTTP: auth, idempotency, limits, bad and huge bodies.

The server here runs no workers, so tasks stay queued: what is checked is what the API
accepts, refuses and stores, not rendering.
"""

import base64
import io
import json
from dataclasses import replace

import httpx
import pytest
from PIL import Image

from studio.director import Director
from api.config import ApiConfig
from api.platform import load_rules
from api.server import build_app
from studio_support import open_test_services
from api_support import PREFIX, result, submit, thread_server
from music.soundtrack import Soundtrack
from styles.presets import StyleLibrary
from video.engines.pool import EnginePool

OK = {"model": "cogvideox-3", "prompt": "a cheetah lying in the grass"}


@pytest.fixture(scope="module")
def idle(tmp_path_factory, engine_settings):
    """An API whose queue is not started; yields (url, services). Tests use their own keys."""
    data = tmp_path_factory.mktemp("api-idle") / "data"
    director = Director(EnginePool(engine_settings), styles=StyleLibrary.load(),
                        music=Soundtrack())
    services = open_test_services(data, director)
    app = build_app(services, ApiConfig(engine="tiny"))
    with thread_server(app) as url:
        yield url, services
    services.db.close()


def new_key(services, **limits) -> str:
    return services.keys.create("test", **limits)[1]


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return response.status_code, body["error"]["code"], body["error"]["message"]


def test_auth_failures_are_401_in_the_platform_shape(idle):
    url, services = idle
    key = new_key(services)
    missing = submit(url, None, OK)
    assert error_of(missing)[:2] == (401, "1001")
    assert missing.headers["www-authenticate"] == "Bearer"
    for wrong in ("nonsense", key.split(".")[0] + ".wrong-secret", "Basic abc", "." + key):
        assert error_of(submit(url, wrong, OK))[:2] == (401, "1002"), wrong
    assert error_of(result(url, "nonsense", "abc"))[:2] == (401, "1002")
    # A bare key without the word Bearer is accepted, as the platform does.
    bare = httpx.post(url + PREFIX + "/videos/generations", json=OK,
                      headers={"Authorization": key}, timeout=30)
    assert bare.status_code == 200, bare.text
    services.keys.revoke(key.split(".")[0])
    assert error_of(submit(url, key, OK))[:2] == (401, "1002")


def test_request_id_makes_submission_idempotent(idle):
    url, services = idle
    key = new_key(services, max_in_flight=1)
    first = submit(url, key, {**OK, "request_id": "order-42"}).json()
    # The same request again, its keys in another order and a default spelled out: the
    # same task, and a repeat does not count against the in-flight cap.
    again = submit(url, key, {"request_id": "order-42", "seed": None, **OK})
    assert again.status_code == 200 and again.json() == first
    owner = "key:" + key.split(".")[0]
    assert len(services.queue.list(owner)) == 1
    assert services.queue.get(first["id"], owner).spec.idea == OK["prompt"]


def test_in_flight_cap_and_submission_rate_give_429(idle):
    url, services = idle
    capped = new_key(services, max_in_flight=2, submits_per_minute=100)
    assert submit(url, capped, OK).status_code == 200
    assert submit(url, capped, OK).status_code == 200
    status, code, message = error_of(submit(url, capped, OK))
    assert (status, code) == (429, "1302") and "in flight" in message

    slow = new_key(services, max_in_flight=100, submits_per_minute=2)
    assert [submit(url, slow, OK).status_code for _ in range(2)] == [200, 200]
    limited = submit(url, slow, OK)
    assert error_of(limited)[:2] == (429, "1303")
    assert 1 <= int(limited.headers["retry-after"]) <= 30
    # Another key is not slowed down by the first one's limit.
    assert submit(url, new_key(services), OK).status_code == 200


def test_every_request_counts_against_the_keys_request_rate(tmp_path, engine_settings):
    services = open_test_services(tmp_path / "data", Director(EnginePool(engine_settings)))
    rules = load_rules()
    strict = replace(rules, limits=replace(rules.limits, requests_per_minute=5))
    with thread_server(build_app(services, ApiConfig(engine="tiny"), rules=strict)) as url:
        key = new_key(services)
        answers = [result(url, key, "unknown").status_code for _ in range(6)]
        assert answers == [404] * 5 + [429]
        assert error_of(result(url, key, "unknown"))[:2] == (429, "1303")
        assert result(url, new_key(services), "unknown").status_code == 404
    services.db.close()


def photo_b64(size=(64, 48)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(buffer, format="JPEG")
    return base64.b64encode(buffer.getvalue()).decode()


BAD_BODIES = [
    (b"{not json", "1210", "not valid JSON"),
    (b"[1, 2, 3]", "1210", "JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, "1210", ""),
    ({"prompt": "a cat"}, "1214", "'model'"),
    ({**OK, "promt": "typo"}, "1214", "'promt'"),
    ({**OK, "prompt": 42}, "1214", "'prompt'"),
    ({**OK, "fps": 31}, "1214", "fps"),
    ({**OK, "fps": "fast"}, "1214", "'fps'"),
    ({**OK, "size": "999x1"}, "1214", "size"),
    ({**OK, "duration": 60}, "1214", "duration"),
    ({**OK, "aspect_ratio": "21:9"}, "1214", "aspect_ratio: aspect must be auto or one of"),
    ({**OK, "aspect_ratio": 1.5}, "1214", "'aspect_ratio'"),
    ({**OK, "quality": "best"}, "1214", "quality"),
    ({**OK, "seed": -1}, "1214", "'seed'"),
    ({**OK, "with_audio": "perhaps"}, "1214", "'with_audio'"),
    ({"model": "cogvideox-3", "prompt": "   "}, "1214", "prompt is empty"),
    ({**OK, "prompt": "a" * 2001}, "1214", "2001 characters"),
    ({**OK, "prompt": "a cat\x00\x07"}, "1214", "control characters"),
    ({**OK, "model": "sora"}, "1211", "unknown model 'sora'"),
    ({**OK, "style": "no-such-style"}, "1214", "style"),
    ({**OK, "music": "/etc/passwd"}, "1214", "track id"),
    ({**OK, "with_audio": True, "music": "../secrets/browser-state"}, "1214", "track id"),
    ({**OK, "request_id": "r" * 129}, "1214", "'request_id'"),
    ({**OK, "image_url": "ftp://example.com/a.jpg"}, "1214", "http(s)"),
    ({**OK, "image_url": "not base64 !!"}, "1214", "base64"),
    ({**OK, "image_url": base64.b64encode(b"just some text").decode()}, "1214",
     "not a photo we can read"),
    ({**OK, "image_url": "data:image/png,rawbytes"}, "1214", "data URI"),
    ({**OK, "image_url": [photo_b64(), photo_b64()]}, "1214", "one image"),
    ({**OK, "image_url": "http://127.0.0.1:9/photo.jpg"}, "1214", "private or local"),
]


@pytest.mark.parametrize("body,code,words", BAD_BODIES,
                         ids=[f"bad{i}" for i in range(len(BAD_BODIES))])
def test_malformed_bodies_get_400_and_leave_nothing(idle, body, code, words):
    url, services = idle
    key = new_key(services)
    status, got, message = error_of(submit(url, key, body))
    assert (status, got) == (400, code), message
    assert words in message
    assert services.queue.list("key:" + key.split(".")[0]) == []


def test_platform_fields_we_do_not_use_are_accepted(idle):
    url, services = idle
    key = new_key(services)
    body = {**OK, "sensitive_word_check": {"type": "ALL"}, "quality": "speed",
            "with_audio": True, "size": "1440x960", "fps": 30, "duration": 5,
            "aspect_ratio": "9:16", "image_url": None, "style": "cinematic", "music": "none"}
    answer = submit(url, key, body)
    assert answer.status_code == 200, answer.text
    job = services.queue.get(answer.json()["id"], "key:" + key.split(".")[0])
    assert (job.options.upscale, job.options.fps, job.options.engine) == (2, 32, "tiny")
    assert (job.spec.duration, job.spec.style, job.spec.music) == (5.0, "cinematic", "none")
    # Seconds and aspect stay in the spec: the director makes them the model's frames.
    assert job.spec.aspect == "9:16" and job.options.frames is None
    default = services.queue.get(submit(url, key, OK).json()["id"],
                                 "key:" + key.split(".")[0])
    assert default.spec.music == "none"  # the platform's with_audio defaults to false
    with_audio = services.queue.get(submit(url, key, {**OK, "with_audio": True}).json()["id"],
                                    "key:" + key.split(".")[0])
    assert with_audio.spec.music == "auto"


def test_oversized_bodies_and_images_get_413(idle):
    url, services = idle
    key = new_key(services)
    huge = json.dumps({**OK, "prompt": "x" * (17 * 2**20)}).encode()
    status, code, message = error_of(submit(url, key, huge))
    assert (status, code) == (413, "1413") and "MiB" in message
    big_image = base64.b64encode(b"\xff" * (11 * 2**20)).decode()
    status, code, _ = error_of(submit(url, key, {**OK, "image_url": big_image}))
    assert (status, code) == (413, "1413")
    assert services.queue.list("key:" + key.split(".")[0]) == []


def test_unknown_task_is_404(idle):
    url, services = idle
    key = new_key(services)
    assert error_of(result(url, key, "0" * 32))[:2] == (404, "1404")
