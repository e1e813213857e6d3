"""image_url fetching against real web servers on loopback: private hosts are refused in
every spelling, redirects are vetted at each hop, and the connection goes to the address
that was checked (DNS rebinding cannot slip a private address in between)."""

from __future__ import annotations

import io
import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pytest
from PIL import Image

from studio.director import Director
from api.config import ApiConfig
from api.errors import ApiError
from api.images import HostPolicy, ImageRules, fetch
from api.server import build_app
from studio_support import open_test_services
from api_support import PREFIX, thread_server
from video.engines.pool import EnginePool

PUBLIC_HERE = ipaddress.ip_address("127.0.0.1")  # stands for "the internet" in some tests


def png() -> bytes:
    pixels = (np.arange(48 * 64 * 3) % 251).astype(np.uint8).reshape(48, 64, 3)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = png()


class Site:
    """A web server on one loopback address: /photo.png, and /to?u=URL redirects (302).
    It keeps the Host header of every request; HTTP/1.0, so each request is a connection."""

    def __init__(self, address: str, port: int = 0):
        self.hosts: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.hosts.append(self.headers.get("Host", ""))
                query = parse_qs(urlsplit(self.path).query)
                if self.path.startswith("/to"):
                    self.send_response(302)
                    self.send_header("Location", query["u"][0])
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((address, port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    served = Site("127.0.0.1")
    yield served
    served.close()


@pytest.fixture
def inside(site):
    """A second server on 127.0.0.2, the same port: the "private" side in the redirect tests."""
    try:
        served = Site("127.0.0.2", site.port)
    except OSError:
        pytest.skip("cannot listen on 127.0.0.2 here")
    yield served
    served.close()


def rules(allow_private: bool = False) -> ImageRules:
    return ImageRules(max_bytes=1 << 20, timeout_s=10, max_redirects=3,
                      allow_private_hosts=allow_private)


def refusal(url: str, policy: HostPolicy | None = None, allow_private: bool = False) -> str:
    with pytest.raises(ApiError) as caught:
        fetch(url, rules(allow_private), policy)
    assert caught.value.status == 400
    return str(caught.value)


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "127.0.0.1", "127.1", "0x7f000001",
                                  "2130706433", "[::1]", "[::ffff:127.0.0.1]", "0"])
def test_loopback_is_refused_however_it_is_spelled(site, host):
    message = refusal(f"http://{host}:{site.port}/photo.png")
    assert "private or local address" in message and "base64" in message
    assert site.hosts == []  # refused before any connection


def test_a_name_that_does_not_resolve_is_refused_cleanly(site):
    assert "cannot resolve host" in refusal(f"http://LOCALHOST.:{site.port}/photo.png")
    assert site.hosts == []


@pytest.mark.parametrize("host", ["localhost", "127.1", "0x7f000001", "2130706433"])
def test_the_same_urls_work_when_private_hosts_are_allowed(site, host):
    assert fetch(f"http://{host}:{site.port}/photo.png", rules(allow_private=True)) == PNG
    assert site.hosts == [f"{host}:{site.port}"]  # the Host header names the host as written


def test_every_redirect_is_vetted(site, inside):
    only_here = HostPolicy(is_public=lambda address: address == PUBLIC_HERE)
    here = f"http://127.0.0.1:{site.port}"
    assert fetch(f"{here}/to?u=/photo.png", rules(), only_here) == PNG  # a public hop: fine
    for target in (f"http://127.0.0.2:{site.port}/photo.png",
                   f"http://[::1]:{site.port}/photo.png",
                   f"http://10.0.0.1:{site.port}/photo.png"):
        hops = len(site.hosts)
        message = refusal(f"{here}/to?u=/to%3Fu%3D{target}", only_here)
        assert "private or local address" in message
        assert len(site.hosts) == hops + 2  # both hops here were asked; the third was refused
    assert inside.hosts == []  # nothing ever reached the private side


def test_the_connection_goes_to_the_address_that_was_checked(site, inside):
    """A name whose answer changes between lookups (DNS rebinding): the fetch connects to
    the address it vetted, keeps the name for the Host header, and looks the name up again
    — and vets it again — only for a new connection."""
    answers = iter(["127.0.0.1", "127.0.0.2"])
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        assert host == "photos.example"
        lookups.append(host)
        return [next(answers)]

    policy = HostPolicy(resolve=rebinding, is_public=lambda address: address == PUBLIC_HERE)
    url = f"http://photos.example:{site.port}"
    message = refusal(f"{url}/to?u=/photo.png", policy)  # same name again, new connection
    assert "host 'photos.example' is a private or local address" in message
    assert lookups == ["photos.example", "photos.example"]  # one lookup per connection
    assert site.hosts == [f"photos.example:{site.port}"]  # the vetted address, by name
    assert inside.hosts == []

    answers = iter(["127.0.0.1"])
    assert fetch(f"{url}/photo.png", rules(), policy) == PNG
    assert site.hosts[-1] == f"photos.example:{site.port}"



def client_hello_sni(hello: bytes) -> str | None:
    """The server name a TLS ClientHello asks for (RFC 6066), if any."""
    at = 5 + 4 + 2 + 32  # record header, handshake header, version, random
    at += 1 + hello[at]  # session id
    at += 2 + int.from_bytes(hello[at:at + 2], "big")  # cipher suites
    at += 1 + hello[at]  # compression methods
    end = at + 2 + int.from_bytes(hello[at:at + 2], "big")
    at += 2
    while at + 4 <= end:
        kind = int.from_bytes(hello[at:at + 2], "big")
        size = int.from_bytes(hello[at + 2:at + 4], "big")
        if kind == 0:  # server_name: list length, name type, name length, name
            length = int.from_bytes(hello[at + 7:at + 9], "big")
            return hello[at + 9:at + 9 + length].decode()
        at += 4 + size
    return None


def test_https_connects_to_the_vetted_address_and_asks_for_the_name():
    """TLS goes to the checked address while SNI (and so the certificate check) keeps the
    name; this listener only reads the ClientHello, so the fetch then fails, cleanly."""
    listener = socket.create_server(("127.0.0.1", 0))
    hellos: list[bytes] = []

    def accept():
        connection, _ = listener.accept()
        with connection:
            connection.settimeout(10)
            hellos.append(connection.recv(16384))

    threading.Thread(target=accept, daemon=True).start()
    policy = HostPolicy(resolve=lambda host, port: ["127.0.0.1"],
                        is_public=lambda address: address == PUBLIC_HERE)
    port = listener.getsockname()[1]
    message = refusal(f"https://photos.example:{port}/photo.png", policy)
    listener.close()
    assert "cannot fetch the image" in message
    assert hellos and hellos[0][0] == 0x16 and client_hello_sni(hellos[0]) == "photos.example"

def test_the_api_refuses_a_private_image_url_with_a_clear_400(tmp_path, engine_settings, site):
    services = open_test_services(tmp_path / "data", Director(EnginePool(engine_settings)))
    try:
        with thread_server(build_app(services, ApiConfig(engine="tiny"))) as url:
            _, key = services.keys.create("t")
            answer = httpx.post(url + PREFIX + "/videos/generations", timeout=30,
                                headers={"Authorization": f"Bearer {key}"},
                                json={"model": "cogvideox-3", "prompt": "make it move",
                                      "image_url": f"http://localhost:{site.port}/photo.png"})
        assert answer.status_code == 400, answer.text
        assert "private or local address" in answer.json()["error"]["message"]
        assert site.hosts == [] and services.queue.list("key:" + key.split(".")[0]) == []
    finally:
        services.db.close()
