"""The HTTP edge (api/http_policy.py, api/auth.py) after issue #20, on real servers on
127.0.0.1 run as `serve` and `api` run them (uvicorn with proxy_headers off):

- CORS is off unless an origin is on the allow-list: another site's preflight is refused,
  and no answer carries the CORS headers an app set itself (Gradio's echo any localhost
  origin with credentials); an allowed origin gets CORS without credentials.
- X-Forwarded-For/-Proto/-Host are believed only from a configured proxy's address.
- Failed API-key checks are limited per client address (429 with Retry-After), and a
  forged X-Forwarded-For does not buy a fresh budget.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.config import ApiConfig
from api.http_policy import HttpPolicy, allowed_origin, trusted_proxy
from api.server import build_app, listening_socket
from api_support import PREFIX, result, wait_for
from errors import InputError
from studio.director import Director
from studio_support import open_test_services
from video.engines.pool import EnginePool

EVIL = "http://localhost:4000"  # any page on this machine, e.g. one a browser extension opened
ALLOWED = "https://app.example.com"


@contextmanager
def serving(app):
    """uvicorn in a thread on a free port, proxy headers off (as `serve` and `api` run)."""
    sock = listening_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", proxy_headers=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started, 20, "the server to start")
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def echo_app() -> FastAPI:
    """What a route sees, and an answer with the CORS headers Gradio's middleware sets."""
    app = FastAPI()

    @app.get("/echo")
    def echo(request: Request):
        seen = {"client": request.client.host, "scheme": request.url.scheme,
                "forwarded_host": request.headers.get("x-forwarded-host"),
                "forwarded_for": request.headers.get("x-forwarded-for"),
                "forwarded": request.headers.get("forwarded")}
        origin = request.headers.get("origin", "")
        return JSONResponse(seen, headers={"Access-Control-Allow-Origin": origin,
                                           "Access-Control-Allow-Credentials": "true"}
                            if origin else {})

    return app


def wrapped(**policy) -> FastAPI:
    app = echo_app()
    app.add_middleware(HttpPolicy, **policy)
    return app


FORGED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
          "X-Forwarded-For": "203.0.113.9", "Forwarded": "for=203.0.113.9;proto=https"}


def test_forwarded_headers_from_anyone_are_dropped():
    with serving(wrapped()) as url:
        seen = httpx.get(url + "/echo", headers=FORGED).json()
    assert seen == {"client": "127.0.0.1", "scheme": "http", "forwarded_host": None,
                    "forwarded_for": None, "forwarded": None}


def test_forwarded_headers_from_a_trusted_proxy_are_believed():
    with serving(wrapped(trusted_proxies=["127.0.0.0/8"])) as url:
        seen = httpx.get(url + "/echo", headers=FORGED).json()
    assert seen["client"] == "203.0.113.9" and seen["scheme"] == "https"
    assert seen["forwarded_host"] == "evil.example"  # the proxy's word for the host
    with serving(wrapped(trusted_proxies=["10.0.0.1"])) as url:  # another proxy's address
        assert httpx.get(url + "/echo", headers=FORGED).json()["client"] == "127.0.0.1"


