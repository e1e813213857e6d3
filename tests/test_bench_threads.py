"""The thread-budget bench: its busy processes come and go, its variants differ only in
CLIPWRIGHT_THREADS, and a quick run of the whole suite gives every row."""

import os

import pytest

from bench.threads import VARIANTS, busy_processes, child_env, run


def test_busy_processes_spin_while_inside_and_are_gone_after():
    before = {p for p in os.listdir("/proc") if p.isdigit()}
    with busy_processes(2):
        spinning = {p for p in os.listdir("/proc") if p.isdigit()} - before
        commands = [open(f"/proc/{p}/cmdline", "rb").read() for p in spinning
                    if os.path.exists(f"/proc/{p}/cmdline")]
        assert sum(b"while True: pass" in c for c in commands) == 2
    after = {p for p in os.listdir("/proc") if p.isdigit()}
    assert not (spinning & after) or all(  # pids may be reused, never by a spinner
        b"while True" not in open(f"/proc/{p}/cmdline", "rb").read() for p in spinning & after
        if os.path.exists(f"/proc/{p}/cmdline"))


def test_the_variants_differ_only_in_the_budget_switch(tmp_path, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "7")  # an inherited setting would mask the budget
    envs = {name: child_env(threads, tmp_path) for name, threads in VARIANTS.items()}
    assert envs["defaults"]["CLIPWRIGHT_THREADS"] == "default"
    assert envs["budget"]["CLIPWRIGHT_THREADS"] == "auto"
    assert all("OMP_NUM_THREADS" not in env for env in envs.values())
    assert ({k: v for k, v in envs["defaults"].items() if k != "CLIPWRIGHT_THREADS"}
            == {k: v for k, v in envs["budget"].items() if k != "CLIPWRIGHT_THREADS"})


@pytest.mark.slow
def test_a_quick_run_gives_every_row_with_its_figures():
    rows = run(1, quick=True, busy=1)
    names = [row.name for row in rows]
    assert len(rows) == 4  # quick: the loaded rows only
    assert sum("at once, defaults, 1 busy" in n for n in names) == 1
    assert sum("at once, budget, 1 busy" in n for n in names) == 1
    assert sum(n.startswith("`generate --engine tiny`") for n in names) == 2
    assert all(row.median_s > 0 for row in rows)
    budgeted = [row for row in rows if "at once, budget" in row.name]
    # the budget the children applied: 3 slots on this machine's cores
    assert all("slots (cores)" in row.note for row in budgeted)
    assert all("library defaults" in row.note for row in rows if "at once, defaults" in row.name)
