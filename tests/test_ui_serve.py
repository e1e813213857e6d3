"""`python app.py serve`: flags, clear errors, and a server that answers without a browser."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from api_support import stop_process

from tests.conftest import ROOT
from video.ffmpeg import probe


def test_bad_flags_exit_2_with_one_line(run_cli):
    result = run_cli("serve", "--auth", "nocolon", "--port", "0")
    assert result.returncode == 2 and result.stderr.strip() == \
        "error: --auth must look like user:password"
    result = run_cli("serve", "--port", "70000")
    assert result.returncode == 2 and "--port must be between 0 and 65535" in result.stderr
    result = run_cli("serve", "--engine", "warp")
    assert result.returncode == 2 and "invalid choice" in result.stderr
    # Without the word `serve`, its flags still go to serve (before issue #19:
    # "argument command: invalid choice: '7861'").
    result = run_cli("--port", "70000", "--data-dir", "somewhere")
    assert result.returncode == 2 and "--port must be between 0 and 65535" in result.stderr


def test_a_busy_port_is_a_clear_error(run_cli):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), "--engine", "tiny")
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow  # a `python app.py serve` process
def test_serve_answers_the_page_share_routes_and_api_then_stops(tmp_path, shared_cache):
    env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(shared_cache), HF_HUB_OFFLINE="1")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve", "--port", "0", "--engine", "tiny",
         "--data-dir", str(tmp_path / "data"), "--auth", "ann:secret"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The address answers first ("starting on"), the page a moment later ("running on").
        first = process.stdout.readline()
        assert re.search(r"starting on http://127\.0\.0\.1:\d+", first), \
            first + process.stderr.read()
        line = process.stdout.readline()
        match = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
        assert match, line + process.stderr.read()
        url = match[1]

        def status(path: str) -> int:
            try:
                with urllib.request.urlopen(url + path, timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code

        # Start-up stays light: torch (and so any model) is not loaded before a render.
        assert "libtorch" not in open(f"/proc/{process.pid}/maps", encoding="utf-8").read()
        assert status("/s/" + "A" * 22) == 404  # share pages stay public, and plain
        assert status("/api/paas/v4/async-result/nope") == 401  # the API wants its key
        assert status("/config") == 401  # --auth: the app's config needs a login

        def login(password: str) -> int:
            body = urllib.parse.urlencode({"username": "ann", "password": password}).encode()
            try:
                with urllib.request.urlopen(url + "/login", body, timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code

        assert login("wrong") == 400 and login("secret") == 200

        # gradio_client users: one Client is one session; chat, generate, follow, share.
        from gradio_client import Client

        client = Client(url, auth=("ann", "secret"), verbose=False)
        client.predict({"text": "a cat on a roof", "files": []}, "", api_name="/chat")
        client.predict("", "", "", "", "none", "tiny", "", None, None, None, 0,
                       api_name="/generate")
        chat = client.predict(api_name="/follow")[1]["value"]
        videos = [part["file"] for message in chat for part in message["content"]
                  if part.get("type") == "file"]
        # gradio_client downloads files it is given: the MP4 is here, whole.
        assert len(videos) == 1 and str(videos[0]).endswith(".mp4")
        assert probe(videos[0]).first("video").codec == "h264"
        box = client.predict(api_name="/share")["value"]
        token = re.search(r"/s/([A-Za-z0-9_-]{20,})", box)[1]
        assert status(f"/s/{token}") == 200 and status(f"/s/{token}/video.mp4") == 200
        assert (tmp_path / "data" / "clipwright.db").is_file()
    finally:
        stop_process(process)
    assert process.returncode is not None
