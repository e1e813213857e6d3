"""`python app.py serve`'s headers after issue #20, on a real process: the page has a
Content-Security-Policy with frame-ancestors 'self', share pages keep their own, and CORS is
off unless an origin is allowed — the API's preflight included, which Gradio used to answer
for any localhost origin with credentials (it falls through to the page's mount)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest
from api_support import PREFIX, stop_process

from tests.conftest import ROOT

EVIL = "http://localhost:4000"
ALLOWED = "https://app.example.com"


@pytest.fixture(scope="module")
def served(tmp_path_factory, shared_cache):
    data = tmp_path_factory.mktemp("serve-edge")
    env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(shared_cache), HF_HUB_OFFLINE="1")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve", "--port", "0", "--engine", "tiny",
         "--data-dir", str(data / "data"), "--cors-origin", ALLOWED],
        cwd=data, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for _ in range(4):  # "starting on …", then "running on …" once the page is built
            line = process.stdout.readline()
            match = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
            if match:
                url = match[1]
                break
        assert url, line + process.stderr.read()
        yield url
    finally:
        stop_process(process)


def cors_headers(answer: httpx.Response) -> dict:
    return {k: v for k, v in answer.headers.items() if k.startswith("access-control-")}


@pytest.mark.slow
def test_the_page_says_who_may_frame_it(served):
    page = httpx.get(served + "/", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    policy = page.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in policy and "object-src 'none'" in policy
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert "content-security-policy" in httpx.get(served + "/config", timeout=30).headers


@pytest.mark.slow
def test_no_other_site_gets_cors_from_the_page_or_the_api(served):
    for path in ("/config", "/gradio_api/info", PREFIX + "/async-result/x"):
        answer = httpx.get(served + path, headers={"Origin": EVIL}, timeout=30)
        assert cors_headers(answer) == {}, (path, answer.headers)
    for path in (PREFIX + "/videos/generations", "/gradio_api/queue/join"):
        preflight = httpx.options(served + path, timeout=30, headers={
            "Origin": EVIL, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        # Before: 200 from Gradio, echoing the origin with credentials allowed.
        assert preflight.status_code == 403 and cors_headers(preflight) == {}, path


@pytest.mark.slow
def test_an_allowed_origin_may_call_the_api_without_credentials(served):
    preflight = httpx.options(served + PREFIX + "/videos/generations", timeout=30, headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    answer = httpx.get(served + PREFIX + "/async-result/x", headers={"Origin": ALLOWED},
                       timeout=30)
    assert answer.status_code == 401  # no key: the answer is readable, the key still needed
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in answer.headers


@pytest.mark.slow
def test_a_share_page_keeps_its_own_policy(served):
    """Share pages may be framed by any site on purpose (an embedded video); the page's
    policy is not laid over theirs. An unknown token's 404 is no page of the app either."""
    answer = httpx.get(served + "/s/" + "A" * 22, timeout=30)
    assert answer.status_code == 404
    assert "frame-ancestors 'self'" not in answer.headers.get("content-security-policy", "")


@pytest.mark.slow
def test_the_page_refuses_an_upload_bigger_than_a_photo_before_reading_it(served):
    """Issue #20: five 20 MB files in one request were accepted and kept. The request says
    its 100 MB and sends nothing more: the answer comes before any body is read."""
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(served)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(b"POST /gradio_api/upload HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Type: multipart/form-data; boundary=b\r\n"
                     b"Content-Length: 104857600\r\n\r\n")
        received = b""
        while b"one photo at a time" not in received:  # the status and body may come apart
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
        answer = received.decode("latin-1")
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "one photo at a time" in answer