def test_without_an_allow_list_no_other_site_gets_cors():
    with serving(wrapped()) as url:
        preflight = httpx.options(url + "/echo", headers={
            "Origin": EVIL, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert preflight.status_code == 403
        simple = httpx.get(url + "/echo", headers={"Origin": EVIL})
    assert simple.status_code == 200  # answered; the browser keeps it from the other site
    for answer in (preflight, simple):
        assert not [h for h in answer.headers if h.startswith("access-control-")], answer.headers
        assert "Origin" in answer.headers["vary"]


def test_an_allowed_origin_gets_cors_without_credentials():
    with serving(wrapped(cors_origins=[ALLOWED])) as url:
        preflight = httpx.options(url + "/echo", headers={
            "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization"})
        simple = httpx.get(url + "/echo", headers={"Origin": ALLOWED})
        other = httpx.get(url + "/echo", headers={"Origin": EVIL})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "authorization"
    assert simple.headers["access-control-allow-origin"] == ALLOWED
    for answer in (preflight, simple, other):
        assert "access-control-allow-credentials" not in answer.headers
    assert "access-control-allow-origin" not in other.headers


def test_the_flags_are_checked():
    assert allowed_origin("https://App.Example.com/") == "https://app.example.com"
    assert allowed_origin("http://localhost:3000") == "http://localhost:3000"
    assert allowed_origin("*") == "*"
    for bad in ("app.example.com", "ftp://x.example", "https://x.example/path", "https://"):
        with pytest.raises(InputError, match="--cors-origin"):
            allowed_origin(bad)
    assert trusted_proxy("10.0.0.0/8") == "10.0.0.0/8" and trusted_proxy("::1") == "::1/128"
    with pytest.raises(InputError, match="--trusted-proxy"):
        trusted_proxy("proxy.example")


def test_bad_flags_exit_2_before_anything_starts(run_cli, tmp_path):
    result = run_cli("api", "--cors-origin", "ftp://x.example", "--port", "0")
    assert result.returncode == 2 and "--cors-origin must look like" in result.stderr
    result = run_cli("serve", "--trusted-proxy", "everyone", "--port", "0")
    assert result.returncode == 2 and "--trusted-proxy must be" in result.stderr
    assert not (tmp_path / "data").exists()


# --- the API: failed key checks per client address --------------------------------------------

@pytest.fixture
def api(tmp_path, engine_settings):
    """`api` as `python app.py api` builds it (policy included); yields (services, run)."""
    services = open_test_services(tmp_path / "data", Director(EnginePool(engine_settings)))

    @contextmanager
    def run(**config):
        with serving(build_app(services, ApiConfig(engine="tiny", **config))) as url:
            yield url

    yield services, run
    services.db.close()


def poll(url: str, key: str, forwarded_for: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    return httpx.get(f"{url}{PREFIX}/async-result/unknown", headers=headers, timeout=30)


def test_failed_key_checks_are_limited_per_address(api):
    """Before: any number of wrong keys, each a 401. Now the 11th in a minute is a 429 —
    for the right key too, so a hit cannot be told from a miss — and a forged
    X-Forwarded-For does not reset the count."""
    services, run = api
    good = services.keys.create("edge")[1]
    with run() as url:
        assert poll(url, good).status_code == 404  # a right key costs nothing
        wrong = [poll(url, f"{good.split('.')[0]}.guess{i}", f"198.51.100.{i}")
                 for i in range(11)]
        assert [a.status_code for a in wrong] == [401] * 10 + [429]
        limited = wrong[-1]
        assert limited.json()["error"]["code"] == "1303"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert "wrong API keys" in limited.json()["error"]["message"]
        assert poll(url, good).status_code == 429
        assert result(url, None, "x").status_code == 401  # no key at all is no guess


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(api):
    services, run = api
    good = services.keys.create("edge")[1]
    with run(trusted_proxies=("127.0.0.1",)) as url:
        for _ in range(10):
            assert poll(url, "nope.nope", "198.51.100.1").status_code == 401
        assert poll(url, "nope.nope", "198.51.100.1").status_code == 429
        assert poll(url, good, "198.51.100.2").status_code == 404  # someone else behind it


def test_the_failed_key_count_refills_and_forgets_idle_addresses():
    from api import auth

    now = [0.0]
    limiter = auth.RateLimiter(clock=lambda: now[0])
    assert limiter.wait("failed-keys:a", 10) == 0.0  # nothing yet, and nothing taken
    for _ in range(10):
        assert limiter.take("failed-keys:a", 10) == 0.0
    assert limiter.wait("failed-keys:a", 10) == pytest.approx(6.0)
    assert limiter.wait("failed-keys:a", 10) == pytest.approx(6.0)  # waiting takes nothing
    now[0] += 6.0
    assert limiter.wait("failed-keys:a", 10) == 0.0
    # Buckets of addresses seen once do not pile up: idle ones (full again) are dropped.
    for i in range(auth._MAX_BUCKETS):
        limiter.take(f"failed-keys:{i}", 10)
    now[0] += 61
    limiter.take("failed-keys:new", 10)
    assert len(limiter._buckets) == 1
