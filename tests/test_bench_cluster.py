"""`python -m bench cluster --quick`: the suite runs on a real local Ray cluster and every job
it sends finishes. The figures live in bench/README.md; no timing is asserted here (this
machine's cores are shared with whatever else runs)."""

from __future__ import annotations

import pytest

pytest.importorskip("ray")  # the test command installs it (requirements-cluster.txt)

import bench.cluster  # noqa: E402
from bench.__main__ import OWN_FLAGS, main  # noqa: E402

pytestmark = pytest.mark.slow  # a cluster of up to three worker nodes, about a minute


def test_the_cluster_suite_runs_every_job_and_prints_its_table(monkeypatch, shared_cache,
                                                               capsys):
    assert OWN_FLAGS["cluster"] == "bench.cluster"
    monkeypatch.setenv("CLIPWRIGHT_CACHE_DIR", str(shared_cache))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # the suite sets it; put back afterwards
    reports = []
    real = bench.cluster.run_suite
    monkeypatch.setattr(bench.cluster, "run_suite",
                        lambda plan, cache=None: reports.append(real(plan, cache)) or reports[-1])

    assert main(["cluster", "--quick"]) == 0  # --quick: no speed-up verdict, all jobs done

    (report,) = reports
    assert report.plan == bench.cluster.QUICK and report.all_done
    one, two = report.batches
    assert (one.nodes, one.nodes_used) == (1, 1) and (two.nodes, two.nodes_used) == (2, 2)
    assert one.statuses == two.statuses == ["done"] * report.plan.jobs
    assert len(report.overhead.cluster_s) == len(report.overhead.local_s) == 2
    lost = report.restart
    assert (lost.status, lost.attempts) == ("done", 2)  # the lost node cost one attempt
    assert 0 < lost.placed_s <= lost.rendering_s <= lost.done_s
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0].startswith("Clipwright cluster benchmark") and "cores" in lines[0]
    assert "load average" in lines[1] and "OMP_NUM_THREADS=1" in lines[1]
    table = [line for line in lines if line.startswith("| ")]
    assert table[0] == "| benchmark | figure | note |" and len(table) == 6
    assert [row.split(" | ")[0] for row in table[1:]] == [
        "| throughput, 1 worker node", "| throughput, 2 worker nodes",
        "| speed-up, 2 nodes vs 1", "| dispatch overhead per job, 1-step clip",
        "| a lost node's job rendering again elsewhere"]
    assert "clips/min" in table[1] and "×" in table[3] and "--quick" in table[3]
