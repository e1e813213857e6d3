"""`python -m bench api`: a real `python app.py api` process, one kept-alive connection, a
running task polled (and an unknown one). The figure lives in bench/README.md; here the suite
runs and its polls are not held ~40 ms each by Nagle's algorithm (issue #20)."""

from __future__ import annotations

import pytest

from bench.__main__ import SUITES
from bench.api import run


@pytest.mark.slow  # two `python app.py` processes (a key, the server)
def test_the_api_suite_polls_a_running_task_on_one_connection():
    assert SUITES["api"] == "bench.api"
    rendering, unknown = run(1)
    assert rendering.runs == unknown.runs == 50
    assert rendering.target_s == 0.002
    # Generous for a busy 2-core machine; before the fix every poll took about 44 ms.
    assert 0 < rendering.median_s < 0.02 and 0 < unknown.median_s < 0.02
