"""`serve --share`: a public link through Gradio's share tunnel, and share links that use it.

The real tunnel program is downloaded by Gradio from the Hugging Face CDN and reaches a
server on the internet; neither is possible here. So: offline, the server says exactly why
there is no public link and runs on; with a stand-in tunnel program (tests/frpc_standin.py,
a byte relay from another local port) the whole path runs — Gradio starts the program with
our host and port, the server prints the public link, the page and the API answer through
it, and Share makes links on the public address even for a visitor on 127.0.0.1.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import httpx
import pytest

from api_support import wait_for
from fault_support import AppProcess

pytestmark = pytest.mark.slow
STANDIN = Path(__file__).with_name("frpc_standin.py")


def tunnel_binary(hf_home: Path) -> Path:
    """Where Gradio looks for its tunnel program under HF_HOME (gradio.tunneling)."""
    from gradio import tunneling

    return hf_home / "gradio" / "frpc" / tunneling.BINARY_FILENAME


def test_offline_share_says_why_and_the_app_runs_on(tmp_path, shared_cache):
    server = AppProcess("serve", tmp_path / "data", shared_cache, "--share",
                        env={"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "1"})
    try:
        wait_for(lambda: server.logged("note: no public link"), 60, "the note")
        note = next(line for line in server.log_path.read_text().splitlines()
                    if "no public link" in line)
        assert str(tunnel_binary(tmp_path / "hf")) in note and "HF_HUB_OFFLINE" in note
        assert note.endswith("the app is local only")
        assert httpx.get(server.url + "/config", timeout=30).status_code == 200
        assert not any("public link:" in line for line in server.stdout)
    finally:
        server.stop()


def test_share_opens_a_tunnel_and_share_links_use_it(tmp_path, shared_cache):
    hf_home = tmp_path / "hf"
    binary = tunnel_binary(hf_home)
    binary.parent.mkdir(parents=True)
    binary.write_text(f"#!{sys.executable}\n" + STANDIN.read_text(encoding="utf-8"))
    binary.chmod(0o755)
    args_file = tmp_path / "frpc-args.json"
    server = AppProcess("serve", tmp_path / "data", shared_cache, "--share", env={
        "HF_HOME": str(hf_home), "HF_HUB_OFFLINE": "1",
        # A self-hosted share server: Gradio asks no one for an address.
        "GRADIO_SHARE_SERVER_ADDRESS": "127.0.0.1:7000",
        "FRPC_STANDIN_ARGS": str(args_file)})
    try:
        line = wait_for(lambda: next((l for l in server.stdout if "public link:" in l), None),
                        60, "the public link")
        public = re.search(r"public link: (http://127\.0\.0\.1:\d+)", line)[1]
        argv = json.loads(args_file.read_text())
        local_port = server.url.rsplit(":", 1)[1]
        assert argv[0] == "http" and argv[argv.index("-l") + 1] == local_port
        assert argv[argv.index("-i") + 1] == "127.0.0.1"
        assert argv[argv.index("--server_addr") + 1] == "127.0.0.1:7000"

        # Through the tunnel: the page and the API answer.
        assert httpx.get(public + "/config", timeout=30).status_code == 200
        assert httpx.get(public + "/api/paas/v4/async-result/x", timeout=30).status_code == 401

        # A visitor on 127.0.0.1 shares a video: the link is on the public address.
        from gradio_client import Client

        client = Client(server.url, verbose=False, download_files=False)
        client.predict({"text": "a paper boat on a pond", "files": []}, "", api_name="/chat")
        client.predict("", "", "", "", "none", "tiny", "", None, None, None, 0,
                       api_name="/generate")
        client.predict(api_name="/follow")
        box = client.predict(api_name="/share")["value"]
        link = re.search(r'href="([^"]+/s/[A-Za-z0-9_-]{20,})"', box)[1]
        assert link.startswith(public + "/s/")

        # The share page, fetched through the tunnel, names its video on the public address.
        page = httpx.get(link, timeout=30)
        assert page.status_code == 200
        video = re.search(r'<meta property="og:video" content="([^"]+)"', page.text)[1]
        assert video.startswith(public + "/s/")
        assert httpx.get(video, timeout=30).status_code == 200
    finally:
        server.stop()
