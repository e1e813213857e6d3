"""The cold-start timer: start a real server, poll it to its first 200, stop it."""

import sys

import pytest

from bench.startup import free_port, time_to_first_ok, times_to_ok


def test_times_a_real_server_to_its_first_200_and_stops_it(tmp_path):
    (tmp_path / "index.html").write_text("hello")
    port = free_port()
    seconds = time_to_first_ok([sys.executable, "-m", "http.server", str(port), "--bind",
                                "127.0.0.1"], f"http://127.0.0.1:{port}/", cwd=tmp_path)
    assert 0 < seconds < 60
    # The server was stopped: nothing answers on its port any more.
    import socket

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_a_command_that_exits_first_is_reported_with_its_output(tmp_path):
    with pytest.raises(RuntimeError, match="exited with 3.*no serve here"):
        time_to_first_ok([sys.executable, "-c", "import sys; print('no serve here'); sys.exit(3)"],
                         f"http://127.0.0.1:{free_port()}/", cwd=tmp_path)


def test_a_server_that_never_answers_times_out(tmp_path):
    with pytest.raises(RuntimeError, match="did not answer 200"):
        time_to_first_ok([sys.executable, "-c", "import time; time.sleep(30)"],
                         f"http://127.0.0.1:{free_port()}/", cwd=tmp_path, timeout=1.0)


def test_times_each_address_to_its_own_first_200_in_one_run(tmp_path):
    """A server whose second page appears later: each address gets its own time."""
    script = tmp_path / "late.py"
    script.write_text(
        "import http.server, sys, time\n"
        "started = time.monotonic()\n"
        "class Late(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        late = self.path == '/late' and time.monotonic() - started < 1.5\n"
        "        self.send_response(503 if late else 200)\n"
        "        self.end_headers()\n"
        "    def log_message(self, *args):\n"
        "        pass\n"
        "http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), Late).serve_forever()\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    first, late = times_to_ok([sys.executable, str(script), str(port)],
                              [url + "/", url + "/late"], cwd=tmp_path)
    assert 0 < first < late and late >= 1.5
