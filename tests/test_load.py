"""Load: 20 browser sessions and 3 API clients at the same moment on one real server.

bench/load.py starts `python app.py serve --engine tiny` on this test's own data folder and
port, makes API keys with `python app.py keys create`, renders one warm-up video, then lets
20 `gradio_client` sessions (each its own Gradio session: chat, Generate, follow) and 3 API
clients (2 tasks each, a repeated request_id, and one request for a model this server
lacks) loose at once. bench/load_checks.py
then reads what the clients saw and the server's SQLite database. Speed figures come from
`python -m bench load`, never from here.
"""

from __future__ import annotations

import pytest

from bench.load import REFUSED_MODEL, LoadPlan, run_load
from bench.load_checks import check

pytestmark = [pytest.mark.slow]


def test_twenty_sessions_and_api_clients_at_once_lose_nothing(tmp_path, shared_cache):
    plan = LoadPlan(sessions=20, api_clients=3, tasks_per_client=2, steps=1)
    report = run_load(tmp_path, shared_cache, plan)
    problems = check(report)
    assert not problems, "\n".join(problems) + f"\n(server log: {tmp_path / 'server.log'})"

    # Every render accepted is one row, run once, and done; the request for a model the
    # server lacks was refused with a reason and left no job.
    accepted = 1 + plan.sessions + plan.api_clients * plan.tasks_per_client
    refused = [t for t in report.tasks if t.model == REFUSED_MODEL]
    assert len(refused) == 1 and refused[0].outcome.startswith("refused: ")
    assert REFUSED_MODEL in refused[0].outcome and refused[0].job_id is None
    assert [t.outcome for t in report.tasks if t not in refused] == ["done"] * accepted
    assert len(report.jobs) == accepted and {j["attempts"] for j in report.jobs} == {1}
    assert len(report.creations) == 1 + plan.sessions  # one per browser render
    # The line was really deep: most sessions waited, and were told their place.
    shown = [max((s.position or 0 for s in t.sightings), default=0)
             for t in report.load_tasks if t.client.startswith("session")]
    assert sum(place > 1 for place in shown) >= plan.sessions // 2, shown
    # Memory was sampled all along, and stayed under its ceiling (check() holds the bound).
    assert len([at for at, _ in report.rss_kib if at >= report.load_started]) >= 10
    assert report.baseline_kib > report.cold_kib > 0
