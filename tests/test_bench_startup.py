"""The cold-start timer: start a real server, poll it to its first 200, stop it."""

import sys

import pytest

from bench.startup import free_port, time_to_first_ok


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
