"""The video API over real HTTP on 127.0.0.1: submit, poll, download, photos, the SDK."""

import base64
import io
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import httpx
import numpy as np
import pytest
from PIL import Image

from studio.director import Director
from api.config import ApiConfig
from api.server import build_app
from studio_support import open_test_services
from api_support import PREFIX, result, submit, thread_server, wait_result
from music.soundtrack import Soundtrack
from styles.presets import StyleLibrary
from video.engines.pool import EnginePool
from video.ffmpeg import probe


@pytest.fixture(scope="module")
def live(tmp_path_factory, engine_settings):
    """A running API (tiny engine, workers started) and two keys."""
    data = tmp_path_factory.mktemp("api-live") / "data"
    director = Director(EnginePool(engine_settings), styles=StyleLibrary.load(),
                        music=Soundtrack())
    services = open_test_services(data, director)
    services.queue.start()
    app = build_app(services, ApiConfig(engine="tiny", allow_private_image_hosts=True))
    with thread_server(app) as url:
        _, key_a = services.keys.create("a", submits_per_minute=100, max_in_flight=10)
        _, key_b = services.keys.create("b", submits_per_minute=100, max_in_flight=10)
        yield url, key_a, key_b, services
    services.close()


def photo_png() -> bytes:
    """A small gradient photo as PNG bytes."""
    y, x = np.mgrid[0:120, 0:180]
    pixels = np.stack([x * 255 // 179, y * 255 // 119, (x + y) % 256], axis=-1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def photo_site(tmp_path_factory):
    """A plain static web server holding photo.png."""
    folder = tmp_path_factory.mktemp("site")
    (folder / "photo.png").write_bytes(photo_png())
    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_text_to_video_submit_poll_and_download(live):
    url, key, _, _ = live
    answer = submit(url, key, {"model": "cogvideox-3", "prompt": "a cheetah lying in the grass",
                               "size": "720x480", "fps": 16, "seed": 11,
                               "request_id": "t2v-1", "user_id": "shop-user-7"})
    assert answer.status_code == 200, answer.text
    task = answer.json()
    assert task["model"] == "cogvideox-3" and task["request_id"] == "t2v-1"
    assert task["task_status"] == "PROCESSING" and len(task["id"]) == 32
    processing = result(url, key, task["id"]).json()
    assert processing["task_status"] in ("PROCESSING", "SUCCESS")
    if processing["task_status"] == "PROCESSING":
        assert processing["video_result"] == [] and processing["queue_position"] >= 0

    done = wait_result(url, key, task["id"])
    assert done["task_status"] == "SUCCESS", done
    assert done["seed"] == 11 and done["optimized_prompt"] and done["test_pattern"] is True
    [video] = done["video_result"]
    clip = httpx.get(video["url"], timeout=30)  # no key: the URL carries its own token
    assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"
    saved = live[3].queue.data_dir / "check.mp4"
    saved.write_bytes(clip.content)
    info = probe(saved)
    assert info.video_frames > 0 and info.first("video").width == 96  # tiny, 1× upscale
    cover = httpx.get(video["cover_image_url"], timeout=30)
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/jpeg"
    assert httpx.head(video["url"], timeout=30).status_code == 200


def test_a_done_task_whose_record_was_damaged_still_answers_with_its_video(live):
    """A hand edit or a bad migration that breaks a row's saved idea must not turn the
    owner's GET into a server error: the task answers, its video still downloads."""
    url, key, _, services = live
    task = submit(url, key, {"model": "cogvideox-3", "prompt": "a kite over the dunes",
                             "seed": 3}).json()
    assert wait_result(url, key, task["id"])["task_status"] == "SUCCESS"
    with services.queue.store.db.transaction() as conn:
        conn.execute("UPDATE jobs SET spec = '{broken', options = '[]' WHERE id = ?",
                     (task["id"],))
    answer = result(url, key, task["id"])
    assert answer.status_code == 200, answer.text
    done = answer.json()
    assert done["task_status"] == "SUCCESS"
    [video] = done["video_result"]
    assert httpx.get(video["url"], timeout=30).status_code == 200


def test_style_and_soundtrack_apply(live, tmp_path):
    url, key, _, _ = live
    task = submit(url, key, {"model": "cogvideox-3", "prompt": "waves on a beach at sunset",
                             "style": "cinematic", "with_audio": True}).json()
    done = wait_result(url, key, task["id"])
    assert done["task_status"] == "SUCCESS", done
    saved = tmp_path / "styled.mp4"
    saved.write_bytes(httpx.get(done["video_result"][0]["url"], timeout=30).content)
    assert probe(saved).first("audio") is not None  # with_audio: a soundtrack was muxed
    silent = wait_result(url, key, submit(url, key, {"model": "cogvideox-3",
                                                     "prompt": "waves"}).json()["id"])
    saved.write_bytes(httpx.get(silent["video_result"][0]["url"], timeout=30).content)
    assert probe(saved).first("audio") is None  # the platform's default: no audio


def test_image_to_video_with_a_data_uri(live):
    url, key, _, _ = live
    data_uri = "data:image/png;base64," + base64.b64encode(photo_png()).decode()
    task = submit(url, key, {"model": "cogvideox-3",
                             "prompt": "her hair moves in the wind, slow push in",
                             "image_url": data_uri}).json()
    done = wait_result(url, key, task["id"])
    assert done["task_status"] == "SUCCESS", done
    job = live[3].queue.get(task["id"], "key:" + key.split(".")[0])
    assert job.model == "tiny-i2v" and job.spec.source_image.name.endswith(".jpg")
    # Kept while the task waited and ran; gone once it ended (store/uploads.py).
    assert not job.spec.source_image.exists()


def test_image_to_video_from_a_url_and_from_bare_base64(live, photo_site):
    url, key, _, _ = live
    from_url = submit(url, key, {"model": "cogvideox-3", "image_url": photo_site + "/photo.png"})
    bare = submit(url, key, {"model": "cogvideox-3", "prompt": "grass swaying in the wind",
                             "image_url": base64.b64encode(photo_png()).decode()})
    for answer in (from_url, bare):
        assert answer.status_code == 200, answer.text
        done = wait_result(url, key, answer.json()["id"])
        assert done["task_status"] == "SUCCESS", done
    missing = submit(url, key, {"model": "cogvideox-3", "image_url": photo_site + "/nope.png"})
    assert missing.status_code == 400 and "HTTP 404" in missing.json()["error"]["message"]


def test_a_key_never_sees_another_keys_tasks(live):
    url, key_a, key_b, _ = live
    task = submit(url, key_a, {"model": "cogvideox-3", "prompt": "a red train at night"}).json()
    other = result(url, key_b, task["id"])
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "1404"
    same_id = submit(url, key_b, {"model": "cogvideox-3", "prompt": "a blue kite", "request_id":
                                  task["request_id"]}).json()
    assert same_id["id"] != task["id"]  # request ids are per key
    done = wait_result(url, key_a, task["id"])
    good = done["video_result"][0]["url"]
    assert httpx.get(good.replace("/video.mp4", "/clip.mp4"), timeout=10).status_code == 404
    token = good.split("/")[-2]
    assert httpx.get(good.replace(token, "x" * len(token)), timeout=10).status_code == 404
    assert httpx.get(good.replace("video.mp4", "..%2F..%2Fclipwright.db"),
                     timeout=10).status_code == 404


def test_a_model_the_engine_lacks_is_refused_at_once_with_the_reason(live):
    # (A task that fails while rendering reports its reason too: see test_cloud_engine's
    # remote failure and test_faults' full disk.)
    url, key, _, _ = live
    answer = submit(url, key, {"model": "cogvideox-5b", "prompt": "a cat"})
    assert answer.status_code == 400 and "tiny models" in answer.json()["error"]["message"]


def test_the_platforms_own_python_sdk_works_unchanged(live):
    """Code written for the platform, pointed at Clipwright by its base URL only."""
    import zhipuai

    url, key, _, _ = live
    client = zhipuai.ZhipuAI(api_key=key, base_url=url + PREFIX)
    task = client.videos.generations(model="cogvideox-flash", prompt="a boat on the sea",
                                     with_audio=False, request_id="sdk-1")
    assert task.task_status == "PROCESSING" and task.request_id == "sdk-1"
    done = wait_result(url, key, task.id)
    assert done["task_status"] == "SUCCESS"
    answer = client.videos.retrieve_videos_result(id=task.id)
    assert answer.task_status == "SUCCESS" and answer.video_result[0].url.endswith("video.mp4")
    with pytest.raises(zhipuai.APIAuthenticationError):
        zhipuai.ZhipuAI(api_key="nope.nope", base_url=url + PREFIX).videos.generations(
            model="cogvideox-3", prompt="x")


def test_openapi_document_and_docs_page(live):
    url = live[0]
    assert httpx.get(url + "/docs", timeout=10).status_code == 200
    spec = httpx.get(url + "/openapi.json", timeout=10).json()
    post = spec["paths"][PREFIX + "/videos/generations"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert {"model", "prompt", "image_url", "style", "music", "seed"} <= set(schema["properties"])
    assert {"400", "401", "413", "429"} <= set(post["responses"])
    assert PREFIX + "/async-result/{task_id}" in spec["paths"]
