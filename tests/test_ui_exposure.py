"""What the page exposes: its upload route refuses a file bigger than a photo may be while
it streams in (a client cannot fill the server's disk through it), and the app sends no
usage telemetry."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx
import pytest
from api_support import stop_process

from tests.conftest import ROOT
from video.intake import MAX_BYTES


@pytest.mark.slow  # a `python app.py serve` process
def test_uploads_over_the_photo_limit_are_refused_before_they_land(tmp_path, shared_cache):
    temp = tmp_path / "gradio-temp"
    env = dict(os.environ, CLIPWRIGHT_CACHE_DIR=str(shared_cache), HF_HUB_OFFLINE="1",
               GRADIO_TEMP_DIR=str(temp))
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "serve", "--port", "0", "--engine", "tiny",
         "--data-dir", str(tmp_path / "data")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        for line in process.stdout:
            if match := re.search(r"running on (http://\S+)", line):
                url = match[1]
                break
        assert url, process.stderr.read()
        with httpx.Client(base_url=url, timeout=120) as http:
            small = http.post("/gradio_api/upload", files={"files": ("a.jpg", b"\xff" * 1024)})
            assert small.status_code == 200, small.text
            big = http.post("/gradio_api/upload",
                            files={"files": ("big.jpg", b"\xff" * (MAX_BYTES + 1024))})
        assert big.status_code == 413, big.text
        kept = [p.stat().st_size for p in temp.rglob("*") if p.is_file()]
        assert kept and max(kept) < MAX_BYTES  # the small one is there, nothing big is
    finally:
        stop_process(process)


@pytest.mark.slow  # two fresh interpreters import the app
def test_gradio_telemetry_is_off_unless_asked_for():
    check = ("import app, gradio.analytics as a; "
             "print(a.analytics_enabled(), app.__name__ and 'ok')")
    env = {k: v for k, v in os.environ.items() if k != "GRADIO_ANALYTICS_ENABLED"}
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "ok"], result.stderr
    env["GRADIO_ANALYTICS_ENABLED"] = "True"  # an operator may still turn it on
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["True", "ok"], result.stderr
